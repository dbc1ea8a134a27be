/*
 * The frames the netfront guest sends, built byte by byte (Ethernet II,
 * ARP for IPv4, IPv4 without options, UDP, BOOTP/DHCP, ICMP echo), and
 * the parsing of what comes back, every length checked against the
 * frame's: a backend's bytes are not trusted.
 */
#include "netguest.h"

#include "libc.h"

#define IP_HLEN 20
#define UDP_HLEN 8
#define ICMP_HLEN 8
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define TCP_HLEN 20
#define IPPROTO_ICMPV6 58
#define IP6_HLEN 40
#define ICMP6_ROUTER_SOLICIT 133
#define ICMP6_ROUTER_ADVERT 134
#define DHCPV6_REPLY 7
#define DHCPV6_INFO_REQUEST 11
#define BOOTP_LEN 548 /* with DHCP's 312 bytes of options: slirp's struct bootp_t */
#define DHCP_MAGIC 0x63825363u

const uint8_t slirp_host_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
const uint8_t broadcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

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

uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	/* Folded as it goes, so that long data cannot overflow. */
	return (sum & 0xffff) + (sum >> 16);
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint8_t *eth_header(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
	return f + ETH_HLEN;
}

size_t frame_arp(uint8_t *f, uint16_t op, const uint8_t sha[6], uint32_t spa,
		 const uint8_t tha[6], uint32_t tpa)
{
	memset(f, 0, ARP_FRAME_LEN);
	uint8_t *a = eth_header(f, op == 1 ? broadcast_mac : tha, sha, ETH_P_ARP);
	put16(a, 1);          /* Ethernet */
	put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	put32(a + 14, spa);
	memcpy(a + 18, op == 1 ? (const uint8_t[6]){ 0 } : tha, 6);
	put32(a + 24, tpa);
	return ARP_FRAME_LEN;
}

static uint8_t *ipv4_header(uint8_t *ip, uint8_t proto, uint32_t src, uint32_t dst,
			    size_t payload)
{
	memset(ip, 0, IP_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP_HLEN + payload));
	ip[8] = 64; /* TTL */
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));
	return ip + IP_HLEN;
}

/* The IPv4 pseudo-header's sum (RFC 768, RFC 793). */
static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len)
{
	uint8_t ph[12];
	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, l4_len);
	return csum_add(0, ph, sizeof ph);
}

static uint32_t udp_pseudo_sum(uint32_t src, uint32_t dst, uint16_t udp_len)
{
	return pseudo_sum(src, dst, IPPROTO_UDP, udp_len);
}

/* The UDP checksum field for how, from the full checksum and the
 * pseudo-header's sum. */
static uint16_t udp_csum_field(uint16_t full, uint32_t pseudo, enum udp_csum how)
{
	if (how == UDP_CSUM_PARTIAL) {
		/* What Linux leaves for CHECKSUM_PARTIAL: the pseudo-header's
		 * sum, folded, not complemented; the rest is summed into it. */
		return (uint16_t)~csum_fold(pseudo);
	}
	if (how == UDP_CSUM_WRONG) {
		uint16_t wrong = full ^ 0x00ff;
		return wrong ? wrong : full ^ 0xff00; /* 0 would mean "none" */
	}
	return full;
}

size_t frame_dhcp_discover(uint8_t *f, const uint8_t mac[6], uint32_t xid, enum udp_csum how)
{
	const uint16_t udp_len = UDP_HLEN + BOOTP_LEN;
	uint8_t *ip = eth_header(f, broadcast_mac, mac, ETH_P_IP);
	uint8_t *udp = ipv4_header(ip, IPPROTO_UDP, 0, IP_BROADCAST, udp_len);
	uint8_t *bootp = udp + UDP_HLEN;
	memset(udp, 0, udp_len);
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, udp_len);
	bootp[0] = 1; /* BOOTREQUEST */
	bootp[1] = 1; /* Ethernet */
	bootp[2] = 6;
	put32(bootp + 4, xid);
	put16(bootp + 10, 0x8000); /* broadcast the reply: we have no address */
	memcpy(bootp + 28, mac, 6);
	uint8_t *opt = bootp + 236;
	put32(opt, DHCP_MAGIC);
	opt += 4;
	*opt++ = 53; /* message type */
	*opt++ = 1;
	*opt++ = 1;  /* DHCPDISCOVER */
	*opt++ = 55; /* parameter request list: subnet mask, router */
	*opt++ = 2;
	*opt++ = 1;
	*opt++ = 3;
	*opt = 255;

	uint32_t pseudo = udp_pseudo_sum(0, IP_BROADCAST, udp_len);
	uint16_t full = csum_fold(csum_add(pseudo, udp, udp_len));
	if (full == 0)
		full = 0xffff; /* 0 would mean "no checksum" */
	put16(udp + 6, udp_csum_field(full, pseudo, how));
	return ETH_HLEN + IP_HLEN + udp_len;
}

