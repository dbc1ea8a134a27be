/*
 * The backend's side of a Xen shared ring (io/ring.h's layout: req_prod,
 * req_event, rsp_prod, rsp_event, padding to 64 bytes, then the entries)
 * whose pages the frontend granted one by one, so they lie anywhere in
 * the launcher's mapping of guest RAM: entries that straddle two pages
 * are copied piecewise.
 *
 * Everything read from the ring is copied out before it is looked at,
 * and the frontend's req_prod is believed only when it is at most a ring
 * ahead of what we took; our own indexes live here, never read back.
 */
#ifndef XENLET_SHARED_RING_H
#define XENLET_SHARED_RING_H

#include <stddef.h>
#include <stdint.h>

#define SHARED_RING_MAX_PAGES 16 /* ring-page-order 4, as Linux's backends */
#define SHARED_RING_HEADER 64

struct shared_ring {
	uint8_t *page[SHARED_RING_MAX_PAGES];
	unsigned nr_pages;
	size_t entry_size;
	uint32_t nr_entries;     /* a power of two */
	uint32_t req_cons;       /* next request to take */
	uint32_t rsp_prod_pvt;   /* responses written, not yet published */
	uint32_t rsp_published;  /* rsp_prod as we last wrote it */
};

/* entry_size: sizeof the ring's union of request and response.  0, or
 * -1 when n pages cannot hold a ring of such entries. */
int shared_ring_init(struct shared_ring *r, uint8_t *const *pages, unsigned n,
		     size_t entry_size);

/* The number of requests published and not taken, or -1 if req_prod is
 * impossible (more than a ring ahead of req_cons: a broken frontend). */
int shared_ring_unconsumed(struct shared_ring *r);

/* Copies the request at req_cons (len ≤ entry_size) and takes it. */
void shared_ring_take(struct shared_ring *r, void *req, size_t len);

/* Copies the request i places after req_cons without taking it (i below
 * what shared_ring_unconsumed said), and takes n requests: for protocols
 * whose requests come in chains (netif) that are looked at whole first. */
void shared_ring_peek(struct shared_ring *r, uint32_t i, void *req, size_t len);
void shared_ring_skip(struct shared_ring *r, uint32_t n);

/* Whether a response slot is free for every request taken: taking more
 * than a ring's worth before answering would overwrite requests. */
int shared_ring_full(const struct shared_ring *r);

/* Writes a response at rsp_prod_pvt (len ≤ entry_size). */
void shared_ring_put(struct shared_ring *r, const void *rsp, size_t len);

/* Publishes the responses written; 1 if the frontend asked for an event
 * for one of them (rsp_event), as RING_PUSH_RESPONSES_AND_CHECK_NOTIFY. */
int shared_ring_push(struct shared_ring *r);

/* Before sleeping: asks for an event at the next request (req_event) and
 * looks again; 1 if requests came meanwhile, 0 to sleep, -1 as
 * shared_ring_unconsumed. */
int shared_ring_final_check(struct shared_ring *r);

/* As shared_ring_final_check, waiting for need requests rather than one
 * (a chain, or enough RX buffers for a frame): 1 if need are there. */
int shared_ring_final_check_for(struct shared_ring *r, uint32_t need);

#endif
