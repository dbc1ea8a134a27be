/*
 * The thread pool: workers doing requests with blocking system calls.
 * It is the whole "threads" engine, and io_uring's helper for what
 * io_uring cannot do (BLKDISCARD is an ioctl).
 */
#include "backends/blk/storage_impl.h"

#include <errno.h>
#include <stdlib.h>

/* Enough to keep a disk's queue busy while some workers sit in fdatasync
 * or a slow discard; each is a mostly idle thread otherwise. */
#define POOL_THREADS 4

struct storage_pool {
	struct storage *s;
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct req_fifo queue;          /* pushed, not started */
	bool stopping;
	unsigned nr_threads;
	pthread_t threads[];
};

static void *worker(void *arg)
{
	struct storage_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct storage_req *r;

		while (!p->queue.head && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stopping)
			break;
		r = req_fifo_pop(&p->queue);
		pthread_mutex_unlock(&p->lock);
		storage_file_execute(p->s, r);
		storage_complete_async(p->s, r);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct storage_pool *storage_pool_create(struct storage *s, unsigned threads)
{
	struct storage_pool *p = calloc(1, sizeof(*p) + threads * sizeof(pthread_t));

	if (!p)
		return NULL;
	p->s = s;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	for (; p->nr_threads < threads; p->nr_threads++)
		if (pthread_create(&p->threads[p->nr_threads], NULL, worker, p) != 0)
			break;
	if (p->nr_threads == 0) {
		storage_pool_destroy(p);
		return NULL;
	}
	return p;
}

void storage_pool_push(struct storage_pool *p, struct storage_req *r)
{
	pthread_mutex_lock(&p->lock);
	req_fifo_push(&p->queue, r);
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

void storage_pool_destroy(struct storage_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nr_threads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* ---- The "threads" engine: every request to the pool. ----------------- */

static int threads_start(struct storage *s, struct storage_req *r)
{
	storage_pool_push(s->engine_data, r);
	return 0;
}

/* Workers take requests as they are pushed: nothing waits for submit. */
static void threads_submit(struct storage *s)
{
	(void)s;
}

static void threads_close(struct storage *s)
{
	storage_pool_destroy(s->engine_data);
}

static const struct storage_engine threads_engine = {
	.name = "threads",
	.start = threads_start,
	.submit = threads_submit,
	.collect = NULL,
	.close = threads_close,
};

int storage_threads_init(struct storage *s)
{
	struct storage_pool *p = storage_pool_create(s, POOL_THREADS);

	if (!p)
		return -ENOMEM;
	s->engine = &threads_engine;
	s->engine_data = p;
	return 0;
}
