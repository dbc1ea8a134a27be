/* The guest console's output to the launcher's stdout and the attached
 * client (console_output.h). */
#include <stdio.h>
#include "backends/console/console_output.h"
#include "backends/console/console_ring.h"

void console_output_drain(struct console_output *o)
{
	if (!o->ring || o->ring_bad)
		return;
	char buf[CONSOLE_RING_OUT_BYTES];
	long n = console_ring_drain(o->ring, buf);
	if (n > 0) {
		fwrite(buf, 1, (size_t)n, o->out);
		fflush(o->out);
		console_client_send(o->client, buf, (size_t)n);
		o->signal_guest(o->signal_opaque); /* room again, as xenconsoled */
	}
	if (n < 0) {
		/* xenconsoled gives up on such a ring too; say so once. */
		o->ring_bad = 1;
		fprintf(stderr, "xenlet: the guest's console ring indexes are "
			"inconsistent (more than the ring holds): console ignored\n");
	}
}
