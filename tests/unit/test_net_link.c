/*
 * The host links of net_link.h, as a guest's frames see them.
 *
 * slirp: raw Ethernet frames built here go in through net_link_send and
 * what comes back is read as a guest would: ARP, DHCP, a TCP connection
 * to the host's loopback, a host port forwarded to the guest, restrict,
 * the bounded queue, libslirp's complaints.
 *
 * tap: in a network namespace of the test's own (root and unshare
 * needed, else those tests say why and pass): the interface made, brought
 * up and put in a bridge, frames both ways through an AF_PACKET socket
 * on it, multi-queue, an existing tap, and the refusals.
 *
 * Every wait has a deadline: a hang fails.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "backends/net/net_link.h"

#define WAIT_MS 5000
#define GUEST_PORT 40000
#define ETHERTYPE_TEST 0x88b5 /* IEEE's local experimental type */

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
/* What slirp answers for 10.0.2.2: 52:55 and the address. */
static const uint8_t slirp_host_mac[6] = { 0x52, 0x55, 10, 0, 2, 2 };
static char err[256];

struct frame {
	uint8_t b[NET_FRAME_MAX];
	size_t len;
	struct net_frame_meta meta;
};

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The Internet checksum's running sum, over big-endian 16-bit words. */
static uint32_t sum16(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* ---- Frames a guest sends --------------------------------------------- */

static size_t put_eth(uint8_t *f, const uint8_t dst[6], uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, guest_mac, 6);
	put16(f + 12, type);
	return 14;
}

static size_t arp_request(uint8_t *f, const char *sender, const char *target)
{
	size_t n = put_eth(f, broadcast, ETHERTYPE_ARP);
	uint8_t *a = f + n;
	uint32_t sip = ip4(sender), tip = ip4(target);

	put16(a, 1);                 /* Ethernet */
	put16(a + 2, ETHERTYPE_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);             /* request */
	memcpy(a + 8, guest_mac, 6);
	memcpy(a + 14, &sip, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, &tip, 4);
	return n + 28;
}

/* An IPv4 header (20 bytes, checksummed) for payload bytes of proto. */
static size_t put_ipv4(uint8_t *ip, uint8_t proto, uint32_t src, uint32_t dst,
		       size_t payload)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + payload));
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000);       /* DF, no fragment */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, (uint16_t)~fold(sum16(0, ip, 20)));
	return 20;
}

/* A TCP/IPv4 frame of payload bytes (0x5a) to dst_mac; its checksum in
 * full, or partial (the pseudo-header's sum only, as a sender that leaves
 * the rest to offload writes it) with meta saying so. */
static size_t tcp_frame(uint8_t *f, const uint8_t dst_mac[6], const char *src,
			uint16_t sport, const char *dst, uint16_t dport,
			uint32_t seq, uint8_t flags, size_t payload,
			struct net_frame_meta *partial)
{
	size_t n = put_eth(f, dst_mac, ETHERTYPE_IP);
	uint32_t s = ip4(src), d = ip4(dst);
	size_t tcp_len = 20 + payload;

	n += put_ipv4(f + n, IPPROTO_TCP, s, d, tcp_len);
	uint8_t *t = f + n;

	memset(t, 0, 20);
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	memset(t + 20, 0x5a, payload);

	uint8_t pseudo[12];

	memcpy(pseudo, &s, 4);
	memcpy(pseudo + 4, &d, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put16(pseudo + 10, (uint16_t)tcp_len);
	uint32_t sum = sum16(0, pseudo, sizeof(pseudo));

	if (partial) {
		put16(t + 16, fold(sum));
		*partial = (struct net_frame_meta){ .csum_partial = true,
						    .csum_start = (uint16_t)n,
						    .csum_offset = 16 };
	} else {
		put16(t + 16, (uint16_t)~fold(sum16(sum, t, tcp_len)));
	}
	return n + tcp_len;
}

#define BOOTP_LEN 300
#define DHCP_OPTIONS 240

static size_t dhcp_discover(uint8_t *f, uint32_t xid)
{
	size_t n = put_eth(f, broadcast, ETHERTYPE_IP);

	n += put_ipv4(f + n, IPPROTO_UDP, 0, 0xffffffff, 8 + BOOTP_LEN);
	uint8_t *u = f + n, *b = u + 8;

	put16(u, 68);
	put16(u + 2, 67);
	put16(u + 4, 8 + BOOTP_LEN);
	put16(u + 6, 0);                /* no checksum */
	memset(b, 0, BOOTP_LEN);
	b[0] = 1;                       /* BOOTREQUEST */
	b[1] = 1;
	b[2] = 6;
	put32(b + 4, xid);
	memcpy(b + 28, guest_mac, 6);
	put32(b + 236, 0x63825363);     /* the magic cookie */
	b[240] = 53;                    /* DHCP message type: DISCOVER */
	b[241] = 1;
	b[242] = 1;
	b[243] = 255;
	return n + 8 + BOOTP_LEN;
}

/* An ICMPv6 message of type from the guest's link-local address, to dst
 * (a hop limit of 255, as NDP has it). */
static size_t icmp6_frame(uint8_t *f, const char *dst, uint8_t type)
{
	size_t n = put_eth(f, broadcast, ETHERTYPE_IPV6);
	uint8_t *ip = f + n, *icmp = ip + 40;
	const size_t len = 16;
	uint8_t pseudo[40];

	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)len);
	ip[6] = IPPROTO_ICMPV6;
	ip[7] = 255;
	ck_assert_int_eq(inet_pton(AF_INET6, "fe80::5054:ff:fe12:3456", ip + 8), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, dst, ip + 24), 1);
	memset(icmp, 0, len);
	icmp[0] = type;
	memcpy(pseudo, ip + 8, 32);
	put32(pseudo + 32, (uint32_t)len);
	put32(pseudo + 36, IPPROTO_ICMPV6);
	put16(icmp + 2, (uint16_t)~fold(sum16(sum16(0, pseudo, 40), icmp, len)));
	return n + 40 + len;
}

