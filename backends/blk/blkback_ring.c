/*
 * blkback's ring: requests copied off the shared ring and checked
 * (blkif_request.h), their segments' grants held, the I/O handed to the
 * storage, and each request answered when its I/O completed, with the
 * grants released only then, so the guest cannot take a page back while
 * the disk reads into it or writes from it.
 *
 * Order: reads, writes and discards may complete in any order (the
 * frontend matches responses by id).  A flush completes after every
 * write taken before it (the storage holds it behind them); a flush
 * carrying data writes it first and flushes after.  A barrier is a flush
 * that also holds back the requests after it: nothing more is taken from
 * the ring until it completed.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include "backends/xenbus_backend.h"
#include "backends/blk/blkback_internal.h"

static struct blkback_req *req_alloc(struct blkback *b)
{
	for (unsigned i = 0; i < BLKBACK_MAX_INFLIGHT; i++)
		if (!b->reqs[i].in_use) {
			struct blkback_req *r = &b->reqs[i];
			r->in_use = true;
			r->nr_grants = 0;
			r->nr_iov = 0;
			r->flush_after_write = false;
			return r;
		}
	return NULL; /* never: the ring stops being read at the limit */
}

static void respond(struct blkback *b, uint64_t id, uint8_t op, int16_t status)
{
	blkif_response_t rsp = { .id = id, .operation = op, .status = status };
	shared_ring_put(&b->ring, &rsp, sizeof rsp);
	if (status != BLKIF_RSP_OKAY)
		b->stats->errors++;
}

/* Publishes the responses written, and tells the guest if it asked. */
static void push_responses(struct blkback *b)
{
	if (shared_ring_push(&b->ring)) {
		xenbus_notify(b->dev, b->port);
		b->stats->notifies++;
	}
}

static void release_grants(struct blkback *b, struct blkback_req *r)
{
	if (r->nr_grants)
		backend_grant_put(b->bd, r->nr_grants, r->grants);
	r->nr_grants = 0;
}

/* The request's segments as iovecs into the granted pages; the grants
 * held for as long as the request is (persistent ones: until disconnect).
 * guest_written: the disk's data goes into the pages (a read).  0, or -1
 * if a grant could not be held (the request fails, nothing held). */
static int hold_segments(struct blkback *b, struct blkback_req *r, int guest_written)
{
	const struct blkif_checked *c = &r->c;
	uint8_t *page[BLKBACK_MAX_INDIRECT_SEGMENTS];
	uint32_t refs[BLKBACK_MAX_INDIRECT_SEGMENTS];
	unsigned slot[BLKBACK_MAX_INDIRECT_SEGMENTS], n = 0;
	if (c->nr_segments > BLKBACK_MAX_INDIRECT_SEGMENTS)
		return -1; /* never: b->disk offers no more */
	for (unsigned i = 0; i < c->nr_segments; i++) {
		const struct backend_grant *pg =
			b->persistent ? blkback_pgrant_get(b, c->seg[i].gref) : NULL;
		if (pg) {
			page[i] = pg->addr;
			continue;
		}
		refs[n] = c->seg[i].gref;
		slot[n++] = i;
	}
	if (n) {
		if (backend_grant_get(b->bd, n, refs, guest_written, r->grants))
			return -1;
		r->nr_grants = n;
		b->stats->grant_gets += n;
		for (unsigned k = 0; k < n; k++)
			page[slot[k]] = r->grants[k].addr;
	}
	for (unsigned i = 0; i < c->nr_segments; i++)
		r->iov[i] = (struct iovec){ page[i] + c->seg[i].offset, c->seg[i].len };
	r->nr_iov = c->nr_segments;
	return 0;
}

/* An indirect request's segments, copied out of its indirect pages
 * (the guest keeps them granted read-only for the request). */
static int fetch_indirect(struct blkback *b, struct blkback_req *r)
{
	static __thread struct blkif_request_segment segs[BLKIF_CHECKED_MAX_SEGMENTS];
	size_t off = 0;
	for (unsigned p = 0; p < r->c.nr_indirect_pages; p++) {
		size_t bytes = blkif_indirect_page_bytes(&r->c, p);
		if (backend_grant_copy_from(b->bd, r->c.indirect_grefs[p], 0,
					    (uint8_t *)segs + off, bytes))
			return BLKIF_RSP_ERROR;
		b->stats->grant_copies++;
		off += bytes;
	}
	return blkif_request_check_indirect(&r->c, &b->disk, segs);
}

static int16_t status_of(int64_t result)
{
	if (result == -EOPNOTSUPP)
		return BLKIF_RSP_EOPNOTSUPP;
	return result < 0 ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
}

