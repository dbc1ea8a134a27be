/*
 * The guest console's output: what the guest put in its ring's out[]
 * goes to the launcher's stdout and to the attached console client, as
 * xenconsoled copies it to its log and pty.  Not a xenbus device: the console's port is bound to dom0 by the
 * domain builder, as Xen's toolstack leaves it, so the launcher says how
 * to raise the guest's end.
 */
#ifndef XENLET_CONSOLE_OUTPUT_H
#define XENLET_CONSOLE_OUTPUT_H

#include <stdio.h>
#include "backends/console/console_client.h"

/* Filled in by the launcher; all zero: no console (nothing is drained). */
struct console_output {
	void *ring;                 /* the guest's xencons_interface page */
	FILE *out;
	struct console_client *client; /* NULL: no control socket */
	/* Raises the guest's console event: the ring has room again. */
	void (*signal_guest)(void *opaque);
	void *signal_opaque;
	int ring_bad;               /* its indexes were impossible: ignored */
};

/* Copies out[] to o->out and the client and tells the guest when it made room; at each
 * of the guest's sends on the console port and once more when the domain
 * stops (what a dying guest wrote without a send).  A ring with
 * impossible indexes is reported once on stderr and ignored from then,
 * as xenconsoled gives up on it. */
void console_output_drain(struct console_output *o);

#endif
