/*
 * blkback: Xen's block backend protocol (io/blkif.h) in the launcher, for
 * each --disk, on a storage (storage.h: raw file or block device through
 * io_uring, or NBD) and the xenbus backend framework (xenbus_backend.h).
 *
 * What it offers a frontend is what Linux's blkback offers: 64-bit rings
 * of up to 16 pages (max-ring-page-order 4), one queue, indirect
 * requests of up to 256 segments, persistent grants, flush and barrier
 * (fdatasync semantics: a completed flush means the data is on stable
 * storage), discard where the storage can punch holes or trim.
 */
#ifndef XENLET_BLKBACK_H
#define XENLET_BLKBACK_H

#include <stddef.h>
#include <stdint.h>
#include "backends/blk/disk_spec.h"

struct xenbus_backends;

/* Counts for --stats and make bench, per disk. */
struct blkback_stats {
	uint64_t requests;      /* taken from the ring */
	uint64_t errors;        /* answered BLKIF_RSP_ERROR / EOPNOTSUPP */
	uint64_t events;        /* the guest's notifications handled */
	uint64_t notifies;      /* events sent to the guest */
	uint64_t grant_gets;    /* grants taken (a persistent one once) */
	uint64_t grant_copies;  /* indirect pages copied */
	uint64_t bytes_read, bytes_written;
};

/* Adds the disk to the guest: opens its storage, writes its xenstore
 * nodes as xl + Linux's blkback do, and serves it from its own thread.
 * The disk's thread keeps its counts in *stats, the caller's, which it
 * may read once the device was removed (xenbus_backends_destroy).
 * 0, or -1 with a one-line reason in err. */
int blkback_add(struct xenbus_backends *bus, const struct disk_spec *spec,
		struct blkback_stats *stats, char *err, size_t errlen);

#endif
