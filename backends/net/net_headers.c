/*
 * Finding a frame's IP and TCP/UDP headers (net_headers.h).  Each step
 * checks that what it reads lies before the end it was given: the
 * frame's for the IP header itself, the IP packet's (from its length
 * field) for everything after.
 */
#include "backends/net/net_headers.h"

#include <errno.h>
#include <stdbool.h>
#include "backends/net/net_frame.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define VLAN_TAG_LEN 4

#define IPV4_HLEN 20
#define IPV4_FRAG_BITS 0x3fff /* more fragments + fragment offset */
#define IPV6_HLEN 40
#define IPV6_ADDR_LEN 16

#define IPV6_HOP_BY_HOP 0
#define IPV6_ROUTING 43
#define IPV6_DEST_OPTS 60

/* Routing header types whose final destination is known: type 0
 * (deprecated, RFC 5095) and type 2 (Mobile IPv6) list addresses after a
 * reserved word, the final one last; a segment routing header (type 4,
 * RFC 8754) lists the final one first, at the same place. */
#define ROUTING_TYPE0 0
#define ROUTING_TYPE2 2
#define ROUTING_SRH 4
#define ROUTING_ADDRS_OFF 8

static int parse_ipv4(const uint8_t *frame, size_t len, struct net_headers *h)
{
	const uint8_t *ip = frame + h->l3_off;
	size_t ihl, total;

	if (len - h->l3_off < IPV4_HLEN || ip[0] >> 4 != 4)
		return -EINVAL;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	total = net_get16(ip + 2);
	if (ihl < IPV4_HLEN || total < ihl || total > len - h->l3_off)
		return -EINVAL;
	if (net_get16(ip + 6) & IPV4_FRAG_BITS)
		return -EINVAL;
	h->ip_version = 4;
	h->l4_proto = ip[9];
	h->l4_off = h->l3_off + ihl;
	h->l4_len = total - ihl; /* the rest of the IP packet, until L4 says */
	h->pseudo_dst_off = h->l3_off + 16;
	return 0;
}

/* A routing header with segments left: where its final destination is. */
static int routing_final_dst(const uint8_t *rh, size_t rh_len, size_t rh_off,
			     struct net_headers *h)
{
	size_t addrs = (rh_len - ROUTING_ADDRS_OFF) / IPV6_ADDR_LEN;

	if (rh[3] == 0) /* segments left: none, the IP header has the final one */
		return 0;
	if (addrs == 0)
		return -EINVAL;
	switch (rh[2]) {
	case ROUTING_TYPE0:
	case ROUTING_TYPE2:
		h->pseudo_dst_off = rh_off + ROUTING_ADDRS_OFF + (addrs - 1) * IPV6_ADDR_LEN;
		return 0;
	case ROUTING_SRH:
		h->pseudo_dst_off = rh_off + ROUTING_ADDRS_OFF;
		return 0;
	default:
		return -EINVAL;
	}
}

static int parse_ipv6(const uint8_t *frame, size_t len, struct net_headers *h)
{
	const uint8_t *ip = frame + h->l3_off;
	size_t end, off;
	uint8_t next;
	bool routed = false;

	if (len - h->l3_off < IPV6_HLEN || ip[0] >> 4 != 6)
		return -EINVAL;
	end = h->l3_off + IPV6_HLEN + net_get16(ip + 4);
	if (end > len)
		return -EINVAL;
	h->ip_version = 6;
	h->pseudo_dst_off = h->l3_off + 24;
	next = ip[6];
	off = h->l3_off + IPV6_HLEN;
	while (next == IPV6_HOP_BY_HOP || next == IPV6_ROUTING || next == IPV6_DEST_OPTS) {
		const uint8_t *ext = frame + off;
		size_t ext_len;

		/* Each is at least 8 bytes, its second byte the length in
		 * 8-byte units past those. */
		if (end - off < 8)
			return -EINVAL;
		ext_len = ((size_t)ext[1] + 1) * 8;
		if (ext_len > end - off)
			return -EINVAL;
		if (next == IPV6_ROUTING) {
			/* Two would name two final destinations. */
			if (routed || routing_final_dst(ext, ext_len, off, h))
				return -EINVAL;
			routed = true;
		}
		next = ext[0];
		off += ext_len;
	}
	h->l4_proto = next;
	h->l4_off = off;
	h->l4_len = end - off;
	return 0;
}

int net_headers_parse(const uint8_t *frame, size_t len, struct net_headers *h)
{
	uint16_t ethertype;
	int rc;

	if (len < NET_ETH_HLEN)
		return -EINVAL;
	ethertype = net_get16(frame + 12);
	h->l3_off = NET_ETH_HLEN;
	if (ethertype == ETHERTYPE_VLAN) {
		if (len < NET_ETH_HLEN + VLAN_TAG_LEN)
			return -EINVAL;
		ethertype = net_get16(frame + 16);
		h->l3_off += VLAN_TAG_LEN;
	}
	if (ethertype == ETHERTYPE_IPV4)
		rc = parse_ipv4(frame, len, h);
	else if (ethertype == ETHERTYPE_IPV6)
		rc = parse_ipv6(frame, len, h);
	else
		rc = -EINVAL;
	if (rc)
		return rc;

	switch (h->l4_proto) {
	case NET_IPPROTO_TCP:
		return h->l4_len >= NET_TCP_HLEN ? 0 : -EINVAL;
	case NET_IPPROTO_UDP: {
		size_t udp_len;

		if (h->l4_len < NET_UDP_HLEN)
			return -EINVAL;
		/* UDP says how long it is; the IP packet may hold more
		 * (trimmed, as Linux does), never less.  0 would be an IPv6
		 * jumbogram's, which no frame here can be. */
		udp_len = net_get16(frame + h->l4_off + 4);
		if (udp_len < NET_UDP_HLEN || udp_len > h->l4_len)
			return -EINVAL;
		h->l4_len = udp_len;
		return 0;
	}
	default:
		return -EINVAL;
	}
}
