/*
 * The guest's frames out: TX request chains taken off the ring and
 * checked (netif_tx.h), their data copied out of the granted pages, the
 * checksum and segmentation work the link cannot take done here
 * (net_offload.h), the frame handed to the link, every slot answered.
 *
 * A chain is answered only after its frame left (or was dropped): the
 * frontend may reuse its pages as soon as it sees the response.
 */
#include <errno.h>
#include <string.h>
#include "backends/net/netback_internal.h"
#include "backends/net/net_offload.h"
#include "backends/net/netif_tx.h"

static void respond(struct netback_queue *q, const struct netif_tx_packet *p, int16_t status)
{
	for (unsigned i = 0; i < p->nr_slots; i++) {
		struct netif_tx_response rsp = {
			.id = p->slot_id[i],
			.status = p->slot_is_extra[i] ? NETIF_RSP_NULL : status,
		};
		shared_ring_put(&q->tx, &rsp, sizeof rsp);
	}
}

/* Copies the chain's data into q->tx_frame: 0, or a GNTST_* error (a
 * grant the frontend had no business naming). */
static int gather(struct netback_queue *q, const struct netif_tx_packet *p)
{
	size_t at = 0;
	for (unsigned i = 0; i < p->nr_data; i++) {
		const struct netif_tx_request *r = &p->data[i];
		if (!r->size)
			continue;
		int err = backend_grant_copy_from(q->nb->bd, r->gref, r->offset,
						  q->tx_frame + at, r->size);
		q->nb->stats->grant_copies++;
		if (err)
			return err;
		at += r->size;
	}
	return 0;
}

struct segment_sink {
	struct netback_queue *q;
	unsigned sent, dropped;
};

static int send_segment(void *arg, const uint8_t *frame, size_t len)
{
	struct segment_sink *s = arg;
	struct net_frame_meta plain = { .data_valid = true };
	if (net_link_send(s->q->nb->link, s->q->index, &plain, frame, len))
		s->dropped++;
	else
		s->sent++;
	return 0;
}

/* Hands the frame to the link with what it still needs done, doing here
 * what the link cannot.  0 sent, -EINVAL malformed, or the link's error. */
static int transmit(struct netback_queue *q, const struct netif_tx_packet *p)
{
	struct netback *nb = q->nb;
	struct net_frame_meta meta = {
		.csum_partial = p->csum_blank,
		.data_valid = p->data_validated,
	};
	if (p->gso) {
		meta.gso_type = p->gso_type == XEN_NETIF_GSO_TYPE_TCPV6 ? NET_GSO_TCPV6
									: NET_GSO_TCPV4;
		meta.gso_size = p->gso_size;
		/* A GSO frame's checksum is partial whatever the flags say:
		 * its segments' checksums do not exist yet. */
		meta.csum_partial = true;
	}
	if (meta.csum_partial && net_csum_locate(q->tx_frame, p->len, &meta))
		return -EINVAL;
	unsigned offloads = net_link_offloads(nb->link);
	/* A link that segments sums each segment from the pseudo-header sum
	 * the guest left in the checksum field: only a guest that said the
	 * field holds it (csum_blank, as netfront always does for GSO) gets
	 * that; other GSO frames are cut here, where the sums start afresh. */
	bool link_segments = meta.gso_type == NET_GSO_NONE ||
			     (p->csum_blank &&
			      ((meta.gso_type == NET_GSO_TCPV4 && (offloads & NET_LINK_OFFLOAD_TSO4)) ||
			       (meta.gso_type == NET_GSO_TCPV6 && (offloads & NET_LINK_OFFLOAD_TSO6))));
	if (!link_segments) {
		struct segment_sink sink = { .q = q };
		int err = net_gso_segment(q->tx_frame, p->len, &meta, q->seg_frame,
					  send_segment, &sink);
		if (err)
			return err;
		nb->stats->tx_segmented++;
		return sink.sent ? 0 : -EAGAIN;
	}
	if (meta.csum_partial && !(offloads & NET_LINK_OFFLOAD_CSUM)) {
		if (net_csum_complete(q->tx_frame, p->len, &meta))
			return -EINVAL;
		meta.csum_partial = false;
		meta.data_valid = true;
	}
	return net_link_send(nb->link, q->index, &meta, q->tx_frame, p->len);
}

