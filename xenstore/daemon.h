/* The xenstore daemon, embeddable: one store served to Unix socket clients
 * (domain 0 tools, libxenstore) and to guests' ring pages, from one event
 * loop thread. Nothing polls: the loop sleeps in epoll until a socket is
 * ready, a guest is kicked, or it is told to stop.
 *
 * Threads: xs_daemon_kick and xs_daemon_stop may be called from any thread
 * (and from a signal handler) at any time. xs_daemon_listen,
 * xs_daemon_add_domain and xs_daemon_remove_domain may be called from any
 * thread, before or while the loop runs. A domain's notify callback runs on
 * the loop thread. */
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
