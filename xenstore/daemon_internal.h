/* What daemon.c (the loop, sockets, rings) and daemon_dom0.c (domain 0's
 * in-process calls and watches) share; nothing else includes this. */
#ifndef XENSTORE_DAEMON_INTERNAL_H
#define XENSTORE_DAEMON_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "xenstore/daemon.h"
#include "xenstore/transport_ring.h"
#include "xenstore/transport_socket.h"
#include "xenstore/wire_dispatch.h"

/* EP_DOM0_WATCH is never in epoll: only on the dirty list, so its events
 * are delivered by the loop thread. */
enum endpoint_kind { EP_WAKE, EP_LISTEN, EP_SOCKET, EP_RING, EP_DOM0_WATCH };

/* What an epoll event or a dirty-list entry points at. */
struct endpoint {
	enum endpoint_kind kind;
	struct xs_daemon *d;
	struct endpoint *next_dirty;
	bool dirty;
	bool gone; /* closed or removed; freed at the end of the batch */
	struct endpoint *next_gone;
};

struct client {
	struct endpoint ep;
	struct sock_client sc;
	uint32_t events; /* what epoll waits for now */
	struct client *prev, *next;
};

struct xs_domain {
	struct endpoint ep;
	struct ring_port port;
	int kick_fd;
	bool released;
	struct xs_domain *next;
};

/* One watch of domain 0 in this process: a connection of its own (so the
 * store tells its events apart from every other watcher's and bounds
 * them as a client's), whose queued WATCH_EVENTs the loop hands to fn. */
struct xs_dom0_watch {
	struct endpoint ep;
	struct conn conn;
	xs_daemon_watch_fn *fn;
	void *opaque;
	struct xs_dom0_watch *prev, *next;
};

struct xs_daemon {
	struct wire_server srv;
	pthread_mutex_t lock; /* everything below; the loop holds it between waits */
	int epfd;
	int wake_fd; /* eventfd: stop asked, a domain added, dom0 changed the store */
	struct endpoint wake_ep;
	int listen_fd;
	struct endpoint listen_ep;
	char *sock_path;
	struct client *clients;
	struct xs_domain *domains;
	struct xs_dom0_watch *dom0_watches;
	struct endpoint *dirty;
	struct endpoint *graveyard;
	int stopping; /* atomic */
	pthread_t thread;
	bool threaded;
};

/* A connection's wake function: puts its endpoint on the dirty list, which
 * the loop services after the current batch. Lock held. */
void daemon_mark_dirty(struct conn *c);
/* Wakes the loop (its wake eventfd): after a change made outside it, so
 * the watch events it queued are sent. 0 or errno. */
int daemon_wake_loop(struct xs_daemon *d);
/* Takes ep off the dirty list. Lock held. */
void daemon_undirty(struct xs_daemon *d, struct endpoint *ep);

/* The loop thread, lock held: calls w's callback for each event queued. */
void dom0_watch_deliver(struct xs_dom0_watch *w);
/* xs_daemon_destroy: frees the watches domain 0 did not remove. */
void dom0_watches_free(struct xs_daemon *d);

#endif
