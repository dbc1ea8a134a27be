/*
 * The guest's console ring, read as xenconsoled reads it: the guest is the
 * producer of out[], we are the consumer.  Each index is read once; bytes
 * are copied out of shared memory before they are written anywhere.
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/console.h>
#include "emu/console_backend.h"

long console_backend_drain(void *ring, FILE *out)
{
	struct xencons_interface *r = ring;
	XENCONS_RING_IDX cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX avail = prod - cons;
	if (avail > sizeof r->out)
		return -1;
	char buf[sizeof r->out];
	for (XENCONS_RING_IDX i = 0; i < avail; i++)
		buf[i] = __atomic_load_n(&r->out[MASK_XENCONS_IDX(cons + i, r->out)],
					 __ATOMIC_RELAXED);
	/* The bytes are ours now: the guest may reuse the space. */
	__atomic_store_n(&r->out_cons, cons + avail, __ATOMIC_RELEASE);
	if (avail) {
		fwrite(buf, 1, avail, out);
		fflush(out);
	}
	return (long)avail;
}
