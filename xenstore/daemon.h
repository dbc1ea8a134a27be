/* The xenstore daemon, embeddable: one store served to Unix socket clients
 * (domain 0 tools, libxenstore) and to guests' ring pages, from one event
 * loop thread. Nothing polls: the loop sleeps in epoll until a socket is
 * ready, a guest is kicked, or it is told to stop.
 *
 * Threads: xs_daemon_kick and xs_daemon_stop may be called from any thread
 * (and from a signal handler) at any time. xs_daemon_listen,
 * xs_daemon_add_domain, xs_daemon_remove_domain and the xs_daemon_*_dom0
 * calls may be called from any thread, before or while the loop runs. A
 * domain's notify callback and a dom0 watch's callback run on the loop
 * thread with the daemon's lock held: they must only signal (e.g. inject
 * the event-channel upcall, write an eventfd) and never call back into
 * this API.
 *
 * Embedding, as the launcher does:
 *
 *	struct xs_daemon *xs = xs_daemon_create();
 *	xs_daemon_listen(xs, "/run/xenlet/xenstore.sock");  // optional
 *	xs_daemon_start(xs);
 *	struct xs_domain *dom = xs_daemon_add_domain(xs, 1, ring_page,
 *						     signal_guest, vm);
 *	...  guest signals its xenstore event channel: xs_daemon_kick(dom);
 *	xs_daemon_remove_domain(xs, dom);
 *	xs_daemon_stop(xs);
 *	xs_daemon_join(xs);
 *	xs_daemon_destroy(xs);
 *
 * Domain 0 (socket clients) may also send INTRODUCE: that only records the
 * domain in the store (@introduceDomain fires); the ring of a domain is
 * served once the launcher passes its page to xs_daemon_add_domain. RELEASE
 * from domain 0 stops serving the ring; the handle stays valid until
 * xs_daemon_remove_domain. */
#ifndef XENSTORE_DAEMON_H
#define XENSTORE_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

struct xs_daemon;
struct xs_domain;

/* Signals the guest's xenstore event channel. */
typedef void xs_daemon_notify_fn(void *opaque);

/* NULL with errno set on failure. */
struct xs_daemon *xs_daemon_create(void);
/* Serves clients on a Unix socket at path (xenstored's is
 * /var/run/xenstored/socket). 0 or a positive errno. */
int xs_daemon_listen(struct xs_daemon *d, const char *path);

/* Introduces domid (the store fires @introduceDomain) and serves its ring
 * page, which must stay mapped until xs_daemon_remove_domain. notify is
 * called whenever the daemon put something in rsp[] or took from req[].
 * NULL with errno set on failure (EEXIST if domid is already introduced). */
struct xs_domain *xs_daemon_add_domain(struct xs_daemon *d, unsigned int domid,
				       struct xenstore_domain_interface *page,
				       xs_daemon_notify_fn *notify,
				       void *opaque);
/* The guest signalled its xenstore event channel. Never blocks. */
void xs_daemon_kick(struct xs_domain *dom);
/* Kicks the loop if the guest's ring holds requests not yet taken. For
 * whoever sees the guest go idle: Linux's xenbus writes a request without
 * an event when it believes the daemon still busy with the one before,
 * and its check is not fenced against its write, so an event can be
 * missing. Never blocks. */
void xs_daemon_kick_if_unread(struct xs_domain *dom);
/* Stops serving the ring and releases the domain (@releaseDomain fires
 * unless a RELEASE already did). The handle is invalid afterwards. */
void xs_daemon_remove_domain(struct xs_daemon *d, struct xs_domain *dom);

/* ---- Domain 0 in this process ----------------------------------------
 * What dom0's toolstack and backends would send over a socket, as calls:
 * each acts as domain 0 (privileged: no permission or quota applies to
 * it), is one store operation under the daemon's lock (so it never
 * interleaves with a guest's or a client's request), and returns 0 or a
 * positive errno with xs_store's meaning (store.h). Paths are absolute.
 * Watches of others that a call fires are sent by the loop, which the
 * call wakes. */
struct xs_store_perm;

/* Writes path = value (a string), creating parents, then gives it perms
 * (n entries) unless n is 0 (the toolstack populating a domain's
 * entries). */
