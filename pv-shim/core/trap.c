/*
 * The one entry point for every guest trap, wherever the core runs.
 *
 * A trap is either the guest's `syscall` (a hypercall from guest kernel
 * mode) or a CPU exception taken at CPL3.  On these machines `syscall`
 * does not raise CPL: it jumps to LSTAR at CPL3, where the trampoline
 * either executes `ud2` (guest path: #UD whose RIP is the trampoline) or
 * an `out` straight to the launcher (host path: CORE_VEC_SYSCALL).  No
 * trap table exists yet, so any other exception ends the domain with a
 * report of what the guest did.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/emulate.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/platform.h"

#define X86_VEC_UD 6
#define X86_VEC_GP 13
#define X86_VEC_PF 14

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

void core_stop_fault(struct core *c, const struct trap_frame *f,
		     const char *message)
{
	struct core_state *st = c->st;
	st->stop_reason = CORE_STOP_FAULT;
	st->stop_frame = *f;
	core_format(st->stop_message, sizeof st->stop_message, "%s", message);
}

static void stop_unhandled(struct core *c, const struct trap_frame *f)
{
	char msg[192];
	const char *name = f->vector < CORE_NR_VECTORS && vector_names[f->vector]
			   ? vector_names[f->vector] : "exception";
	if (f->vector == X86_VEC_PF)
		core_format(msg, sizeof msg,
			    "guest %s at rip %#lx: address %#lx, error code %#lx "
			    "(no guest trap handler yet)", name,
			    (unsigned long)f->rip, (unsigned long)c->st->vcpu.cr2,
			    (unsigned long)f->error_code);
	else
		core_format(msg, sizeof msg,
			    "guest %s (vector %lu) at rip %#lx, error code %#lx "
			    "(no guest trap handler yet)", name,
			    (unsigned long)f->vector, (unsigned long)f->rip,
			    (unsigned long)f->error_code);
	core_stop_fault(c, f, msg);
}

static void return_from_syscall(struct trap_frame *f)
{
	f->rip = f->rcx;
	f->rflags = (f->r11 & RFLAGS_GUEST_MASK) | RFLAGS_FIXED;
}

enum core_action core_handle_trap(struct core *c, struct trap_frame *f)
{
	struct core_state *st = c->st;
	int via_syscall = f->vector == CORE_VEC_SYSCALL ||
		(f->vector == X86_VEC_UD && f->rip == st->syscall_trampoline);

	if (f->vector != CORE_VEC_SYSCALL)
		st->stats.transitions++;
	if (f->vector < CORE_NR_VECTORS)
		st->stats.traps[f->vector]++;

	if (via_syscall && st->vcpu.kernel_mode) {
		hypercall_from_syscall(c, f);
		return_from_syscall(f);
	} else if (via_syscall) {
		core_stop_fault(c, f, "guest user-mode syscall: no syscall "
			       "callback registered yet");
	} else if (f->vector == X86_VEC_UD && st->vcpu.kernel_mode &&
		   emulate_forced_cpuid(c, f) == 0) {
		/* emulated; resume after it */
	} else if (f->vector == X86_VEC_GP && st->vcpu.kernel_mode) {
		char why[96];
		why[0] = '\0';
		if (emulate_privileged(c, f, why, sizeof why)) {
			char msg[192];
			core_format(msg, sizeof msg, "guest #GP general protection at "
				    "rip %#lx: %s (no guest trap handler yet)",
				    (unsigned long)f->rip, why);
			core_stop_fault(c, f, msg);
		}
	} else {
		stop_unhandled(c, f);
	}
	return st->stop_reason == CORE_RUNNING ? CORE_RESUME : CORE_STOP;
}