/* ---- Frames a guest receives ------------------------------------------ */

static void send_ok(struct net_link *link, const uint8_t *f, size_t len)
{
	static const struct net_frame_meta none;

	ck_assert_int_eq(net_link_send(link, 0, &none, f, len), 0);
}

/* The IPv4 frame's L4 header when it is proto, else NULL. */
static const uint8_t *l4_of(const struct frame *fr, uint8_t proto)
{
	const uint8_t *ip = fr->b + 14;

	if (fr->len < 14 + 20 || get16(fr->b + 12) != ETHERTYPE_IP ||
	    ip[9] != proto)
		return NULL;
	size_t hl = (size_t)(ip[0] & 15) * 4;

	return fr->len >= 14 + hl + 8 ? ip + hl : NULL;
}

static bool is_arp_request_for(const struct frame *fr, const char *ip)
{
	uint32_t tip = ip4(ip);

	return fr->len >= 42 && get16(fr->b + 12) == ETHERTYPE_ARP &&
	       get16(fr->b + 20) == 1 && memcmp(fr->b + 38, &tip, 4) == 0;
}

/* The guest's answer to slirp's "who has 10.0.2.15?". */
static void answer_arp(struct net_link *link, const struct frame *req)
{
	uint8_t f[64] = { 0 };
	size_t n = put_eth(f, req->b + 6, ETHERTYPE_ARP);

	put16(f + n, 1);
	put16(f + n + 2, ETHERTYPE_IP);
	f[n + 4] = 6;
	f[n + 5] = 4;
	put16(f + n + 6, 2);
	memcpy(f + n + 8, guest_mac, 6);
	memcpy(f + n + 14, req->b + 38, 4);     /* the address asked for */
	memcpy(f + n + 18, req->b + 22, 10);    /* the asker's MAC and IP */
	send_ok(link, f, n + 28);
}

typedef bool frame_match(const struct frame *fr, const void *arg);

/* Takes frames from queue 0 until one matches or timeout_ms pass,
 * answering slirp's ARP requests for the guest on the way. */
static bool wait_frame(struct net_link *link, frame_match *match,
		       const void *arg, struct frame *fr, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		ssize_t n = net_link_receive(link, 0, &fr->meta, fr->b, sizeof(fr->b));

		ck_assert_int_ge(n, 0);
		if (n > 0) {
			fr->len = (size_t)n;
			if (match(fr, arg))
				return true;
			if (is_arp_request_for(fr, "10.0.2.15"))
				answer_arp(link, fr);
			continue;
		}
		long long left = deadline - now_ms();

		if (left <= 0)
			return false;
		struct pollfd p = { .fd = net_link_rx_fd(link, 0), .events = POLLIN };

		ck_assert_int_ge(poll(&p, 1, (int)left), 0);
	}
}

/* ---- slirp -------------------------------------------------------------- */

static struct net_spec user_spec(void)
{
	struct net_spec s = { .kind = NET_KIND_USER, .queues = 1, .gso = true,
			      .net_prefix = 24 };

	s.net_addr.s_addr = ip4("10.0.2.0");
	memcpy(s.mac, guest_mac, 6);
	return s;
}

static struct net_link *open_ok(const struct net_spec *s, unsigned max_queues)
{
	struct net_link *link = NULL;

	ck_assert_msg(net_link_open(s, max_queues, &link, err, sizeof(err)) == 0,
		      "net_link_open: %s", err);
	ck_assert_ptr_nonnull(link);
	return link;
}

static void open_refused(const struct net_spec *s, unsigned max_queues,
			 const char *reason)
{
	struct net_link *link = NULL;

	err[0] = '\0';
	ck_assert_int_eq(net_link_open(s, max_queues, &link, err, sizeof(err)), -1);
	ck_assert_ptr_null(link);
	ck_assert_msg(strstr(err, reason), "reason \"%s\" lacks \"%s\"", err, reason);
	ck_assert_ptr_null(strchr(err, '\n'));
}

/* A TCP socket listening on 127.0.0.1 at a port the kernel picks. */
static int listen_local(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(s, 4), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return s;
}

/* A port of 127.0.0.1 free a moment ago. */
static uint16_t free_port(void)
{
	uint16_t port;

	close(listen_local(&port));
	return port;
}

static bool readable_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ck_assert_int_ge(poll(&p, 1, ms), 0);
	return p.revents & POLLIN;
}

