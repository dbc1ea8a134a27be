/*
 * Where a frame's headers are, for the offloads (net_offload.h): an
 * Ethernet header with at most one 802.1Q tag, IPv4 (options allowed,
 * fragments refused: no L4 header or checksum can be dealt with in one)
 * or IPv6 (hop-by-hop, routing and destination options headers skipped;
 * a fragment header or anything else refused), then TCP or UDP.  Every
 * length is checked against the frame and against the IP header's own
 * length; bytes after the IP packet (Ethernet padding) are not part of it.
 */
#ifndef XENLET_NET_HEADERS_H
#define XENLET_NET_HEADERS_H

#include <stddef.h>
#include <stdint.h>

#define NET_IPPROTO_TCP 6
#define NET_IPPROTO_UDP 17
#define NET_TCP_HLEN 20 /* without options */
#define NET_UDP_HLEN 8
/* Where the checksum is in each L4 header. */
#define NET_TCP_CSUM_OFFSET 16
#define NET_UDP_CSUM_OFFSET 6

struct net_headers {
	unsigned ip_version; /* 4 or 6 */
	size_t l3_off;       /* the IP header */
	size_t l4_off;       /* the TCP or UDP header */
	/* The upper-layer packet the checksum covers: the rest of the IP
	 * packet for TCP, the UDP length field's bytes for UDP (at least
	 * the header, at most the rest of the IP packet). */
	size_t l4_len;
	uint8_t l4_proto;    /* NET_IPPROTO_TCP or _UDP */
	/* The destination address the pseudo-header takes: the IP
	 * header's, or the final one an IPv6 routing header names that
	 * still has segments left (RFC 8200, 8.1). */
	size_t pseudo_dst_off;
};

/* 0 and *h for a TCP or UDP packet over IPv4/IPv6 whose headers all lie
 * within len bytes (TCP's at least its 20 bytes, UDP's 8), else -EINVAL. */
int net_headers_parse(const uint8_t *frame, size_t len, struct net_headers *h);

static inline uint16_t net_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t net_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void net_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void net_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