uint8_t echo_payload(uint16_t seq, size_t i)
{
	return (uint8_t)(i * 5 + seq);
}

size_t frame_icmp_echo(uint8_t *f, const uint8_t src_mac[6], const uint8_t dst_mac[6],
		       uint32_t src, uint32_t dst, uint16_t id, uint16_t seq, size_t payload)
{
	uint8_t *ip = eth_header(f, dst_mac, src_mac, ETH_P_IP);
	uint8_t *icmp = ipv4_header(ip, IPPROTO_ICMP, src, dst, ICMP_HLEN + payload);
	icmp[0] = 8; /* echo request */
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, id);
	put16(icmp + 6, seq);
	for (size_t i = 0; i < payload; i++)
		icmp[ICMP_HLEN + i] = echo_payload(seq, i);
	put16(icmp + 2, csum_fold(csum_add(0, icmp, ICMP_HLEN + payload)));
	return ETH_HLEN + IP_HLEN + ICMP_HLEN + payload;
}

/* fe80::/64 with the MAC's modified EUI-64 (RFC 4291). */
static void link_local(uint8_t *addr, const uint8_t mac[6])
{
	memset(addr, 0, 16);
	addr[0] = 0xfe;
	addr[1] = 0x80;
	addr[8] = mac[0] ^ 2;
	addr[9] = mac[1];
	addr[10] = mac[2];
	addr[11] = 0xff;
	addr[12] = 0xfe;
	memcpy(addr + 13, mac + 3, 3);
}

/* The IPv6 pseudo-header's sum (RFC 8200): the header's addresses, the
 * upper-layer length, the next header. */
static uint32_t ipv6_pseudo_sum(const uint8_t *ip6, uint8_t next, uint16_t len)
{
	uint8_t tail[8] = { 0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, next };
	return csum_add(csum_add(0, ip6 + 8, 32), tail, sizeof tail);
}

/* A TCP header and payload for t, its checksum field holding what
 * Linux leaves in a CHECKSUM_PARTIAL (and GSO) packet: the folded
 * pseudo-header sum, not complemented. */
static void tcp_segment(uint8_t *tcp, const struct tcp_spec *t, uint32_t pseudo)
{
	memset(tcp, 0, TCP_HLEN);
	put16(tcp, t->sport);
	put16(tcp + 2, t->dport);
	put32(tcp + 4, t->seq);
	tcp[12] = (TCP_HLEN / 4) << 4;
	tcp[13] = t->flags;
	put16(tcp + 14, 65535);
	for (size_t i = 0; i < t->payload; i++)
		tcp[TCP_HLEN + i] = (uint8_t)(i * 3 + 1);
	put16(tcp + 16, (uint16_t)~csum_fold(pseudo));
}

size_t frame_tcp4_partial(uint8_t *f, const uint8_t src_mac[6], const uint8_t dst_mac[6],
			  uint32_t src, uint32_t dst, const struct tcp_spec *t)
{
	const uint16_t tcp_len = (uint16_t)(TCP_HLEN + t->payload);
	uint8_t *ip = eth_header(f, dst_mac, src_mac, ETH_P_IP);
	uint8_t *tcp = ipv4_header(ip, IPPROTO_TCP, src, dst, tcp_len);
	tcp_segment(tcp, t, pseudo_sum(src, dst, IPPROTO_TCP, tcp_len));
	return ETH_HLEN + IP_HLEN + tcp_len;
}

size_t frame_tcp6_partial(uint8_t *f, const uint8_t src_mac[6], const uint8_t dst_mac[6],
			  const uint8_t dst[16], const struct tcp_spec *t)
{
	const uint16_t tcp_len = (uint16_t)(TCP_HLEN + t->payload);
	uint8_t *ip = eth_header(f, dst_mac, src_mac, ETH_P_IPV6);
	memset(ip, 0, IP6_HLEN);
	ip[0] = 0x60;
	put16(ip + 4, tcp_len);
	ip[6] = IPPROTO_TCP;
	ip[7] = 64;
	link_local(ip + 8, src_mac);
	memcpy(ip + 24, dst, 16);
	tcp_segment(ip + IP6_HLEN, t, ipv6_pseudo_sum(ip, IPPROTO_TCP, tcp_len));
	return ETH_HLEN + IP6_HLEN + tcp_len;
}

static void tcp_fields(const uint8_t *tcp, struct tcp_info *t)
{
	t->sport = get16(tcp);
	t->dport = get16(tcp + 2);
	t->seq = get32(tcp + 4);
	t->ack = get32(tcp + 8);
	t->flags = tcp[13];
}

