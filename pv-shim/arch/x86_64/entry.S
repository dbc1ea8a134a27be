/*
 * Ring-0 entry points of the shim.
 *
 * shim_start: the vCPU's first instruction (CPL0, long mode, trap stack).
 * trap_stubs: one 16-byte stub per exception vector 0-31; each pushes an
 *   error code (0 when the CPU pushes none) and the vector, so every trap
 *   reaches trap_common with the same struct trap_frame layout; event_stub
 *   does the same for the launcher's event interrupt.
 * trap_common: guest path -> shim_trap() runs the core here; host path ->
 *   one `out` hands the frame's address to the launcher, which runs the
 *   core on it in place, then the page-table stores and TLB operations it
 *   queued are applied here.  Either way the (possibly rewritten) frame is
 *   then restored and `iretq` returns to it.
 * trap_return: also how the shim first enters the guest kernel.
 */
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/trap_frame.h"

	.section .text.entry, "ax"
	.code64
	.globl shim_start
shim_start:
	call shim_boot          /* does not return */
1:	hlt
	jmp 1b

.macro STUB vec, has_error
	.balign 16
	.if \has_error == 0
	pushq $0
	.endif
	pushq $\vec
	jmp trap_common
.endm

	.balign 16
	.globl trap_stubs
trap_stubs:
	STUB 0, 0
	STUB 1, 0
	STUB 2, 0
	STUB 3, 0
	STUB 4, 0
	STUB 5, 0
	.balign 16
	jmp invalid_opcode_entry
	STUB 7, 0
	STUB 8, 1
	STUB 9, 0
	STUB 10, 1
	STUB 11, 1
	STUB 12, 1
	STUB 13, 1
	STUB 14, 1
	STUB 15, 0
	STUB 16, 0
	STUB 17, 1
	STUB 18, 0
	STUB 19, 0
	STUB 20, 0
	STUB 21, 1
	STUB 22, 0
	STUB 23, 0
	STUB 24, 0
	STUB 25, 0
	STUB 26, 0
	STUB 27, 0
	STUB 28, 0
	STUB 29, 1
	STUB 30, 1
	STUB 31, 0

	/* The launcher's event interrupt (CORE_VEC_EVENT). */
	.balign 16
	.globl event_stub
event_stub:
	pushq $0
	pushq $CORE_VEC_EVENT
	jmp trap_common

/*
 * #UD.  The host path's short detour (SHIM_TRAMPOLINE_DETOUR_STORES):
 * the launcher sent the vCPU here, from the hypercall it just ran, with a
 * queue of page-table stores and invlpgs and no flush; they are applied and
 * the guest goes on after its hypercall, in about 50 instructions against
 * the 100 of the way through trap_common and C (each ~1.3 us here).
 * Anything else this path meets (no resume asked, a flush, an operation of
 * another kind) goes the ordinary way, which applies the whole queue: a
 * store or invlpg made twice does no harm.  Every other #UD is a trap.
 */
invalid_opcode_entry:
	pushq %rax
	movabsq $(SHIM_VIRT_BASE + SHIM_OFF_TRAMPOLINE + SHIM_TRAMPOLINE_DETOUR_STORES), %rax
	cmpq %rax, 8(%rsp)
	jne 8f
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	movq %rsp, %rdx
	andq $-SHIM_VCPU_STRIDE, %rdx /* this vCPU's queue starts its block */
	cmpl $0, SHIM_VCPU_CPU_OPS + SHIM_CPU_OPS_RESUME(%rdx)
	je 7f
	cmpl $0, SHIM_VCPU_CPU_OPS + 4(%rdx) /* flush_tlb */
	jne 7f
	movl SHIM_VCPU_CPU_OPS(%rdx), %ecx
	cmpl $((SHIM_CPU_OPS_SIZE - SHIM_CPU_OPS_OP) / SHIM_CPU_OP_SIZE), %ecx
	ja 7f
	leaq SHIM_VCPU_CPU_OPS + SHIM_CPU_OPS_OP(%rdx), %rsi
	movabsq $SHIM_PHYSMAP_BASE, %r8
1:	testl %ecx, %ecx
	jz 3f
	movq 8(%rsi), %rdi
	cmpq $SHIM_CPU_OP_WRITE_PTE, (%rsi)
	jne 2f
	andq $-8, %rdi
	movq 16(%rsi), %rax
	movq %rax, (%r8,%rdi)
	jmp 4f
2:	cmpq $SHIM_CPU_OP_INVLPG, (%rsi)
	jne 7f
	invlpg (%rdi)
4:	addq $SHIM_CPU_OP_SIZE, %rsi
	decl %ecx
	jmp 1b
3:	movl $0, SHIM_VCPU_CPU_OPS(%rdx)
	movl $0, SHIM_VCPU_CPU_OPS + SHIM_CPU_OPS_RESUME(%rdx)
	movq SHIM_VCPU_CPU_OPS + SHIM_CPU_OPS_RESUME_RIP(%rdx), %rax
	movq %rax, 48(%rsp)           /* the iret frame's RIP, past 6 saved */
	movq SHIM_VCPU_CPU_OPS + SHIM_CPU_OPS_RESUME_RFLAGS(%rdx), %rax
	movq %rax, 64(%rsp)           /* and its RFLAGS */
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	iretq
7:	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
8:	popq %rax
	pushq $0
	pushq $6
	jmp trap_common

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	/* A vCPU's first entry comes here with its frame already built
	 * (shim_boot: CORE_VEC_START). */
	.globl trap_dispatch
trap_dispatch:
	cmpb $0, shim_host_path(%rip)
	jne 1f
	movq %rsp, %rdi
	call shim_trap
	jmp trap_return
	/* Host path: a #UD at the trampoline's detour only asks for queued
	 * operations (shim_abi.h); anything else goes to the launcher, which
	 * may queue operations for after its `out`. */
	/* This vCPU's queue starts its block, which holds the stack we are
	 * on and is aligned to its size (shim_abi.h). */
1:	movq %rsp, %rax
	andq $-SHIM_VCPU_STRIDE, %rax
	cmpq $0, SHIM_VCPU_CPU_OPS(%rax) /* count and flush_tlb */
	je 2f
	movq %rsp, %rdi
	call shim_apply_cpu_ops
	testl %eax, %eax
	jnz trap_return
2:	movl %esp, %eax
	outl %eax, $SHIM_PORT_TRAP
	movq %rsp, %rax
	andq $-SHIM_VCPU_STRIDE, %rax
	cmpq $0, SHIM_VCPU_CPU_OPS(%rax)
	je trap_return
	movq %rsp, %rdi
	call shim_apply_cpu_ops

	.globl trap_return
trap_return:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits
