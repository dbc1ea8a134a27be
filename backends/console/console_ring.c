/*
 * The guest's console ring, as xenconsoled serves it: the guest produces
 * out[] and we consume it, we produce in[] and the guest consumes it.
 * Each of the guest's indexes is read once; bytes are copied out of shared
 * memory before they are written anywhere; our own indexes are our copies.
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/console.h>
#include "backends/console/console_ring.h"

_Static_assert(sizeof(((struct xencons_interface *)0)->out) == CONSOLE_RING_OUT_BYTES,
	       "CONSOLE_RING_OUT_BYTES is out[]'s size");

long console_ring_drain(void *ring, char buf[CONSOLE_RING_OUT_BYTES])
{
	struct xencons_interface *r = ring;
	XENCONS_RING_IDX cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX avail = prod - cons;
	if (avail > sizeof r->out)
		return -1;
	for (XENCONS_RING_IDX i = 0; i < avail; i++)
		buf[i] = __atomic_load_n(&r->out[MASK_XENCONS_IDX(cons + i, r->out)],
					 __ATOMIC_RELAXED);
	/* The bytes are ours now: the guest may reuse the space. */
	__atomic_store_n(&r->out_cons, cons + avail, __ATOMIC_RELEASE);
	return (long)avail;
}

long console_ring_feed(void *ring, uint32_t *prod, const char *buf, size_t len)
{
	struct xencons_interface *r = ring;
	XENCONS_RING_IDX cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX used = *prod - cons;
	if (used > sizeof r->in)
		return -1;
	size_t n = sizeof r->in - used;
	if (n > len)
		n = len;
	for (size_t i = 0; i < n; i++)
		__atomic_store_n(&r->in[MASK_XENCONS_IDX(*prod + i, r->in)], buf[i],
				 __ATOMIC_RELAXED);
	*prod += (XENCONS_RING_IDX)n;
	/* Release: the bytes are in place before the guest sees the index. */
	__atomic_store_n(&r->in_prod, *prod, __ATOMIC_RELEASE);
	return (long)n;
}
