/*
 * Ring-0 entry points of the shim.
 *
 * shim_start: the vCPU's first instruction (CPL0, long mode, trap stack).
 * chain handlers: the host trap path's way back to the guest, at fixed
 *   places (shim_abi.h, SHIM_CHAIN_*).
 * trap_stubs: one 16-byte stub per exception vector 0-31; each pushes an
 *   error code (0 when the CPU pushes none) and the vector, so every trap
 *   reaches trap_common with the same struct trap_frame layout; event_stub
 *   does the same for the launcher's event interrupt.
 * host_trap_stubs: the host trap path's, which the IDT names instead once
 *   the path is fixed: the vector, and one `out` with every guest register
 *   still in the vCPU; the launcher runs the core and resumes the vCPU in
 *   a chain.
 * trap_common: the guest path's: shim_trap() runs the core here (the
 *   host path's CSTAR stubs and first entries go to the host stubs' `out`).
 * trap_return: the guest path's way back, and how vCPU 0's shim first
 *   enters the guest kernel.
 * cstar_stubs: where a 32-bit `syscall` enters (MSR_CSTAR), one per vCPU;
 *   cstar_recover: where both #PF stubs (on IST2) send one that this KVM
 *   took to MSR_CSTAR's low 32 bits.
 */
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/trap_frame.h"
#include "pv-shim/arch/x86_64/cstar.h"

	.section .text.entry, "ax"
	.code64
	.globl shim_start
shim_start:
	call shim_boot          /* does not return */
1:	hlt
	jmp 1b

/*
 * The chain handlers (shim_abi.h): each pops its operands and returns to
 * the next; %rax is theirs, SHIM_CHAIN_END gives the guest's back.  Only
 * the launcher's chains, on the trap stack, come here, with interrupts off
 * (an event interrupt KVM here delivers all the same is undone by the
 * launcher, which resumes the handler it interrupted: host_trap.c).
 */
.macro CHAIN_HANDLER h
	.org SHIM_CHAIN_OFF + \h * SHIM_CHAIN_HANDLER_SIZE, 0xcc
.endm
	CHAIN_HANDLER SHIM_CHAIN_END
	.globl shim_chain_handlers
shim_chain_handlers:
	popq %rax
	iretq
	CHAIN_HANDLER SHIM_CHAIN_RESTORE_ENTRY
	popq %rax
	pushq (%rax)
	popq (%rax)
	ret
	CHAIN_HANDLER SHIM_CHAIN_INVLPG
	popq %rax
	invlpg (%rax)
	ret
	CHAIN_HANDLER SHIM_CHAIN_LOAD_CR3
	popq %rax
	movq %rax, %cr3
	ret
	CHAIN_HANDLER SHIM_CHAIN_FLUSH_TLB
	movq %cr3, %rax         /* no global pages: this flushes everything */
	movq %rax, %cr3
	ret
	CHAIN_HANDLER SHIM_CHAIN_LOAD_LDT
	popq %rax
	lldt %ax
	ret
	CHAIN_HANDLER SHIM_CHAIN_RESTORE_PAGE
	popq %rax
	jmp chain_restore_page
	CHAIN_HANDLER SHIM_CHAIN_APPLY_QUEUE
	jmp chain_apply_queue
	CHAIN_HANDLER SHIM_CHAIN_HANDLERS

/* Stores each entry of the table page at %rax again, as it is: one
 * `rep movsq` onto itself, which this KVM emulates as one instruction
 * with a store per entry, where a loop costs five an entry.  The guest's
 * direction flag is still set if it was: cleared here, and its own comes
 * back with its rflags at the chain's iretq. */
chain_restore_page:
	pushq %rcx
	pushq %rsi
	pushq %rdi
	movq %rax, %rsi
	movq %rax, %rdi
	movl $512, %ecx
	cld
	rep movsq
	popq %rdi
	popq %rsi
	popq %rcx
	ret

/* A queue too long for a chain: cpu_ops.c applies the page's, keeping
 * every register C may change but %rax, on a stack aligned for C. */
chain_apply_queue:
	pushq %rbx
	movq %rsp, %rbx
	andq $-16, %rsp
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq %rbx, %rdi         /* on this vCPU's trap stack */
	call shim_apply_queued_cpu_ops
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	movq %rbx, %rsp
	popq %rbx
	ret

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
	.balign 16              /* #PF */
	jmp pf_entry
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
 * The host trap path's gates (boot.c points the IDT here once the path is
 * fixed): the vector, and out at once to the launcher, which resumes the
 * vCPU in a chain and never here (host_trap_exit below).
 */
.macro HOST_STUB vec, has_error
	.balign 16
	.if \has_error == 0
	pushq $0
	.endif
	pushq $\vec
	outb %al, $SHIM_PORT_TRAP_REGS
	ud2
.endm
	.balign 16
	.globl host_trap_stubs
