/*
 * The one entry point for every guest trap, wherever the core runs.
 *
 * A trap is either the guest's `syscall` or a CPU exception taken at CPL3.
 * On these machines `syscall` does not raise CPL: it jumps to LSTAR at
 * CPL3, where the trampoline either executes `ud2` (guest path: #UD whose
 * RIP is the trampoline) or an `out` straight to the launcher (host path:
 * CORE_VEC_SYSCALL).  From guest kernel mode it is a hypercall (iret among
 * them); from guest user mode it goes to the guest's syscall callback.
 *
 * On every way back to the guest, a pending, unmasked event upcall goes to
 * the guest's event callback first, as in Xen (Linux makes a hypercall to
 * have its pending events delivered).
 *
 * Exceptions are first offered to what Xen emulates (forced CPUID on #UD,
 * privileged instructions on #GP), then bounced to the guest's handler
 * (traps_bounce.c).  A vector the guest has no handler for, and the ones
 * Xen never bounces (#DF, NMI, #MC, reserved), end the domain with a
 * report of what the guest did.
 *
 * Software interrupts: the shim's IDT gates are DPL 0 and cover vectors
 * 0-31 only, so `int3` and `int $n` at CPL3 raise #GP with the vector in
 * the error code, before the instruction (this host's KVM raises #UD for
 * `int $n` past the IDT's limit instead; the instruction says which).  As
 * Xen does, the guest's handler gets them only when its gate's DPL allows
 * the mode the guest was in (user: 3, kernel: 1 or more); otherwise the
 * guest gets the #GP an `int` through a DPL 0 gate raises.  `int $0x80`
 * and `sysenter`, the 32-bit system calls, go as Xen's own entries take
 * them (traps_legacy_entry.c); a 32-bit `syscall` comes from the shim's
 * CSTAR stub as CORE_VEC_CSTAR.  Compat-mode user code is user mode like
 * any other: the mode is the vCPU's, whatever cs the CPU ran.
 */
#include "pv-shim/core/xen_abi.h"
#include <xen/vcpu.h>
#include "pv-shim/core/emulate/emulate.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/mm/mm_ptwr.h"
#include "pv-shim/core/sched/vcpu_context.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/traps/traps.h"

#define X86_VEC_BP 3
#define X86_VEC_UD 6
#define X86_VEC_NM 7
#define X86_VEC_GP 13
#define X86_VEC_PF 14
#define X86_VEC_INT80 0x80

/* Error code of a #GP raised by an IDT gate: selector index, IDT bit. */
#define GP_ERROR_IDT(err) (((err) & 3) == 2)

/* Flags a guest may keep; IF stays set (guests mask events, not the CPU). */
#define RFLAGS_GUEST_MASK 0x00240cd5ULL /* CF PF AF ZF SF DF OF AC ID */
#define RFLAGS_FIXED      0x00000202ULL /* reserved bit 1, IF */

static const char *const vector_names[CORE_NR_VECTORS] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "vector 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};

/* The exceptions Xen bounces to a PV guest, and which carry an error code. */
#define BOUNCED_VECTORS  0x000b7cfbu /* 0 1 3-7 10-14 16 17 19 */
#define ERROR_CODE_VECTORS 0x00027c00u /* 10-14 17 */

void core_stop_fault(struct core *c, const struct trap_frame *f,
		     const char *message)
{
	struct core_state *st = c->st;
	if (st->stop_reason != CORE_RUNNING)
		return; /* the first reason a vCPU gave is the domain's */
	st->stop_reason = CORE_STOP_FAULT;
	st->stop_frame = *f;
	core_format(st->stop_message, sizeof st->stop_message, "%s", message);
}