bool parse_tcp6(const uint8_t *f, size_t len, struct tcp_info *t)
{
	if (len < ETH_HLEN + IP6_HLEN + TCP_HLEN || get16(f + 12) != ETH_P_IPV6 ||
	    f[ETH_HLEN + 6] != IPPROTO_TCP ||
	    get16(f + ETH_HLEN + 4) < TCP_HLEN)
		return false;
	tcp_fields(f + ETH_HLEN + IP6_HLEN, t);
	return true;
}

bool parse_tcp(const struct ip_info *ip, struct tcp_info *t)
{
	if (ip->proto != IPPROTO_TCP || ip->fragment || ip->l4_len < TCP_HLEN)
		return false;
	tcp_fields(ip->l4, t);
	return true;
}

size_t frame_dhcpv6_info_request(uint8_t *f, const uint8_t mac[6], uint32_t xid,
				 enum udp_csum how)
{
	static const uint8_t all_dhcp_mac[6] = { 0x33, 0x33, 0, 1, 0, 2 };
	/* msg-type, transaction-id, an Option Request for DNS servers
	 * (23), Elapsed Time 0 */
	const uint8_t msg[] = { DHCPV6_INFO_REQUEST, (uint8_t)(xid >> 16), (uint8_t)(xid >> 8),
				(uint8_t)xid, 0, 6, 0, 2, 0, 23, 0, 8, 0, 2, 0, 0 };
	const uint16_t udp_len = (uint16_t)(UDP_HLEN + sizeof msg);
	uint8_t *ip = eth_header(f, all_dhcp_mac, mac, ETH_P_IPV6);
	memset(ip, 0, IP6_HLEN);
	ip[0] = 0x60;
	put16(ip + 4, udp_len);
	ip[6] = IPPROTO_UDP;
	ip[7] = 1;
	link_local(ip + 8, mac);
	ip[24] = 0xff; /* ff02::1:2, all DHCP relay agents and servers */
	ip[25] = 0x02;
	ip[37] = 1;
	ip[39] = 2;
	uint8_t *udp = ip + IP6_HLEN;
	put16(udp, 546);
	put16(udp + 2, 547);
	put16(udp + 4, udp_len);
	put16(udp + 6, 0);
	memcpy(udp + UDP_HLEN, msg, sizeof msg);
	uint32_t pseudo = ipv6_pseudo_sum(ip, IPPROTO_UDP, udp_len);
	uint16_t full = csum_fold(csum_add(pseudo, udp, udp_len));
	if (full == 0)
		full = 0xffff;
	put16(udp + 6, udp_csum_field(full, pseudo, how));
	return ETH_HLEN + IP6_HLEN + udp_len;
}

bool parse_dhcpv6_reply(const uint8_t *f, size_t len, bool partial, uint32_t xid,
			bool *csum_ok)
{
	if (len < ETH_HLEN + IP6_HLEN + UDP_HLEN + 4 || get16(f + 12) != ETH_P_IPV6)
		return false;
	const uint8_t *ip = f + ETH_HLEN, *udp = ip + IP6_HLEN;
	uint16_t udp_len = get16(ip + 4);
	/* The source port is not looked at: Debian 12's libslirp (4.7)
	 * writes its 547 in host byte order. */
	if (ip[6] != IPPROTO_UDP || udp_len < UDP_HLEN + 4 ||
	    ETH_HLEN + IP6_HLEN + (size_t)udp_len > len || get16(udp + 2) != 546 ||
	    get16(udp + 4) != udp_len)
		return false;
	const uint8_t *msg = udp + UDP_HLEN;
	if (msg[0] != DHCPV6_REPLY || ((uint32_t)msg[1] << 16 | get16(msg + 2)) != xid)
		return false;
	*csum_ok = partial ||
		   csum_fold(csum_add(ipv6_pseudo_sum(ip, IPPROTO_UDP, udp_len), udp, udp_len)) == 0;
	return true;
}

size_t frame_router_solicit(uint8_t *f, const uint8_t mac[6])
{
	static const uint8_t all_routers_mac[6] = { 0x33, 0x33, 0, 0, 0, 2 };
	const uint16_t icmp_len = 16; /* the solicitation and a source link-layer option */
	uint8_t *ip = eth_header(f, all_routers_mac, mac, ETH_P_IPV6);
	memset(ip, 0, IP6_HLEN + icmp_len);
	ip[0] = 0x60;
	put16(ip + 4, icmp_len);
	ip[6] = IPPROTO_ICMPV6;
	ip[7] = 255; /* hop limit: NDP takes nothing that was routed */
	link_local(ip + 8, mac);
	ip[24] = 0xff; /* ff02::2, all routers */
	ip[25] = 0x02;
	ip[39] = 2;
	uint8_t *icmp = ip + IP6_HLEN;
	icmp[0] = ICMP6_ROUTER_SOLICIT;
	icmp[8] = 1; /* source link-layer address, 1 unit of 8 bytes */
	icmp[9] = 1;
	memcpy(icmp + 10, mac, 6);
	put16(icmp + 2, csum_fold(csum_add(ipv6_pseudo_sum(ip, IPPROTO_ICMPV6, icmp_len), icmp,
					   icmp_len)));
	return ETH_HLEN + IP6_HLEN + icmp_len;
}

