/* Domain 0 in the daemon's own process (daemon.h): the store operations
 * dom0's toolstack and backends need, as calls under the daemon's lock,
 * and watches whose events the loop hands to a callback. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/daemon_internal.h"
#include "xenstore/store.h"

/* Every change: its events for other watchers wait in their connections,
 * which only the loop flushes. */
static int unlock_and_wake(struct xs_daemon *d, int err)
{
	pthread_mutex_unlock(&d->lock);
	daemon_wake_loop(d);
	return err;
}

int xs_daemon_write_dom0(struct xs_daemon *d, const char *path,
			 const char *value, const struct xs_store_perm *perms,
			 unsigned int n)
{
	pthread_mutex_lock(&d->lock);
	int err = xs_store_write(d->srv.store, 0, 0, path, value, strlen(value));
	if (!err && n)
		err = xs_store_set_perms(d->srv.store, 0, 0, path, perms, n);
	return unlock_and_wake(d, err);
}

int xs_daemon_read_dom0(struct xs_daemon *d, const char *path, char **val,
			size_t *len)
{
	pthread_mutex_lock(&d->lock);
	int err = xs_store_read(d->srv.store, 0, 0, path, val, len);
	pthread_mutex_unlock(&d->lock);
	return err;
}

int xs_daemon_mkdir_dom0(struct xs_daemon *d, const char *path)
{
	pthread_mutex_lock(&d->lock);
	return unlock_and_wake(d, xs_store_mkdir(d->srv.store, 0, 0, path));
}

int xs_daemon_rm_dom0(struct xs_daemon *d, const char *path)
{
	pthread_mutex_lock(&d->lock);
	return unlock_and_wake(d, xs_store_rm(d->srv.store, 0, 0, path));
}

int xs_daemon_directory_dom0(struct xs_daemon *d, const char *path,
			     char **list, size_t *len)
{
	pthread_mutex_lock(&d->lock);
	int err = xs_store_directory(d->srv.store, 0, 0, path, list, len, NULL);
	pthread_mutex_unlock(&d->lock);
	return err;
}

int xs_daemon_get_perms_dom0(struct xs_daemon *d, const char *path,
			     struct xs_store_perm **perms, unsigned int *n)
{
	pthread_mutex_lock(&d->lock);
	int err = xs_store_get_perms(d->srv.store, 0, 0, path, perms, n);
	pthread_mutex_unlock(&d->lock);
	return err;
}

int xs_daemon_set_perms_dom0(struct xs_daemon *d, const char *path,
			     const struct xs_store_perm *perms, unsigned int n)
{
	pthread_mutex_lock(&d->lock);
	return unlock_and_wake(d, xs_store_set_perms(d->srv.store, 0, 0, path,
						     perms, n));
}

/* ---- Several changes at once --------------------------------------------- */

static int apply_op(struct xs_store *s, uint32_t tx, const struct xs_dom0_op *op)
{
	int err;

	switch (op->kind) {
	case XS_DOM0_WRITE:
		err = xs_store_write(s, 0, tx, op->path, op->value,
				     strlen(op->value));
		if (!err && op->nperms)
			err = xs_store_set_perms(s, 0, tx, op->path, op->perms,
						 op->nperms);
		return err;
	case XS_DOM0_MKDIR:
		return xs_store_mkdir(s, 0, tx, op->path);
	case XS_DOM0_RM:
		err = xs_store_rm(s, 0, tx, op->path);
		return err == ENOENT ? 0 : err;
	case XS_DOM0_SET_PERMS:
		return xs_store_set_perms(s, 0, tx, op->path, op->perms,
					  op->nperms);
	}
	return EINVAL;
}

/* A transaction makes it all or nothing; holding the lock from start to
 * commit means nobody can change what it read, so the commit cannot fail
 * with EAGAIN, and nobody sees it half done. */
int xs_daemon_apply_dom0(struct xs_daemon *d, const struct xs_dom0_op *ops,
			 unsigned int n)
{
	struct xs_store *s = d->srv.store;
	uint32_t tx;

	pthread_mutex_lock(&d->lock);
	int err = xs_store_tx_start(s, 0, d, &tx);
	if (err) {
		pthread_mutex_unlock(&d->lock);
		return err;
	}
	for (unsigned int i = 0; i < n && !err; i++)
		err = apply_op(s, tx, &ops[i]);
	if (err)
		xs_store_tx_end(s, 0, tx, false);
	else
		err = xs_store_tx_end(s, 0, tx, true);
	return unlock_and_wake(d, err);
}

/* ---- Watches ------------------------------------------------------------- */

struct xs_dom0_watch *xs_daemon_watch_dom0(struct xs_daemon *d,
					   const char *path, const char *token,
					   xs_daemon_watch_fn *fn,
					   void *opaque)
{
	struct xs_dom0_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->ep.kind = EP_DOM0_WATCH;
	w->ep.d = d;
	conn_init(&w->conn, 0, daemon_mark_dirty, &w->ep);
	w->fn = fn;
	w->opaque = opaque;

	pthread_mutex_lock(&d->lock);
	int err = xs_store_watch_add(d->srv.store, &w->conn, 0, path, 0, token);
	if (!err) {
		/* As XS_WATCH: the watch fires once for itself. */
		wire_fire_watch(&d->srv, &w->conn, path, token);
		w->next = d->dom0_watches;
		if (w->next)
			w->next->prev = w;
		d->dom0_watches = w;
	}
	pthread_mutex_unlock(&d->lock);
	if (err) {
		conn_fini(&w->conn);
		free(w);
		errno = err;
		return NULL;
	}
	daemon_wake_loop(d);
	return w;
}

void xs_daemon_unwatch_dom0(struct xs_daemon *d, struct xs_dom0_watch *w)
{
	pthread_mutex_lock(&d->lock);
	xs_store_watch_reset(d->srv.store, &w->conn);
	/* The loop walks the dirty list only with the lock held, and this
	 * endpoint is in no epoll batch: it can go at once. */
	daemon_undirty(d, &w->ep);
	if (w->prev)
		w->prev->next = w->next;
	else
		d->dom0_watches = w->next;
	if (w->next)
		w->next->prev = w->prev;
	pthread_mutex_unlock(&d->lock);
	conn_fini(&w->conn);
	free(w);
}

void dom0_watch_deliver(struct xs_dom0_watch *w)
{
	const uint8_t *bytes;
	size_t n;

	w->conn.wake_pending = false;
	/* Each message is a whole XS_WATCH_EVENT that conn_queue_event
	 * built: "path\0token\0". */
	while ((n = conn_out_peek(&w->conn, &bytes)) != 0) {
		const char *path = (const char *)bytes + WIRE_HDR_SIZE;
		const char *token = path + strlen(path) + 1;

		w->fn(w->opaque, path, token);
		conn_out_advance(&w->conn, n);
	}
}

void dom0_watches_free(struct xs_daemon *d)
{
	while (d->dom0_watches) {
		struct xs_dom0_watch *w = d->dom0_watches;

		d->dom0_watches = w->next;
		xs_store_watch_reset(d->srv.store, &w->conn);
		conn_fini(&w->conn);
		free(w);
	}
}