static bool is_arp_reply_from_host(const struct frame *fr, const void *arg)
{
	uint32_t host = ip4("10.0.2.2"), guest = ip4("10.0.2.15");

	(void)arg;
	return fr->len >= 42 && get16(fr->b + 12) == ETHERTYPE_ARP &&
	       get16(fr->b + 20) == 2 && memcmp(fr->b + 28, &host, 4) == 0 &&
	       memcmp(fr->b + 32, guest_mac, 6) == 0 &&
	       memcmp(fr->b + 38, &guest, 4) == 0;
}

/* slirp learns the guest's MAC from its ARP request, so that what it
 * sends the guest later goes out without asking first. */
static void introduce_guest(struct net_link *link)
{
	uint8_t f[64];
	struct frame *fr = malloc(sizeof(*fr));

	send_ok(link, f, arp_request(f, "10.0.2.15", "10.0.2.2"));
	ck_assert(wait_frame(link, is_arp_reply_from_host, NULL, fr, WAIT_MS));
	free(fr);
}

START_TEST(slirp_properties)
{
	struct net_spec s = user_spec();
	struct net_link *link = open_ok(&s, 4);
	struct net_frame_meta meta;
	uint8_t f[64];

	ck_assert_str_eq(net_link_name(link), "slirp");
	ck_assert_uint_eq(net_link_queues(link), 1);
	ck_assert_uint_eq(net_link_offloads(link), 0);
	ck_assert_int_ge(net_link_rx_fd(link, 0), 0);
	ck_assert_int_eq(net_link_rx_fd(link, 1), -EINVAL);
	ck_assert_int_eq(net_link_receive(link, 0, &meta, f, sizeof(f)), 0);
	ck_assert_int_eq(net_link_receive(link, 1, &meta, f, sizeof(f)), -EINVAL);
	ck_assert_uint_eq(net_link_dropped(link), 0);
	net_link_close(link);
}
END_TEST

START_TEST(slirp_arp_reply)
{
	struct net_spec s = user_spec();
	struct net_link *link = open_ok(&s, 1);
	struct frame *fr = malloc(sizeof(*fr));
	uint8_t f[64];

	send_ok(link, f, arp_request(f, "10.0.2.15", "10.0.2.2"));
	ck_assert(readable_within(net_link_rx_fd(link, 0), WAIT_MS));
	ck_assert(wait_frame(link, is_arp_reply_from_host, NULL, fr, 0));
	ck_assert_mem_eq(fr->b, guest_mac, 6);
	/* slirp's checksums are whole and right. */
	ck_assert(fr->meta.data_valid);
	ck_assert(!fr->meta.csum_partial);
	ck_assert_int_eq(fr->meta.gso_type, NET_GSO_NONE);
	/* Taken: nothing waits, and the fd says so. */
	ck_assert(!readable_within(net_link_rx_fd(link, 0), 0));
	free(fr);
	net_link_close(link);
}
END_TEST

static bool is_dhcp_offer(const struct frame *fr, const void *arg)
{
	const uint8_t *u = l4_of(fr, IPPROTO_UDP);
	uint32_t yiaddr = ip4("10.0.2.15");

	if (!u || get16(u) != 67 || get16(u + 2) != 68)
		return false;
	const uint8_t *b = u + 8, *end = fr->b + fr->len;

	if (end - b < DHCP_OPTIONS || b[0] != 2 ||
	    get32(b + 4) != *(const uint32_t *)arg ||
	    memcmp(b + 16, &yiaddr, 4) != 0)
		return false;
	for (const uint8_t *o = b + DHCP_OPTIONS; o < end && *o != 255;) {
		if (*o == 0) {
			o++;
			continue;
		}
		if (end - o < 2 || end - o < 2 + o[1])
			return false;
		if (o[0] == 53)
			return o[1] == 1 && o[2] == 2; /* OFFER */
		o += 2 + o[1];
	}
	return false;
}

START_TEST(slirp_dhcp_offer)
{
	struct net_spec s = user_spec();
	struct net_link *link = open_ok(&s, 1);
	struct frame *fr = malloc(sizeof(*fr));
	uint8_t f[600];
	uint32_t xid = 0x5e1f0001;

	send_ok(link, f, dhcp_discover(f, xid));
	ck_assert_msg(wait_frame(link, is_dhcp_offer, &xid, fr, WAIT_MS),
		      "no DHCPOFFER of 10.0.2.15");
	free(fr);
	net_link_close(link);
}
END_TEST

struct tcp_want {
	const char *src;
	uint16_t sport, dport;
	uint8_t flags;       /* all set */
	uint32_t ack;        /* 0: any */
};

static bool is_tcp(const struct frame *fr, const void *arg)
{
	const struct tcp_want *w = arg;
	const uint8_t *t = l4_of(fr, IPPROTO_TCP);
	uint32_t src = ip4(w->src), guest = ip4("10.0.2.15");

	return t && fr->len >= (size_t)(t - fr->b) + 20 &&
	       memcmp(fr->b + 14 + 12, &src, 4) == 0 &&
	       memcmp(fr->b + 14 + 16, &guest, 4) == 0 &&
	       (!w->sport || get16(t) == w->sport) && get16(t + 2) == w->dport &&
	       (t[13] & w->flags) == w->flags && (!w->ack || get32(t + 8) == w->ack);
}

