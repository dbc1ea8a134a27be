/*
 * The well-behaved run, over the default user-mode vif (libslirp: QEMU's
 * 10.0.2.0/24), each exchange checked on what comes back:
 *
 *   1. a DHCPDISCOVER with a full UDP checksum: the OFFER gives 10.0.2.15;
 *   2. an ARP request for 10.0.2.2: the reply names 52:55:0a:00:02:02
 *      (slirp's gateway) and us; its RX response's offset, size and
 *      flags checked, and its page written nowhere else;
 *   3. a DHCPDISCOVER with a wrong UDP checksum: no OFFER (slirp checks
 *      UDP checksums, so step 4 means something);
 *   4. DHCPDISCOVERs with NETTXF_csum_blank (the UDP checksum field holds
 *      only the pseudo-header's sum, as Linux leaves it): the backend
 *      must complete it, or slirp drops them; in one slot, then in three
 *      with the UDP header cut between them;
 *   5. ICMP echo requests of 1000 bytes of payload to 10.0.2.2 in five
 *      slots (one ending at its page's end, one of a single byte) and
 *      in the eighteen a frontend may use: the replies carry the payload;
 *      and one in a frame of 65535 bytes, the most netif carries, in 16
 *      slots: its reply's first fragment carries the payload's start;
 *   6. a TCP GSO packet (three segments' payload, its checksum partial)
 *      to a port where nothing listens: netback must cut it (slirp takes
 *      no GSO) so that slirp, checking each segment's checksum, resets
 *      each at its own end; over IPv4 here, over IPv6 after step 8;
 *   7. multicast control: slirp answers an IPv6 router solicitation with
 *      an advertisement to 33:33:00:00:00:01, which must come without a
 *      filter; with request-multicast-control set (while connected, if
 *      the backend offers feature-dynamic-multicast-control, then before
 *      connecting again) only once that group is subscribed (MCAST_ADD),
 *      and not after MCAST_DEL;
 *   8. steps 3 and 4 over IPv6: DHCPv6 Information-requests to slirp,
 *      whose Reply must come for a full UDP checksum, not for a wrong
 *      one, and for NETTXF_csum_blank (feature-ipv6-csum-offload);
 *   9. every RX page written only where its response says, every grant
 *      ended once answered, every response with its event; then closing.
 *
 * Each step prints "netfront: <step> ok" when it passed.
 */
#include "netguest.h"

#include "format.h"
#include "grant_table.h"
#include "libc.h"
#include "test.h"
#include "xenstore.h"

#define ECHO_PAYLOAD 1000
/* How long a frame that must not come is waited for: slirp answers in
 * well under a millisecond, the guest path in a few. */
#define ABSENCE_NS (300 * MS)
#define ECHO_ID 0x4e46

static void dhcp(void)
{
	uint32_t offer = dhcp_discover(UDP_CSUM_FULL, NULL, 0, REPLY_WAIT_NS);
	check_msg(offer == IP_GUEST, "DHCP offered %x, not 10.0.2.15", offer);
	if (offer == IP_GUEST)
		printk("netfront: dhcp ok (offer 10.0.2.15)\n");
	my_ip = IP_GUEST;
}

static void arp(void)
{
	uint8_t req[ARP_FRAME_LEN];
	frame_arp(req, 1, vif.mac, my_ip, broadcast_mac, IP_HOST);
	require(net_send(req, sizeof req, NULL, 0, 0) == NETIF_RSP_OKAY, "ARP request refused");
	struct arp_info a;
	const struct netfront_rx *f = net_await(is_host_arp_reply, &a, REPLY_WAIT_NS);
	require(f, "no ARP reply from 10.0.2.2");
	const struct netif_rx_response *r = &f->slot[0];
	printk("netfront: arp reply: %u slot(s), offset %u size %d flags 0x%x, from "
	       "%02x:%02x:%02x:%02x:%02x:%02x\n", f->nr_slots, r->offset, r->status, r->flags,
	       a.sha[0], a.sha[1], a.sha[2], a.sha[3], a.sha[4], a.sha[5]);
	bool ok = check(f->nr_slots == 1) &&
		  check_msg(r->status >= 42 && (size_t)r->status == f->len,
			    "ARP reply size %d for a frame of %zu", r->status, f->len) &&
		  check_msg(r->offset + r->status <= 4096, "ARP reply at %u size %d", r->offset,
			    r->status) &&
		  check_msg(!(r->flags & ~(NETRXF_data_validated | NETRXF_csum_blank)),
			    "ARP reply flags 0x%x", r->flags) &&
		  check_msg(!f->leaked, "ARP reply's page written outside the frame") &&
		  check_msg(memcmp(a.sha, slirp_host_mac, 6) == 0 && memcmp(a.eth_src, a.sha, 6) == 0,
			    "ARP reply from the wrong MAC") &&
		  check_msg(memcmp(a.tha, vif.mac, 6) == 0 && a.tpa == my_ip,
			    "ARP reply not for us");
	if (ok)
		printk("netfront: arp ok\n");
}