static void stop_unhandled(struct core *c, const struct trap_frame *f, const char *why)
{
	char msg[192];
	const char *name = f->vector < CORE_NR_VECTORS && vector_names[f->vector]
			   ? vector_names[f->vector] : "exception";
	if (f->vector == X86_VEC_PF)
		core_format(msg, sizeof msg,
			    "guest %s at rip %#lx: address %#lx, error code %#lx "
			    "(no guest handler for it)", name,
			    (unsigned long)f->rip, (unsigned long)core_vcpu(c)->cr2,
			    (unsigned long)f->error_code);
	else if (why)
		core_format(msg, sizeof msg, "guest %s at rip %#lx: %s (no guest "
			    "handler for it)", name, (unsigned long)f->rip, why);
	else
		core_format(msg, sizeof msg,
			    "guest %s (vector %lu) at rip %#lx, error code %#lx "
			    "(no guest handler for it)", name,
			    (unsigned long)f->vector, (unsigned long)f->rip,
			    (unsigned long)f->error_code);
	core_stop_fault(c, f, msg);
}

/* To the guest's handler for f's vector, or the end of the domain. */
static void deliver_or_stop(struct core *c, struct trap_frame *f, const char *why)
{
	int has_error = (ERROR_CODE_VECTORS >> f->vector) & 1;
	if (traps_deliver(c, f, 0, (unsigned)f->vector, has_error, f->error_code))
		stop_unhandled(c, f, why);
}

/* Length of the `int3` or `int $vector` at rip, 0 if it is not one. */
static unsigned soft_int_length(struct core *c, uint64_t rip, unsigned vector)
{
	uint8_t insn[2];
	if (copy_insn_from_guest(c, insn, rip, 1))
		return 0;
	if (insn[0] == 0xcc)
		return vector == X86_VEC_BP;
	if (insn[0] != 0xcd || copy_insn_from_guest(c, insn + 1, rip + 1, 1))
		return 0;
	return insn[1] == vector ? 2 : 0;
}

/*
 * `int3` or `int $vector` at f->rip: to the guest's handler, after the
 * instruction, if its gate allows the guest's mode; else the #GP the
 * instruction raises through a DPL 0 gate.
 */
static void software_interrupt(struct core *c, struct trap_frame *f, unsigned vector)
{
	const struct traps_gate *g = &core_vcpu(c)->traps.gate[vector];
	unsigned dpl = g->flags & TRAPS_GATE_DPL;
	unsigned len = soft_int_length(c, f->rip, vector);
	if (len && vector == X86_VEC_INT80) {
		traps_int80(c, f, len);
		return;
	}
	if (len && g->address && dpl >= (core_vcpu(c)->kernel_mode ? 1u : 3u)) {
		struct bounce_from after = traps_bounce_from(c, f);
		after.rip += len;
		traps_deliver(c, f, &after, vector, 0, 0);
		return;
	}
	if (traps_deliver(c, f, 0, X86_VEC_GP, 1, ((uint64_t)vector << 3) | 2)) {
		char why[64];
		core_format(why, sizeof why, "int $%#x not allowed by the guest's "
			    "trap table", vector);
		stop_unhandled(c, f, why);
	}
}

/*
 * This host's KVM raises #UD, not #GP, for `int $n` at CPL3 (see
 * kvm-on-these-machines.md); hardware never does.  `sysenter` raises #GP(0)
 * with the SYSENTER_CS MSR 0, as the shim leaves it (hardware and this
 * KVM), and #UD on some hosts (kvm-segments-compat's probe).  The two bytes
 * at rip, copied once, say which instruction it was (0f 01: maybe `xgetbv`,
 * which emulate_xgetbv.c reads on).
 */
enum ud_insn { UD_OTHER, UD_INT_N, UD_SYSENTER, UD_0F01 };

static enum ud_insn insn_at(struct core *c, uint64_t rip, unsigned *vector)
{
	uint8_t insn[2];
	if (copy_insn_from_guest(c, insn, rip, 2))
		return UD_OTHER;
	if (insn[0] == 0xcd) {
		*vector = insn[1];
		return UD_INT_N;
	}
	if (insn[0] != 0x0f)
		return UD_OTHER;
	return insn[1] == 0x34 ? UD_SYSENTER : insn[1] == 0x01 ? UD_0F01 : UD_OTHER;
}

