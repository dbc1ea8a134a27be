/*
 * The NBD engine: libnbd's asynchronous commands on one connection.
 * The caller's thread issues them (libnbd sends at once when it can);
 * a thread of the engine's own sleeps in poll() on the socket, in the
 * direction libnbd wants, and on a wake eventfd the caller writes after
 * issuing (libnbd may then want to write).  libnbd calls the completion
 * callback on whichever thread moved its state machine, with its handle
 * lock held: the callback only copies a read's data out and hands the
 * request to storage_complete_async.
 *
 * libnbd takes one buffer per command, so a request's iovec is gathered
 * into (or scattered from) a buffer of its own.
 *
 * A server that goes away: libnbd fails the commands in flight with
 * ENOTCONN, and refuses new ones once the handle is dead; those complete
 * with -ENOTCONN too.  Nothing waits on a dead connection.
 */
#include "backends/blk/storage_impl.h"

#include <errno.h>
#include <libnbd.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The NBD protocol's advice when the server names no maximum. */
#define NBD_DEFAULT_MAX_TRANSFER (32u << 20)
/* Larger preferred sizes are no use to a guest as a physical sector. */
#define NBD_MAX_PHYSICAL_SECTOR 65536u

struct nbd_engine {
	struct nbd_handle *h;
	int wake_fd;
	pthread_t poller;
	atomic_bool stopping;
};

static void scatter(struct storage_req *r)
{
	const uint8_t *src = r->bounce;

	for (unsigned i = 0; i < r->iovcnt; i++) {
		memcpy(r->iov[i].iov_base, src, r->iov[i].iov_len);
		src += r->iov[i].iov_len;
	}
}

static void gather(struct storage_req *r)
{
	uint8_t *dst = r->bounce;

	for (unsigned i = 0; i < r->iovcnt; i++) {
		memcpy(dst, r->iov[i].iov_base, r->iov[i].iov_len);
		dst += r->iov[i].iov_len;
	}
}

static int command_done(void *user_data, int *error)
{
	struct storage_req *r = user_data;

	if (*error) {
		r->result = -*error;
	} else if (r->op == STORAGE_OP_READ || r->op == STORAGE_OP_WRITE) {
		if (r->op == STORAGE_OP_READ)
			scatter(r);
		r->result = (int64_t)r->len;
	} else {
		r->result = 0;
	}
	free(r->bounce);
	r->bounce = NULL;
	storage_complete_async(r->owner, r);
	return 1; /* retire the command: nobody asks libnbd about it later */
}

