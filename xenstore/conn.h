/* One client of the xenstore daemon, whatever carries its bytes (a Unix
 * socket, a guest's ring page, a test's buffer): who it is, the message it
 * is sending us, and the replies and watch events waiting to go out.
 *
 * The output queue is bounded. Replies are bounded by backpressure: once
 * CONN_OUT_HIGH bytes wait, the transport stops reading requests from the
 * client until it has taken its replies. Watch events are caused by other
 * clients, so a client that does not read could make them pile up without
 * bound; past CONN_OUT_MAX queued bytes an event is dropped and the
 * connection marked overflowed (a socket is then closed; a guest ring, which
 * cannot be reconnected, keeps running without the lost events). */
#ifndef XENSTORE_CONN_H
#define XENSTORE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenstore/wire.h"

#define CONN_OUT_HIGH (64u * 1024)
#define CONN_OUT_MAX (256u * 1024)

struct conn_msg {
	struct conn_msg *next;
	uint32_t len;  /* header + payload */
	uint32_t sent; /* bytes already handed to the transport */
	uint8_t bytes[];
};

struct conn;

/* Called (at most once until the queue is next taken) when output becomes
 * pending, so the owner schedules a flush. It must not free the connection:
 * it may run in the middle of a store operation. */
typedef void conn_wake_fn(struct conn *c);

struct conn {
	unsigned int domid;
	bool privileged;
	/* "/local/domain/<domid>": where relative paths resolve. */
	char home[32];
	struct wire_reader in;
	struct conn_msg *out_head, *out_tail;
	size_t out_bytes;
	bool wake_pending;
	bool broken;     /* protocol violation: close (socket) or stop (ring) */
	bool overflowed; /* a watch event was dropped */
	unsigned long events_dropped;
	conn_wake_fn *wake;
	void *owner; /* the transport's object */
};

void conn_init(struct conn *c, unsigned int domid, conn_wake_fn *wake,
	       void *owner);
/* Frees every queued message. */
void conn_fini(struct conn *c);

/* Queues one message whose payload is the concatenation of parts. ENOMEM or
 * E2BIG (payload over XENSTORE_PAYLOAD_MAX) leave the queue unchanged. */
struct conn_part {
	const void *data;
	size_t len;
};
int conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	       const struct conn_part *parts, unsigned nparts);
/* An XS_ERROR reply carrying Xen's name for err. */
int conn_queue_error(struct conn *c, uint32_t req_id, uint32_t tx_id, int err);
/* An XS_WATCH_EVENT, dropped (false) when the queue is over CONN_OUT_MAX. */
bool conn_queue_event(struct conn *c, const char *path, const char *token);

/* Whether the transport should read (and so dispatch) more requests. */
bool conn_wants_input(const struct conn *c);

/* The next unsent bytes of the head message, 0 when nothing is queued. */
size_t conn_out_peek(const struct conn *c, const uint8_t **bytes);
/* Marks n bytes (≤ what conn_out_peek returned) as sent. */
void conn_out_advance(struct conn *c, size_t n);
/* Drops all queued output (a ring reconnecting, a client gone). */
void conn_out_clear(struct conn *c);

#endif
