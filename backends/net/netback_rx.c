/*
 * The host's frames in: taken from the link, copied into the pages the
 * frontend posted on the RX ring (rx-copy: each slot's page filled from
 * offset 0), answered with the flags Linux's netfront reads (more data,
 * checksum state, a GSO extra after the first slot).
 *
 * Flow control: a frame that finds too few posted pages waits in the
 * queue, and the link's fd leaves the device's epoll, until the frontend
 * posts enough (its RX event); meanwhile the link holds or drops what
 * comes (a tap's kernel queue, slirp's bounded queue).
 */
#include <errno.h>
#include <string.h>
#include "backends/net/netback_internal.h"
#include "backends/net/net_offload.h"

#define PAGE 4096u

static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static bool is_ipv6(const uint8_t *frame, size_t len)
{
	size_t type_at = 12;
	if (len >= 18 && frame[12] == 0x81 && frame[13] == 0x00)
		type_at = 16; /* an 802.1Q tag */
	return len >= type_at + 2 && frame[type_at] == 0x86 && frame[type_at + 1] == 0xdd;
}

/* Makes the frame one the frontend takes: 0, or -1 to drop it. */
static int fit_frontend(struct netback_queue *q)
{
	struct netback *nb = q->nb;
	struct net_frame_meta *m = &q->rx_meta;
	if (m->gso_type != NET_GSO_NONE &&
	    !(m->gso_type == NET_GSO_TCPV4 ? nb->fe_gso_v4 : nb->fe_gso_v6))
		return -1; /* the link hands GSO only where offered (tap) */
	if (!nb->fe_sg && q->rx_len > PAGE)
		return -1;
	bool v6 = is_ipv6(q->rx_frame, q->rx_len);
	if (m->csum_partial && m->gso_type == NET_GSO_NONE &&
	    !(v6 ? nb->fe_csum_v6 : nb->fe_csum_v4)) {
		if (net_csum_complete(q->rx_frame, q->rx_len, m))
			return -1;
		m->csum_partial = false;
		m->data_valid = true;
	}
	return 0;
}

static unsigned slots_needed(const struct netback_queue *q)
{
	unsigned pages = (unsigned)((q->rx_len + PAGE - 1) / PAGE);
	return pages + (q->rx_meta.gso_type != NET_GSO_NONE);
}

static void put_extra_gso(struct netback_queue *q)
{
	struct netif_rx_request req;
	/* The extra takes a slot of its own: its page stays unused, and
	 * netfront recycles it. */
	shared_ring_take(&q->rx, &req, sizeof req);
	struct netif_extra_info extra = {
		.type = XEN_NETIF_EXTRA_TYPE_GSO,
		.u.gso = {
			.size = q->rx_meta.gso_size,
			.type = q->rx_meta.gso_type == NET_GSO_TCPV6 ? XEN_NETIF_GSO_TYPE_TCPV6
								     : XEN_NETIF_GSO_TYPE_TCPV4,
		},
	};
	union netif_rx_sring_entry rsp;
	memset(&rsp, 0, sizeof rsp);
	memcpy(&rsp, &extra, sizeof extra);
	shared_ring_put(&q->rx, &rsp, sizeof rsp);
}

/* Copies the pending frame into the posted pages (slots_needed of them
 * are there) and answers them. */
static void place(struct netback_queue *q)
{
	struct netback *nb = q->nb;
	const struct net_frame_meta *m = &q->rx_meta;
	bool failed = false;
	size_t at = 0;
	for (unsigned slot = 0; at < q->rx_len; slot++) {
		struct netif_rx_request req;
		shared_ring_take(&q->rx, &req, sizeof req);
		size_t chunk = q->rx_len - at < PAGE ? q->rx_len - at : PAGE;
		int err = backend_grant_copy_to(nb->bd, req.gref, 0, q->rx_frame + at, chunk);
		nb->stats->grant_copies++;
		struct netif_rx_response rsp = {
			.id = req.id,
			.offset = 0,
			.status = err ? NETIF_RSP_ERROR : (int16_t)chunk,
		};
		if (at + chunk < q->rx_len)
			rsp.flags |= NETRXF_more_data;
		if (slot == 0) {
			if (m->csum_partial)
				rsp.flags |= NETRXF_csum_blank | NETRXF_data_validated;
			else if (m->data_valid)
				rsp.flags |= NETRXF_data_validated;
			if (m->gso_type != NET_GSO_NONE)
				rsp.flags |= NETRXF_extra_info;
		}
		shared_ring_put(&q->rx, &rsp, sizeof rsp);
		if (slot == 0 && m->gso_type != NET_GSO_NONE)
			put_extra_gso(q);
		failed |= err != 0;
		at += chunk;
	}
	if (failed) {
		nb->stats->rx_dropped++;
	} else {
		nb->stats->rx_packets++;
		nb->stats->rx_bytes += q->rx_len;
	}
	q->rx_pending = false;
}

static void push(struct netback_queue *q)
{
	if (shared_ring_push(&q->rx)) {
		xenbus_notify(q->nb->dev, q->rx_port);
		q->nb->stats->notifies++;
	}
}

/* Places the pending frame if the frontend posted room for it: 1 placed,
 * 0 waiting for the frontend (asked to tell us). */
static int try_place(struct netback_queue *q)
{
	unsigned need = slots_needed(q);
	int more = shared_ring_final_check_for(&q->rx, need);
	if (more < 0) {
		netback_queue_fatal(q, "RX req_prod is more than a ring ahead");
		return 0;
	}
	if (!more) {
		netback_watch_link(q, false);
		return 0;
	}
	place(q);
	return 1;
}

/* Takes frames from the link while there is room, NETBACK_BUDGET at most
 * (the link's fd stays readable for the rest). */
static void rx_work(struct netback_queue *q)
{
	struct netback *nb = q->nb;
	for (unsigned done = 0; done < NETBACK_BUDGET; done++) {
		if (q->broken || !q->connected)
			break;
		if (!q->rx_pending) {
			ssize_t len = net_link_receive(nb->link, q->index, &q->rx_meta,
						       q->rx_frame, NET_FRAME_MAX);
			if (len == 0)
				break;
			if (len < 0) {
				if (len != -EMSGSIZE)
					break;
				nb->stats->rx_dropped++;
				continue;
			}
			if ((size_t)len < NET_ETH_HLEN ||
			    (q->rx_frame[0] & 1 && memcmp(q->rx_frame, broadcast, 6) &&
			     !netback_mcast_allowed(nb, q->rx_frame)))
				continue; /* not for this vif */
			q->rx_len = (size_t)len;
			if (fit_frontend(q)) {
				nb->stats->rx_dropped++;
				continue;
			}
			q->rx_pending = true;
		}
		if (!try_place(q))
			break;
	}
	push(q);
}

void netback_link_event(struct xenbus_device *dev, void *queue)
{
	(void)dev;
	rx_work(queue);
}

void netback_rx_event(struct xenbus_device *dev, void *queue)
{
	struct netback_queue *q = queue;
	(void)dev;
	q->nb->stats->events++;
	netback_rx_service(q);
}

void netback_rx_service(struct netback_queue *q)
{
	if (q->broken || !q->connected)
		return;
	if (q->rx_pending) {
		if (!try_place(q)) {
			push(q);
			return;
		}
		push(q);
	}
	netback_watch_link(q, true);
	rx_work(q);
}
