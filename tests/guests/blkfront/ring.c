/*
 * The request ring from the frontend's side, with io/ring.h's macros as
 * Linux's blkfront uses them: requests published with
 * RING_PUSH_REQUESTS_AND_CHECK_NOTIFY (a send only when the backend's
 * req_event asks for one), responses copied out of the shared page before
 * they are looked at, and, with none left, rsp_event re-armed
 * (RING_FINAL_CHECK_FOR_RESPONSES) before the vCPU sleeps in SCHEDOP_poll
 * on the ring's port, which stays masked: no upcall handler is needed.
 */
#include "blkfront.h"

#include <xen/sched.h>

#include "evtchn.h"
#include "hypercall.h"
#include "test.h"

uint64_t ring_new_id(void)
{
	static uint64_t next = 0x1000;
	return next++;
}

struct blkif_request *ring_next(struct vbd *v, uint8_t op, uint64_t id)
{
	require(!RING_FULL(&v->ring), "%s: ring full", v->name);
	struct blkif_request *r = RING_GET_REQUEST(&v->ring, v->ring.req_prod_pvt);
	v->ring.req_prod_pvt++;
	memset(r, 0, sizeof *r);
	r->operation = op;
	r->id = id;
	r->handle = (blkif_vdev_t)v->devid;
	return r;
}

void ring_push(struct vbd *v)
{
	int notify;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&v->ring, notify);
	if (notify)
		check_eq(evtchn_send(v->port), 0);
}

static void clear_pending(evtchn_port_t port)
{
	__atomic_fetch_and(&shared->evtchn_pending[port / 64], ~(1ul << (port % 64)),
			   __ATOMIC_SEQ_CST);
}

static bool pending(evtchn_port_t port)
{
	return (__atomic_load_n(&shared->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >>
		(port % 64)) & 1;
}

/* Sleeps until the port is pending or system time reaches deadline (a
 * wake-up with neither is allowed: the caller looks again). */
static void poll_port(evtchn_port_t port, uint64_t deadline)
{
	struct sched_poll p = { .nr_ports = 1, .timeout = deadline };
	set_xen_guest_handle(p.ports, &port);
	long rc = HYPERVISOR_sched_op(SCHEDOP_poll, &p);
	require(rc == 0, "SCHEDOP_poll(port %u): %ld", port, rc);
}

unsigned ring_collect(struct vbd *v, struct blkif_response *out, unsigned want, uint64_t ns)
{
	uint64_t deadline = now_ns() + ns;
	unsigned got = 0;
	bool evented = false;
	while (got < want) {
		/* Cleared before looking: an event for what comes after the
		 * look stays pending and ends the poll at once. */
		if (pending(v->port))
			evented = true;
		clear_pending(v->port);
		int more;
		RING_FINAL_CHECK_FOR_RESPONSES(&v->ring, more);
		if (more) {
			RING_IDX prod = v->ring.sring->rsp_prod;
			xen_rmb(); /* the responses before their index */
			if (RING_RESPONSE_PROD_OVERFLOW(&v->ring, prod)) {
				check_msg(false, "%s: rsp_prod %u is more than a ring past rsp_cons %u",
					  v->name, prod, v->ring.rsp_cons);
				return got;
			}
			/* After the deadline the backend has answered without the
			 * event its rsp_event asked for: Linux's blkfront would
			 * still be asleep. */
			if (!evented && now_ns() >= deadline)
				v->silent_answers++;
			while (v->ring.rsp_cons != prod && got < want) {
				RING_COPY_RESPONSE(&v->ring, v->ring.rsp_cons, &out[got]);
				v->ring.rsp_cons++;
				got++;
			}
			continue;
		}
		uint64_t t = now_ns();
		if (t >= deadline)
			break;
		poll_port(v->port, deadline);
		evented = evented || pending(v->port);
	}
	return got;
}

int ring_answer(struct vbd *v, uint64_t id, uint8_t op)
{
	ring_push(v);
	struct blkif_response r;
	while (ring_collect(v, &r, 1, RESPONSE_WAIT_NS) == 1) {
		if (r.id != id) {
			check_msg(false, "%s: response for id 0x%lx (op %u status %d) while "
				  "waiting for 0x%lx", v->name, r.id, r.operation, r.status, id);
			continue;
		}
		check_msg(r.operation == op, "%s: response for id 0x%lx says operation %u, not %u",
			  v->name, id, r.operation, op);
		return r.status;
	}
	printk("blkfront: %s: no response for id 0x%lx (op %u) in %llu ms\n", v->name, id, op,
	       RESPONSE_WAIT_NS / MS);
	return NO_ANSWER;
}

void ring_check_events(const struct vbd *v)
{
	check_msg(v->silent_answers == 0, "%s: %u times the backend answered without the event "
		  "rsp_event asked for", v->name, v->silent_answers);
}
