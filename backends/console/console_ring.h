/* The guest's console ring, dom0's console daemon's side: it reads out[]
 * and writes in[]. */
#ifndef XENLET_CONSOLE_RING_H
#define XENLET_CONSOLE_RING_H

#include <stddef.h>
#include <stdint.h>

/* The size of the ring's out[]: the most one drain takes. */
#define CONSOLE_RING_OUT_BYTES 2048

/*
 * Copies what the guest put in the out[] half of the xencons_interface at
 * ring into buf (CONSOLE_RING_OUT_BYTES) and advances out_cons past it.
 * Returns the bytes copied, or -1 if the guest's indexes are impossible
 * (more than the ring holds): then nothing is consumed and the caller
 * reports it once.
 */
long console_ring_drain(void *ring, char buf[CONSOLE_RING_OUT_BYTES]);

/*
 * Copies as much of buf[0..len) as fits into the in[] half of the ring
 * and publishes it.  *prod is the backend's own in_prod (the copy in the
 * shared page is only written, never read back: the guest could change
 * it).  Returns the bytes queued (0: the ring is full), or -1 if the
 * guest's in_cons is impossible (more than the ring holds).
 */
long console_ring_feed(void *ring, uint32_t *prod, const char *buf, size_t len);

#endif
