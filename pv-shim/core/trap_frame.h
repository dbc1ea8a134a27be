/*
 * The register frame of one guest trap, as the shim's entry stub leaves it
 * on the trap stack (general registers pushed below the hardware frame).
 * The launcher builds the same frame from KVM registers for traps that
 * reach it without passing through CPL0.  Field order is the stub's ABI.
 */
#ifndef XENLET_CORE_TRAP_FRAME_H
#define XENLET_CORE_TRAP_FRAME_H

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	/* pushed by the CPU */
	uint64_t rip, cs, rflags, rsp, ss;
};

#define TRAP_FRAME_SIZE (22 * 8)
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "stub ABI");
#endif

/*
 * Pseudo-vector for a guest `syscall` that the launcher received straight
 * from the CPL3 trampoline (host trap path): no CPU exception was taken.
 */
#define CORE_VEC_SYSCALL 256

/*
 * Pseudo-vector of a vCPU's first entry into the core after VCPUOP_up:
 * the shim of a vCPU other than 0 hands over an empty frame, which the
 * core fills from the vCPU's VCPUOP_initialise context.
 */
#define CORE_VEC_START 257

/*
 * Pseudo-vector of a 32-bit `syscall` from compat-mode user code: the
 * CPU took it to MSR_CSTAR at CPL0, where the shim's stub built the frame
 * as Xen's cstar_enter does (rip, rflags from rcx, r11; the user's rsp;
 * FLAT_USER_CS32 and FLAT_USER_SS32) on the vCPU's trap stack.
 */
#define CORE_VEC_CSTAR 258

/*
 * The interrupt the launcher injects (KVM_INTERRUPT) when an event became
 * pending for a vCPU that runs guest code and may never trap: it only
 * brings the vCPU into the core, whose way back to the guest takes timers
 * due and delivers an unmasked upcall, as at any other trap.  A real
 * vector of the shim's IDT, DPL 0, so guest code cannot raise it.
 */
#define CORE_VEC_EVENT 0xf0

#endif
