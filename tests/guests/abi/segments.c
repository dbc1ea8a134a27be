/*
 * The abi guest's assembly: segment loads, far returns and user code that
 * use Xen's flat selectors, and the places its #GP handler resumes at.
 */
#include <stdint.h>
#include <xen/xen.h>

#include "abi-guest.h"

#define STR(x) STR_(x)
#define STR_(x) #x

uint64_t user_word = 0x7573657264733332ULL;

/* %r8 keeps the old selector: the #GP handler's iret gives back every
 * register but the ones Xen's frame holds (rcx, r11). */
#define SEGMENT_PROBE(seg)                                                   \
	".global probe_" #seg "\n"                                           \
	"probe_" #seg ":\n"                                                  \
	"	movl %" #seg ", %r8d\n"                                      \
	"	movl %edi, %" #seg "\n"                                      \
	"	movq %" #seg ":(%rsi), %rax\n"                               \
	"	movl %r8d, %" #seg "\n"                                      \
	"	ret\n"

__asm__(
	".pushsection .text\n"
	SEGMENT_PROBE(ds) SEGMENT_PROBE(es) SEGMENT_PROBE(fs) SEGMENT_PROBE(gs)
	SEGMENT_PROBE(ss)
	/* A load that faulted changed nothing: just return the marker. */
	".global probe_faulted\n"
	"probe_faulted:\n"
	"	movabsq $" STR(PROBE_FAULTED) ", %rax\n"
	"	ret\n"

	".global read_back_ds\n"
	"read_back_ds:\n"
	"	movl %ds, %r8d\n"
	"	movl %edi, %ds\n"
	"	movl %ds, %eax\n"
	"	movl %r8d, %ds\n"
	"	ret\n"

	".global far_return_via\n"
	"far_return_via:\n"
	"	movl %cs, %r8d\n"
	"	pushq %rdi\n"
	"	leaq 1f(%rip), %rax\n"
	"	pushq %rax\n"
	"	lretq\n"
	"1:	pushq %r8\n"
	"	leaq 2f(%rip), %rax\n"
	"	pushq %rax\n"
	"	lretq\n"
	"2:	movl $1, %eax\n"
	"	ret\n"
	/* The first lretq faulted with its two words still pushed. */
	".global far_faulted\n"
	"far_faulted:\n"
	"	addq $16, %rsp\n"
	"	xorl %eax, %eax\n"
	"	ret\n"

	/* HYPERVISOR_iret to rip in guest kernel mode, coming back here (the
	 * handler of the fault there resumes at iret_faulted on this rsp). */
	".global iret_to\n"
	"iret_to:\n"
	"	movq %rsp, %rax\n"
	"	pushq $0xe02b\n"
	"	pushq %rax\n"
	"	pushq $0x2\n"
	"	pushq $0xe030\n"
	"	pushq %rdi\n"
	"	pushq $0\n"
	"	jmp hypercall_page + " STR(__HYPERVISOR_iret) " * 32\n"
	".global iret_faulted\n"
	"iret_faulted:\n"
	"	ret\n"

	/* A bare `syscall` to multicall(list, nr) with an iret_context at
	 * %rsp, as an iret entry in the list finds it: the iret returns to
	 * multicall_iret_back on this rsp with %rax = MULTICALL_IRET_RAX. */
	".global multicall_iret\n"
	"multicall_iret:\n"
	"	movq %rsp, %rax\n"
	"	pushq $0xe02b\n"
	"	pushq %rax\n"
	"	pushq $0x2\n"
	"	pushq $0xe030\n"
	"	leaq multicall_iret_back(%rip), %rax\n"
	"	pushq %rax\n"
	"	pushq $0\n"
	"	pushq $0\n"
	"	pushq $0\n"
	"	pushq $" STR(MULTICALL_IRET_RAX) "\n"
	"	movl $" STR(__HYPERVISOR_multicall) ", %eax\n"
	"	syscall\n"
	"	ud2\n"
	"multicall_iret_back:\n"
	"	ret\n"

	".global user_code\n"
	"user_code:\n"
	"	movl $0xe02b, %eax\n"
	"	movl %eax, %ds\n"
	"	movq user_word(%rip), %rbx\n"
	"	syscall\n"
	"	ud2\n"
	".popsection\n");