static void finish(struct blkback *b, struct blkback_req *r, int64_t result)
{
	release_grants(b, r);
	if (result > 0) {
		if (r->c.op == BLKIF_OP_READ)
			b->stats->bytes_read += (uint64_t)result;
		else
			b->stats->bytes_written += (uint64_t)result;
	}
	respond(b, r->c.id, r->c.response_op, status_of(result));
	if (r->c.op == BLKIF_OP_WRITE_BARRIER)
		b->barrier_wait = false;
	r->in_use = false;
	b->inflight--;
}

static void request_done(void *opaque, void *cookie, int64_t result)
{
	struct blkback *b = opaque;
	struct blkback_req *r = cookie;
	if (r->flush_after_write && result >= 0) {
		/* The data is written: now make it, and all before it, stable. */
		r->flush_after_write = false;
		b->stats->bytes_written += (uint64_t)result;
		release_grants(b, r);
		int rc = storage_flush(b->storage, r);
		if (rc == 0)
			return;
		result = rc;
	}
	finish(b, r, result);
}

/* Starts the request's I/O: 0, or the storage's -errno (nothing started). */
static int start_io(struct blkback *b, struct blkback_req *r)
{
	const struct blkif_checked *c = &r->c;
	uint64_t offset = c->sector * BLKIF_SECTOR_BYTES;
	switch (c->op) {
	case BLKIF_OP_READ:
		if (hold_segments(b, r, 1))
			return -EFAULT;
		return storage_read(b->storage, offset, r->iov, r->nr_iov, r);
	case BLKIF_OP_WRITE:
		if (hold_segments(b, r, 0))
			return -EFAULT;
		return storage_write(b->storage, offset, r->iov, r->nr_iov, r);
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (c->nr_segments == 0)
			return storage_flush(b->storage, r);
		if (hold_segments(b, r, 0))
			return -EFAULT;
		r->flush_after_write = true;
		return storage_write(b->storage, offset, r->iov, r->nr_iov, r);
	case BLKIF_OP_DISCARD:
		return storage_discard(b->storage, offset, c->nr_sectors * BLKIF_SECTOR_BYTES, r);
	}
	return -EOPNOTSUPP;
}

static void take_request(struct blkback *b)
{
	blkif_request_t raw;
	shared_ring_take(&b->ring, &raw, sizeof raw);
	b->stats->requests++;
	struct blkback_req *r = req_alloc(b);
	int st = blkif_request_check(&raw, &b->disk, &r->c);
	if (st == BLKIF_CHECK_NEED_INDIRECT)
		st = fetch_indirect(b, r);
	if (st != BLKIF_RSP_OKAY) {
		respond(b, r->c.id, r->c.response_op, (int16_t)st);
		r->in_use = false;
		return;
	}
	int rc = start_io(b, r);
	if (rc < 0) {
		release_grants(b, r);
		respond(b, r->c.id, r->c.response_op, status_of(rc));
		r->in_use = false;
		return;
	}
	b->inflight++;
	if (r->c.op == BLKIF_OP_WRITE_BARRIER)
		b->barrier_wait = true;
}

/* Takes what the ring holds, as far as there is room to answer it. */
static void serve_ring(struct blkback *b)
{
	while (b->connected && !b->ring_broken && !b->barrier_wait &&
	       b->inflight < BLKBACK_MAX_INFLIGHT && !shared_ring_full(&b->ring)) {
		int n = shared_ring_unconsumed(&b->ring);
		if (n == 0)
			n = shared_ring_final_check(&b->ring);
		if (n < 0) {
			b->ring_broken = true;
			xenbus_report_fatal(b->dev, -EINVAL, "bogus ring requests: "
					    "req_prod more than a ring ahead");
			break;
		}
		if (n == 0)
			break;
		take_request(b);
	}
	storage_submit(b->storage);
	push_responses(b);
}

void blkback_ring_event(struct xenbus_device *dev, void *arg)
{
	(void)dev;
	struct blkback *b = arg;
	b->stats->events++;
	serve_ring(b);
}

void blkback_storage_event(struct xenbus_device *dev, void *arg)
{
	(void)dev;
	struct blkback *b = arg;
	storage_reap(b->storage, request_done, b);
	/* Room again, or a barrier done: what waited on the ring goes on. */
	serve_ring(b);
}

void blkback_ring_drain(struct blkback *b)
{
	while (b->inflight) {
		struct pollfd p = { .fd = storage_fd(b->storage), .events = POLLIN };
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		storage_reap(b->storage, request_done, b);
		storage_submit(b->storage); /* a flush after a write */
	}
	push_responses(b);
}
