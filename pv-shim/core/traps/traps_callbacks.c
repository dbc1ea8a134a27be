/*
 * Where the guest kernel is entered other than through its virtual IDT:
 * the event upcall, the failsafe callback, the 64-bit syscall entry and
 * the NMI handler (set_callbacks, callback_op), and the stack traps from
 * guest user mode land on (stack_switch).  As in Xen: addresses must be
 * canonical (here also outside Xen's hole), 0 clears; the NMI callback is
 * the virtual IDT's gate 2 with events masked; only the NMI callback can
 * be unregistered.  The 32-bit syscall and sysenter entries, for
 * compat-mode user processes, are kept with their mask-events flag as a
 * 64-bit PV domain's are in Xen (traps_bounce.c, traps_legacy_entry.c
 * deliver to them).
 */
#include "pv-shim/core/xen_abi.h"
#include <xen/callback.h>
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/traps/traps.h"

#define X86_VEC_NMI 2

static long register_callback(struct core *c, const struct callback_register *r)
{
	struct traps_vcpu *t = &core_vcpu(c)->traps;
	struct traps_callback cb = {
		.address = r->address,
		.mask_events = !!(r->flags & CALLBACKF_mask_events),
	};
	if (r->address && !traps_guest_address_ok(r->address))
		return -XEN_EINVAL;
	switch (r->type) {
	case CALLBACKTYPE_event:
		t->event = cb;
		return 0;
	case CALLBACKTYPE_failsafe:
		t->failsafe = cb;
		return 0;
	case CALLBACKTYPE_syscall:
		t->syscall = cb;
		return 0;
	case CALLBACKTYPE_syscall32:
		t->syscall32 = cb;
		return 0;
	case CALLBACKTYPE_sysenter:
		t->sysenter = cb;
		return 0;
	case CALLBACKTYPE_nmi:
		t->gate[X86_VEC_NMI] = (struct traps_gate){
			.address = r->address, .flags = TRAPS_GATE_MASK_EVENTS,
		};
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

static long unregister_callback(struct core *c, const struct callback_unregister *u)
{
	switch (u->type) {
	case CALLBACKTYPE_nmi:
		core_vcpu(c)->traps.gate[X86_VEC_NMI] = (struct traps_gate){ 0 };
		return 0;
	case CALLBACKTYPE_event:
	case CALLBACKTYPE_failsafe:
	case CALLBACKTYPE_syscall:
	case CALLBACKTYPE_syscall32:
	case CALLBACKTYPE_sysenter:
		return -XEN_EINVAL;
	default:
		return -XEN_ENOSYS;
	}
}

long hypercall_callback_op(struct core *c, const uint64_t args[5])
{
	switch (args[0]) {
	case CALLBACKOP_register: {
		struct callback_register r;
		if (copy_from_guest(c, &r, args[1], sizeof r))
			return -XEN_EFAULT;
		return register_callback(c, &r);
	}
	case CALLBACKOP_unregister: {
		struct callback_unregister u;
		if (copy_from_guest(c, &u, args[1], sizeof u))
			return -XEN_EFAULT;
		return unregister_callback(c, &u);
	}
	default:
		return -XEN_ENOSYS;
	}
}

/* Xen's x86_64 set_callbacks(event, failsafe, syscall): each registered
 * as by callback_op without flags; a bad address leaves that one as it
 * was and the call still returns 0, as in Xen. */
long hypercall_set_callbacks(struct core *c, const uint64_t args[5])
{
	static const uint16_t types[3] = {
		CALLBACKTYPE_event, CALLBACKTYPE_failsafe, CALLBACKTYPE_syscall,
	};
	for (int i = 0; i < 3; i++) {
		struct callback_register r = { .type = types[i], .address = args[i] };
		register_callback(c, &r);
	}
	return 0;
}

/* stack_switch(ss, sp): not checked here, as in Xen; a bad stack shows
 * when a trap cannot be delivered on it. */
long hypercall_stack_switch(struct core *c, const uint64_t args[5])
{
	struct traps_vcpu *t = &core_vcpu(c)->traps;
	t->kernel_ss = args[0];
	t->kernel_sp = args[1];
	t->kernel_sp_set = 1;
	return 0;
}
