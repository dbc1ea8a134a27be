/* From complete request messages to store operations and replies: the
 * dispatch table, the checks every request passes before its handler runs,
 * and the bookkeeping a connection needs when it comes and goes. Knows
 * nothing of sockets or rings (see conn.h). */
#ifndef XENSTORE_WIRE_DISPATCH_H
#define XENSTORE_WIRE_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenstore/conn.h"
#include "xenstore/store.h"

/* What INTRODUCE and RELEASE need beyond the store: the embedding
 * launcher maps a guest's ring and binds its event channel, and drops the
 * domain's connection on release. Either may be NULL: the domain is then
 * only recorded in the store (a launcher may attach rings through the
 * daemon API instead). */
struct wire_domain_hooks {
	/* 0, or a positive errno sent back to the caller. */
	int (*introduce)(void *opaque, unsigned int domid, uint64_t mfn,
			 unsigned int port);
	void (*release)(void *opaque, unsigned int domid);
	void *opaque;
};

struct wire_server {
	struct xs_store *store;
	struct wire_domain_hooks hooks;
	bool log_requests; /* CONTROL log on|off: one stderr line a request */
};

/* Runs one complete request from c: validates it (type, argument layout,
 * privilege, transaction, in that order), calls its handler, and queues
 * the reply or an XS_ERROR on c. Never fails: errors become replies. */
void wire_process_message(struct wire_server *srv, struct conn *c,
			  const struct xsd_sockmsg *hdr, const char *payload);

/* Feeds bytes received from c, processing each request as it completes.
 * Stops early when c no longer wants input (output backpressure) or has
 * broken the protocol (oversize length: c->broken set); returns how many
 * bytes were consumed. */
size_t wire_consume(struct wire_server *srv, struct conn *c, const void *buf,
		    size_t len);

/* The store's fire callback: queues a WATCH_EVENT on the watcher, which
 * is a struct conn. Pass it with the server as opaque to xs_store_new. */
void wire_fire_watch(void *opaque, void *watcher, const char *path,
		     const char *token);

/* A connection goes away: its watches and transactions go with it. */
void wire_conn_gone(struct wire_server *srv, struct conn *c);

/* Name of a message type ("READ"), or NULL for types with no handler. */
const char *wire_type_name(uint32_t type);

#endif
