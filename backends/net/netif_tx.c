/*
 * One guest packet's TX request chain, checked (netif_tx.h gives the
 * rules and why they are Linux netback's).  One walk over the slots: each
 * slot is copied out once and its fields checked once; the first broken
 * rule is kept and the walk goes on to where the chain ends, because a
 * dropped packet's slots must all be answered and the next packet starts
 * after them.
 */
#include "backends/net/netif_tx.h"

#include <string.h>
#include "backends/net/net_frame.h"

#define TX_PAGE_BYTES 4096u

/* A frame can be no longer than XEN_NETIF_MAX_TX_SIZE because its length
 * is the first request's 16-bit size field: no check needed for it. */
_Static_assert(sizeof(((struct netif_tx_request *)0)->size) == 2 &&
		       XEN_NETIF_MAX_TX_SIZE == UINT16_MAX,
	       "the first request's size bounds the frame");

/* The extras a chain brought, each already checked. */
struct tx_extras {
	bool gso;
	uint8_t gso_type;
	uint16_t gso_size;
	uint8_t add_addr[6], del_addr[6];
	unsigned seen; /* bit per extra type */
};

struct tx_walk {
	const struct netif_tx_request *reqs;
	unsigned avail;
	struct netif_tx_packet *out;
	const char *broken; /* the first rule the chain broke, or NULL */
	enum netif_tx_verdict stop; /* why next_slot had none to give */
};

static void breaks(struct tx_walk *w, const char *rule)
{
	if (!w->broken)
		w->broken = rule;
}

/* Copies the chain's next slot (n bytes of it) into dst and records it
 * for the answers.  false when the chain goes on where it may not: past
 * the window (the ring is broken) or past what the frontend published
 * (wait for it); w->stop says which. */
static bool next_slot(struct tx_walk *w, void *dst, size_t n, bool is_extra)
{
	unsigned i = w->out->nr_slots;

	if (i >= NETIF_TX_WINDOW) {
		w->stop = NETIF_TX_FATAL;
		return false;
	}
	if (i >= w->avail) {
		w->stop = NETIF_TX_NEED_MORE;
		return false;
	}
	memcpy(dst, &w->reqs[i], n);
	w->out->slot_is_extra[i] = is_extra;
	w->out->nr_slots = i + 1;
	return true;
}

static bool next_data(struct tx_walk *w, struct netif_tx_request *req)
{
	if (!next_slot(w, req, sizeof(*req), false))
		return false;
	w->out->slot_id[w->out->nr_slots - 1] = req->id;
	return true;
}

static void check_extra(struct tx_walk *w, const struct netif_extra_info *e,
			struct tx_extras *x)
{
	if (e->type == XEN_NETIF_EXTRA_TYPE_NONE || e->type >= XEN_NETIF_EXTRA_TYPE_MAX) {
		breaks(w, "an extra-info slot of no known type");
		return;
	}
	if (x->seen & (1u << e->type)) {
		breaks(w, "two extra-info slots of one type");
		return;
	}
	x->seen |= 1u << e->type;
	switch (e->type) {
	case XEN_NETIF_EXTRA_TYPE_GSO:
		if (e->u.gso.size == 0) {
			breaks(w, "a GSO extra of size 0");
		} else if (e->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
			   e->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6) {
			breaks(w, "a GSO extra of unknown type");
		} else {
			x->gso = true;
			x->gso_type = e->u.gso.type;
			x->gso_size = e->u.gso.size;
		}
		break;
	case XEN_NETIF_EXTRA_TYPE_MCAST_ADD:
	case XEN_NETIF_EXTRA_TYPE_MCAST_DEL:
		/* The group bit: the first bit on the wire. */
		if (!(e->u.mcast.addr[0] & 1))
			breaks(w, "a multicast extra with a unicast address");
		memcpy(e->type == XEN_NETIF_EXTRA_TYPE_MCAST_ADD ? x->add_addr : x->del_addr,
		       e->u.mcast.addr, 6);
		break;
	default:
		/* XEN_NETIF_EXTRA_TYPE_HASH: the frontend's hash of the
		 * packet, a hint Linux takes whatever it holds. */
		break;
	}
}