static void wake(struct nbd_engine *e)
{
	uint64_t one = 1;

	if (write(e->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: already awake */
	}
}

static int nbd_start(struct storage *s, struct storage_req *r)
{
	struct nbd_engine *e = s->engine_data;
	nbd_completion_callback cb = { .callback = command_done, .user_data = r };
	int64_t rc = -1;

	if (r->op == STORAGE_OP_READ || r->op == STORAGE_OP_WRITE) {
		r->bounce = malloc(r->len);
		if (!r->bounce)
			return -ENOMEM;
	}
	switch (r->op) {
	case STORAGE_OP_READ:
		rc = nbd_aio_pread(e->h, r->bounce, r->len, r->offset, cb, 0);
		break;
	case STORAGE_OP_WRITE:
		gather(r);
		rc = nbd_aio_pwrite(e->h, r->bounce, r->len, r->offset, cb, 0);
		break;
	case STORAGE_OP_FLUSH:
		rc = nbd_aio_flush(e->h, cb, 0);
		break;
	case STORAGE_OP_DISCARD:
		rc = nbd_aio_trim(e->h, r->len, r->offset, cb, 0);
		break;
	}
	/* On success r may already be finished (the callback can run inside
	 * the call): it is not touched again here. */
	if (rc >= 0)
		return 0;
	free(r->bounce);
	r->bounce = NULL;
	/* A dead handle says EINVAL ("invalid state"): the disk is gone. */
	if (nbd_aio_is_dead(e->h) == 1 || nbd_aio_is_closed(e->h) == 1)
		return -ENOTCONN;
	return nbd_get_errno() ? -nbd_get_errno() : -EIO;
}

static void nbd_submit(struct storage *s)
{
	wake(s->engine_data);
}

/* What poll() saw on the socket, told to libnbd.  The direction polled
 * for may be stale (the caller issued meanwhile, then woke us), so a
 * hang-up is told in the direction libnbd wants now: it then tries to
 * read or send, fails, and fails every command with it. */
static void notify(struct nbd_handle *h, short revents)
{
	bool broken = revents & (POLLHUP | POLLERR);

	if ((revents & POLLIN) ||
	    (broken && !(nbd_aio_get_direction(h) & LIBNBD_AIO_DIRECTION_WRITE)))
		nbd_aio_notify_read(h);
	if (((revents & POLLOUT) || broken) &&
	    (nbd_aio_get_direction(h) & LIBNBD_AIO_DIRECTION_WRITE))
		nbd_aio_notify_write(h);
}

static void *poller(void *arg)
{
	struct nbd_engine *e = arg;

	while (!atomic_load(&e->stopping)) {
		int fd = nbd_aio_get_fd(e->h); /* -1 once dead */
		unsigned dir = nbd_aio_get_direction(e->h);
		struct pollfd p[2] = {
			{ .fd = e->wake_fd, .events = POLLIN },
			{ .fd = fd,
			  .events = (short)((dir & LIBNBD_AIO_DIRECTION_READ ? POLLIN : 0) |
					    (dir & LIBNBD_AIO_DIRECTION_WRITE ? POLLOUT : 0)) },
		};
		nfds_t n = fd >= 0 ? 2 : 1;
		uint64_t count;

		if (poll(p, n, -1) < 0)
			continue; /* EINTR */
		if ((p[0].revents & POLLIN) && read(e->wake_fd, &count, sizeof(count)) < 0) {
			/* EAGAIN: another reader took it */
		}
		if (n == 2 && p[1].revents)
			notify(e->h, p[1].revents);
	}
	return NULL;
}

static void nbd_engine_free(struct nbd_engine *e)
{
	if (e->h)
		nbd_close(e->h);
	if (e->wake_fd >= 0)
		close(e->wake_fd);
	free(e);
}

static void nbd_engine_close(struct storage *s)
{
	struct nbd_engine *e = s->engine_data;

	atomic_store(&e->stopping, true);
	wake(e);
	pthread_join(e->poller, NULL);
	/* Drops the connection; commands still in flight are abandoned and
	 * their buffers (ours) freed with the slots. */
	nbd_engine_free(e);
}

static const struct storage_engine nbd_engine = {
	.name = "nbd",
	.start = nbd_start,
	.submit = nbd_submit,
	.collect = NULL,
	.close = nbd_engine_close,
};

static bool is_power_of_two(int64_t v)
{
	return v > 0 && !(v & (v - 1));
}

/* s->info from what the server said in the handshake. */
static int export_info(struct storage *s, struct nbd_handle *h, unsigned flags, char *why,
		       size_t whylen)
{
	int64_t size = nbd_get_size(h);
	int64_t min = nbd_get_block_size(h, LIBNBD_SIZE_MINIMUM);
	int64_t pref = nbd_get_block_size(h, LIBNBD_SIZE_PREFERRED);
	int64_t max = nbd_get_block_size(h, LIBNBD_SIZE_MAXIMUM);
	uint32_t logical = 512;

	if (size < 0) {
		snprintf(why, whylen, "%s", nbd_get_error());
		return -EIO;
	}
	/* Servers that take any byte say 1; blkif's unit is 512 at least. */
	if (min > 512) {
		if (!is_power_of_two(min) || min > 4096) {
			snprintf(why, whylen, "minimum block size %lld not 512..4096",
				 (long long)min);
			return -EINVAL;
		}
		logical = (uint32_t)min;
	}
	s->info.size = (uint64_t)size;
	s->info.logical_sector_size = logical;
	s->info.physical_sector_size = is_power_of_two(pref) && pref >= logical &&
					       pref <= NBD_MAX_PHYSICAL_SECTOR
					       ? (uint32_t)pref
					       : logical;
	s->info.max_transfer = max > 0 && max < NBD_DEFAULT_MAX_TRANSFER
				       ? (uint32_t)max & ~(logical - 1)
				       : NBD_DEFAULT_MAX_TRANSFER;
	s->info.read_only = (flags & STORAGE_READ_ONLY) || nbd_is_read_only(h) == 1;
	s->info.can_flush = nbd_can_flush(h) == 1;
	s->info.can_discard = !s->info.read_only && nbd_can_trim(h) == 1;
	if (s->info.can_discard)
		s->info.discard_granularity = s->info.physical_sector_size;
	return 0;
}

int storage_nbd_open(struct storage *s, const char *uri, unsigned flags, char *err,
		     size_t errlen)
{
	struct nbd_engine *e = calloc(1, sizeof(*e));
	char why[200];
	int rc;

	if (!e) {
		snprintf(err, errlen, "%s: out of memory", uri);
		return -ENOMEM;
	}
	e->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->h = nbd_create();
	if (e->wake_fd < 0) {
		rc = -errno;
		snprintf(why, sizeof(why), "eventfd: %s", strerror(errno));
	} else if (!e->h || nbd_connect_uri(e->h, uri) < 0) {
		rc = nbd_get_errno() ? -nbd_get_errno() : -EIO;
		snprintf(why, sizeof(why), "%s", nbd_get_error());
	} else {
		rc = export_info(s, e->h, flags, why, sizeof(why));
	}
	if (rc == 0) {
		rc = -pthread_create(&e->poller, NULL, poller, e);
		if (rc < 0)
			snprintf(why, sizeof(why), "poller thread: %s", strerror(-rc));
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", uri, why);
		nbd_engine_free(e);
		return rc;
	}
	s->engine = &nbd_engine;
	s->engine_data = e;
	return 0;
}