static void checksums(void)
{
	uint32_t offer = dhcp_discover(UDP_CSUM_WRONG, NULL, 0, ABSENCE_NS);
	check_msg(offer == 0, "a DHCPDISCOVER with a wrong UDP checksum got an offer");
	if (offer == 0)
		printk("netfront: wrong udp checksum dropped ok\n");

	offer = dhcp_discover(UDP_CSUM_PARTIAL, NULL, 0, REPLY_WAIT_NS);
	check_msg(offer == IP_GUEST, "csum_blank DHCPDISCOVER: offer %x", offer);
	if (offer == IP_GUEST)
		printk("netfront: csum_blank ok\n");

	/* Ethernet and IP in the first slot, the UDP header cut after its
	 * length field (the checksum in the second), BOOTP in the third. */
	const struct netfront_part parts[] = { { 100, 14 + 20 + 6 }, { 4094, 2 }, { 0, 548 } };
	offer = dhcp_discover(UDP_CSUM_PARTIAL, parts, 3, REPLY_WAIT_NS);
	check_msg(offer == IP_GUEST, "csum_blank DHCPDISCOVER in 3 slots: offer %x", offer);
	if (offer == IP_GUEST)
		printk("netfront: csum_blank split ok\n");
}

struct echo_wait {
	uint16_t seq;
	size_t payload;
	bool payload_ok, csum_ok;
};

/* The reply to echo request seq, or its first fragment: the payload
 * bytes it holds must be the request's. */
static bool is_echo_reply(const struct netfront_rx *f, void *arg)
{
	struct echo_wait *w = arg;
	struct ip_info ip;
	if (!parse_ipv4(f->data, f->len, f->flags & NETRXF_csum_blank, &ip) || ip.proto != 1 ||
	    ip.src != IP_HOST || ip.dst != my_ip || ip.l4_len < 8 || ip.l4[0] != 0 ||
	    get16(ip.l4 + 4) != ECHO_ID || get16(ip.l4 + 6) != w->seq)
		return false;
	w->csum_ok = ip.csum_ok;
	size_t held = ip.l4_len - 8;
	w->payload_ok = ip.fragment ? held < w->payload : held == w->payload;
	for (size_t i = 0; w->payload_ok && i < held; i++)
		w->payload_ok = ip.l4[8 + i] == echo_payload(w->seq, i);
	return true;
}

static bool echo(const char *what, uint16_t seq, size_t payload,
		 const struct netfront_part *parts, unsigned nparts)
{
	static uint8_t f[XEN_NETIF_MAX_TX_SIZE];
	size_t len = frame_icmp_echo(f, vif.mac, slirp_host_mac, my_ip, IP_HOST, ECHO_ID, seq,
				     payload);
	int st = net_send(f, len, parts, nparts, 0);
	if (!check_msg(st == NETIF_RSP_OKAY, "%s: echo request answered %d", what, st))
		return false;
	struct echo_wait w = { .seq = seq, .payload = payload };
	return check_msg(net_await(is_echo_reply, &w, REPLY_WAIT_NS), "%s: no echo reply", what) &&
	       check_msg(w.csum_ok && w.payload_ok, "%s: echo reply with %s", what,
			 w.csum_ok ? "another payload" : "a bad checksum");
}

