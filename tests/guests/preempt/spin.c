/*
 * The preempt guest's code that must not trap: loops that spin on rdtsc
 * (which runs natively, no exit, no hypercall) with a pattern in every
 * register they do not need, so that an upcall which interrupts them and
 * irets back must show its rip inside them and leave the pattern intact.
 * They are asm so that the compiler can neither move code in or out of
 * the labelled ranges nor keep the pattern in memory.
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/version.h>

#include "preempt.h"

#define STR(x) STR_(x)
#define STR_(x) #x

/* "prempt" and the register's index: distinct per register, and unlike
 * anything an address or a counter would leave there. */
#define PATTERN "0x7072656d70740000"

#define LOAD(reg, i) "	movabsq $" PATTERN " + " #i ", %" #reg "\n"
#define LOAD_PATTERNS                                                      \
	LOAD(rbx, 0) LOAD(rcx, 1) LOAD(rbp, 2) LOAD(r8, 3) LOAD(r9, 4)     \
	LOAD(r10, 5) LOAD(r11, 6) LOAD(r12, 7) LOAD(r13, 8) LOAD(r14, 9)   \
	LOAD(r15, 10)

/* Sets bit i of %eax when reg lost its pattern; clobbers %rdx. */
#define COMPARE(reg, i)                                                    \
	"	movabsq $" PATTERN " + " #i ", %rdx\n"                     \
	"	cmpq %rdx, %" #reg "\n"                                    \
	"	je 1f\n"                                                   \
	"	orl $(1 << " #i "), %eax\n"                                \
	"1:\n"
#define COMPARE_PATTERNS                                                   \
	"	xorl %eax, %eax\n"                                         \
	COMPARE(rbx, 0) COMPARE(rcx, 1) COMPARE(rbp, 2) COMPARE(r8, 3)     \
	COMPARE(r9, 4) COMPARE(r10, 5) COMPARE(r11, 6) COMPARE(r12, 7)     \
	COMPARE(r13, 8) COMPARE(r14, 9) COMPARE(r15, 10)

/* Until the TSC reaches %rdi; clobbers %rax and %rdx only. */
#define SPIN_UNTIL_RDI                                                     \
	"2:	rdtsc\n"                                                   \
	"	shlq $32, %rdx\n"                                          \
	"	orq %rdx, %rax\n"                                          \
	"	cmpq %rdi, %rax\n"                                         \
	"	jb 2b\n"

uint64_t kspin_rsp, uspin_tsc_end;

__asm__(
	".pushsection .text\n"
	TRAP_STUB(event_callback, EVENT_VECTOR, 0)

	/* spin_kernel(tsc_end %rdi, mask %rsi, mask_during %rdx) */
	".global spin_kernel, kspin_begin, kspin_end\n"
	"spin_kernel:\n"
	"	pushq %rbx; pushq %rbp; pushq %r12; pushq %r13; pushq %r14; pushq %r15\n"
	LOAD_PATTERNS
	"	movq %rsp, kspin_rsp(%rip)\n"
	/* The upcall may come right after this store: at kspin_begin. */
	"	movb %dl, (%rsi)\n"
	"kspin_begin:\n"
	SPIN_UNTIL_RDI
	/* An upcall held until here still interrupts at this store. */
	"kspin_end:\n"
	"	movb $1, (%rsi)\n"
	COMPARE_PATTERNS
	"	popq %r15; popq %r14; popq %r13; popq %r12; popq %rbp; popq %rbx\n"
	"	ret\n"

	/* In guest user mode: nothing but the loop, the check and the
	 * syscall back to the kernel; the data it reads is the kernel's,
	 * mapped user-accessible as Xen does for a 64-bit PV kernel. */
	".global uspin_code, uspin_syscall\n"
	"uspin_code:\n"
	"	movq uspin_tsc_end(%rip), %rdi\n"
	LOAD_PATTERNS
	SPIN_UNTIL_RDI
	COMPARE_PATTERNS
	"	movl %eax, %ebx\n"
	"uspin_syscall:\n"
	"	syscall\n"
	/* The syscall callback never returns here. */
	"	ud2\n"

	/* unmask_and_force(mask %rdi, pending %rsi) */
	".global unmask_and_force, unmask_window, unmask_window_end\n"
	"unmask_and_force:\n"
	"	pushq %rbx\n"
	"	movq %rdi, %rbx\n"
	"	xorl %eax, %eax\n"
	"	movb $0, (%rbx)\n"
	"unmask_window:\n"
	"	cmpb $0, (%rsi)\n"
	"	je 3f\n"
	/* A bare syscall, as Linux makes hypercalls since XSA-466: the
	 * upcall then interrupts right after it, inside this window, not
	 * in the hypercall page. */
	"	movl $" STR(__HYPERVISOR_xen_version) ", %eax\n"
	"	movl $" STR(XENVER_version) ", %edi\n"
	"	xorl %esi, %esi\n"
	"	syscall\n"
	"3:\n"
	"unmask_window_end:\n"
	"	movb $1, (%rbx)\n"
	"	popq %rbx\n"
	"	ret\n"
	".popsection\n");
