/*
 * The system-call instructions of 32-bit user code other than `syscall`:
 * `int $0x80` and `sysenter`, as Xen delivers them to a 64-bit PV guest
 * (x86_64/entry.S: entry_int80, sysenter_entry).  On the project's hosts
 * `int $0x80` raises #UD at the instruction, from 32- and 64-bit code
 * alike (kvm-on-these-machines.md), and `sysenter` #GP(0), the shim's
 * SYSENTER_CS being 0 (or #UD); hardware would take the IDT gate (which
 * Xen makes DPL 3 for 0x80) or the SYSENTER MSRs.  So trap.c decodes the
 * instruction at the fault and comes here.
 */
#include "pv-shim/core/traps/traps.h"

#define X86_VEC_GP 13
#define VEC_INT80  0x80
#define GP_ERROR_IDT 2 /* the error code's IDT bit */
#define RFLAGS_NT  0x4000ULL

/* Xen bounces straight to trap 0x80's handler when the guest registered
 * one, whatever DPL it gave (the IDT gate is DPL 3 for every guest); with
 * none, the #GP of an `int` through a DPL 0 gate, at the instruction. */
void traps_int80(struct core *c, struct trap_frame *f, unsigned len)
{
	struct bounce_from after = traps_bounce_from(c, f);
	after.rip += len;
	if (traps_deliver(c, f, &after, VEC_INT80, 0, 0) == 0)
		return;
	if (traps_deliver(c, f, 0, X86_VEC_GP, 1, (VEC_INT80 << 3) | GP_ERROR_IDT))
		core_stop_fault(c, f, "guest int $0x80 with no handler for it or "
				"for #GP");
}

/*
 * sysenter keeps no return address: Xen's frame has rip 0, a null cs with
 * RPL 3, rsp 0 and FLAT_USER_SS, NT cleared (the user's return is its
 * own convention, Linux's vDSO).  With no callback, #GP(0) on that frame.
 */
void traps_sysenter(struct core *c, struct trap_frame *f)
{
	const struct traps_callback *cb = &core_vcpu(c)->traps.sysenter;
	const struct bounce_from from = {
		0, f->rflags & ~RFLAGS_NT, 0, TRAPS_CS_SYSENTER_FRAME, TRAPS_SS_FRAME,
	};
	if (cb->address) {
		traps_bounce_callback(c, f, &from, cb, "a sysenter");
		return;
	}
	if (traps_deliver(c, f, &from, X86_VEC_GP, 1, 0))
		core_stop_fault(c, f, "guest sysenter: no callback and no #GP "
				"handler registered");
}
