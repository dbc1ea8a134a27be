/* A guest's xenstore ring page (struct xenstore_domain_interface) as a
 * connection: requests come from req[], replies and watch events go to
 * rsp[].
 *
 * The page is shared with a guest that may be hostile and may change it
 * while we look. So the indexes we own (req_cons, rsp_prod) are kept here
 * and only written to the page; the guest's (req_prod, rsp_cons) are read
 * once per step and checked (prod - cons within the ring) before use; the
 * bytes are copied out of the ring before they are parsed; and one service
 * call moves a bounded amount, so a guest that keeps producing cannot keep
 * the daemon in one call. A bad index or an oversize message stops the
 * ring for good, with the reason in the page's error field. */
#ifndef XENSTORE_TRANSPORT_RING_H
#define XENSTORE_TRANSPORT_RING_H

#include <stdbool.h>

#include "xenstore/conn.h"
#include "xenstore/wire_dispatch.h"

/* Bytes of requests one ring_port_service call reads at most. */
#define RING_SERVICE_BUDGET (16u * XENSTORE_RING_SIZE)

typedef void ring_notify_fn(void *opaque);

struct ring_port {
	struct conn conn;
	struct xenstore_domain_interface *intf;
	XENSTORE_RING_IDX req_cons, rsp_prod;
	ring_notify_fn *notify; /* signals the guest's event channel */
	void *notify_opaque;
	bool dead;
};

/* Takes over intf (zeroed or left consistent by the domain builder) for
 * domid and advertises the features served here. */
void ring_port_init(struct ring_port *p, unsigned int domid,
		    struct xenstore_domain_interface *intf,
		    ring_notify_fn *notify, void *notify_opaque,
		    conn_wake_fn *wake, void *owner);
/* Drops the connection's watches and transactions and queued output. */
void ring_port_fini(struct ring_port *p, struct wire_server *srv);

/* Does what the ring allows now: sends queued output, processes waiting
 * requests (at most RING_SERVICE_BUDGET bytes), sends their replies, and
 * notifies the guest if anything moved. Returns true when requests are
 * still waiting and the caller should come back soon. */
bool ring_port_service(struct ring_port *p, struct wire_server *srv);
/* True if the guest's request ring holds bytes the daemon has not taken,
 * from the page alone (any thread may ask). */
bool ring_port_unread(const struct ring_port *p);

#endif