static void exception(struct core *c, struct trap_frame *f)
{
	char why[96];
	unsigned vector;
	why[0] = '\0';
	switch (f->vector) {
	case X86_VEC_UD:
		if (emulate_forced_cpuid(c, f) == 0)
			return; /* from user mode too, as Xen allows */
		switch (insn_at(c, f->rip, &vector)) {
		case UD_INT_N:
			software_interrupt(c, f, vector);
			return;
		case UD_SYSENTER:
			traps_sysenter(c, f);
			return;
		case UD_0F01:
			if (emulate_xgetbv(c, f) == 0)
				return;
			break;
		case UD_OTHER:
			break;
		}
		break;
	case X86_VEC_NM:
		if (!traps_fpu_fault(c))
			return; /* only the real CR0.TS: run the instruction again */
		break;
	case X86_VEC_GP:
		if (GP_ERROR_IDT(f->error_code)) {
			software_interrupt(c, f, (unsigned)(f->error_code >> 3) & 0xff);
			return;
		}
		switch (emulate_privileged(c, f, why, sizeof why)) {
		case EMULATED:
			return;
		case EMULATE_RAISE_UD:
			/* Reported, if the guest has no handler, as the #GP
			 * the CPU raised, why saying what Xen would raise. */
			if (traps_deliver(c, f, 0, X86_VEC_UD, 0, 0))
				stop_unhandled(c, f, why);
			return;
		case EMULATE_RAISE_GP:
			break;
		}
		/* After the kernel's privileged instructions, the hot #GP(0)s. */
		if (f->error_code == 0 && insn_at(c, f->rip, &vector) == UD_SYSENTER) {
			traps_sysenter(c, f);
			return;
		}
		break;
	case X86_VEC_PF:
		if (mm_ptwr_fault(c, f) == 0)
			return; /* a store to an L1 entry, made as Xen makes it */
		break;
	}
	if (f->vector < CORE_NR_VECTORS && ((BOUNCED_VECTORS >> f->vector) & 1))
		deliver_or_stop(c, f, why[0] ? why : 0);
	else
		stop_unhandled(c, f, 0);
}

/*
 * VCPUOP_down of the last vCPU still up: the guest has halted for good
 * (Linux does it at the end of a panic, with events off, after taking
 * the others down).  Xen would shut the domain down as a poweroff; the
 * run ends here as a guest fault instead, so a panicked kernel is not
 * taken for a clean poweroff.
 */
static int last_vcpu_down(struct core *c, struct trap_frame *f)
{
	/* The vCPU number is an unsigned int to Xen, as in vcpu_op. */
	if (f->rax != __HYPERVISOR_vcpu_op || f->rdi != VCPUOP_down ||
	    (uint32_t)f->rsi != c->vcpu || mm_up_vcpus(c) != 1ULL << c->vcpu)
		return 0;
	c->st->stats.hypercalls[__HYPERVISOR_vcpu_op]++;
	char msg[128];
	core_format(msg, sizeof msg, "guest took its last running vCPU (%u) down "
		    "(VCPUOP_down) at rip %#lx: it has halted for good", c->vcpu,
		    (unsigned long)f->rcx);
	core_stop_fault(c, f, msg);
	return 1;
}

static void return_from_syscall(struct trap_frame *f)
{
	f->rip = f->rcx;
	f->rflags = (f->r11 & RFLAGS_GUEST_MASK) | RFLAGS_FIXED;
}

/* What the launcher's trace names as the cause of exits made while this
 * trap is handled: a hypercall's number, first argument and caller
 * (core_hypercall_caller), or a trap's vector (CORE_VEC_SYSCALL: a guest user syscall),
 * error code and RIP. */