/* The extra-info slots after the first request, to the one without
 * XEN_NETIF_EXTRA_FLAG_MORE; the flags byte is read even from a slot of
 * unknown type, as it sits in the same place in every extra. */
static bool read_extras(struct tx_walk *w, struct tx_extras *x)
{
	struct netif_extra_info e;

	do {
		if (!next_slot(w, &e, sizeof(e), true))
			return false;
		check_extra(w, &e, x);
	} while (e.flags & XEN_NETIF_EXTRA_FLAG_MORE);
	return true;
}

/* The data requests after the first, to the one without
 * NETTXF_more_data.  *first_part: the frame's length on entry, what the
 * later parts leave for the first request on return. */
static bool read_data(struct tx_walk *w, uint16_t *first_part)
{
	struct netif_tx_packet *out = w->out;
	struct netif_tx_request req;

	do {
		if (!next_data(w, &req))
			return false;
		if (out->nr_data == NETIF_TX_MAX_DATA) {
			breaks(w, "more data requests than NETIF_TX_MAX_DATA");
			continue;
		}
		/* A zero-size part is allowed, as Linux allows it. */
		if (req.size > *first_part)
			breaks(w, "a request larger than what is left of the frame");
		else
			*first_part = (uint16_t)(*first_part - req.size);
		if ((unsigned)req.offset + req.size > TX_PAGE_BYTES)
			breaks(w, "a request crossing the end of its page");
		out->data[out->nr_data++] = req;
	} while (req.flags & NETTXF_more_data);
	return true;
}

enum netif_tx_verdict netif_tx_parse(const struct netif_tx_request *reqs, unsigned avail,
				     struct netif_tx_packet *out, const char **why)
{
	struct tx_walk w = { .reqs = reqs, .avail = avail, .out = out };
	struct tx_extras x = { 0 };
	struct netif_tx_request first;
	uint16_t first_part;
	bool control, add;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (!next_data(&w, &first))
		goto stopped;
	if ((first.flags & NETTXF_extra_info) && !read_extras(&w, &x))
		goto stopped;

	/* A multicast add/del is a control request: Linux answers it once
	 * its extras are read, without looking at its size or at requests
	 * after it, so the chain ends here.  With both, Linux adds and
	 * ignores the delete. */
	add = x.seen & (1u << XEN_NETIF_EXTRA_TYPE_MCAST_ADD);
	control = add || (x.seen & (1u << XEN_NETIF_EXTRA_TYPE_MCAST_DEL));
	if (control) {
		if (w.broken)
			goto dropped;
		out->mcast_add = add;
		out->mcast_del = !add;
		memcpy(out->mcast_addr, add ? x.add_addr : x.del_addr, 6);
		return NETIF_TX_OK;
	}

	if (first.size < NET_ETH_HLEN)
		breaks(&w, "a frame shorter than an Ethernet header");
	out->nr_data = 1; /* data[0], the first request, is filled last */
	first_part = first.size;
	if ((first.flags & NETTXF_more_data) && !read_data(&w, &first_part))
		goto stopped;
	if ((unsigned)first.offset + first_part > TX_PAGE_BYTES)
		breaks(&w, "the first request's part crossing the end of its page");
	if (w.broken)
		goto dropped;

	out->data[0] = first;
	out->data[0].size = first_part;
	out->len = first.size;
	out->csum_blank = first.flags & NETTXF_csum_blank;
	out->data_validated = first.flags & NETTXF_data_validated;
	out->gso = x.gso;
	out->gso_type = x.gso_type;
	out->gso_size = x.gso_size;
	return NETIF_TX_OK;

dropped:
	*why = w.broken;
	return NETIF_TX_DROP;

stopped:
	out->nr_slots = 0;
	if (w.stop == NETIF_TX_FATAL)
		*why = "a request chain longer than NETIF_TX_WINDOW slots";
	return w.stop;
}