int xs_daemon_write_dom0(struct xs_daemon *d, const char *path,
			 const char *value, const struct xs_store_perm *perms,
			 unsigned int n);
/* The value, malloc'd with a NUL after its *len bytes (values may hold
 * NULs); the caller frees it. */
int xs_daemon_read_dom0(struct xs_daemon *d, const char *path, char **val,
			size_t *len);
int xs_daemon_mkdir_dom0(struct xs_daemon *d, const char *path);
/* Removes path and its subtree; an absent path whose parent exists is
 * success, a missing parent ENOENT (as xenstored). */
int xs_daemon_rm_dom0(struct xs_daemon *d, const char *path);
/* The children's names, each NUL-terminated, concatenated, malloc'd
 * (*len 0 for none); the caller frees the list. */
int xs_daemon_directory_dom0(struct xs_daemon *d, const char *path,
			     char **list, size_t *len);
/* The node's permissions, malloc'd (*n entries); the caller frees them. */
int xs_daemon_get_perms_dom0(struct xs_daemon *d, const char *path,
			     struct xs_store_perm **perms, unsigned int *n);
int xs_daemon_set_perms_dom0(struct xs_daemon *d, const char *path,
			     const struct xs_store_perm *perms, unsigned int n);

/* Several changes that hold together (a device's frontend and backend
 * trees, as libxl writes them in one transaction): applied in order, all
 * or none, and nobody sees a state in between. XS_DOM0_WRITE writes value
 * and then, if nperms, gives perms; XS_DOM0_RM takes an absent path, or
 * one whose parent is missing too, as done. */
enum xs_dom0_op_kind {
	XS_DOM0_WRITE,
	XS_DOM0_MKDIR,
	XS_DOM0_RM,
	XS_DOM0_SET_PERMS,
};
struct xs_dom0_op {
	enum xs_dom0_op_kind kind;
	const char *path;
	const char *value; /* XS_DOM0_WRITE */
	const struct xs_store_perm *perms;
	unsigned int nperms;
};
/* 0, or the first failing op's errno (nothing changed then). */
int xs_daemon_apply_dom0(struct xs_daemon *d, const struct xs_dom0_op *ops,
			 unsigned int n);

/* A watch of domain 0 in this process. Like a socket client's XS_WATCH:
 * fn is called once for the watch itself right away (with path as given),
 * then for every change of path or below it and for the removal of an
 * ancestor (or, for "@introduceDomain"/"@releaseDomain", for every domain
 * introduced or released), with the changed path and token. fn runs on
 * the loop thread with the daemon's lock held: it must only signal (write
 * an eventfd) and read the store later from its own thread. Events are
 * queued as a client's are, bounded the same way (conn.h): one that does
 * not fit is dropped, but one already queued is still to come, so whoever
 * reads the store after the callback sees the dropped change too.
 * NULL with errno set (EINVAL for a bad path, ENOMEM). */
typedef void xs_daemon_watch_fn(void *opaque, const char *path,
				const char *token);
struct xs_dom0_watch;
struct xs_dom0_watch *xs_daemon_watch_dom0(struct xs_daemon *d,
					   const char *path, const char *token,
					   xs_daemon_watch_fn *fn,
					   void *opaque);
/* Removes the watch: once this returns, fn is not called again for it
 * (events still queued are dropped). The handle is invalid afterwards. */
void xs_daemon_unwatch_dom0(struct xs_daemon *d, struct xs_dom0_watch *w);

/* Runs the loop in the calling thread until xs_daemon_stop. 0, or a
 * positive errno if the loop itself failed. */
int xs_daemon_run(struct xs_daemon *d);
/* Runs the loop in a new thread. 0 or a positive errno. */
int xs_daemon_start(struct xs_daemon *d);
/* Asks the loop to return. Async-signal-safe. */
void xs_daemon_stop(struct xs_daemon *d);
/* Waits for the thread xs_daemon_start made. */
void xs_daemon_join(struct xs_daemon *d);
/* Frees everything (the loop must not be running): closes client sockets,
 * removes the socket file, and frees the domains still added (no @releaseDomain: the
 * store goes too) and the dom0 watches still registered. */
void xs_daemon_destroy(struct xs_daemon *d);

#endif