START_TEST(slirp_tcp_to_host)
{
	struct net_spec s = user_spec();
	struct net_link *link = open_ok(&s, 1);
	struct frame *fr = malloc(sizeof(*fr));
	uint8_t f[128];
	uint16_t port;
	int l = listen_local(&port);

	introduce_guest(link);
	send_ok(link, f, tcp_frame(f, slirp_host_mac, "10.0.2.15", GUEST_PORT, "10.0.2.2",
				   port, 1000, 0x02 /* SYN */, 0, NULL));
	ck_assert_msg(readable_within(l, WAIT_MS), "slirp did not connect to 127.0.0.1:%u", port);
	int c = accept(l, NULL, NULL);

	ck_assert_int_ge(c, 0);
	struct tcp_want synack = { "10.0.2.2", port, GUEST_PORT, 0x12, 1001 };

	ck_assert_msg(wait_frame(link, is_tcp, &synack, fr, WAIT_MS), "no SYN-ACK");
	ck_assert(fr->meta.data_valid);
	close(c);
	close(l);
	free(fr);
	net_link_close(link);
}
END_TEST

START_TEST(slirp_restrict_keeps_guest_in)
{
	struct net_spec s = user_spec();
	struct frame *fr = malloc(sizeof(*fr));
	uint8_t f[128];
	uint16_t port;
	int l = listen_local(&port);

	s.restrict_guest = true;
	struct net_link *link = open_ok(&s, 1);

	introduce_guest(link);
	send_ok(link, f, tcp_frame(f, slirp_host_mac, "10.0.2.15", GUEST_PORT, "10.0.2.2",
				   port, 1000, 0x02, 0, NULL));
	struct tcp_want rst = { "10.0.2.2", port, GUEST_PORT, 0x04, 0 };

	ck_assert_msg(wait_frame(link, is_tcp, &rst, fr, WAIT_MS), "no RST");
	ck_assert(!readable_within(l, 300));
	close(l);
	free(fr);
	net_link_close(link);
}
END_TEST

START_TEST(slirp_hostfwd_reaches_guest)
{
	struct net_spec s = user_spec();
	struct frame *fr = malloc(sizeof(*fr));
	uint16_t hp = free_port(), gp = 2222;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(hp),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	s.hostfwd[0] = (struct net_hostfwd){ .host_addr.s_addr = htonl(INADDR_LOOPBACK),
					     .host_port = hp,
					     .guest_addr.s_addr = ip4("10.0.2.15"),
					     .guest_port = gp };
	s.nr_hostfwd = 1;
	/* restrict lets forwarded connections in all the same. */
	s.restrict_guest = true;
	struct net_link *link = open_ok(&s, 1);

	introduce_guest(link);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(c, 0);
	ck_assert(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0 || errno == EINPROGRESS);
	struct tcp_want syn = { "10.0.2.2", 0, gp, 0x02, 0 };

	ck_assert_msg(wait_frame(link, is_tcp, &syn, fr, WAIT_MS),
		      "no SYN to 10.0.2.15:%u for 127.0.0.1:%u", gp, hp);
	close(c);
	free(fr);
	net_link_close(link);
}
END_TEST

START_TEST(slirp_hostfwd_port_in_use)
{
	struct net_spec s = user_spec();
	uint16_t port;
	int l = listen_local(&port);
	char want[64];

	s.hostfwd[0] = (struct net_hostfwd){ .host_addr.s_addr = htonl(INADDR_LOOPBACK),
					     .host_port = port,
					     .guest_addr.s_addr = ip4("10.0.2.15"),
					     .guest_port = 22 };
	s.nr_hostfwd = 1;
	snprintf(want, sizeof(want), "port %u: Address already in use", port);
	open_refused(&s, 1, want);
	close(l);
}
END_TEST

START_TEST(slirp_bad_network)
{
	struct net_spec s = user_spec();

	s.net_prefix = 0;
	open_refused(&s, 1, "prefix");
	s.net_prefix = 28;
	open_refused(&s, 1, "prefix");
	s.net_prefix = 24;
	s.net_addr.s_addr = ip4("10.0.2.1");
	open_refused(&s, 1, "host bits");
	s.kind = NET_KIND_NONE;
	open_refused(&s, 1, "no host link");
}
END_TEST

START_TEST(slirp_other_network)
{
	struct net_spec s = user_spec();
	struct frame *fr = malloc(sizeof(*fr));
	uint8_t f[64];
	uint32_t host = ip4("192.168.76.2");

	s.net_addr.s_addr = ip4("192.168.76.0");
	struct net_link *link = open_ok(&s, 1);

	send_ok(link, f, arp_request(f, "192.168.76.15", "192.168.76.2"));
	ck_assert(readable_within(net_link_rx_fd(link, 0), WAIT_MS));
	ck_assert_int_gt(net_link_receive(link, 0, &fr->meta, fr->b, sizeof(fr->b)), 0);
	ck_assert_uint_eq(get16(fr->b + 20), 2);
	ck_assert_mem_eq(fr->b + 28, &host, 4);
	free(fr);
	net_link_close(link);
}
END_TEST