static void multi_slot(void)
{
	/* 1042 bytes: a part ending at its page's end, a one-byte part,
	 * parts at odd offsets. */
	const struct netfront_part five[] = { { 4066, 30 }, { 0, 1 }, { 2000, 500 }, { 123, 11 },
					      { 7, 500 } };
	if (echo("five slots", 1, ECHO_PAYLOAD, five, 5))
		printk("netfront: multi-slot icmp ok\n");

	struct netfront_part most[NETFRONT_TX_PAGES];
	const size_t len = ETH_HLEN + 20 + 8 + ECHO_PAYLOAD;
	size_t left = len;
	for (unsigned i = 0; i < NETFRONT_TX_PAGES; i++) {
		uint16_t n = (uint16_t)(i + 1 < NETFRONT_TX_PAGES ? len / NETFRONT_TX_PAGES : left);
		most[i] = (struct netfront_part){ (uint16_t)(i * 61), n };
		left -= n;
	}
	if (echo("eighteen slots", 2, ECHO_PAYLOAD, most, NETFRONT_TX_PAGES))
		printk("netfront: 18-slot icmp ok\n");

	/* The largest frame netif carries, in sixteen slots of whole pages
	 * but the last: an unfragmented 65521-byte datagram, whose reply
	 * slirp cuts into MTU-sized fragments. */
	struct netfront_part whole[16];
	for (unsigned i = 0; i < 16; i++)
		whole[i] = (struct netfront_part){ 0, (uint16_t)(i < 15 ? 4096 : 4095) };
	if (echo("a 65535-byte frame", 3, XEN_NETIF_MAX_TX_SIZE - ETH_HLEN - 20 - 8, whole, 16))
		printk("netfront: 65535-byte icmp ok\n");
}

#define GSO_MSS 1000
#define GSO_SEGMENTS 3
#define TCP_SPORT 40000
#define TCP_DPORT 9 /* discard: nothing listens in slirp, so it resets */
#define TCP_SEQ 0x10000000u

/* slirp's address on QEMU's IPv6 network (fec0::/64), as on IPv4 .2 */
static const uint8_t slirp_host_ip6[16] = { 0xfe, 0xc0, [15] = 2 };

struct resets {
	bool v6;
	uint32_t ack[GSO_SEGMENTS];
	unsigned n;
};

static bool is_reset(const struct netfront_rx *f, void *arg)
{
	struct resets *r = arg;
	struct ip_info ip;
	struct tcp_info t;
	bool tcp = r->v6 ? parse_tcp6(f->data, f->len, &t)
			 : parse_ipv4(f->data, f->len, f->flags & NETRXF_csum_blank, &ip) &&
				   ip.src == IP_HOST && parse_tcp(&ip, &t);
	if (!tcp || t.sport != TCP_DPORT || t.dport != TCP_SPORT || !(t.flags & TCP_RST))
		return false;
	if (r->n < GSO_SEGMENTS)
		r->ack[r->n] = t.ack;
	r->n++;
	return r->n == GSO_SEGMENTS;
}

/* A TCP GSO packet of three segments' payload to a port of slirp's where
 * nothing listens: slirp cannot take GSO, so netback cuts it into
 * segments with their own sequence numbers and checksums; slirp checks
 * each checksum and, as there is no connection, answers each with a
 * reset acknowledging exactly that segment's end (RFC 793: a segment
 * without ACK gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>).  The
 * packet goes in two slots, its TCP header cut between them.  Over IPv6
 * it comes from our link-local address, which slirp learnt from our
 * router solicitation. */
