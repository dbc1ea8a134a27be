#include "trap_entry.h"

#include <xen/xen.h>
#include <xen/callback.h>
#include "hypercall.h"
#include "pv_mmu.h"
#include "test.h"

#define STR(x) STR_(x)
#define STR_(x) #x
#define IRET_ENTRY "hypercall_page + " STR(__HYPERVISOR_iret) " * 32"

void (*trap_hook)(struct trap_stack *s);
uint64_t user_syscall_frame[7], user_syscall_frame_addr;
uint64_t user_syscall_rax, user_syscall_rbx, user_syscall_r12, user_syscall_r13;
uint64_t user_saved_rsp;

void trap_dispatch(struct trap_stack *s);

void trap_dispatch(struct trap_stack *s)
{
	if (trap_hook)
		trap_hook(s);
}

__asm__(
	".pushsection .text\n"
	".global trap_common\n"
	"trap_common:\n"
	"	pushq %rax; pushq %rbx; pushq %rcx; pushq %rdx; pushq %rsi\n"
	"	pushq %rdi; pushq %rbp; pushq %r8; pushq %r9; pushq %r10\n"
	"	pushq %r11; pushq %r12; pushq %r13; pushq %r14; pushq %r15\n"
	"	movq %rsp, %rdi\n"
	"	movq %rsp, %rbp\n"
	"	andq $-16, %rsp\n"
	"	call trap_dispatch\n"
	"	movq %rbp, %rsp\n"
	"	popq %r15; popq %r14; popq %r13; popq %r12; popq %r11\n"
	"	popq %r10; popq %r9; popq %r8; popq %rbp; popq %rdi\n"
	"	popq %rsi; popq %rdx; popq %rcx; popq %rbx; popq %rax\n"
	/* has_error and vector off; then rcx and r11 from the frame, as
	 * Xen's iret takes them from struct iret_context again. */
	"	cmpq $0, (%rsp)\n"
	"	leaq 16(%rsp), %rsp\n"
	"	popq %rcx\n"
	"	popq %r11\n"
	"	jz 1f\n"
	"	leaq 8(%rsp), %rsp\n"
	"1:	pushq $0\n"
	"	jmp " IRET_ENTRY "\n"

	/* To guest user mode with Xen's iret frame (flags, rip, cs, rflags,
	 * rsp, ss; cs with RPL 3 asks for user mode): user_enter on Linux's
	 * user selectors, user_enter_selectors on the cs (%rdx) and ss (%rcx)
	 * given. */
	".global user_enter, user_enter_selectors, user_syscall_entry\n"
	"user_enter:\n"
	"	movq $0x33, %rdx\n"
	"	movq $0x2b, %rcx\n"
	"user_enter_selectors:\n"
	"	pushq %rbx; pushq %rbp; pushq %r12; pushq %r13; pushq %r14; pushq %r15\n"
	"	movq %rsp, user_saved_rsp(%rip)\n"
	"	pushq %rcx\n"
	"	pushq %rsi\n"
	"	pushq $0x202\n"
	"	pushq %rdx\n"
	"	pushq %rdi\n"
	"	pushq $0\n"
	"	jmp " IRET_ENTRY "\n"
	/* The syscall callback: { rcx, r11, rip, cs, rflags, rsp, ss } on
	 * the stack_switch stack, in guest kernel mode. */
	"user_syscall_entry:\n"
	"	movq %rax, user_syscall_rax(%rip)\n"
	"	movq %rbx, user_syscall_rbx(%rip)\n"
	"	movq %r12, user_syscall_r12(%rip)\n"
	"	movq %r13, user_syscall_r13(%rip)\n"
	"	movq %rsp, user_syscall_frame_addr(%rip)\n"
	"	movq 0*8(%rsp), %rax; movq %rax, user_syscall_frame+0*8(%rip)\n"
	"	movq 1*8(%rsp), %rax; movq %rax, user_syscall_frame+1*8(%rip)\n"
	"	movq 2*8(%rsp), %rax; movq %rax, user_syscall_frame+2*8(%rip)\n"
	"	movq 3*8(%rsp), %rax; movq %rax, user_syscall_frame+3*8(%rip)\n"
	"	movq 4*8(%rsp), %rax; movq %rax, user_syscall_frame+4*8(%rip)\n"
	"	movq 5*8(%rsp), %rax; movq %rax, user_syscall_frame+5*8(%rip)\n"
	"	movq 6*8(%rsp), %rax; movq %rax, user_syscall_frame+6*8(%rip)\n"
	"	movq user_saved_rsp(%rip), %rsp\n"
	"	popq %r15; popq %r14; popq %r13; popq %r12; popq %rbp; popq %rbx\n"
	"	ret\n"
	".popsection\n");

int user_mode_prepare(const void *kernel_stack_top)
{
	uint64_t l4_pfn = (boot_start_info->pt_base - VIRT_BASE) >> 12;
	struct callback_register cb = {
		.type = CALLBACKTYPE_syscall, .address = (unsigned long)user_syscall_entry,
	};
	if (mmuext(MMUEXT_NEW_USER_BASEPTR, l4_pfn) ||
	    hypercall_via_page(__HYPERVISOR_callback_op, CALLBACKOP_register,
			       (unsigned long)&cb, 0, 0, 0) ||
	    hypercall_via_page(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
			       (unsigned long)kernel_stack_top, 0, 0, 0))
		return -1;
	return 0;
}
