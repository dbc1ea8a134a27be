/*
 * The io_uring engine: one ring of STORAGE_QUEUE_DEPTH entries whose
 * completions signal the storage's eventfd.  Requests are prepared as
 * they come and submitted in one system call by storage_submit.  Every
 * request has at most one entry in the ring at a time, so with at most
 * STORAGE_QUEUE_DEPTH requests neither the submission queue nor the
 * completion queue (twice as long) can fill.
 */
#include "backends/blk/storage_impl.h"

#include <errno.h>
#include <linux/falloc.h>
#include <liburing.h>
#include <stdlib.h>

struct uring_engine {
	struct io_uring ring;
	unsigned prepared;              /* entries not yet submitted */
	unsigned in_kernel;             /* submitted, completion not yet seen */
	struct storage_pool *helper;    /* block devices' BLKDISCARD */
};

static void prepare(struct storage *s, struct io_uring_sqe *sqe, struct storage_req *r)
{
	unsigned cnt = r->iovcnt < STORAGE_IOV_PER_CALL ? r->iovcnt : STORAGE_IOV_PER_CALL;

	switch (r->op) {
	case STORAGE_OP_READ:
		io_uring_prep_readv(sqe, s->fd, r->iov, cnt, r->offset + r->done);
		break;
	case STORAGE_OP_WRITE:
		io_uring_prep_writev(sqe, s->fd, r->iov, cnt, r->offset + r->done);
		break;
	case STORAGE_OP_FLUSH:
		io_uring_prep_fsync(sqe, s->fd, IORING_FSYNC_DATASYNC);
		break;
	case STORAGE_OP_DISCARD:
		io_uring_prep_fallocate(sqe, s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					(off_t)r->offset, (off_t)r->len);
		break;
	}
	io_uring_sqe_set_data(sqe, r);
}

static int uring_start(struct storage *s, struct storage_req *r)
{
	struct uring_engine *u = s->engine_data;
	struct io_uring_sqe *sqe;

	if (r->op == STORAGE_OP_DISCARD && s->info.block_device) {
		storage_pool_push(u->helper, r);
		return 0;
	}
	sqe = io_uring_get_sqe(&u->ring);
	if (!sqe) /* cannot happen within the depth; refuse rather than lose r */
		return -EBUSY;
	prepare(s, sqe, r);
	u->prepared++;
	return 0;
}

static void uring_submit(struct storage *s)
{
	struct uring_engine *u = s->engine_data;
	int n;

	if (!u->prepared)
		return;
	n = io_uring_submit(&u->ring);
	if (n < 0) {
		/* EAGAIN (no memory for now), EINTR: the entries stay in the
		 * ring; wake the caller so its next reap tries again. */
		storage_signal(s);
		return;
	}
	u->prepared -= (unsigned)n;
	u->in_kernel += (unsigned)n;
}

/* A read or write's entry finished with res: done, or on to the rest. */
static void transfer_step(struct storage *s, struct storage_req *r, int res)
{
	if (res == -EINTR || res == -EAGAIN) {
		res = uring_start(s, r);
	} else if (res == 0) {
		res = -EIO; /* the file ended before the size it had at open */
	} else if (res > 0) {
		storage_req_advance(r, (uint64_t)res);
		if (r->done == r->len) {
			r->result = (int64_t)r->len;
			storage_finished(s, r);
			return;
		}
		res = uring_start(s, r);
	}
	if (res < 0) {
		r->result = res;
		storage_finished(s, r);
	}
}

static void uring_collect(struct storage *s)
{
	struct uring_engine *u = s->engine_data;
	struct io_uring_cqe *cqe;

	while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
		struct storage_req *r = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&u->ring, cqe);
		u->in_kernel--;
		if (r->op == STORAGE_OP_READ || r->op == STORAGE_OP_WRITE) {
			transfer_step(s, r, res);
		} else {
			r->result = res;
			storage_finished(s, r);
		}
	}
}

static void uring_close(struct storage *s)
{
	struct uring_engine *u = s->engine_data;
	struct io_uring_cqe *cqe;

	/* The kernel would finish what is in flight after the ring is
	 * gone, into the caller's buffers: wait for all of it here. */
	if (u->prepared) {
		int n = io_uring_submit(&u->ring);

		/* Entries left unsubmitted are never started. */
		if (n > 0)
			u->in_kernel += (unsigned)n;
	}
	while (u->in_kernel) {
		int rc = io_uring_wait_cqe(&u->ring, &cqe);

		if (rc == -EINTR)
			continue;
		if (rc < 0)
			break;
		io_uring_cqe_seen(&u->ring, cqe);
		u->in_kernel--;
	}
	if (u->helper)
		storage_pool_destroy(u->helper);
	io_uring_queue_exit(&u->ring);
	free(u);
}

static const struct storage_engine uring_engine = {
	.name = "io_uring",
	.start = uring_start,
	.submit = uring_submit,
	.collect = uring_collect,
	.close = uring_close,
};

/* Every opcode the engine prepares: READV/WRITEV/FSYNC since 5.1,
 * FALLOCATE since 5.6; without the probe (before 5.6) not all are. */
static int probe_opcodes(struct io_uring *ring, bool file_discard)
{
	struct io_uring_probe *p = io_uring_get_probe_ring(ring);
	int rc = 0;

	if (!p)
		return -EOPNOTSUPP;
	if (!io_uring_opcode_supported(p, IORING_OP_READV) ||
	    !io_uring_opcode_supported(p, IORING_OP_WRITEV) ||
	    !io_uring_opcode_supported(p, IORING_OP_FSYNC) ||
	    (file_discard && !io_uring_opcode_supported(p, IORING_OP_FALLOCATE)))
		rc = -EOPNOTSUPP;
	io_uring_free_probe(p);
	return rc;
}

int storage_uring_init(struct storage *s)
{
	struct uring_engine *u = calloc(1, sizeof(*u));
	bool file_discard = s->info.can_discard && !s->info.block_device;
	int rc;

	if (!u)
		return -ENOMEM;
	rc = io_uring_queue_init(STORAGE_QUEUE_DEPTH, &u->ring, 0);
	if (rc < 0) {
		free(u);
		return rc;
	}
	rc = probe_opcodes(&u->ring, file_discard);
	if (rc == 0)
		rc = io_uring_register_eventfd(&u->ring, s->event_fd);
	if (rc == 0 && s->info.can_discard && s->info.block_device) {
		u->helper = storage_pool_create(s, 1);
		if (!u->helper)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		io_uring_queue_exit(&u->ring);
		free(u);
		return rc;
	}
	s->engine = &uring_engine;
	s->engine_data = u;
	return 0;
}
