/* The xenstore daemon, embeddable: one store served to Unix socket clients
 * (domain 0 tools, libxenstore) and to guests' ring pages, from one event
 * loop thread. Nothing polls: the loop sleeps in epoll until a socket is
 * ready, a guest is kicked, or it is told to stop.
 *
 * Threads: xs_daemon_kick and xs_daemon_stop may be called from any thread
 * (and from a signal handler) at any time. xs_daemon_listen,
 * xs_daemon_add_domain and xs_daemon_remove_domain may be called from any
 * thread, before or while the loop runs. A domain's notify callback runs on
 * the loop thread with the daemon's lock held: it must only signal (e.g.
 * inject the event-channel upcall) and never call back into this API.
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
/* Stops serving the ring and releases the domain (@releaseDomain fires
 * unless a RELEASE already did). The handle is invalid afterwards. */
void xs_daemon_remove_domain(struct xs_daemon *d, struct xs_domain *dom);

/* Writes path = value as domain 0 (the toolstack populating a domain's
 * entries), creating parents, then gives it perms (n entries) unless n is
 * 0. Any thread. 0 or a positive errno. */
struct xs_store_perm;
int xs_daemon_write_dom0(struct xs_daemon *d, const char *path,
			 const char *value, const struct xs_store_perm *perms,
			 unsigned int n);

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
 * store goes too). */
void xs_daemon_destroy(struct xs_daemon *d);

#endif