static void gso(bool v6)
{
	const char *name = v6 ? "gso-tcpv6" : "gso-tcpv4";
	if (!(v6 ? vif.gso_tcpv6 : vif.gso_tcpv4)) {
		printk("netfront: %s not offered\n", name);
		return;
	}
	static uint8_t f[ETH_HLEN + 40 + 20 + GSO_SEGMENTS * GSO_MSS];
	const struct tcp_spec t = { .sport = TCP_SPORT, .dport = TCP_DPORT, .seq = TCP_SEQ,
				    .flags = TCP_PSH, .payload = GSO_SEGMENTS * GSO_MSS };
	size_t len = v6 ? frame_tcp6_partial(f, vif.mac, slirp_host_mac, slirp_host_ip6, &t)
			: frame_tcp4_partial(f, vif.mac, slirp_host_mac, my_ip, IP_HOST, &t);
	size_t cut = len - t.payload - 10;
	const struct netfront_part parts[] = { { 0, (uint16_t)cut }, { 96, (uint16_t)(len - cut) } };
	struct netif_extra_info x = {
		.type = XEN_NETIF_EXTRA_TYPE_GSO,
		.u.gso = { .size = GSO_MSS,
			   .type = v6 ? XEN_NETIF_GSO_TYPE_TCPV6 : XEN_NETIF_GSO_TYPE_TCPV4 },
	};
	int st = netfront_send_extra(&vif, f, len, parts, 2, NETTXF_csum_blank, &x);
	if (!check_msg(st == NETIF_RSP_OKAY, "%s packet answered %d", name, st))
		return;
	frames_sent++;
	struct resets r = { .v6 = v6 };
	net_await(is_reset, &r, REPLY_WAIT_NS);
	bool ok = check_msg(r.n == GSO_SEGMENTS, "%s packet of %u segments: %u resets", name,
			    GSO_SEGMENTS, r.n);
	for (unsigned i = 0; ok && i < GSO_SEGMENTS; i++)
		ok = check_msg(r.ack[i] == TCP_SEQ + (i + 1) * GSO_MSS, "%s segment %u: reset acks "
			       "0x%x, not 0x%x", name, i, r.ack[i], TCP_SEQ + (i + 1) * GSO_MSS);
	if (ok)
		printk("netfront: %s ok (%u segments)\n", name, GSO_SEGMENTS);
}

static bool is_ra(const struct netfront_rx *f, void *arg)
{
	(void)arg;
	return is_router_advert(f->data, f->len);
}

/* A router solicitation: whether slirp's advertisement (to 33:33:00:00:00:01)
 * reached us within ns. */
static bool solicit(uint64_t ns)
{
	uint8_t f[128];
	size_t len = frame_router_solicit(f, vif.mac);
	check_eq(net_send(f, len, NULL, 0, 0), NETIF_RSP_OKAY);
	return net_await(is_ra, NULL, ns) != NULL;
}

