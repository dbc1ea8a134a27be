#include "netfront.h"

#include <xen/io/xenbus.h>
#include <xen/sched.h>

#include "evtchn.h"
#include "format.h"
#include "grant_table.h"
#include "hypercall.h"
#include "pv_mmu.h"
#include "pvclock.h"
#include "test.h"
#include "xenstore.h"

#define MS 1000000ull
#define STATE_WAIT_NS (10000 * MS)
#define ANSWER_WAIT_NS (5000 * MS)

/* One vif per guest: its pages are the library's own. */
static uint8_t tx_ring_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t rx_ring_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t rx_pages[NETFRONT_RX_BUFS][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t tx_pages[NETFRONT_TX_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static grant_ref_t tx_ring_ref(const struct netfront *nf)
{
	return nf->cfg.first_ref;
}

static grant_ref_t rx_ring_ref(const struct netfront *nf)
{
	return nf->cfg.first_ref + 1;
}

static grant_ref_t rx_buf_ref(const struct netfront *nf, unsigned b)
{
	return nf->cfg.first_ref + 2 + b;
}

static grant_ref_t tx_page_ref(const struct netfront *nf, unsigned i)
{
	return nf->cfg.first_ref + 2 + NETFRONT_RX_BUFS + i;
}

/* What an RX page holds where the backend has not written: differs
 * from page to page and along the page, so that a copy landing in the
 * wrong place shows too. */
static uint8_t rx_pattern(unsigned b, unsigned off)
{
	return (uint8_t)(off * 7u + b * 3u + 0x3du);
}

static bool rx_pattern_intact(unsigned b, unsigned from, unsigned to)
{
	for (unsigned off = from; off < to; off++)
		if (rx_pages[b][off] != rx_pattern(b, off))
			return false;
	return true;
}

static const char *node(const char *dir, const char *name)
{
	static char path[192];
	fmt_snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

/* A feature flag the backend may leave out: off then. */
static bool backend_flag(const struct netfront *nf, const char *name)
{
	return xs_read_long(node(nf->back, name)) == 1;
}

uint64_t netfront_now(const struct netfront *nf)
{
	return pvclock_read(&nf->shared->vcpu_info[0].time);
}

long netfront_backend_state(const struct netfront *nf)
{
	return xs_read_long(node(nf->back, "state"));
}

long netfront_wait_backend(const struct netfront *nf, long lo, long hi, uint64_t ns)
{
	uint64_t deadline = netfront_now(nf) + ns;
	long st;
	for (;;) {
		st = netfront_backend_state(nf);
		if ((st >= lo && st <= hi) || netfront_now(nf) >= deadline)
			return st;
		(void)HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	}
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	for (unsigned i = 0; i < 6; i++) {
		unsigned v = 0;
		for (unsigned k = 0; k < 2; k++) {
			char c = *s++;
			unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
				   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
			if (d == 16)
				return false;
			v = v * 16 + d;
		}
		mac[i] = (uint8_t)v;
		if (*s != (i < 5 ? ':' : '\0'))
			return false;
		s++;
	}
	return true;
}

static void toolstack_nodes(struct netfront *nf)
{
	char buf[128];
	require(xs_read(node(nf->front, "backend"), nf->back, sizeof nf->back) > 0,
		"vif %u: no %s/backend (%s)", nf->cfg.devid, nf->front, nf->back);
	long backend_id = xs_read_long(node(nf->front, "backend-id"));
	check_eq(backend_id, 0);
	nf->backend_id = (domid_t)backend_id;
	check_eq(xs_read_long(node(nf->front, "handle")), nf->cfg.devid);
	require(xs_read(node(nf->front, "mac"), buf, sizeof buf) > 0 && parse_mac(buf, nf->mac),
		"vif %u: mac node '%s' is not a MAC", nf->cfg.devid, buf);
	require(!(nf->mac[0] & 1), "vif %u: mac %s is a multicast address", nf->cfg.devid, buf);

	long domid = xs_read_long("domid");
	char want[64];
	fmt_snprintf(want, sizeof want, "/local/domain/%ld/%s", domid, nf->front);
	int n = xs_read(node(nf->back, "frontend"), buf, sizeof buf);
	check_msg(n > 0 && strcmp(buf, want) == 0, "vif %u: backend's frontend node is '%s', not '%s'",
		  nf->cfg.devid, n > 0 ? buf : "(unreadable)", want);
	check_eq(xs_read_long(node(nf->back, "frontend-id")), domid);
	check_eq(xs_read_long(node(nf->back, "handle")), nf->cfg.devid);
}

static void read_features(struct netfront *nf)
{
	nf->rx_copy = backend_flag(nf, "feature-rx-copy");
	nf->sg = backend_flag(nf, "feature-sg");
	nf->gso_tcpv4 = backend_flag(nf, "feature-gso-tcpv4");
	nf->gso_tcpv6 = backend_flag(nf, "feature-gso-tcpv6");
	nf->ipv6_csum = backend_flag(nf, "feature-ipv6-csum-offload");
	nf->mcast_control = backend_flag(nf, "feature-multicast-control");
	nf->split_offered = backend_flag(nf, "feature-split-event-channels");
	nf->max_queues = xs_read_long(node(nf->back, "multi-queue-max-queues"));
	/* The only receive mode Linux's netback (and so netfront) knows. */
	require(nf->rx_copy, "vif %u: the backend does not offer feature-rx-copy", nf->cfg.devid);
}

static void publish_rings(struct netfront *nf)
{
	netif_tx_sring_t *txs = (netif_tx_sring_t *)tx_ring_page;
	netif_rx_sring_t *rxs = (netif_rx_sring_t *)rx_ring_page;
	memset(tx_ring_page, 0, PAGE_SIZE);
	memset(rx_ring_page, 0, PAGE_SIZE);
	SHARED_RING_INIT(txs);
	SHARED_RING_INIT(rxs);
	FRONT_RING_INIT(&nf->tx, txs, PAGE_SIZE);
	FRONT_RING_INIT(&nf->rx, rxs, PAGE_SIZE);
	check_eq(RING_SIZE(&nf->tx), NETFRONT_RING_SIZE);
	check_eq(RING_SIZE(&nf->rx), NETFRONT_RING_SIZE);
	grant_access(tx_ring_ref(nf), nf->backend_id, pfn_of(tx_ring_page), false);
	grant_access(rx_ring_ref(nf), nf->backend_id, pfn_of(rx_ring_page), false);

	nf->split = nf->cfg.split_events && nf->split_offered;
	nf->tx_port = evtchn_alloc_unbound(nf->backend_id);
	nf->rx_port = nf->split ? evtchn_alloc_unbound(nf->backend_id) : nf->tx_port;

	check_eq(xs_printf(node(nf->front, "tx-ring-ref"), "%u", tx_ring_ref(nf)), 0);
	check_eq(xs_printf(node(nf->front, "rx-ring-ref"), "%u", rx_ring_ref(nf)), 0);
	if (nf->split) {
		check_eq(xs_printf(node(nf->front, "event-channel-tx"), "%u", nf->tx_port), 0);
		check_eq(xs_printf(node(nf->front, "event-channel-rx"), "%u", nf->rx_port), 0);
	} else {
		check_eq(xs_printf(node(nf->front, "event-channel"), "%u", nf->tx_port), 0);
	}
	check_eq(xs_write(node(nf->front, "request-rx-copy"), "1"), 0);
	/* RX requests are notified (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY):
	 * without this the backend may not queue frames for us. */
	check_eq(xs_write(node(nf->front, "feature-rx-notify"), "1"), 0);
	/* netfront_rx_take follows NETRXF_more_data chains. */
	check_eq(xs_write(node(nf->front, "feature-sg"), "1"), 0);
}

void netfront_offer(struct netfront *nf, struct shared_info *shared,
		    const struct netfront_config *cfg)
{
	nf->cfg = *cfg;
	nf->shared = shared;
	nf->tx_next_id = 0;
	nf->rx_posted = 0;
	for (unsigned b = 0; b < NETFRONT_RX_BUFS; b++)
		nf->rx_buf_posted[b] = false;
	fmt_snprintf(nf->front, sizeof nf->front, "device/vif/%u", cfg->devid);
	toolstack_nodes(nf);

	/* After a close, Initialising asks the backend to serve us afresh. */
	long st = xs_read_long(node(nf->front, "state"));
	if (st == XenbusStateClosed)
		check_eq(xs_printf(node(nf->front, "state"), "%d", XenbusStateInitialising), 0);
	else
		check_eq(st, XenbusStateInitialising);

	st = netfront_wait_backend(nf, XenbusStateInitWait, XenbusStateInitWait, STATE_WAIT_NS);
	require(st == XenbusStateInitWait, "vif %u: backend state %ld, not InitWait", cfg->devid, st);
	read_features(nf);
	publish_rings(nf);
	/* As Linux's xennet_connect: the RX ring is filled before Connected. */
	netfront_rx_fill(nf, cfg->rx_target);
}

long netfront_say_connected(struct netfront *nf)
{
	check_eq(xs_printf(node(nf->front, "state"), "%d", XenbusStateConnected), 0);
	/* Connected, or Closing when the backend could not take what we
	 * published: its answer either way. */
	return netfront_wait_backend(nf, XenbusStateConnected, XenbusStateClosing, STATE_WAIT_NS);
}

void netfront_connect(struct netfront *nf, struct shared_info *shared,
		      const struct netfront_config *cfg)
{
	netfront_offer(nf, shared, cfg);
	long st = netfront_say_connected(nf);
	require(st == XenbusStateConnected, "vif %u: backend state %ld, not Connected",
		cfg->devid, st);
	printk("netfront: vif %u connected: mac %02x:%02x:%02x:%02x:%02x:%02x, ports %u/%u%s, "
	       "backend offers sg %d gso-tcpv4 %d gso-tcpv6 %d ipv6-csum %d mcast-control %d "
	       "split-events %d max-queues %ld\n", cfg->devid, nf->mac[0], nf->mac[1], nf->mac[2],
	       nf->mac[3], nf->mac[4], nf->mac[5], nf->tx_port, nf->rx_port,
	       nf->split ? " (split)" : "", nf->sg, nf->gso_tcpv4, nf->gso_tcpv6, nf->ipv6_csum,
	       nf->mcast_control, nf->split_offered, nf->max_queues);
}

static void end_grant(struct netfront *nf, grant_ref_t ref)
{
	if (!grant_end(ref)) {
		nf->grants_held++;
		check_msg(false, "grant %u still held by the backend (flags 0x%x)", ref,
			  grant_entry(ref)->flags);
	}
}

void netfront_close(struct netfront *nf)
{
	check_eq(xs_printf(node(nf->front, "state"), "%d", XenbusStateClosing), 0);
	long st = netfront_wait_backend(nf, XenbusStateClosing, XenbusStateClosed, STATE_WAIT_NS);
	check_msg(st == XenbusStateClosing || st == XenbusStateClosed,
		  "vif %u: backend state %ld after the frontend's Closing", nf->cfg.devid, st);
	check_eq(xs_printf(node(nf->front, "state"), "%d", XenbusStateClosed), 0);
	st = netfront_wait_backend(nf, XenbusStateClosed, XenbusStateClosed, STATE_WAIT_NS);
	check_msg(st == XenbusStateClosed, "vif %u: backend state %ld after the frontend's Closed",
		  nf->cfg.devid, st);
	/* Closed: the backend has let go of the rings and of every buffer. */
	end_grant(nf, tx_ring_ref(nf));
	end_grant(nf, rx_ring_ref(nf));
	for (unsigned b = 0; b < NETFRONT_RX_BUFS; b++) {
		if (!nf->rx_buf_posted[b])
			continue;
		end_grant(nf, rx_buf_ref(nf, b));
		nf->rx_buf_posted[b] = false;
	}
	nf->rx_posted = 0;
	struct evtchn_close cl = { .port = nf->tx_port };
	check_eq(evtchn_op(EVTCHNOP_close, &cl), 0);
	if (nf->split) {
		cl.port = nf->rx_port;
		check_eq(evtchn_op(EVTCHNOP_close, &cl), 0);
	}
	printk("netfront: vif %u closed\n", nf->cfg.devid);
}

/* ---- Events */

static bool port_pending(const struct netfront *nf, evtchn_port_t port)
{
	return evtchn_pending(nf->shared, port);
}

/* Clears the vif's ports' pending bits: whether one was set. */
static bool take_events(struct netfront *nf)
{
	bool any = false;
	evtchn_port_t ports[2] = { nf->tx_port, nf->rx_port };
	for (unsigned i = 0; i < (nf->split ? 2u : 1u); i++) {
		uint64_t bit = 1ul << (ports[i] % 64);
		uint64_t old = __atomic_fetch_and(&nf->shared->evtchn_pending[ports[i] / 64], ~bit,
						  __ATOMIC_SEQ_CST);
		any = any || (old & bit);
	}
	return any;
}

void netfront_sleep(struct netfront *nf, uint64_t deadline)
{
	evtchn_port_t ports[2] = { nf->tx_port, nf->rx_port };
	struct sched_poll p = { .nr_ports = nf->split ? 2 : 1, .timeout = deadline };
	set_xen_guest_handle(p.ports, ports);
	long rc = HYPERVISOR_sched_op(SCHEDOP_poll, &p);
	require(rc == 0, "SCHEDOP_poll(ports %u/%u): %ld", nf->tx_port, nf->rx_port, rc);
}

/* After a wait that slept until its deadline and saw no event, responses
 * that are there all the same came without the event rsp_event asked
 * for: Linux's netfront would still be asleep. */
static void note_silent(struct netfront *nf, bool slept, bool evented, uint64_t deadline)
{
	if (slept && !evented && netfront_now(nf) >= deadline)
		nf->missed_events++;
}

/* ---- TX */

unsigned netfront_tx_space(const struct netfront *nf)
{
	return RING_SIZE(&nf->tx) - (nf->tx.req_prod_pvt - nf->tx.rsp_cons);
}

struct netif_tx_request *netfront_tx_next(struct netfront *nf)
{
	require(netfront_tx_space(nf) > 0, "vif %u: TX ring full", nf->cfg.devid);
	struct netif_tx_request *r = RING_GET_REQUEST(&nf->tx, nf->tx.req_prod_pvt);
	nf->tx.req_prod_pvt++;
	memset(r, 0, sizeof *r);
	r->id = nf->tx_next_id++;
	return r;
}

void netfront_tx_push(struct netfront *nf)
{
	int notify;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->tx, notify);
	if (notify)
		check_eq(evtchn_send(nf->tx_port), 0);
}

unsigned netfront_tx_collect(struct netfront *nf, struct netif_tx_response *out,
			     unsigned want, uint64_t ns)
{
	uint64_t deadline = netfront_now(nf) + ns;
	unsigned got = 0;
	bool evented = false, slept = false;
	while (got < want) {
		/* Cleared before looking: an event for what comes after the
		 * look stays pending and ends the poll at once. */
		evented = take_events(nf) || evented;
		int more;
		RING_FINAL_CHECK_FOR_RESPONSES(&nf->tx, more);
		if (more) {
			RING_IDX prod = nf->tx.sring->rsp_prod;
			xen_rmb(); /* the responses before their index */
			if (RING_RESPONSE_PROD_OVERFLOW(&nf->tx, prod)) {
				check_msg(false, "vif %u: TX rsp_prod %u is more than a ring past "
					  "rsp_cons %u", nf->cfg.devid, prod, nf->tx.rsp_cons);
				return got;
			}
			note_silent(nf, slept, evented, deadline);
			while (nf->tx.rsp_cons != prod && got < want) {
				RING_COPY_RESPONSE(&nf->tx, nf->tx.rsp_cons, &out[got]);
				nf->tx.rsp_cons++;
				got++;
			}
			continue;
		}
		if (netfront_now(nf) >= deadline)
			break;
		netfront_sleep(nf, deadline);
		slept = true;
		evented = evented || port_pending(nf, nf->tx_port);
	}
	return got;
}

int netfront_send_extra(struct netfront *nf, const void *frame, size_t len,
			const struct netfront_part *parts, unsigned nparts, uint16_t flags,
			const struct netif_extra_info *extra)
{
	struct netfront_part one = { 0, (uint16_t)len };
	if (!nparts) {
		parts = &one;
		nparts = 1;
	}
	require(nparts <= NETFRONT_TX_PAGES && len <= XEN_NETIF_MAX_TX_SIZE,
		"netfront_send: %u parts, %zu bytes", nparts, len);
	size_t sum = 0;
	for (unsigned i = 0; i < nparts; i++) {
		require(parts[i].offset + parts[i].len <= PAGE_SIZE,
			"netfront_send: part %u at %u of %u bytes crosses its page", i,
			parts[i].offset, parts[i].len);
		sum += parts[i].len;
	}
	require(sum == len, "netfront_send: parts of %zu bytes for a frame of %zu", sum, len);

	/* Slot k's id, or -1 for the extra (answered NETIF_RSP_NULL, no id). */
	int ids[NETFRONT_TX_PAGES + 1];
	unsigned slots = 0;
	const uint8_t *p = frame;
	for (unsigned i = 0; i < nparts; i++) {
		memcpy(tx_pages[i] + parts[i].offset, p, parts[i].len);
		p += parts[i].len;
		grant_access(tx_page_ref(nf, i), nf->backend_id, pfn_of(tx_pages[i]), true);
		struct netif_tx_request *r = netfront_tx_next(nf);
		r->gref = tx_page_ref(nf, i);
		r->offset = parts[i].offset;
		r->flags = (uint16_t)((i == 0 ? flags : 0) | (i + 1 < nparts ? NETTXF_more_data : 0) |
				      (i == 0 && extra ? NETTXF_extra_info : 0));
		/* The first slot says the whole frame's length. */
		r->size = (uint16_t)(i == 0 ? len : parts[i].len);
		ids[slots++] = r->id;
		if (i == 0 && extra) {
			/* Right after the first request, over a slot's first
			 * 8 bytes. */
			memcpy(netfront_tx_next(nf), extra, sizeof *extra);
			ids[slots++] = -1;
		}
	}
	netfront_tx_push(nf);
	struct netif_tx_response rsp[NETFRONT_TX_PAGES + 1];
	unsigned got = netfront_tx_collect(nf, rsp, slots, ANSWER_WAIT_NS);
	int worst = NETIF_RSP_OKAY;
	for (unsigned k = 0; k < got; k++) {
		if (ids[k] < 0) {
			check_msg(rsp[k].status == NETIF_RSP_NULL, "vif %u: TX extra answered %d, "
				  "not NETIF_RSP_NULL", nf->cfg.devid, rsp[k].status);
			continue;
		}
		check_msg(rsp[k].id == ids[k], "vif %u: TX response %u has id %u, not %d",
			  nf->cfg.devid, k, rsp[k].id, ids[k]);
		if (worst == NETIF_RSP_OKAY)
			worst = rsp[k].status;
	}
	for (unsigned i = 0; i < nparts; i++)
		end_grant(nf, tx_page_ref(nf, i));
	if (got < slots) {
		printk("netfront: vif %u: %u of %u TX responses in %llu ms\n", nf->cfg.devid, got,
		       slots, ANSWER_WAIT_NS / MS);
		return NETFRONT_NO_ANSWER;
	}
	return worst;
}

int netfront_send(struct netfront *nf, const void *frame, size_t len,
		  const struct netfront_part *parts, unsigned nparts, uint16_t flags)
{
	return netfront_send_extra(nf, frame, len, parts, nparts, flags, NULL);
}

/* ---- RX */

static void rx_push(struct netfront *nf)
{
	int notify;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->rx, notify);
	if (notify)
		check_eq(evtchn_send(nf->rx_port), 0);
}

static void rx_request(struct netfront *nf, uint16_t id, grant_ref_t gref)
{
	require(nf->rx.req_prod_pvt - nf->rx.rsp_cons < RING_SIZE(&nf->rx), "vif %u: RX ring full",
		nf->cfg.devid);
	RING_IDX i = nf->rx.req_prod_pvt++;
	struct netif_rx_request *r = RING_GET_REQUEST(&nf->rx, i);
	r->id = id;
	r->pad = 0;
	r->gref = gref;
	nf->rx_slot_id[i % NETFRONT_RING_SIZE] = id;
}

unsigned netfront_rx_fill(struct netfront *nf, unsigned n)
{
	bool posted = false;
	for (unsigned b = 0; b < NETFRONT_RX_BUFS && nf->rx_posted < n; b++) {
		if (nf->rx_buf_posted[b])
			continue;
		for (unsigned off = 0; off < PAGE_SIZE; off++)
			rx_pages[b][off] = rx_pattern(b, off);
		grant_access(rx_buf_ref(nf, b), nf->backend_id, pfn_of(rx_pages[b]), false);
		rx_request(nf, (uint16_t)b, rx_buf_ref(nf, b));
		nf->rx_buf_posted[b] = true;
		nf->rx_posted++;
		posted = true;
	}
	if (posted)
		rx_push(nf);
	return nf->rx_posted;
}

void netfront_rx_post_ref(struct netfront *nf, uint16_t id, grant_ref_t gref)
{
	require(id >= NETFRONT_RX_FOREIGN_ID, "netfront_rx_post_ref: id %u is the pool's", id);
	rx_request(nf, id, gref);
	rx_push(nf);
}

/* The flags of the extra-info slot that overlays response i. */
static uint8_t rx_extra_flags(const struct netfront *nf, RING_IDX i)
{
	struct netif_extra_info x;
	memcpy(&x, RING_GET_RESPONSE(&nf->rx, i), sizeof x);
	return x.flags;
}

/* The number of slots of the frame starting at rsp_cons if the backend
 * has published all of them (below prod), else 0.  A chain longer than
 * NETFRONT_RX_MAX_SLOTS is cut there (*cut). */
static unsigned rx_frame_slots(const struct netfront *nf, RING_IDX prod, bool *cut)
{
	RING_IDX i = nf->rx.rsp_cons;
	if (i == prod)
		return 0;
	const struct netif_rx_response *first = RING_GET_RESPONSE(&nf->rx, i);
	uint16_t flags = first->flags;
	unsigned n = 1;
	i++;
	/* Extra-info slots follow the first (io/netif.h), chained by
	 * XEN_NETIF_EXTRA_FLAG_MORE; then the data goes on if the first
	 * said NETRXF_more_data, each data slot saying whether more come. */
	bool extra = flags & NETRXF_extra_info;
	bool more = flags & NETRXF_more_data;
	while ((extra || more) && n < NETFRONT_RX_MAX_SLOTS) {
		if (i == prod)
			return 0;
		if (extra) {
			extra = rx_extra_flags(nf, i) & XEN_NETIF_EXTRA_FLAG_MORE;
		} else {
			more = RING_GET_RESPONSE(&nf->rx, i)->flags & NETRXF_more_data;
		}
		n++;
		i++;
	}
	*cut = extra || more;
	return n;
}

/* One slot of a frame: checks its response against its request and its
 * page against the pattern, copies its data out, gives the page back. */
static void rx_take_slot(struct netfront *nf, struct netfront_rx *out, unsigned k, bool extra)
{
	RING_IDX i = nf->rx.rsp_cons;
	uint16_t id = nf->rx_slot_id[i % NETFRONT_RING_SIZE];
	struct netif_rx_response *rsp = &out->slot[k];
	RING_COPY_RESPONSE(&nf->rx, i, rsp);
	nf->rx.rsp_cons++;
	out->slot_is_extra[k] = extra;
	/* An extra overlays the response: it carries no id to compare. */
	if (!extra && rsp->id != id) {
		nf->rx_bad_slots++;
		check_msg(false, "vif %u: RX response in slot %u has id %u, its request %u",
			  nf->cfg.devid, i, rsp->id, id);
	}
	bool data = !extra && rsp->status >= 0;
	if (data && rsp->offset + (unsigned)rsp->status > PAGE_SIZE) {
		nf->rx_bad_slots++;
		check_msg(false, "vif %u: RX response offset %u size %d runs past its page",
			  nf->cfg.devid, rsp->offset, rsp->status);
		data = false;
	}
	if (!extra && rsp->status < 0 && out->error == 0)
		out->error = rsp->status;
	if (id >= NETFRONT_RX_FOREIGN_ID) {
		out->foreign = true;
		return;
	}
	if (id >= NETFRONT_RX_BUFS || !nf->rx_buf_posted[id]) {
		nf->rx_bad_slots++;
		check_msg(false, "vif %u: RX slot %u holds id %u, which is not posted",
			  nf->cfg.devid, i, id);
		return;
	}
	unsigned from = data ? rsp->offset : 0, to = data ? rsp->offset + (unsigned)rsp->status : 0;
	if (!rx_pattern_intact(id, 0, from) || !rx_pattern_intact(id, to, PAGE_SIZE)) {
		nf->rx_leaks++;
		out->leaked = true;
	}
	if (data) {
		size_t n = to - from;
		if (out->len + n > NETFRONT_FRAME_MAX)
			n = NETFRONT_FRAME_MAX - out->len;
		memcpy(out->data + out->len, rx_pages[id] + from, n);
		out->len += n;
	}
	end_grant(nf, rx_buf_ref(nf, id));
	nf->rx_buf_posted[id] = false;
	nf->rx_posted--;
}

bool netfront_rx_take(struct netfront *nf, struct netfront_rx *out, uint64_t ns)
{
	uint64_t deadline = netfront_now(nf) + ns;
	bool evented = false, slept = false;
	unsigned n;
	bool cut = false;
	for (;;) {
		evented = take_events(nf) || evented;
		RING_IDX prod = nf->rx.sring->rsp_prod;
		xen_rmb(); /* the responses before their index */
		if (RING_RESPONSE_PROD_OVERFLOW(&nf->rx, prod)) {
			check_msg(false, "vif %u: RX rsp_prod %u is more than a ring past rsp_cons %u",
				  nf->cfg.devid, prod, nf->rx.rsp_cons);
			return false;
		}
		n = rx_frame_slots(nf, prod, &cut);
		if (n)
			break;
		/* Asks for an event at the next response, then looks once
		 * more: one published meanwhile would send none. */
		nf->rx.sring->rsp_event = prod + 1;
		xen_mb();
		if (nf->rx.sring->rsp_prod != prod)
			continue;
		if (netfront_now(nf) >= deadline)
			return false;
		netfront_sleep(nf, deadline);
		slept = true;
		evented = evented || port_pending(nf, nf->rx_port);
	}
	note_silent(nf, slept, evented, deadline);
	if (cut) {
		nf->rx_bad_slots++;
		check_msg(false, "vif %u: an RX frame of more than %u slots", nf->cfg.devid, n);
	}

	out->nr_slots = n;
	out->len = 0;
	out->error = 0;
	out->foreign = false;
	out->leaked = false;
	out->flags = RING_GET_RESPONSE(&nf->rx, nf->rx.rsp_cons)->flags;
	bool extra = out->flags & NETRXF_extra_info;
	rx_take_slot(nf, out, 0, false);
	for (unsigned k = 1; k < n; k++) {
		bool this_extra = extra;
		if (extra)
			extra = rx_extra_flags(nf, nf->rx.rsp_cons) & XEN_NETIF_EXTRA_FLAG_MORE;
		rx_take_slot(nf, out, k, this_extra);
	}
	if (nf->rx_posted < nf->cfg.rx_target)
		netfront_rx_fill(nf, nf->cfg.rx_target);
	return true;
}
