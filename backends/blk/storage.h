/*
 * An asynchronous disk for the block backend: a raw image file, a block
 * device, or an NBD export (qcow2 and other formats: serve them with
 * qemu-nbd).  Requests are queued with a caller cookie, started by
 * storage_submit, and come back through storage_reap when the storage's
 * eventfd (storage_fd) is readable.
 *
 * Engines, chosen at open:
 *   - io_uring (files and block devices), one ring with a fixed depth;
 *   - a thread pool doing the same with preadv/pwritev/fdatasync, used
 *     when the kernel refuses io_uring (seccomp, containers, old kernels)
 *     or when the environment asks for it: XENLET_STORAGE_ENGINE=threads
 *     (XENLET_STORAGE_ENGINE=io_uring or unset: io_uring when allowed);
 *   - NBD through libnbd's asynchronous calls, driven by one thread of
 *     the storage's own that sleeps in poll().
 *
 * Ordering: a flush completes only after every write and discard
 * submitted before it has completed and reached stable storage
 * (fdatasync, NBD_CMD_FLUSH).  The storage holds the flush until the
 * writes in flight are done, and holds every request submitted after the
 * flush behind it until the flush is issued; those later requests do not
 * wait for the flush to complete.  A caller wanting blkif's barrier
 * (later writes wait for the barrier) submits nothing more until the
 * flush's completion.  Otherwise requests may complete in any order.
 *
 * Threads: one thread calls the storage_* functions of a storage (the
 * backend's ring thread); engines run their own threads inside.
 */
#ifndef XENLET_BLK_STORAGE_H
#define XENLET_BLK_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* storage_open flags */
#define STORAGE_READ_ONLY 1u
#define STORAGE_DIRECT 2u /* files and block devices: O_DIRECT (NBD: no meaning) */

/* Requests a storage holds at once (queued, in flight or reaped-not-yet-
 * delivered); past it, submissions answer -EAGAIN. */
#define STORAGE_QUEUE_DEPTH 128u
/* The most iovec entries one read or write may carry: blkif's largest
 * request, eight indirect pages of 512 segments. */
#define STORAGE_MAX_IOV 4096u

struct storage;

struct storage_info {
	uint64_t size;                  /* bytes */
	uint32_t logical_sector_size;   /* 512..4096, power of two: the I/O unit */
	uint32_t physical_sector_size;  /* a multiple of the logical size */
	uint32_t max_transfer;          /* most bytes one read or write carries */
	bool read_only;                 /* asked for, or the NBD server's */
	bool block_device;
	bool direct;                    /* opened O_DIRECT */
	bool can_flush;                 /* storage_flush works */
	bool can_discard;               /* storage_discard works */
	uint32_t discard_granularity;   /* bytes; 0 without discard */
	uint32_t discard_alignment;     /* bytes */
	const char *engine;             /* "io_uring", "threads" or "nbd" */
};

/*
 * Opens spec: "nbd://host[:port]/export", "nbd+unix:///export?socket=PATH"
 * (any URI libnbd knows) or a path.  flags: STORAGE_*.  A path opened for
 * writing that cannot be written fails (it is not made read-only behind
 * the caller's back); an NBD server that is read-only makes the storage
 * read-only.  NULL on failure, with errno set and a one-line reason in
 * err.
 */
struct storage *storage_open(const char *spec, unsigned flags, char *err, size_t errlen);

const struct storage_info *storage_get_info(const struct storage *s);

/* The eventfd to poll for EPOLLIN: readable when storage_reap has work. */
int storage_fd(const struct storage *s);

/*
 * Queue a request.  Read and write: iov (copied; the buffers themselves
 * must stay valid and untouched until the completion) at byte offset,
 * offset and total length whole logical sectors, not past the end, not
 * more than max_transfer, at most STORAGE_MAX_IOV entries; with
 * STORAGE_DIRECT each buffer's address and length also whole logical
 * sectors.  Discard: [offset, offset + len) in whole logical sectors
 * (len 0 completes at once).
 *
 * 0: queued, it will complete through storage_reap.  Refused at once,
 * without completion: -EINVAL (shape above), -EROFS (write or discard on
 * a read-only storage), -EOPNOTSUPP (flush or discard the storage cannot
 * do), -EAGAIN (STORAGE_QUEUE_DEPTH requests held), -ENOMEM.
 */
int storage_read(struct storage *s, uint64_t offset, const struct iovec *iov, unsigned iovcnt,
		 void *cookie);
int storage_write(struct storage *s, uint64_t offset, const struct iovec *iov, unsigned iovcnt,
		  void *cookie);
int storage_flush(struct storage *s, void *cookie);
int storage_discard(struct storage *s, uint64_t offset, uint64_t len, void *cookie);

/* Starts what was queued since the last call (one system call for the
 * batch on io_uring); requests are not certain to start before it. */
void storage_submit(struct storage *s);

/*
 * Delivers finished requests: done(opaque, cookie, result) once each,
 * result the bytes transferred (read, write: all of them) or 0 (flush,
 * discard), or -errno: the system call's or the server's error, -EIO when
 * an image file ended before its size at open, -ENOTCONN once an NBD
 * server is gone.  done may queue and submit new requests.  Returns how
 * many were delivered.
 */
typedef void storage_done_fn(void *opaque, void *cookie, int64_t result);
unsigned storage_reap(struct storage *s, storage_done_fn *done, void *opaque);

/* Closes the storage.  Requests in flight are waited for (or abandoned
 * with the NBD connection), without callbacks; once it returns nothing
 * touches the caller's buffers. */
void storage_close(struct storage *s);

#endif
