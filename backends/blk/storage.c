/*
 * The storage's common part: opening (which engine), checking requests,
 * the flush ordering, and delivering completions.  Engines only start
 * requests and report them finished (storage_impl.h).
 */
#include "backends/blk/storage_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define ENGINE_ENV "XENLET_STORAGE_ENGINE"

void storage_signal(const struct storage *s)
{
	uint64_t one = 1;

	if (write(s->event_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already (very) non-zero */
	}
}

void storage_complete_async(struct storage *s, struct storage_req *r)
{
	pthread_mutex_lock(&s->async_lock);
	req_fifo_push(&s->async_done, r);
	pthread_mutex_unlock(&s->async_lock);
	storage_signal(s);
}

void storage_req_advance(struct storage_req *r, uint64_t bytes)
{
	r->done += bytes;
	while (bytes && r->iovcnt) {
		if (bytes < r->iov[0].iov_len) {
			r->iov[0].iov_base = (uint8_t *)r->iov[0].iov_base + bytes;
			r->iov[0].iov_len -= bytes;
			return;
		}
		bytes -= r->iov[0].iov_len;
		r->iov++;
		r->iovcnt--;
	}
}

static bool is_write(const struct storage_req *r)
{
	return r->op == STORAGE_OP_WRITE || r->op == STORAGE_OP_DISCARD;
}

static void issue(struct storage *s, struct storage_req *r)
{
	int rc;

	if (is_write(r))
		s->writes_in_flight++;
	rc = s->engine->start(s, r);
	if (rc < 0) {
		r->result = rc;
		if (is_write(r))
			s->writes_in_flight--;
		req_fifo_push(&s->finished, r);
		storage_signal(s);
	}
}

/* Issues the held requests up to the next flush that still has writes
 * before it in flight. */
static void release_held(struct storage *s)
{
	while (s->held.head) {
		if (s->held.head->op == STORAGE_OP_FLUSH && s->writes_in_flight)
			return;
		issue(s, req_fifo_pop(&s->held));
	}
}

void storage_finished(struct storage *s, struct storage_req *r)
{
	if (is_write(r))
		s->writes_in_flight--;
	req_fifo_push(&s->finished, r);
	release_held(s);
}

static struct storage_req *take_slot(struct storage *s, enum storage_op op, void *cookie)
{
	struct storage_req *r = s->free_list;

	if (!r)
		return NULL;
	s->free_list = r->next;
	r->next = NULL;
	r->op = op;
	r->offset = r->len = r->done = 0;
	r->iov = NULL;
	r->iovcnt = 0;
	r->iov_heap = NULL;
	r->bounce = NULL;
	r->cookie = cookie;
	r->result = 0;
	return r;
}

static void put_slot(struct storage *s, struct storage_req *r)
{
	free(r->iov_heap);
	free(r->bounce);
	r->iov_heap = NULL;
	r->bounce = NULL;
	r->next = s->free_list;
	s->free_list = r;
}

/* Every request goes through here: behind a waiting flush if there is
 * one, and a flush waits for the writes before it. */
static void enqueue(struct storage *s, struct storage_req *r)
{
	if (s->held.head || (r->op == STORAGE_OP_FLUSH && s->writes_in_flight))
		req_fifo_push(&s->held, r);
	else
		issue(s, r);
}

static bool sector_aligned(const struct storage *s, uint64_t v)
{
	return (v & (s->info.logical_sector_size - 1)) == 0;
}

/* The range [offset, offset + len) is whole sectors within the disk. */
static bool range_ok(const struct storage *s, uint64_t offset, uint64_t len)
{
	return sector_aligned(s, offset) && sector_aligned(s, len) && offset <= s->info.size &&
	       len <= s->info.size - offset;
}

static int transfer(struct storage *s, enum storage_op op, uint64_t offset,
		    const struct iovec *iov, unsigned iovcnt, void *cookie)
{
	struct storage_req *r;
	uint64_t len = 0;

	if (op == STORAGE_OP_WRITE && s->info.read_only)
		return -EROFS;
	if (!iov || iovcnt == 0 || iovcnt > STORAGE_MAX_IOV)
		return -EINVAL;
	for (unsigned i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > s->info.max_transfer - len)
			return -EINVAL;
		len += iov[i].iov_len;
		if (s->info.direct && (!sector_aligned(s, (uintptr_t)iov[i].iov_base) ||
				       !sector_aligned(s, iov[i].iov_len)))
			return -EINVAL;
	}
	if (len == 0 || !range_ok(s, offset, len))
		return -EINVAL;

	r = take_slot(s, op, cookie);
	if (!r)
		return -EAGAIN;
	if (iovcnt > STORAGE_IOV_INLINE) {
		r->iov_heap = malloc(iovcnt * sizeof(*iov));
		if (!r->iov_heap) {
			put_slot(s, r);
			return -ENOMEM;
		}
		r->iov = r->iov_heap;
	} else {
		r->iov = r->iov_inline;
	}
	memcpy(r->iov, iov, iovcnt * sizeof(*iov));
	r->iovcnt = iovcnt;
	r->offset = offset;
	r->len = len;
	enqueue(s, r);
	return 0;
}

int storage_read(struct storage *s, uint64_t offset, const struct iovec *iov, unsigned iovcnt,
		 void *cookie)
{
	return transfer(s, STORAGE_OP_READ, offset, iov, iovcnt, cookie);
}

int storage_write(struct storage *s, uint64_t offset, const struct iovec *iov, unsigned iovcnt,
		  void *cookie)
{
	return transfer(s, STORAGE_OP_WRITE, offset, iov, iovcnt, cookie);
}