host_trap_stubs:
	HOST_STUB 0, 0
	HOST_STUB 1, 0
	HOST_STUB 2, 0
	HOST_STUB 3, 0
	HOST_STUB 4, 0
	HOST_STUB 5, 0
	HOST_STUB 6, 0
	HOST_STUB 7, 0
	HOST_STUB 8, 1
	HOST_STUB 9, 0
	HOST_STUB 10, 1
	HOST_STUB 11, 1
	HOST_STUB 12, 1
	HOST_STUB 13, 1
	.balign 16              /* #PF */
	jmp host_pf_entry
	HOST_STUB 15, 0
	HOST_STUB 16, 0
	HOST_STUB 17, 1
	HOST_STUB 18, 0
	HOST_STUB 19, 0
	HOST_STUB 20, 0
	HOST_STUB 21, 1
	HOST_STUB 22, 0
	HOST_STUB 23, 0
	HOST_STUB 24, 0
	HOST_STUB 25, 0
	HOST_STUB 26, 0
	HOST_STUB 27, 0
	HOST_STUB 28, 0
	HOST_STUB 29, 1
	HOST_STUB 30, 1
	HOST_STUB 31, 0
	.globl host_event_stub
host_event_stub:
	HOST_STUB CORE_VEC_EVENT, 0

/* The general registers of a struct trap_frame, off the stack. */
.macro POP_GPRS
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
.endm

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
	movq %rsp, %rdi
	call shim_trap

	.globl trap_return
trap_return:
	POP_GPRS
	addq $16, %rsp
	iretq

/* Host path, a vCPU's first entry (start_other_vcpu): its registers from
 * the frame, then on as any trap. */
	.globl host_first_entry
host_first_entry:
	POP_GPRS
/*
 * Host path: the vector and error code are under the CPU's frame and every
 * other guest register is in the vCPU, where the launcher reads and writes
 * them; it resumes the vCPU in a chain (shim_abi.h), never here.
 */
host_trap_exit:
	outb %al, $SHIM_PORT_TRAP_REGS
	ud2

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
 * pseudo-vector CORE_VEC_CSTAR; cstar_common hands it to trap_common (or,
 * in the host path, to the launcher) as any trap, and the way back leaves
 * for wherever the core sent the frame.
 */
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
	jmp cstar_common
.endm
	.balign CSTAR_STUB_SIZE
	.globl cstar_stubs
cstar_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	CSTAR_STUB \n
	.endr
	/* "moves .org backwards" if a stub is longer than CSTAR_STUB_SIZE */
	.org cstar_stubs + SHIM_MAX_VCPUS * CSTAR_STUB_SIZE, 0xcc

/*
 * Both #PF stubs start here, on the trap stack's top (IST2: boot.c), with
 * the CPU's frame at (%rsp): error code, rip, cs, rflags, rsp, ss.  On AMD
 * hosts this KVM takes a compat-mode `syscall` to MSR_CSTAR's low 32 bits
 * only: at CPL0 that fetch faults, with rcx and r11 as the syscall left
 * them and the user's stack pointer in the frame.  IST2 is why the CPU
 * wrote that frame here and not below the user's esp, on a page that may
 * not be mapped.  Only that fetch is at CPL0 below 4 GiB: the shim runs in
 * the top half, and guest code runs at CPL3.  Both tests read the frame
 * the CPU wrote on the shim's own stack, which no guest can write.
 */
.macro CSTAR_CHECK
	testb $3, 16(%rsp)      /* cs: from guest code, the common case */
	jnz 1f
	cmpl $0, 12(%rsp)       /* rip's top half */
	je cstar_recover
1:
.endm
pf_entry:
	CSTAR_CHECK
	pushq $14
	jmp trap_common
host_pf_entry:
	CSTAR_CHECK
	pushq $14
	outb %al, $SHIM_PORT_TRAP_REGS
	ud2

/*
 * Does what this vCPU's CSTAR stub would have done, in place: the frame it
 * builds takes the same six words at the same trap stack's top, and the
 * user's stack pointer is already where the stub puts it.  Every other
 * value comes from the registers the syscall left, none from guest memory.
 */
cstar_recover:
	movq $FLAT_USER_SS32, 40(%rsp)
	movq %r11, 24(%rsp)     /* the user's rflags */
	movq $FLAT_USER_CS32, 16(%rsp)
	movq %rcx, 8(%rsp)      /* its return eip */
	movq $0, 0(%rsp)
	pushq $CORE_VEC_CSTAR
	jmp cstar_common

/* The CSTAR frame is built the same in both paths; only here do they part
 * (the other traps' IDT stubs are each path's own). */
cstar_common:
	cmpb $0, shim_host_path(%rip)
	jne host_trap_exit
	jmp trap_common

	.bss
	.balign 8
cstar_user_rsp:
	.skip 8 * SHIM_MAX_VCPUS

	.section .note.GNU-stack, "", @progbits
