/*
 * Internet checksum arithmetic (net_sum.h).  The sum is taken 32 bits at
 * a time in the host's byte order: a ones' complement sum does not care
 * how 16-bit words are grouped (2^16 is 1 modulo 0xffff) nor, until it
 * is read out, in which order each word's two bytes are (RFC 1071,
 * 2(B)), so only the folded result is turned to the wire's order.
 */
#include "backends/net/net_sum.h"

#include <string.h>

/* The largest pseudo-header, IPv6's. */
#define PSEUDO_MAX 40

uint64_t net_sum_add(uint64_t acc, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t word;

	/* 2^32 words before acc could carry out: far more than a frame. */
	for (; len >= sizeof(word); p += sizeof(word), len -= sizeof(word)) {
		memcpy(&word, p, sizeof(word));
		acc += word;
	}
	if (len) {
		/* The tail padded with zeros, as RFC 1071 pads an odd byte:
		 * in memory order, so it lines up with the words above. */
		word = 0;
		memcpy(&word, p, len);
		acc += word;
	}
	return acc;
}

uint16_t net_sum_fold(uint64_t acc)
{
	uint16_t native;
	uint8_t wire[2];

	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	native = (uint16_t)acc;
	/* Its bytes in memory are the wire's order of the sum. */
	memcpy(wire, &native, sizeof(wire));
	return net_get16(wire);
}

uint16_t net_sum_ipv4_header(const uint8_t *frame, const struct net_headers *h)
{
	return net_sum_fold(net_sum_add(0, frame + h->l3_off, h->l4_off - h->l3_off));
}

/* The pseudo-header of RFC 793/768 (IPv4) or RFC 8200, 8.1 (IPv6) for
 * h's packet into out; its length. */
static size_t pseudo_header(const uint8_t *frame, const struct net_headers *h,
			    uint8_t out[PSEUDO_MAX])
{
	const uint8_t *ip = frame + h->l3_off;

	if (h->ip_version == 4) {
		memcpy(out, ip + 12, 4);
		memcpy(out + 4, frame + h->pseudo_dst_off, 4);
		out[8] = 0;
		out[9] = h->l4_proto;
		net_put16(out + 10, (uint16_t)h->l4_len);
		return 12;
	}
	memcpy(out, ip + 8, 16);
	memcpy(out + 16, frame + h->pseudo_dst_off, 16);
	net_put32(out + 32, (uint32_t)h->l4_len);
	memset(out + 36, 0, 3);
	out[39] = h->l4_proto;
	return 40;
}

uint16_t net_sum_l4(const uint8_t *frame, const struct net_headers *h)
{
	uint8_t pseudo[PSEUDO_MAX];
	size_t n = pseudo_header(frame, h, pseudo);

	return net_sum_fold(net_sum_add(net_sum_add(0, pseudo, n), frame + h->l4_off, h->l4_len));
}
