/*
 * Internet checksum arithmetic (net_sum.h).  The sum adds 32-bit pieces
 * in the host's byte order: a ones' complement sum does not care how
 * 16-bit words are grouped (2^16 is 1 modulo 0xffff) nor, until it is
 * read out, in which order each word's two bytes are (RFC 1071, 2(B)),
 * so only the folded result is turned to the wire's order.  On a GSO
 * frame cut for a host link without offloads this is the hot loop.
 */
#include "backends/net/net_sum.h"

#include <string.h>

/* The largest pseudo-header, IPv6's. */
#define PSEUDO_MAX 40

uint64_t net_sum_add(uint64_t acc, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t words;

	/* Eight bytes a load, added as two 32-bit halves so that acc cannot
	 * carry out: that takes 2^31 loads, far more than a frame's. */
	for (; len >= sizeof(words); p += sizeof(words), len -= sizeof(words)) {
		memcpy(&words, p, sizeof(words));
		acc += (words & 0xffffffff) + (words >> 32);
	}
	if (len) {
		/* The tail padded with zeros, as RFC 1071 pads an odd byte:
		 * in memory order, so it lines up with the words above. */
		words = 0;
		memcpy(&words, p, len);
		acc += (words & 0xffffffff) + (words >> 32);
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
