#include "xenstore/transport_ring.h"

#include "xenstore/daemon_log.h"
#include <string.h>

static XENSTORE_RING_IDX load_guest_index(const XENSTORE_RING_IDX *idx)
{
	/* Acquire: the ring bytes the index covers are read after it. */
	return __atomic_load_n(idx, __ATOMIC_ACQUIRE);
}

static void publish_index(XENSTORE_RING_IDX *idx, XENSTORE_RING_IDX v)
{
	/* Release: our reads of req[] / writes to rsp[] come first. */
	__atomic_store_n(idx, v, __ATOMIC_RELEASE);
}

static void set_page_field(uint32_t *field, uint32_t v)
{
	__atomic_store_n(field, v, __ATOMIC_RELEASE);
}

void ring_port_init(struct ring_port *p, unsigned int domid,
		    struct xenstore_domain_interface *intf,
		    ring_notify_fn *notify, void *notify_opaque,
		    conn_wake_fn *wake, void *owner)
{
	memset(p, 0, sizeof(*p));
	conn_init(&p->conn, domid, wake, owner);
	p->intf = intf;
	p->notify = notify;
	p->notify_opaque = notify_opaque;
	p->req_cons = load_guest_index(&intf->req_cons);
	p->rsp_prod = load_guest_index(&intf->rsp_prod);
	set_page_field(&intf->error, XENSTORE_ERROR_NONE);
	set_page_field(&intf->connection, XENSTORE_CONNECTED);
	set_page_field(&intf->server_features,
		       XENSTORE_SERVER_FEATURE_RECONNECTION |
			       XENSTORE_SERVER_FEATURE_ERROR);
}

void ring_port_fini(struct ring_port *p, struct wire_server *srv)
{
	wire_conn_gone(srv, &p->conn);
	conn_fini(&p->conn);
}

static void ring_fail(struct ring_port *p, uint32_t error, const char *why)
{
	xsd_log("dom%u ring stopped: %s", p->conn.domid, why);
	p->dead = true;
	set_page_field(&p->intf->error, error);
}

/* The guest asked (connection = XENSTORE_RECONNECT) to start over: a
 * fresh session with empty rings, as after a kexec. */
static void ring_reconnect(struct ring_port *p, struct wire_server *srv)
{
	wire_conn_gone(srv, &p->conn);
	conn_out_clear(&p->conn);
	wire_reader_reset(&p->conn.in);
	p->conn.broken = false;
	p->conn.overflowed = false;
	p->req_cons = p->rsp_prod = 0;
	publish_index(&p->intf->req_cons, 0);
	publish_index(&p->intf->req_prod, 0);
	publish_index(&p->intf->rsp_cons, 0);
	publish_index(&p->intf->rsp_prod, 0);
	set_page_field(&p->intf->error, XENSTORE_ERROR_NONE);
	set_page_field(&p->intf->connection, XENSTORE_CONNECTED);
}

/* Copies queued output into rsp[] while there is room; true if any moved. */
static bool ring_send(struct ring_port *p)
{
	bool moved = false;
	const uint8_t *bytes;
	size_t pending;

	while ((pending = conn_out_peek(&p->conn, &bytes)) != 0) {
		XENSTORE_RING_IDX cons = load_guest_index(&p->intf->rsp_cons);
		XENSTORE_RING_IDX used = p->rsp_prod - cons;

		if (used > XENSTORE_RING_SIZE) {
			ring_fail(p, XENSTORE_ERROR_RINGIDX,
				  "bad response consumer index");
			return moved;
		}
		size_t off = MASK_XENSTORE_IDX(p->rsp_prod);
		size_t n = XENSTORE_RING_SIZE - used;

		if (n > XENSTORE_RING_SIZE - off)
			n = XENSTORE_RING_SIZE - off;
		if (n > pending)
			n = pending;
		if (n == 0)
			break;
		memcpy(p->intf->rsp + off, bytes, n);
		p->rsp_prod += (XENSTORE_RING_IDX)n;
		publish_index(&p->intf->rsp_prod, p->rsp_prod);
		conn_out_advance(&p->conn, n);
		moved = true;
	}
	return moved;
}

/* Processes requests from req[] within the budget; true if any bytes were
 * taken. *more is set when requests wait beyond the budget. */
static bool ring_receive(struct ring_port *p, struct wire_server *srv,
			 bool *more)
{
	uint8_t chunk[XENSTORE_RING_SIZE];
	size_t budget = RING_SERVICE_BUDGET;
	bool moved = false;

	while (conn_wants_input(&p->conn)) {
		XENSTORE_RING_IDX prod = load_guest_index(&p->intf->req_prod);
		XENSTORE_RING_IDX avail = prod - p->req_cons;

		if (avail > XENSTORE_RING_SIZE) {
			ring_fail(p, XENSTORE_ERROR_RINGIDX,
				  "bad request producer index");
			return moved;
		}
		if (avail == 0)
			break;
		if (budget == 0) {
			*more = true;
			break;
		}
		size_t off = MASK_XENSTORE_IDX(p->req_cons);
		size_t n = avail;

		if (n > XENSTORE_RING_SIZE - off)
			n = XENSTORE_RING_SIZE - off;
		if (n > budget)
			n = budget;
		memcpy(chunk, p->intf->req + off, n);
		size_t used = wire_consume(srv, &p->conn, chunk, n);

		budget -= used;
		p->req_cons += (XENSTORE_RING_IDX)used;
		publish_index(&p->intf->req_cons, p->req_cons);
		/* Linux's xb_write signals only when it saw req_cons caught
		 * up with its old req_prod: our req_cons must be visible
		 * before we look at req_prod again, or both sides may miss
		 * the other's store and the request wait for good (the
		 * guest's own half is covered by ring_port_unread). */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		moved |= used != 0;
		if (p->conn.broken) {
			ring_fail(p, XENSTORE_ERROR_PROTO,
				  "protocol error (oversize message)");
			return moved;
		}
		if (used < n)
			break; /* backpressure: replies must drain first */
	}
	return moved;
}

bool ring_port_unread(const struct ring_port *p)
{
	const struct xenstore_domain_interface *intf = p->intf;

	return __atomic_load_n(&intf->req_prod, __ATOMIC_SEQ_CST) !=
	       __atomic_load_n(&intf->req_cons, __ATOMIC_SEQ_CST);
}

bool ring_port_service(struct ring_port *p, struct wire_server *srv)
{
	bool moved = false, more = false;

	p->conn.wake_pending = false;
	if (p->dead)
		return false;
	if (__atomic_load_n(&p->intf->connection, __ATOMIC_ACQUIRE) ==
	    XENSTORE_RECONNECT) {
		ring_reconnect(p, srv);
		moved = true;
	}
	moved |= ring_send(p);
	if (!p->dead)
		moved |= ring_receive(p, srv, &more);
	if (!p->dead)
		moved |= ring_send(p);
	if (moved || p->dead)
		p->notify(p->notify_opaque);
	/* Requests left behind by backpressure wait for the guest to take
	 * replies; it signals then, so only the budget needs a come-back. */
	return more && !p->dead;
}
