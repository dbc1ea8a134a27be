/*
 * The privops guest's assembly: iret with a chosen rflags (to user or
 * kernel mode) and the user code its tests run.
 */
#include <stdint.h>
#include <xen/xen.h>

#include "privops-guest.h"

#define STR(x) STR_(x)
#define STR_(x) #x
#define IRET_ENTRY "hypercall_page + " STR(__HYPERVISOR_iret) " * 32"

__asm__(
	".pushsection .text\n"
	/* As trap_entry.c's user_enter, whose syscall callback returns to
	 * our caller through user_saved_rsp; rflags from %rdx. */
	".global user_enter_rflags\n"
	"user_enter_rflags:\n"
	"	pushq %rbx; pushq %rbp; pushq %r12; pushq %r13; pushq %r14; pushq %r15\n"
	"	movq %rsp, user_saved_rsp(%rip)\n"
	"	pushq $0x2b\n"
	"	pushq %rsi\n"
	"	pushq %rdx\n"
	"	pushq $0x33\n"
	"	pushq %rdi\n"
	"	pushq $0\n"
	"	jmp " IRET_ENTRY "\n"

	".global iret_with_rflags\n"
	"iret_with_rflags:\n"
	"	movq %rsp, %rax\n"
	"	pushq $0xe02b\n"
	"	pushq %rax\n"
	"	pushq %rdi\n"
	"	pushq $0xe030\n"
	"	leaq 1f(%rip), %rax\n"
	"	pushq %rax\n"
	"	pushq $0\n"
	"	jmp " IRET_ENTRY "\n"
	"1:	ret\n"

	".global user_cli_then_dr\n"
	"user_cli_then_dr:\n"
	"	cli\n"
	"	movq %dr7, %rax\n"
	"	syscall\n"
	"	ud2\n"

	".global user_forced_cpuid\n"
	"user_forced_cpuid:\n"
	"	xorl %eax, %eax\n"
	"	xorl %ecx, %ecx\n"
	"	ud2; .ascii \"xen\"; cpuid\n"
	"	movq %rcx, %r12\n"
	"	movq %rdx, %r13\n"
	"	syscall\n"
	"	ud2\n"

	".global user_rdmsr\n"
	"user_rdmsr:\n"
	"	movl $0xce, %ecx\n"
	"	rdmsr\n"
	"	syscall\n"
	"	ud2\n"

	".global breakpoint_target\n"
	"breakpoint_target:\n"
	"	nop\n"
	"	ret\n"
	".popsection\n");
