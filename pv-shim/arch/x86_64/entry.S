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
	STUB 6, 0
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