int storage_flush(struct storage *s, void *cookie)
{
	struct storage_req *r;

	if (!s->info.can_flush)
		return -EOPNOTSUPP;
	r = take_slot(s, STORAGE_OP_FLUSH, cookie);
	if (!r)
		return -EAGAIN;
	enqueue(s, r);
	return 0;
}

int storage_discard(struct storage *s, uint64_t offset, uint64_t len, void *cookie)
{
	struct storage_req *r;

	if (s->info.read_only)
		return -EROFS;
	if (!s->info.can_discard)
		return -EOPNOTSUPP;
	if (!range_ok(s, offset, len))
		return -EINVAL;
	r = take_slot(s, STORAGE_OP_DISCARD, cookie);
	if (!r)
		return -EAGAIN;
	r->offset = offset;
	r->len = len;
	if (len == 0) {
		/* Nothing to discard; no engine takes a zero length. */
		req_fifo_push(&s->finished, r);
		storage_signal(s);
		return 0;
	}
	enqueue(s, r);
	return 0;
}

void storage_submit(struct storage *s)
{
	s->engine->submit(s);
}

unsigned storage_reap(struct storage *s, storage_done_fn *done, void *opaque)
{
	struct req_fifo async, ready;
	struct storage_req *r;
	unsigned n = 0;
	uint64_t count;

	/* Cleared first: whatever finishes from here on signals again. */
	if (read(s->event_fd, &count, sizeof(count)) < 0) {
		/* EAGAIN: nothing signalled */
	}
	if (s->engine->collect)
		s->engine->collect(s);
	pthread_mutex_lock(&s->async_lock);
	async = s->async_done;
	s->async_done = (struct req_fifo){ NULL, NULL };
	pthread_mutex_unlock(&s->async_lock);
	while ((r = req_fifo_pop(&async)))
		storage_finished(s, r);
	/* Held requests released above, and io_uring's resubmissions. */
	s->engine->submit(s);

	/* Delivered from a list of their own: what done() queues and what
	 * fails at once meanwhile waits for the next reap (signalled). */
	ready = s->finished;
	s->finished = (struct req_fifo){ NULL, NULL };
	while ((r = req_fifo_pop(&ready))) {
		void *cookie = r->cookie;
		int64_t result = r->result;

		put_slot(s, r);
		done(opaque, cookie, result);
		n++;
	}
	return n;
}

const struct storage_info *storage_get_info(const struct storage *s)
{
	return &s->info;
}

int storage_fd(const struct storage *s)
{
	return s->event_fd;
}

/* "nbd://", "nbds+unix://", ...: a URI scheme that starts with nbd. */
static bool is_nbd_uri(const char *spec)
{
	size_t n = strspn(spec, "abcdefghijklmnopqrstuvwxyz+");

	return strncmp(spec, "nbd", 3) == 0 && strncmp(spec + n, "://", 3) == 0;
}

/* io_uring unless the environment asks for threads or the kernel refuses
 * io_uring (seccomp and containers: EPERM; no io_uring: ENOSYS; kernels
 * before 5.12 charge the ring to RLIMIT_MEMLOCK: ENOMEM; an opcode we
 * need missing: EOPNOTSUPP). */
static int pick_file_engine(struct storage *s, char *err, size_t errlen)
{
	const char *want = getenv(ENGINE_ENV);
	int rc;

	if (want && strcmp(want, "threads") == 0)
		return storage_threads_init(s);
	if (want && *want && strcmp(want, "io_uring") != 0) {
		snprintf(err, errlen, "%s=%s: not io_uring or threads", ENGINE_ENV, want);
		return -EINVAL;
	}
	rc = storage_uring_init(s);
	if (rc == -EPERM || rc == -EACCES || rc == -ENOSYS || rc == -ENOMEM || rc == -EOPNOTSUPP)
		rc = storage_threads_init(s);
	if (rc < 0)
		snprintf(err, errlen, "storage engine: %s", strerror(-rc));
	return rc;
}

struct storage *storage_open(const char *spec, unsigned flags, char *err, size_t errlen)
{
	struct storage *s = calloc(1, sizeof(*s));
	int rc;

	if (!s) {
		snprintf(err, errlen, "%s: out of memory", spec);
		errno = ENOMEM;
		return NULL;
	}
	s->fd = -1;
	pthread_mutex_init(&s->async_lock, NULL);
	for (unsigned i = STORAGE_QUEUE_DEPTH; i-- > 0;) {
		s->reqs[i].owner = s;
		s->reqs[i].next = s->free_list;
		s->free_list = &s->reqs[i];
	}
	s->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->event_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if (is_nbd_uri(spec)) {
		rc = storage_nbd_open(s, spec, flags, err, errlen);
	} else {
		rc = storage_file_open(s, spec, flags, err, errlen);
		if (rc == 0)
			rc = pick_file_engine(s, err, errlen);
	}
	if (rc < 0)
		goto fail;
	s->info.engine = s->engine->name;
	return s;

fail:
	if (s->fd >= 0)
		close(s->fd);
	if (s->event_fd >= 0)
		close(s->event_fd);
	pthread_mutex_destroy(&s->async_lock);
	free(s);
	errno = -rc;
	return NULL;
}

void storage_close(struct storage *s)
{
	s->engine->close(s);
	for (unsigned i = 0; i < STORAGE_QUEUE_DEPTH; i++) {
		free(s->reqs[i].iov_heap);
		free(s->reqs[i].bounce);
	}
	if (s->fd >= 0)
		close(s->fd);
	close(s->event_fd);
	pthread_mutex_destroy(&s->async_lock);
	free(s);
}
