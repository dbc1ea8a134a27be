/*
 * dom0's side of the guest's event channels to its backends: a send on the
 * console port makes the console daemon read the ring; one on the xenstore
 * port kicks the xenstore daemon.  Ports are the ones the builder put in
 * start_info (run.c).
 */
#include <stdio.h>
#include "xenstore/daemon.h"
#include "emu/console_backend.h"
#include "emu/domain.h"

void dom0_console_drain(struct domain *d)
{
	if (!d->console_ring || d->console_ring_bad)
		return;
	if (console_backend_drain(d->console_ring, stdout) < 0) {
		/* xenconsoled gives up on such a ring too; say so once. */
		d->console_ring_bad = 1;
		fprintf(stderr, "xenlet: the guest's console ring indexes are "
			"inconsistent (more than the ring holds): console ignored\n");
	}
}

void dom0_notify_backend(struct domain *d, uint32_t port)
{
	if (port == d->console_evtchn)
		dom0_console_drain(d);
	else if (port == d->store_evtchn && d->xenstore.guest)
		xs_daemon_kick(d->xenstore.guest);
}

void dom0_notify_backend_cb(void *opaque, uint32_t port)
{
	dom0_notify_backend(opaque, port);
}
