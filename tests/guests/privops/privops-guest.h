/* Shared by the privops guest's assembly (user.c) and its tests (main.c). */
#ifndef PRIVOPS_GUEST_H
#define PRIVOPS_GUEST_H

#include <stdint.h>

/* iret (HYPERVISOR_iret) to guest user mode at code on stack with the
 * rflags given, else as user_enter (trap_entry.h): back when the user
 * code's syscall reaches user_syscall_entry. */
void user_enter_rflags(const void *code, uint64_t stack_top, uint64_t rflags);

/* iret to the next instruction in guest kernel mode with the rflags
 * given (IF clear: events stay masked). */
void iret_with_rflags(uint64_t rflags);

/* User code, each ending with `syscall`:
 * user_cli_then_dr: cli, then `mov %dr7, %rax` (a #GP from user mode
 *   whatever the I/O privilege, so that its frame shows the IOPL);
 * user_forced_cpuid: Xen's forced-emulation CPUID of leaf 0, its ebx,
 *   ecx and edx left in rbx, r12 and r13;
 * user_rdmsr: rdmsr of PLATFORM_INFO. */
extern const char user_cli_then_dr[], user_forced_cpuid[], user_rdmsr[];

/* A function for an instruction breakpoint to be set on. */
void breakpoint_target(void);

#endif