/* One chain already checked OK: its frame, or its multicast request. */
static int16_t handle_packet(struct netback_queue *q, const struct netif_tx_packet *p)
{
	struct netback *nb = q->nb;
	if (p->mcast_add)
		return netback_mcast_add(nb, p->mcast_addr) ? NETIF_RSP_ERROR : NETIF_RSP_OKAY;
	if (p->mcast_del) {
		netback_mcast_del(nb, p->mcast_addr);
		return NETIF_RSP_OKAY;
	}
	if (gather(q, p)) {
		nb->stats->tx_malformed++;
		return NETIF_RSP_ERROR;
	}
	int err = transmit(q, p);
	if (err == -EINVAL) {
		nb->stats->tx_malformed++;
		return NETIF_RSP_ERROR;
	}
	if (err) {
		/* The host did not take it: as a full queue on a bridge, the
		 * guest sees it sent. */
		nb->stats->tx_dropped++;
		return NETIF_RSP_OKAY;
	}
	nb->stats->tx_packets++;
	nb->stats->tx_bytes += p->len;
	return NETIF_RSP_OKAY;
}

/* Takes and answers up to NETBACK_BUDGET chains: 1 if more may wait. */
static int tx_turn(struct netback_queue *q)
{
	struct netif_tx_request reqs[NETIF_TX_WINDOW];
	struct netif_tx_packet p;
	for (unsigned done = 0; done < NETBACK_BUDGET; done++) {
		int n = shared_ring_unconsumed(&q->tx);
		if (n < 0) {
			netback_queue_fatal(q, "TX req_prod is more than a ring ahead");
			return 0;
		}
		if (n == 0)
			return 0;
		/* Every chain is answered as soon as it is taken, so its
		 * answers always have room. */
		unsigned avail = (unsigned)n < NETIF_TX_WINDOW ? (unsigned)n : NETIF_TX_WINDOW;
		for (unsigned i = 0; i < avail; i++)
			shared_ring_peek(&q->tx, i, &reqs[i], sizeof reqs[i]);
		const char *why = NULL;
		switch (netif_tx_parse(reqs, avail, &p, &why)) {
		case NETIF_TX_NEED_MORE:
			q->tx_waiting = true;
			return 0;
		case NETIF_TX_FATAL:
			netback_queue_fatal(q, why);
			return 0;
		case NETIF_TX_DROP:
			shared_ring_skip(&q->tx, p.nr_slots);
			q->nb->stats->tx_malformed++;
			respond(q, &p, NETIF_RSP_ERROR);
			break;
		case NETIF_TX_OK:
			shared_ring_skip(&q->tx, p.nr_slots);
			respond(q, &p, handle_packet(q, &p));
			break;
		}
		q->tx_waiting = false;
		if (shared_ring_push(&q->tx)) {
			xenbus_notify(q->nb->dev, q->tx_port);
			q->nb->stats->notifies++;
		}
	}
	return 1;
}

/* Serves the TX ring until it is empty, then asks for an event at the
 * next request (or at the rest of a chain still being published). */
static void tx_work(struct netback_queue *q)
{
	for (;;) {
		if (q->broken || !q->connected)
			return;
		if (tx_turn(q)) {
			/* Budget spent: let the other events of this wake-up
			 * run; the eventfd we rearm brings us back. */
			if (!q->broken) {
				q->tx_rearmed = true;
				xenbus_evtchn_rearm(q->nb->dev, q->tx_port);
			}
			return;
		}
		if (q->broken)
			return;
		uint32_t need = 1;
		if (q->tx_waiting) {
			int n = shared_ring_unconsumed(&q->tx);
			need = (uint32_t)(n > 0 ? n : 0) + 1;
		}
		int more = shared_ring_final_check_for(&q->tx, need);
		if (more < 0) {
			netback_queue_fatal(q, "TX req_prod is more than a ring ahead");
			return;
		}
		if (!more)
			return;
	}
}

void netback_tx_service(struct netback_queue *q)
{
	tx_work(q);
}

/* The guest's event, or our own rearm after a spent budget. */
static void count_event(struct netback_queue *q)
{
	if (q->tx_rearmed)
		q->tx_rearmed = false;
	else
		q->nb->stats->events++;
}

void netback_tx_event(struct xenbus_device *dev, void *queue)
{
	(void)dev;
	count_event(queue);
	tx_work(queue);
}

void netback_shared_event(struct xenbus_device *dev, void *queue)
{
	(void)dev;
	count_event(queue);
	tx_work(queue);
	netback_rx_service(queue);
}