START_TEST(slirp_refuses_what_it_cannot_take)
{
	struct net_spec s = user_spec();
	struct net_link *link = open_ok(&s, 1);
	struct net_frame_meta partial = { .csum_partial = true, .csum_start = 34,
					  .csum_offset = 16 };
	struct net_frame_meta gso = { .gso_type = NET_GSO_TCPV4, .gso_size = 1448 };
	static const struct net_frame_meta none;
	uint8_t f[64];
	size_t n = arp_request(f, "10.0.2.15", "10.0.2.2");

	ck_assert_int_eq(net_link_send(link, 0, &partial, f, n), -EINVAL);
	ck_assert_int_eq(net_link_send(link, 0, &gso, f, n), -EINVAL);
	ck_assert_int_eq(net_link_send(link, 0, &none, f, 13), -EINVAL);
	ck_assert_int_eq(net_link_send(link, 1, &none, f, n), -EINVAL);
	ck_assert_uint_eq(net_link_dropped(link), 4);
	net_link_close(link);
}
END_TEST

START_TEST(slirp_full_queue_drops)
{
	struct net_spec s = user_spec();
	struct net_link *link = open_ok(&s, 1);
	struct frame *fr = malloc(sizeof(*fr));
	const unsigned queue_frames = 1024, extra = 76;
	uint8_t f[64];
	size_t n = arp_request(f, "10.0.2.15", "10.0.2.2");

	/* Each request's reply is queued at once, in slirp_input. */
	for (unsigned i = 0; i < queue_frames + extra; i++)
		send_ok(link, f, n);
	ck_assert_uint_eq(net_link_dropped(link), extra);
	for (unsigned i = 0; i < queue_frames; i++) {
		ck_assert(readable_within(net_link_rx_fd(link, 0), 0));
		fr->len = (size_t)net_link_receive(link, 0, &fr->meta, fr->b, sizeof(fr->b));
		ck_assert(is_arp_reply_from_host(fr, NULL));
	}
	ck_assert_int_eq(net_link_receive(link, 0, &fr->meta, fr->b, sizeof(fr->b)), 0);
	ck_assert(!readable_within(net_link_rx_fd(link, 0), 0));

	/* Room again; a frame longer than the buffer is dropped, and
	 * counted, and the next one taken. */
	send_ok(link, f, n);
	send_ok(link, f, n);
	ck_assert_int_eq(net_link_receive(link, 0, &fr->meta, fr->b, 20), -EMSGSIZE);
	ck_assert_uint_eq(net_link_dropped(link), extra + 1);
	ck_assert_int_gt(net_link_receive(link, 0, &fr->meta, fr->b, sizeof(fr->b)), 0);
	/* One left waiting, for close to free. */
	send_ok(link, f, n);
	free(fr);
	net_link_close(link);
}
END_TEST

/* Debian 12's libslirp corrupts memory on a datagram's last fragment
 * coming first (link_slirp.c): the link keeps every fragment from it. */
START_TEST(slirp_drops_ipv4_fragments)
{
	struct net_spec s = user_spec();
	struct net_link *link = open_ok(&s, 1);
	static const struct net_frame_meta none;
	uint8_t f[128];
	size_t n = tcp_frame(f, slirp_host_mac, "10.0.2.15", GUEST_PORT, "10.0.2.2",
			     9, 1, 0x02, 24, NULL);

	put16(f + 14 + 6, 3);                 /* the last, at 24 bytes */
	ck_assert_int_eq(net_link_send(link, 0, &none, f, n), -EOPNOTSUPP);
	put16(f + 14 + 6, 0x2000);            /* the first, more to come */
	ck_assert_int_eq(net_link_send(link, 0, &none, f, n), -EOPNOTSUPP);
	ck_assert_uint_eq(net_link_dropped(link), 2);
	net_link_close(link);
}
END_TEST

/* Runs fn with stderr going to a file, and returns what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
	char path[] = "/tmp/xenlet-net-link-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	static char text[4096];

	ck_assert_int_ge(fd, 0);
	unlink(path);
	fflush(stderr);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

	ck_assert_int_ge(n, 0);
	text[n] = '\0';
	close(fd);
	return text;
}

static unsigned count_lines(const char *text, const char *with)
{
	unsigned n = 0;

	for (const char *p = text; (p = strstr(p, with)); p++)
		n++;
	return n;
}

static void send_twenty(const char *dst, uint8_t type)
{
	struct net_spec s = user_spec();
	struct net_link *link = open_ok(&s, 1);
	uint8_t f[128];
	size_t n = icmp6_frame(f, dst, type);

	for (int i = 0; i < 20; i++)
		send_ok(link, f, n);
	net_link_close(link);
}

static void send_router_advertisements(void)
{
	send_twenty("ff02::1", 134);
}

static void send_pings_outside(void)
{
	send_twenty("2001:db8::1", 128);
}

START_TEST(slirp_complaints_are_few)
{
	const char *text = capture_stderr(send_router_advertisements);

	/* Five printed, and the count at close. */
	ck_assert_uint_eq(count_lines(text, "xenlet: slirp: "), 6);
	ck_assert_uint_eq(count_lines(text, "guest sent NDP RA"), 5);
	ck_assert_ptr_nonnull(strstr(text, "20 guest errors in all"));

	/* libslirp's own glib messages go the same way. */
	text = capture_stderr(send_pings_outside);
	ck_assert_uint_eq(count_lines(text, "xenlet: slirp: external icmpv6"), 10);
	ck_assert_uint_eq(count_lines(text, "\n"), 10);
}
END_TEST

/* ---- tap ---------------------------------------------------------------- */

