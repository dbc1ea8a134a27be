/*
 * The domain's console (backends/console/): its output and its input on
 * the ring page the builder placed, shared with the control socket's
 * attached client (console_io's output reaches it too), started last
 * before the guest runs, the input stopped when the domain ends, before
 * guest RAM goes.  The
 * console's port is bound to dom0 by the builder, not by a backend, so
 * the guest's end is raised as for the xenstore daemon's port.
 */
#include <stdio.h>
#include "emu/domain.h"

static void signal_console_port(void *opaque)
{
	struct domain *d = opaque;
	dom0_signal_guest(d, d->console_evtchn);
}

/* Ctrl-]: vCPU 0's loop ends the domain when it looks (vcpu_loop.c). */
static void detach(void *opaque)
{
	struct domain *d = opaque;
	__atomic_store_n(&d->console_detached, 1, __ATOMIC_SEQ_CST);
	vcpu_events_kick(&d->vcpu[0], 1);
}

int dom0_console_start(struct domain *d, void *ring, char *err, size_t errlen)
{
	d->console_out = (struct console_output){
		.ring = ring, .out = stdout, .client = d->console_client,
		.signal_guest = signal_console_port, .signal_opaque = d,
	};
	const struct console_input_config in = {
		.ring = ring, .signal_guest = signal_console_port, .detach = detach,
		.opaque = d, .client = d->console_client,
	};
	return console_input_start(&d->console_in, &in, err, errlen);
}

void dom0_console_copy_cb(void *opaque, const char *buf, size_t len)
{
	struct domain *d = opaque;
	console_client_send(d->console_client, buf, len);
}

void dom0_console_stop(struct domain *d)
{
	console_input_stop(&d->console_in);
}