bool is_router_advert(const uint8_t *f, size_t len)
{
	return len >= ETH_HLEN + IP6_HLEN + 4 && get16(f + 12) == ETH_P_IPV6 &&
	       f[ETH_HLEN + 6] == IPPROTO_ICMPV6 &&
	       f[ETH_HLEN + IP6_HLEN] == ICMP6_ROUTER_ADVERT;
}

bool parse_arp(const uint8_t *f, size_t len, struct arp_info *a)
{
	if (len < ETH_HLEN + 28 || get16(f + 12) != ETH_P_ARP)
		return false;
	const uint8_t *p = f + ETH_HLEN;
	if (get16(p) != 1 || get16(p + 2) != ETH_P_IP || p[4] != 6 || p[5] != 4)
		return false;
	a->op = get16(p + 6);
	memcpy(a->eth_src, f + 6, 6);
	memcpy(a->sha, p + 8, 6);
	a->spa = get32(p + 14);
	memcpy(a->tha, p + 18, 6);
	a->tpa = get32(p + 24);
	return true;
}

bool parse_ipv4(const uint8_t *f, size_t len, bool partial, struct ip_info *ip)
{
	if (len < ETH_HLEN + IP_HLEN || get16(f + 12) != ETH_P_IP)
		return false;
	const uint8_t *h = f + ETH_HLEN;
	size_t hlen = (size_t)(h[0] & 15) * 4, total = get16(h + 2);
	if ((h[0] >> 4) != 4 || hlen < IP_HLEN || total < hlen || ETH_HLEN + total > len)
		return false;
	ip->proto = h[9];
	ip->src = get32(h + 12);
	ip->dst = get32(h + 16);
	ip->l4 = h + hlen;
	ip->l4_len = total - hlen;
	ip->csum_ok = csum_fold(csum_add(0, h, hlen)) == 0;
	/* More fragments, or an offset: the L4 checksum covers bytes that
	 * are not all here. */
	ip->fragment = (get16(h + 6) & 0x3fff) != 0;
	if (ip->fragment)
		return true;
	if (ip->proto == IPPROTO_UDP && ip->l4_len >= UDP_HLEN && !partial) {
		uint16_t udp_len = get16(ip->l4 + 4);
		if (udp_len < UDP_HLEN || udp_len > ip->l4_len)
			return false;
		if (get16(ip->l4 + 6) != 0)
			ip->csum_ok = ip->csum_ok &&
				csum_fold(csum_add(udp_pseudo_sum(ip->src, ip->dst, udp_len), ip->l4,
						   udp_len)) == 0;
	}
	if (ip->proto == IPPROTO_ICMP && !partial)
		ip->csum_ok = ip->csum_ok && csum_fold(csum_add(0, ip->l4, ip->l4_len)) == 0;
	return true;
}

bool parse_dhcp_reply(const struct ip_info *ip, uint32_t xid, struct dhcp_info *d)
{
	const uint8_t *udp = ip->l4;
	if (ip->proto != IPPROTO_UDP || ip->l4_len < UDP_HLEN + 240 || get16(udp) != 67 ||
	    get16(udp + 2) != 68)
		return false;
	size_t len = get16(udp + 4);
	if (len < UDP_HLEN + 240 || len > ip->l4_len)
		return false;
	const uint8_t *bootp = udp + UDP_HLEN, *end = udp + len;
	if (bootp[0] != 2 || get32(bootp + 4) != xid || get32(bootp + 236) != DHCP_MAGIC)
		return false;
	d->yiaddr = get32(bootp + 16);
	d->msg_type = 0;
	d->server_id = 0;
	for (const uint8_t *o = bootp + 240; o < end && *o != 255;) {
		if (*o == 0) {
			o++;
			continue;
		}
		if (o + 2 > end || o + 2 + o[1] > end)
			return false;
		if (o[0] == 53 && o[1] == 1)
			d->msg_type = o[2];
		if (o[0] == 54 && o[1] == 4)
			d->server_id = get32(o + 2);
		o += 2 + o[1];
	}
	return true;
}
