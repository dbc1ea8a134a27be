/*
 * dom0's side of the guest's event channels to its backends: a send on the
 * console port makes the console (backends/console/) read out[] and look
 * for room in in[]; one on the xenstore port kicks the xenstore daemon.
 * Ports are the ones the builder put in start_info (run.c); a send on a
 * port a backend bound wakes that backend (dom0_evtchn.c).  The other
 * way, the backends raise the guest's end.
 */
#include "xenstore/daemon.h"
#include "emu/domain.h"

/* A backend's event to the guest, as dom0 sends one on its end of the
 * channel: pending the 2-level way (atomic on shared memory) or, with
 * FIFO, left for the core to link (evtchn_raise_from_dom0: any thread
 * may), and the vCPU woken if it sleeps in SCHEDOP_block or kicked if it
 * runs guest code.  Without the domain lock: the port's state is a hint
 * here, which the core checks again before it links a FIFO event. */
void dom0_signal_guest(struct domain *d, uint32_t port)
{
	struct core *c = &d->vcpu[0].core;
	if (port >= EVTCHN_NR_PORTS)
		return;
	const struct evtchn_port *p = &c->st->evtchn.port[port];
	if (p->state != EVTCHN_INTERDOMAIN || p->remote_dom != EVTCHN_DOM0)
		return; /* the guest closed its end, or dom0 unbound it */
	/* The vCPU the port notifies (a hint read from core state, kept to
	 * the domain's vCPUs); SCHEDOP_poll waits on masked ports too, so it
	 * is woken without an upcall as well. */
	struct vcpu *v = &d->vcpu[evtchn_port_vcpu(c, port)];
	vcpu_events_kick(v, evtchn_raise_from_dom0(c, port));
}

void dom0_signal_store_cb(void *opaque)
{
	struct domain *d = opaque;
	dom0_signal_guest(d, d->store_evtchn);
}

void dom0_notify_backend(struct domain *d, uint32_t port)
{
	if (port == d->console_evtchn) {
		console_output_drain(&d->console_out);
		console_input_room(&d->console_in); /* the guest may have read in[] too */
	} else if (port == d->store_evtchn) {
		if (d->xenstore.guest)
			xs_daemon_kick(d->xenstore.guest);
	} else {
		dom0_evtchn_deliver(&d->dom0, port); /* a backend's, if bound */
	}
}

void dom0_notify_backend_cb(void *opaque, uint32_t port)
{
	dom0_notify_backend(opaque, port);
}
