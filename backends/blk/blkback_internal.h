/*
 * blkback's state for one disk, shared by its xenbus half
 * (blkback_xenbus.c: features, connect, disconnect) and its ring half
 * (blkback_ring.c: requests in, storage, responses out).  Everything but
 * probe and free runs on the device's thread (xenbus_backend.h), so none
 * of it needs a lock.
 */
#ifndef XENLET_BLKBACK_INTERNAL_H
#define XENLET_BLKBACK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include "backends/backend_host.h"
#include "backends/shared_ring.h"
#include "backends/blk/blkback.h"
#include "backends/blk/blkif_request.h"
#include "backends/blk/disk_spec.h"
#include "backends/blk/storage.h"

struct xenbus_device;

/* Linux's blkback offers these: 256 indirect segments, rings up to 16
 * pages, and keeps up to 1056 persistent grants per ring. */
#define BLKBACK_MAX_INDIRECT_SEGMENTS 256u
#define BLKBACK_MAX_RING_ORDER 4u
#define BLKBACK_MAX_PERSISTENT 1056u
/* Requests in flight at once: the storage's depth, less one for a flush
 * a barrier adds. */
#define BLKBACK_MAX_INFLIGHT (STORAGE_QUEUE_DEPTH - 1)

/* A persistent grant: held (writable) from first use to disconnect. */
struct blkback_pgrant {
	struct backend_grant g;
};

/* One request taken from the ring, until its response is written. */
struct blkback_req {
	struct blkif_checked c;
	/* Grants held for this request alone (not persistent ones).  The
	 * checker refuses more segments than blkback offers. */
	unsigned nr_grants;
	struct backend_grant grants[BLKBACK_MAX_INDIRECT_SEGMENTS];
	struct iovec iov[BLKBACK_MAX_INDIRECT_SEGMENTS];
	unsigned nr_iov;
	/* A flush or barrier with data: its write done, the flush next. */
	bool flush_after_write;
	bool in_use;
};

struct blkback {
	struct disk_spec spec;
	struct storage *storage;
	struct blkif_disk disk;
	struct xenbus_device *dev;
	struct backend_domain *bd;

	/* Connected: the ring, its grants, the port. */
	bool connected;
	bool ring_broken;      /* the frontend broke the ring: not served */
	bool barrier_wait;     /* a barrier's flush must finish first */
	struct shared_ring ring;
	struct backend_grant ring_grants[SHARED_RING_MAX_PAGES];
	unsigned nr_ring_grants;
	uint32_t port;
	bool persistent;       /* both sides offered feature-persistent */

	struct blkback_req *reqs; /* BLKBACK_MAX_INFLIGHT of them */
	unsigned inflight;
	struct blkback_pgrant *pgrants; /* BLKBACK_MAX_PERSISTENT */
	unsigned nr_pgrants;

	struct blkback_stats *stats; /* the launcher's */
	/* blkback_add's: set by probe, after which the framework owns b
	 * (only read while blkback_add runs). */
	bool *probed;
};

/* The ring half: start serving after connect; the guest's event; the
 * storage's completions; stop (wait for what is in flight, release every
 * grant) before disconnect returns. */
void blkback_ring_event(struct xenbus_device *dev, void *arg);
void blkback_storage_event(struct xenbus_device *dev, void *arg);
void blkback_ring_drain(struct blkback *b);

/* Persistent grants (blkback_persistent.c): the held grant for ref, taking
 * it on first use while there is room; NULL when it could not be held
 * persistently (the caller then holds it for the request alone). */
const struct backend_grant *blkback_pgrant_get(struct blkback *b, uint32_t ref);
void blkback_pgrant_put_all(struct blkback *b);

#endif
