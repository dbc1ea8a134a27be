/*
 * The guest's side of the conversation with slirp: frames out through
 * netfront_send, frames in through netfront_rx_take, each received frame
 * checked as it comes, and slirp's own ARP requests for our address
 * answered (it asks before it sends us an IP packet it has no MAC for).
 */
#include "netguest.h"

#include "libc.h"
#include "test.h"

struct netfront vif;
struct shared_info *shared;
uint32_t my_ip;
unsigned frames_sent, frames_received;

static struct netfront_rx rx_frame;

int net_send(const void *frame, size_t len, const struct netfront_part *parts, unsigned nparts,
	     uint16_t flags)
{
	int st = netfront_send(&vif, frame, len, parts, nparts, flags);
	if (st == NETIF_RSP_OKAY)
		frames_sent++;
	return st;
}

/* What every received frame must be: whole, inside its pages, and with
 * only the flags a frontend that asked for no GSO can get. */
static void check_frame(const struct netfront_rx *f)
{
	check_msg(f->error == 0, "RX frame with status %d", f->error);
	check_msg(!f->leaked, "RX frame of %zu bytes: its page was written outside the frame",
		  f->len);
	check_msg(!(f->flags & (NETRXF_extra_info | NETRXF_gso_prefix)),
		  "RX flags 0x%x: extra info or a GSO prefix, which this frontend did not ask for",
		  f->flags);
	check_msg(f->len >= ETH_HLEN, "RX frame of %zu bytes", f->len);
}

static void answer_arp(const struct arp_info *a)
{
	uint8_t reply[ARP_FRAME_LEN];
	frame_arp(reply, 2, vif.mac, my_ip, a->sha, a->spa);
	check_eq(net_send(reply, sizeof reply, NULL, 0, 0), NETIF_RSP_OKAY);
}

const struct netfront_rx *net_await(frame_match_fn *match, void *arg, uint64_t ns)
{
	uint64_t deadline = netfront_now(&vif) + ns;
	for (;;) {
		uint64_t now = netfront_now(&vif);
		if (now >= deadline || !netfront_rx_take(&vif, &rx_frame, deadline - now))
			return NULL;
		if (rx_frame.foreign)
			return &rx_frame; /* a hand-made buffer's: the caller's to judge */
		frames_received++;
		check_frame(&rx_frame);
		struct arp_info a;
		if (my_ip && parse_arp(rx_frame.data, rx_frame.len, &a) && a.op == 1 &&
		    a.tpa == my_ip)
			answer_arp(&a);
		else if (match(&rx_frame, arg))
			return &rx_frame;
	}
}

bool is_host_arp_reply(const struct netfront_rx *f, void *arg)
{
	struct arp_info *a = arg;
	return parse_arp(f->data, f->len, a) && a->op == 2 && a->spa == IP_HOST;
}

bool arp_exchange(const char *what)
{
	uint8_t req[ARP_FRAME_LEN];
	frame_arp(req, 1, vif.mac, my_ip, broadcast_mac, IP_HOST);
	int st = net_send(req, sizeof req, NULL, 0, 0);
	if (st != NETIF_RSP_OKAY) {
		check_msg(false, "%s: ARP request answered %d", what, st);
		return false;
	}
	struct arp_info a;
	if (!net_await(is_host_arp_reply, &a, REPLY_WAIT_NS)) {
		check_msg(false, "%s: no ARP reply from 10.0.2.2", what);
		return false;
	}
	bool ok = memcmp(a.sha, slirp_host_mac, 6) == 0 && memcmp(a.eth_src, a.sha, 6) == 0 &&
		  memcmp(a.tha, vif.mac, 6) == 0 && a.tpa == my_ip;
	check_msg(ok, "%s: ARP reply from %02x:%02x:%02x:%02x:%02x:%02x (frame from "
		  "%02x:..:%02x) for %x", what, a.sha[0], a.sha[1], a.sha[2], a.sha[3], a.sha[4],
		  a.sha[5], a.eth_src[0], a.eth_src[5], a.tpa);
	return ok;
}

struct dhcp_wait {
	uint32_t xid;
	struct dhcp_info d;
	bool csum_ok;
};

static bool is_dhcp_reply(const struct netfront_rx *f, void *arg)
{
	struct dhcp_wait *w = arg;
	struct ip_info ip;
	if (!parse_ipv4(f->data, f->len, f->flags & NETRXF_csum_blank, &ip) ||
	    !parse_dhcp_reply(&ip, w->xid, &w->d))
		return false;
	w->csum_ok = ip.csum_ok;
	return true;
}

uint32_t dhcp_discover(enum udp_csum how, const struct netfront_part *parts, unsigned nparts,
		       uint64_t ns)
{
	static uint32_t xid = 0x6e657400; /* "net\0" */
	uint8_t f[1024];
	struct dhcp_wait w = { .xid = ++xid };
	size_t len = frame_dhcp_discover(f, vif.mac, w.xid, how);
	int st = net_send(f, len, parts, nparts, how == UDP_CSUM_PARTIAL ? NETTXF_csum_blank : 0);
	if (st != NETIF_RSP_OKAY) {
		check_msg(false, "DHCPDISCOVER answered %d", st);
		return 0;
	}
	if (!net_await(is_dhcp_reply, &w, ns))
		return 0;
	check_msg(w.csum_ok, "DHCP reply to xid 0x%x: bad IP or UDP checksum", w.xid);
	check_msg(w.d.msg_type == 2, "DHCP reply to xid 0x%x: message type %u, not OFFER", w.xid,
		  w.d.msg_type);
	return w.d.yiaddr;
}
