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
 * detour_stub: the #UD stub, with a short way through for the host path's
 *   detour (below).
 * cstar_stubs: where a 32-bit `syscall` enters (MSR_CSTAR), one per vCPU.
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
	.balign 16              /* #UD */
	pushq $0
	pushq $6
	jmp detour_stub
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
	jne 3f
	/* Nothing queued, but maybe a resume on new segments (an iret
	 * into compat mode), which only the full path makes. */
	cmpl $0, SHIM_VCPU_CPU_OPS + SHIM_CPU_OPS_RESUME(%rax)
	je 2f
3:	movq %rsp, %rdi
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

/*
 * The host path's detour (shim_abi.h): a #UD at the trampoline's `ud2`
 * that only asks for the page-table stores, invlpgs and CR3 loads the
 * launcher queued for a hypercall to be made by guest code, and for the
 * hypercall to return to resume_rip.  Each single-entry mmu_update comes
 * this way, and every instruction here is emulated (~1 us each on the
 * project's hosts), so those kinds and the flush are applied here on five
 * scratch registers instead of trap_common's fifteen and the C loop.
 * Anything else (a page restore, a store outside guest RAM, a #UD that is
 * not the detour) goes the full way, where shim_apply_cpu_ops applies the
 * whole queue from its start: the same stores in the same order again
 * leave the same tables.
 */
#define DETOUR_RIP (SHIM_VIRT_BASE + SHIM_OFF_TRAMPOLINE + SHIM_TRAMPOLINE_DETOUR)
/* The frame's fields with the five registers pushed here. */
#define FAST_RIP    (7 * 8)
#define FAST_RFLAGS (9 * 8)
detour_stub:
	cmpb $0, shim_host_path(%rip)
	je trap_common
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	movabsq $DETOUR_RIP, %rax
	cmpq %rax, FAST_RIP(%rsp)
	jne detour_full
	/* This vCPU's queue starts its block (as in trap_dispatch). */
	movq %rsp, %rdx
	andq $-SHIM_VCPU_STRIDE, %rdx
	cmpl $SHIM_RESUME_RIP, SHIM_CPU_OPS_RESUME(%rdx)
	jne detour_full
	movl SHIM_CPU_OPS_COUNT(%rdx), %ecx
	cmpl $SHIM_CPU_OPS_MAX, %ecx
	ja detour_full
	leaq SHIM_CPU_OPS_FIRST(%rdx), %rsi
	testl %ecx, %ecx
	jz 5f
1:	movq (%rsi), %rax
	movq 8(%rsi), %rdi
	cmpq $SHIM_CPU_OP_WRITE_PTE, %rax
	jne 2f
	cmpq shim_ram_bytes(%rip), %rdi
	jae detour_full
	movabsq $SHIM_PHYSMAP_BASE, %rax
	addq %rax, %rdi
	movq 16(%rsi), %rax
	movq %rax, (%rdi)
	jmp 4f
2:	cmpq $SHIM_CPU_OP_INVLPG, %rax
	jne 3f
	invlpg (%rdi)
	jmp 4f
3:	cmpq $SHIM_CPU_OP_LOAD_CR3, %rax
	jne detour_full
	movq 16(%rsi), %rax
	movq %rax, %cr3
4:	addq $SHIM_CPU_OP_SIZE, %rsi
	decl %ecx
	jnz 1b
5:	cmpl $0, SHIM_CPU_OPS_FLUSH(%rdx)
	je 6f
	movq %cr3, %rax         /* no global pages: this flushes everything */
	movq %rax, %cr3
6:	movq $0, SHIM_CPU_OPS_COUNT(%rdx) /* count and flush_tlb */
	movl $0, SHIM_CPU_OPS_RESUME(%rdx)
	movq SHIM_CPU_OPS_RIP(%rdx), %rax
	movq %rax, FAST_RIP(%rsp)
	movq SHIM_CPU_OPS_RFLAGS(%rdx), %rax
	movq %rax, FAST_RFLAGS(%rsp)
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq
detour_full:
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	jmp trap_common

/*
 * A 32-bit `syscall` from compat-mode user code enters at MSR_CSTAR at
 * CPL0 (AMD's semantics; these hosts' KVM follows them) with no stack
 * switch: %rsp is still the user's, rcx and r11 its return eip and
 * rflags, SFMASK cleared TF, DF, NT and AC and the launcher injects no
 * interrupt while the vCPU runs shim code with IF set, so nothing interrupts
 * us before we leave the user's stack.  The stub of vCPU n (each vCPU's
 * CSTAR names its own; shim_boot sets it) saves that rsp, takes its trap
 * stack, empty whenever guest code runs, and builds the frame Xen's
 * cstar_enter builds (cs FLAT_USER_CS32, ss FLAT_USER_SS32) with the
 * pseudo-vector CORE_VEC_CSTAR; trap_common does the rest, as for any
 * trap, and its iretq leaves for wherever the core sent the frame.
 */
#define CSTAR_STUB_SIZE 64
#define FLAT_USER_CS32 0xe023
#define FLAT_USER_SS32 0xe02b
.if SHIM_MAX_VCPUS != 32
.error "one CSTAR stub per vCPU: the list below has 32"
.endif
.macro CSTAR_STUB n
	.balign CSTAR_STUB_SIZE
	movq %rsp, cstar_user_rsp + 8 * \n(%rip)
	movabsq $(SHIM_VIRT_BASE + SHIM_OFF_VCPUS + \n * SHIM_VCPU_STRIDE + SHIM_VCPU_STACK + SHIM_STACK_SIZE), %rsp
	pushq $FLAT_USER_SS32
	pushq cstar_user_rsp + 8 * \n(%rip)
	pushq %r11
	pushq $FLAT_USER_CS32
	pushq %rcx
	pushq $0
	pushq $CORE_VEC_CSTAR
	jmp trap_common
.endm
	.balign CSTAR_STUB_SIZE
	.globl cstar_stubs
cstar_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	CSTAR_STUB \n
	.endr

	.bss
	.balign 8
cstar_user_rsp:
	.skip 8 * SHIM_MAX_VCPUS

	.section .note.GNU-stack, "", @progbits