#define TAP_OFFLOADS (NET_LINK_OFFLOAD_CSUM | NET_LINK_OFFLOAD_TSO4 | NET_LINK_OFFLOAD_TSO6)

/* A network namespace of this test's own (Check runs each test in a
 * child), with a sysfs of its own: sysfs shows the namespace of whoever
 * mounted it. */
static bool enter_netns(void)
{
	if (geteuid() != 0) {
		printf("skip: tap tests need root (a tap, a bridge, a network namespace)\n");
		return false;
	}
	if (access("/dev/net/tun", R_OK | W_OK) != 0) {
		printf("skip: no /dev/net/tun: %s\n", strerror(errno));
		return false;
	}
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) {
		printf("skip: unshare(CLONE_NEWNET | CLONE_NEWNS): %s\n", strerror(errno));
		return false;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) != 0) {
		printf("skip: no sysfs of the namespace's own: %s\n", strerror(errno));
		return false;
	}
	return true;
}

static struct net_spec tap_spec(const char *ifname, const char *bridge, unsigned queues)
{
	struct net_spec s = { .kind = NET_KIND_TAP, .queues = queues, .gso = true };

	memcpy(s.mac, guest_mac, 6);
	snprintf(s.ifname, sizeof(s.ifname), "%s", ifname);
	snprintf(s.bridge, sizeof(s.bridge), "%s", bridge);
	return s;
}

static int inet_socket(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(s, 0);
	return s;
}

static void add_bridge(const char *name)
{
	int s = inet_socket();

	ck_assert_msg(ioctl(s, SIOCBRADDBR, name) == 0, "SIOCBRADDBR %s: %s",
		      name, strerror(errno));
	close(s);
}

static bool is_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = inet_socket();

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ck_assert_int_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	close(s);
	return ifr.ifr_flags & IFF_UP;
}

/* The name of name's master (its bridge), or "" for none. */
static const char *master_of(const char *name)
{
	static char target[256];
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/master", name);
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n < 0)
		return "";
	target[n] = '\0';
	return basename(target);
}

/* A persistent tap made here, without multi-queue, as an admin would. */
static void make_persistent_tap(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ck_assert_int_eq(ioctl(fd, TUNSETIFF, &ifr), 0);
	ck_assert_int_eq(ioctl(fd, TUNSETPERSIST, 1), 0);
	close(fd);
}

static void bridge_port(const char *bridge, const char *port)
{
	struct ifreq ifr = { .ifr_ifindex = (int)if_nametoindex(port) };
	int s = inet_socket();

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
	ck_assert_int_eq(ioctl(s, SIOCBRADDIF, &ifr), 0);
	close(s);
}

/* An AF_PACKET socket on the interface: what reaches it, and a way in. */
static int packet_socket(const char *ifname)
{
	struct sockaddr_ll a = { .sll_family = AF_PACKET,
				 .sll_protocol = htons(ETH_P_ALL),
				 .sll_ifindex = (int)if_nametoindex(ifname) };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	ck_assert_int_ge(s, 0);
	ck_assert_int_ne(a.sll_ifindex, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	return s;
}

/* Waits for a frame the interface received (not one it sent: the
 * kernel's own IPv6 chatter) of exactly want's bytes. */
static bool packet_arrives(int s, const uint8_t *want, size_t len)
{
	long long deadline = now_ms() + WAIT_MS;
	static uint8_t buf[NET_FRAME_MAX];

	while (readable_within(s, (int)(deadline - now_ms()))) {
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);

		ck_assert_int_ge(n, 0);
		if (from.sll_pkttype != PACKET_OUTGOING && (size_t)n == len &&
		    memcmp(buf, want, len) == 0)
			return true;
		if (now_ms() >= deadline)
			break;
	}
	return false;
}

/* A test frame of ETHERTYPE_TEST carrying tag, as another host on the
 * interface's segment sends it. */
static size_t test_frame(uint8_t *f, uint8_t tag)
{
	size_t n = put_eth(f, broadcast, ETHERTYPE_TEST);

	f[6] = 0x02; /* a locally administered source, not the guest */
	memset(f + n, tag, 46);
	return n + 46;
}

/* Takes frames from any queue until one of want's bytes comes. */
static bool link_receives(struct net_link *link, const uint8_t *want, size_t len,
			  struct frame *fr)
{
	long long deadline = now_ms() + WAIT_MS;
	unsigned nq = net_link_queues(link);

	for (;;) {
		struct pollfd p[NET_SPEC_MAX_QUEUES];

		for (unsigned q = 0; q < nq; q++) {
			ssize_t n;

			while ((n = net_link_receive(link, q, &fr->meta, fr->b,
						     sizeof(fr->b))) > 0) {
				fr->len = (size_t)n;
				if (fr->len == len && memcmp(fr->b, want, len) == 0)
					return true;
			}
			ck_assert_int_eq(n, 0);
			p[q] = (struct pollfd){ .fd = net_link_rx_fd(link, q), .events = POLLIN };
		}
		long long left = deadline - now_ms();

		if (left <= 0)
			return false;
		ck_assert_int_ge(poll(p, nq, (int)left), 0);
	}
}

