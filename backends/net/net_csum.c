/*
 * Checksum offloads (net_offload.h): where a partial checksum goes, the
 * full checksum written there, a frame's checksums checked.  The headers
 * are found afresh each time (net_headers.h): nothing is written where
 * they do not say a checksum is.
 */
#include "backends/net/net_offload.h"

#include <errno.h>
#include "backends/net/net_headers.h"
#include "backends/net/net_sum.h"

static uint16_t csum_offset_of(uint8_t l4_proto)
{
	return l4_proto == NET_IPPROTO_TCP ? NET_TCP_CSUM_OFFSET : NET_UDP_CSUM_OFFSET;
}

int net_csum_locate(const uint8_t *frame, size_t len, struct net_frame_meta *meta)
{
	struct net_headers h;

	/* An IPv6 frame's extension headers can put L4 past what
	 * csum_start holds. */
	if (net_headers_parse(frame, len, &h) || h.l4_off > UINT16_MAX)
		return -EINVAL;
	meta->csum_start = (uint16_t)h.l4_off;
	meta->csum_offset = csum_offset_of(h.l4_proto);
	return 0;
}

int net_csum_complete(uint8_t *frame, size_t len, const struct net_frame_meta *meta)
{
	struct net_headers h;
	uint8_t *field;
	uint16_t csum;

	if (net_headers_parse(frame, len, &h) || meta->csum_start != h.l4_off ||
	    meta->csum_offset != csum_offset_of(h.l4_proto))
		return -EINVAL;
	field = frame + h.l4_off + meta->csum_offset;
	net_put16(field, 0);
	csum = (uint16_t)~net_sum_l4(frame, &h);
	/* In UDP 0 says "no checksum"; its ones' complement twin says the
	 * same sum (RFC 768; RFC 8200 8.1 for IPv6). */
	if (csum == 0 && h.l4_proto == NET_IPPROTO_UDP)
		csum = 0xffff;
	net_put16(field, csum);
	return 0;
}

int net_csum_verify(const uint8_t *frame, size_t len)
{
	struct net_headers h;

	if (net_headers_parse(frame, len, &h))
		return -EINVAL;
	if (h.ip_version == 4 && net_sum_ipv4_header(frame, &h) != 0xffff)
		return 0;
	/* A UDP checksum of 0: none over IPv4, forbidden over IPv6. */
	if (h.l4_proto == NET_IPPROTO_UDP &&
	    net_get16(frame + h.l4_off + NET_UDP_CSUM_OFFSET) == 0)
		return h.ip_version == 4;
	return net_sum_l4(frame, &h) == 0xffff;
}