static void note_trace_entry(struct core *c, const struct trap_frame *f,
			     int via_syscall)
{
	struct core_vcpu *v = core_vcpu(c);
	if (via_syscall && v->kernel_mode) {
		v->trace_cause = CORE_TRACE_CAUSE_HYPERCALL;
		v->trace_code = f->rax;
		v->trace_arg = f->rdi;
		v->trace_rip = core_hypercall_caller(c, f);
	} else {
		v->trace_cause = CORE_TRACE_CAUSE_TRAP;
		v->trace_code = via_syscall ? CORE_VEC_SYSCALL : f->vector;
		v->trace_arg = f->error_code;
		v->trace_rip = via_syscall ? f->rcx : f->rip;
	}
}

static enum core_action handle_trap_locked(struct core *c, struct trap_frame *f)
{
	struct core_state *st = c->st;
	int via_syscall = f->vector == CORE_VEC_SYSCALL ||
		(f->vector == X86_VEC_UD && f->rip == c->layout.syscall_trampoline);

	if (st->stop_reason != CORE_RUNNING)
		return CORE_STOP; /* another vCPU ended the domain */
	if (f->vector != CORE_VEC_SYSCALL && f->vector != CORE_VEC_START)
		st->stats.transitions++;
	if (f->vector < CORE_NR_VECTORS)
		st->stats.traps[f->vector]++;
	if (st->trace_flags & CORE_TRACE_ENTRIES)
		note_trace_entry(c, f, via_syscall);

	if (via_syscall && core_vcpu(c)->kernel_mode && f->rax == __HYPERVISOR_iret) {
		st->stats.hypercalls[__HYPERVISOR_iret]++;
		traps_iret(c, f);
	} else if (via_syscall && core_vcpu(c)->kernel_mode && last_vcpu_down(c, f)) {
		/* stopped */
	} else if (via_syscall && core_vcpu(c)->kernel_mode) {
		if (!hypercall_from_syscall(c, f))
			return_from_syscall(f);
	} else if (via_syscall) {
		traps_user_syscall(c, f);
	} else if (f->vector == CORE_VEC_CSTAR) {
		traps_user_syscall32(c, f);
	} else if (f->vector == CORE_VEC_EVENT) {
		st->stats.event_interrupts++; /* only the way back below */
	} else if (f->vector == CORE_VEC_START) {
		if (c->vcpu == 0 || !core_vcpu(c)->started)
			stop_unhandled(c, f, 0); /* a start nobody asked for */
		else
			vcpu_start_frame(c, f);
	} else {
		exception(c, f);
	}
	/* Taken down (by itself or another vCPU): it sleeps here.  This and
	 * the dom0 words are looked at here first, because in the guest path
	 * a call is a dozen emulated instructions before its own test. */
	if (!core_vcpu(c)->up) {
		traps_finish_enter_user(c, f);
		vcpu_wait_while_down(c, f);
	}
	if (st->stop_reason == CORE_RUNNING) {
		vtime_poll_timers(c); /* a timer due fires at the next way out */
		if (__atomic_load_n(&st->evtchn.dom0_raised_words, __ATOMIC_SEQ_CST))
			evtchn_take_dom0_raised(c); /* backends' events, FIFO-linked here */
		traps_event_upcall(c, f); /* may take back an iret's user entry */
		/* last: the launcher, told now, sees the upcall taken */
		platform_timer_deadline(c, vtime_next_deadline(c));
	}
	traps_finish_enter_user(c, f);
	return st->stop_reason == CORE_RUNNING ? CORE_RESUME : CORE_STOP;
}

/* One vCPU in the core at a time: the domain lock (platform.h). */
enum core_action core_handle_trap(struct core *c, struct trap_frame *f)
{
	/* core_vcpu() trusts the index; an executor that set a wrong one is
	 * broken, and no state of another vCPU may be taken for it. */
	if (c->vcpu >= c->layout.nr_vcpus || c->vcpu >= CORE_MAX_VCPUS) {
		platform_lock(c);
		core_stop_fault(c, f, "the core ran for a vCPU the domain does not have");
		platform_unlock(c);
		return CORE_STOP;
	}
	platform_lock(c);
	enum core_action a = handle_trap_locked(c, f);
	platform_unlock(c);
	return a;
}