START_TEST(tap_made_bridged_and_up)
{
	if (!enter_netns())
		return;
	add_bridge("xbr0");
	struct net_spec s = tap_spec("xt%d", "xbr0", 1);
	struct net_link *link = open_ok(&s, 1);

	ck_assert_str_eq(net_link_name(link), "xt0");
	ck_assert_uint_eq(net_link_queues(link), 1);
	ck_assert_uint_eq(net_link_offloads(link), TAP_OFFLOADS);
	ck_assert(is_up("xt0"));
	ck_assert_str_eq(master_of("xt0"), "xbr0");
	net_link_close(link);
	/* Made here, not persistent: gone with its fd. */
	ck_assert_uint_eq(if_nametoindex("xt0"), 0);
}
END_TEST

START_TEST(tap_sends_offloaded_frames)
{
	if (!enter_netns())
		return;
	struct net_spec s = tap_spec("", "", 1);
	struct net_link *link = open_ok(&s, 1);
	int ps = packet_socket(net_link_name(link));
	static uint8_t f[8000];
	struct net_frame_meta meta;
	size_t n;

	/* The kernel's choice of name. */
	ck_assert_int_eq(strncmp(net_link_name(link), "tap", 3), 0);

	/* A partial checksum goes through as it is: the kernel completes
	 * it only if the frame leaves through hardware. */
	n = tcp_frame(f, broadcast, "10.0.2.15", GUEST_PORT, "10.0.2.2", 80, 1,
		      0x18, 100, &meta);
	ck_assert_int_eq(net_link_send(link, 0, &meta, f, n), 0);
	ck_assert_msg(packet_arrives(ps, f, n), "the partial-checksum frame did not arrive");

	/* A GSO packet arrives whole, to be cut where it leaves. */
	n = tcp_frame(f, broadcast, "10.0.2.15", GUEST_PORT, "10.0.2.2", 80, 1,
		      0x18, 3 * 1448, &meta);
	meta.gso_type = NET_GSO_TCPV4;
	meta.gso_size = 1448;
	ck_assert_int_eq(net_link_send(link, 0, &meta, f, n), 0);
	ck_assert_msg(packet_arrives(ps, f, n), "the GSO frame did not arrive");

	/* GSO without the TCP header's place is refused here. */
	meta.csum_partial = false;
	ck_assert_int_eq(net_link_send(link, 0, &meta, f, n), -EINVAL);
	ck_assert_uint_eq(net_link_dropped(link), 1);
	close(ps);
	net_link_close(link);
}
END_TEST

START_TEST(tap_receives)
{
	if (!enter_netns())
		return;
	struct net_spec s = tap_spec("xt%d", "", 1);
	struct net_link *link = open_ok(&s, 1);
	int ps = packet_socket("xt0");
	struct frame *fr = malloc(sizeof(*fr));
	uint8_t f[64];
	size_t n = test_frame(f, 1);

	ck_assert_int_eq(send(ps, f, n, 0), (ssize_t)n);
	ck_assert_msg(link_receives(link, f, n, fr), "the frame did not come");
	ck_assert(!fr->meta.csum_partial);
	ck_assert_int_eq(fr->meta.gso_type, NET_GSO_NONE);

	/* Too long for the buffer (this one or the kernel's IPv6 chatter,
	 * all longer than 20 bytes): dropped and counted. */
	ck_assert_int_eq(send(ps, f, n, 0), (ssize_t)n);
	ck_assert(readable_within(net_link_rx_fd(link, 0), WAIT_MS));
	ck_assert_int_eq(net_link_dropped(link), 0);
	ck_assert_int_eq(net_link_receive(link, 0, &fr->meta, fr->b, 20), -EMSGSIZE);
	ck_assert_uint_eq(net_link_dropped(link), 1);
	close(ps);
	free(fr);
	net_link_close(link);
}
END_TEST

/* The kernel hands the tap partial checksums and GSO packets (the
 * offloads TUNSETOFFLOAD allowed): one sent so through a packet socket
 * with virtio headers comes out as it went in. */
START_TEST(tap_receives_offloaded_frames)
{
	if (!enter_netns())
		return;
	struct net_spec s = tap_spec("xt%d", "", 1);
	struct net_link *link = open_ok(&s, 1);
	int ps = packet_socket("xt0"), on = 1;
	struct frame *fr = malloc(sizeof(*fr));
	static uint8_t f[8000];
	struct net_frame_meta meta;
	size_t n = tcp_frame(f, broadcast, "10.0.2.2", 80, "10.0.2.15", GUEST_PORT, 1,
			     0x18, 3 * 1448, &meta);
	struct virtio_net_hdr h = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = (uint16_t)(meta.csum_start + 20),
		.gso_size = 1448,
		.csum_start = meta.csum_start,
		.csum_offset = meta.csum_offset,
	};
	struct iovec iov[2] = { { &h, sizeof(h) }, { f, n } };

	ck_assert_int_eq(setsockopt(ps, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on)), 0);
	ck_assert_int_eq(writev(ps, iov, 2), (ssize_t)(sizeof(h) + n));
	ck_assert_msg(link_receives(link, f, n, fr), "the GSO frame did not come whole");
	ck_assert(fr->meta.csum_partial);
	ck_assert_uint_eq(fr->meta.csum_start, meta.csum_start);
	ck_assert_uint_eq(fr->meta.csum_offset, meta.csum_offset);
	ck_assert_int_eq(fr->meta.gso_type, NET_GSO_TCPV4);
	ck_assert_uint_eq(fr->meta.gso_size, 1448);
	close(ps);
	free(fr);
	net_link_close(link);
}
END_TEST