static const char *node_of(const char *dir, const char *name)
{
	static char path[160];
	fmt_snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

/* A multicast control request: a data slot with an extra of type (ADD
 * or DEL) for addr; the backend answers it without sending anything. */
static bool mcast_request(uint8_t type, const uint8_t addr[6])
{
	struct netif_tx_request *r = netfront_tx_next(&vif);
	uint16_t id = r->id;
	r->flags = NETTXF_extra_info;
	struct netif_extra_info x = { .type = type };
	memcpy(x.u.mcast.addr, addr, 6);
	memcpy(netfront_tx_next(&vif), &x, sizeof x);
	netfront_tx_push(&vif);
	struct netif_tx_response rsp[2];
	unsigned got = netfront_tx_collect(&vif, rsp, 2, REPLY_WAIT_NS);
	return check_msg(got == 2 && rsp[0].id == id && rsp[0].status == NETIF_RSP_OKAY &&
				 rsp[1].status == NETIF_RSP_NULL,
			 "multicast %s: %u answers, status %d", type == XEN_NETIF_EXTRA_TYPE_MCAST_ADD ?
			 "add" : "del", got, got ? rsp[0].status : 0);
}

/* With the filter on: nothing for a group never subscribed, the group's
 * frames once subscribed, nothing again once unsubscribed. */
static bool filter_works(const char *when)
{
	static const uint8_t all_nodes[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	bool ok = check_msg(!solicit(ABSENCE_NS), "filter on %s: a router advertisement to "
			    "33:33:00:00:00:01, never subscribed, came", when);
	ok = mcast_request(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, all_nodes) && ok;
	ok = check_msg(solicit(REPLY_WAIT_NS), "filter on %s, 33:33:00:00:00:01 subscribed: no "
		       "router advertisement", when) && ok;
	ok = mcast_request(XEN_NETIF_EXTRA_TYPE_MCAST_DEL, all_nodes) && ok;
	ok = check_msg(!solicit(ABSENCE_NS), "filter on %s, 33:33:00:00:00:01 unsubscribed: a "
		       "router advertisement came", when) && ok;
	return ok;
}

/* Multicast control (io/netif.h): with request-multicast-control set,
 * only the groups subscribed with MCAST_ADD extras reach the frontend.
 * Set while connected, as feature-dynamic-multicast-control allows (the
 * backend watches the node), then set before connecting (the backend
 * samples it then): after the first, the vif is connected again. */
static void multicast_control(void)
{
	if (!check_msg(vif.mcast_control, "the backend offers no multicast control"))
		return;
	if (check_msg(solicit(REPLY_WAIT_NS), "no router advertisement without a filter"))
		printk("netfront: multicast without filter ok\n");
	char path[64];
	fmt_snprintf(path, sizeof path, "%s/request-multicast-control", vif.front);
	check_eq(xs_write(path, "1"), 0);
	if (xs_read_long(node_of(vif.back, "feature-dynamic-multicast-control")) == 1) {
		/* The backend samples the node when its watch fires: give
		 * it time. */
		uint64_t settle = netfront_now(&vif) + 200 * MS;
		while (netfront_now(&vif) < settle)
			netfront_sleep(&vif, settle);
		if (filter_works("while connected"))
			printk("netfront: multicast filter switched on while connected ok\n");
	} else {
		printk("netfront: multicast filter switched on while connected: not offered\n");
	}
	netfront_close(&vif);
	netfront_connect(&vif, shared, &vif.cfg);
	if (filter_works("at connect"))
		printk("netfront: multicast filter at connect ok\n");
	check_eq(xs_write(path, "0"), 0);
}

struct dhcpv6_wait {
	uint32_t xid;
	bool csum_ok;
};

static bool is_dhcpv6_reply(const struct netfront_rx *f, void *arg)
{
	struct dhcpv6_wait *w = arg;
	return parse_dhcpv6_reply(f->data, f->len, f->flags & NETRXF_csum_blank, w->xid,
				  &w->csum_ok);
}

/* Whether a DHCPv6 Information-request with its UDP checksum as how got
 * slirp's Reply within ns. */
static bool dhcpv6(enum udp_csum how, uint64_t ns)
{
	static uint32_t xid = 0x6e0000;
	uint8_t f[128];
	struct dhcpv6_wait w = { .xid = ++xid };
	size_t len = frame_dhcpv6_info_request(f, vif.mac, w.xid, how);
	int st = net_send(f, len, NULL, 0, how == UDP_CSUM_PARTIAL ? NETTXF_csum_blank : 0);
	if (!check_msg(st == NETIF_RSP_OKAY, "DHCPv6 request answered %d", st))
		return false;
	if (!net_await(is_dhcpv6_reply, &w, ns))
		return false;
	check_msg(w.csum_ok, "DHCPv6 reply to 0x%x: bad UDP checksum", w.xid);
	return true;
}

/* UDP over IPv6 (slirp's DHCPv6 server, which answers the link-local
 * address our router solicitation told it): answered with a full
 * checksum, dropped with a wrong one (slirp checks), and answered with
 * NETTXF_csum_blank, which netback must complete: it offers
 * feature-ipv6-csum-offload. */
static void ipv6_checksums(void)
{
	if (!vif.ipv6_csum) {
		printk("netfront: ipv6 csum_blank not offered\n");
		return;
	}
	bool full = check_msg(dhcpv6(UDP_CSUM_FULL, REPLY_WAIT_NS), "no DHCPv6 reply");
	bool wrong = check_msg(!dhcpv6(UDP_CSUM_WRONG, ABSENCE_NS), "a DHCPv6 request with a "
			       "wrong UDP checksum got a reply");
	bool blank = check_msg(dhcpv6(UDP_CSUM_PARTIAL, REPLY_WAIT_NS),
			       "csum_blank DHCPv6 request: no reply");
	if (full && wrong && blank)
		printk("netfront: ipv6 csum_blank ok\n");
}

void good_run(void)
{
	const struct netfront_config cfg = {
		.devid = 0, .first_ref = GNTTAB_NR_RESERVED_ENTRIES, .split_events = true,
		.rx_target = NETFRONT_RX_BUFS,
	};
	netfront_connect(&vif, shared, &cfg);
	dhcp();
	arp();
	checksums();
	multi_slot();
	gso(false);
	multicast_control();
	ipv6_checksums();
	gso(true);

	check_eq(vif.rx_leaks, 0);
	check_eq(vif.rx_bad_slots, 0);
	check_eq(vif.grants_held, 0);
	check_msg(vif.missed_events == 0, "%u times responses came without the event asked for",
		  vif.missed_events);
	if (!vif.rx_leaks && !vif.rx_bad_slots)
		printk("netfront: rx no leak ok (%u frames)\n", frames_received);
	netfront_close(&vif);
	printk("netfront: sent %u frames, received %u\n", frames_sent, frames_received);
}
