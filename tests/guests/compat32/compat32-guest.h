/* Shared by the compat32 guest's 32-bit user code (user32.c) and its
 * test (main.c). */
#ifndef COMPAT32_GUEST_H
#define COMPAT32_GUEST_H

#include <stdint.h>

/* Where the user code and its stack are mapped, below 4 GiB, with the
 * page between them not mapped: the 32-bit syscall is made with esp at
 * STACK_VA, so nothing may be written below the user's stack on its way
 * (these hosts' KVM first faults at CSTAR's low 32 bits, at CPL0). */
#define CODE_VA      0x00400000ul
#define STACK_VA     0x00402000ul
#define STACK_TOP    (STACK_VA + 0x1000ul)
#define PF_ADDRESS   0x1000ul      /* not mapped */

/* The kernel's answers, which user code keeps in esi and edx. */
#define INT80_RETURN    0x80808080ul
#define SYSENTER_RETURN 0x5e5e5e5eul

/* The 32-bit code (copied to CODE_VA; only relative jumps) and its
 * labels: each instruction that traps, and where it goes on. */
extern const char c32_code[], c32_code_end[], c32_int80[], c32_after_int80[],
	c32_sysenter[], c32_after_sysenter[], c32_pf[], c32_gp[], c32_out[],
	c32_syscall[], c32_after_syscall[];

/* Handlers for the trap table and the sysenter callback. */
extern const char c32_handler_int80[], c32_handler_ud[], c32_handler_gp[],
	c32_handler_pf[], c32_handler_sysenter[];
#define SYSENTER_VECTOR 0x100 /* what its handler records as vector */

/* Where a label lies once the code is at CODE_VA. */
static inline uint64_t user_va(const char *label)
{
	return CODE_VA + (uint64_t)(label - c32_code);
}

#endif