START_TEST(tap_multi_queue)
{
	if (!enter_netns())
		return;
	struct net_spec s = tap_spec("xt%d", "", 4);
	struct net_link *link = open_ok(&s, 4);
	struct frame *fr = malloc(sizeof(*fr));
	uint8_t f[64];

	ck_assert_uint_eq(net_link_queues(link), 4);
	for (unsigned q = 0; q < 4; q++)
		for (unsigned p = 0; p < q; p++)
			ck_assert_int_ne(net_link_rx_fd(link, q), net_link_rx_fd(link, p));
	ck_assert_int_eq(net_link_rx_fd(link, 4), -EINVAL);

	/* Whichever queue the kernel picks, every frame comes. */
	int ps = packet_socket(net_link_name(link));

	for (uint8_t tag = 1; tag <= 8; tag++) {
		size_t n = test_frame(f, tag);

		f[11] = tag; /* another source, another flow */
		ck_assert_int_eq(send(ps, f, n, 0), (ssize_t)n);
		ck_assert_msg(link_receives(link, f, n, fr), "frame %u did not come", tag);
	}
	close(ps);
	net_link_close(link);

	/* Fewer when netback takes fewer. */
	link = open_ok(&s, 2);
	ck_assert_uint_eq(net_link_queues(link), 2);
	net_link_close(link);
	free(fr);
}
END_TEST

START_TEST(tap_existing)
{
	if (!enter_netns())
		return;
	add_bridge("xbr0");
	add_bridge("xbr1");
	make_persistent_tap("xtp0");
	bridge_port("xbr0", "xtp0");

	/* Single-queue, as made: one queue, whatever was asked; in the
	 * bridge already, which is fine when it is the one asked for. */
	struct net_spec s = tap_spec("xtp0", "xbr0", 4);
	struct net_link *link = open_ok(&s, 4);

	ck_assert_str_eq(net_link_name(link), "xtp0");
	ck_assert_uint_eq(net_link_queues(link), 1);
	ck_assert(is_up("xtp0"));
	net_link_close(link);
	/* Not ours to take away: still there, still bridged. */
	ck_assert_uint_ne(if_nametoindex("xtp0"), 0);
	ck_assert_str_eq(master_of("xtp0"), "xbr0");

	s = tap_spec("xtp0", "xbr1", 1);
	open_refused(&s, 1, "bridge xbr1: the tap is a port of another bridge");
}
END_TEST

START_TEST(tap_refusals)
{
	struct net_spec s = tap_spec("", "", 1);

	/* Names longer than IFNAMSIZ allows: checked before anything. */
	memset(s.ifname, 'a', sizeof(s.ifname));
	open_refused(&s, 1, "longer than 15 characters");
	s = tap_spec("", "", 1);
	memset(s.bridge, 'b', sizeof(s.bridge));
	open_refused(&s, 1, "longer than 15 characters");

	if (!enter_netns())
		return;
	s = tap_spec("xt%d", "nosuchbr", 1);
	open_refused(&s, 1, "bridge nosuchbr: No such device");
	/* What was made for it went again. */
	ck_assert_uint_eq(if_nametoindex("xt0"), 0);
	s = tap_spec("xt%d", "lo", 1);
	open_refused(&s, 1, "bridge lo: not a bridge");
	s = tap_spec("bad name", "", 1);
	open_refused(&s, 1, "tap bad name: ");
}
END_TEST

static Suite *net_link_suite(void)
{
	Suite *s = suite_create("net_link");
	TCase *slirp = tcase_create("slirp");
	TCase *tap = tcase_create("tap");

	tcase_set_timeout(slirp, 30);
	tcase_add_test(slirp, slirp_properties);
	tcase_add_test(slirp, slirp_arp_reply);
	tcase_add_test(slirp, slirp_dhcp_offer);
	tcase_add_test(slirp, slirp_tcp_to_host);
	tcase_add_test(slirp, slirp_restrict_keeps_guest_in);
	tcase_add_test(slirp, slirp_hostfwd_reaches_guest);
	tcase_add_test(slirp, slirp_hostfwd_port_in_use);
	tcase_add_test(slirp, slirp_bad_network);
	tcase_add_test(slirp, slirp_other_network);
	tcase_add_test(slirp, slirp_refuses_what_it_cannot_take);
	tcase_add_test(slirp, slirp_full_queue_drops);
	tcase_add_test(slirp, slirp_drops_ipv4_fragments);
	tcase_add_test(slirp, slirp_complaints_are_few);
	suite_add_tcase(s, slirp);

	tcase_set_timeout(tap, 30);
	tcase_add_test(tap, tap_made_bridged_and_up);
	tcase_add_test(tap, tap_sends_offloaded_frames);
	tcase_add_test(tap, tap_receives);
	tcase_add_test(tap, tap_receives_offloaded_frames);
	tcase_add_test(tap, tap_multi_queue);
	tcase_add_test(tap, tap_existing);
	tcase_add_test(tap, tap_refusals);
	suite_add_tcase(s, tap);
	return s;
}

int main(void)
{
	return check_run(net_link_suite());
}
