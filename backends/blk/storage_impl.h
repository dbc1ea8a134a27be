/*
 * Inside the storage: the request slots, the engines' interface, and the
 * pieces the engines share.  Only backends/blk/storage*.c include this.
 *
 * A request's life: storage.c checks it and either issues it to the
 * engine (engine->start) or holds it behind a flush (see storage.h's
 * ordering).  The engine finishes it with r->result set, either on the
 * caller's thread through storage_finished() (io_uring's completions,
 * collected in storage_reap) or from any thread through
 * storage_complete_async() (the thread pool, libnbd's callbacks).
 * storage_reap then hands it to the caller and frees the slot.
 */
#ifndef XENLET_BLK_STORAGE_IMPL_H
#define XENLET_BLK_STORAGE_IMPL_H

#include <pthread.h>
#include "backends/blk/storage.h"

enum storage_op { STORAGE_OP_READ, STORAGE_OP_WRITE, STORAGE_OP_FLUSH, STORAGE_OP_DISCARD };

/* iovec entries kept in the slot itself; longer lists are allocated. */
#define STORAGE_IOV_INLINE 16
/* Read and write: at most this many iovec entries per system call or
 * io_uring entry, as the kernel takes no more (UIO_MAXIOV); a longer
 * request goes in several, one after the other. */
#define STORAGE_IOV_PER_CALL 1024u
/* The file engines' max_transfer: no kernel limit binds them (they loop
 * over short transfers), so this only bounds what a caller may ask. */
#define STORAGE_FILE_MAX_TRANSFER (1u << 30)

struct storage_req {
	struct storage_req *next;       /* in whichever FIFO holds it */
	struct storage *owner;
	enum storage_op op;
	uint64_t offset;                /* where the request starts */
	uint64_t len;                   /* bytes: read, write, discard */
	uint64_t done;                  /* read, write: bytes transferred so far */
	struct iovec *iov;              /* what is left to transfer (our copy) */
	unsigned iovcnt;
	struct iovec iov_inline[STORAGE_IOV_INLINE];
	struct iovec *iov_heap;         /* the copy when longer than inline */
	void *bounce;                   /* NBD: the contiguous buffer */
	void *cookie;
	int64_t result;
};

struct req_fifo {
	struct storage_req *head, *tail;
};

struct storage_engine {
	const char *name;
	/* Starts r.  0, or -errno: r then completes with that error. */
	int (*start)(struct storage *s, struct storage_req *r);
	/* Pushes what start queued to the kernel or the server. */
	void (*submit)(struct storage *s);
	/* Caller's thread, in storage_reap: storage_finished() for each
	 * request finished since.  NULL if the engine completes async. */
	void (*collect)(struct storage *s);
	/* Waits for (or abandons) what is in flight and frees the engine. */
	void (*close)(struct storage *s);
};

struct storage {
	struct storage_info info;
	const struct storage_engine *engine;
	void *engine_data;
	int fd;                         /* files and block devices; else -1 */
	int event_fd;                   /* storage_fd */

	struct storage_req reqs[STORAGE_QUEUE_DEPTH];
	struct storage_req *free_list;  /* linked by next */
	struct req_fifo held;           /* behind a flush waiting for writes */
	struct req_fifo finished;       /* to deliver in storage_reap */
	unsigned writes_in_flight;      /* writes and discards issued, not finished */

	pthread_mutex_t async_lock;     /* guards async_done */
	struct req_fifo async_done;     /* finished on other threads */
};

static inline void req_fifo_push(struct req_fifo *f, struct storage_req *r)
{
	r->next = NULL;
	if (f->tail)
		f->tail->next = r;
	else
		f->head = r;
	f->tail = r;
}

static inline struct storage_req *req_fifo_pop(struct req_fifo *f)
{
	struct storage_req *r = f->head;

	if (r) {
		f->head = r->next;
		if (!f->head)
			f->tail = NULL;
	}
	return r;
}

/* storage.c: completion, from the engine's collect (caller's thread). */
void storage_finished(struct storage *s, struct storage_req *r);
/* storage.c: completion from any thread. */
void storage_complete_async(struct storage *s, struct storage_req *r);
/* storage.c: makes storage_fd readable. */
void storage_signal(const struct storage *s);
/* storage.c: bytes of a read or write transferred; the iovec moves on. */
void storage_req_advance(struct storage_req *r, uint64_t bytes);

/* storage_file.c: opens a path and fills s->fd and s->info (all but
 * the engine).  0, or -errno with the reason in err. */
int storage_file_open(struct storage *s, const char *path, unsigned flags, char *err,
		      size_t errlen);
/* storage_file.c: does r with blocking system calls; sets r->result. */
void storage_file_execute(const struct storage *s, struct storage_req *r);

/* The thread pool (storage_threads.c): workers running
 * storage_file_execute, completing through storage_complete_async.
 * Destroy abandons what no worker has started and waits for the rest. */
struct storage_pool;
struct storage_pool *storage_pool_create(struct storage *s, unsigned threads);
void storage_pool_push(struct storage_pool *p, struct storage_req *r);
void storage_pool_destroy(struct storage_pool *p);

/* Engines: each sets s->engine and s->engine_data, or returns -errno. */
int storage_uring_init(struct storage *s);
int storage_threads_init(struct storage *s);
/* Connects and fills s->info as well. */
int storage_nbd_open(struct storage *s, const char *uri, unsigned flags, char *err,
		     size_t errlen);

#endif
