/*
 * GSO segmentation (net_offload.h): a TCP packet longer than gso_size
 * cut into packets of gso_size payload bytes (the last one what is
 * left), each with the original's headers, Ethernet to TCP options, and
 * what must differ between them rewritten: IP lengths, the IPv4 id and
 * header checksum, the TCP sequence number, flags and checksum.
 */
#include "backends/net/net_offload.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "backends/net/net_headers.h"
#include "backends/net/net_sum.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* The place of a field in its header. */
#define IPV4_TOTAL_LEN 2
#define IPV4_ID 4
#define IPV4_CSUM 10
#define IPV6_HLEN 40
#define IPV6_PAYLOAD_LEN 4
#define TCP_SEQ 4
#define TCP_DATA_OFF 12
#define TCP_FLAGS 13

/* The original's facts each segment is written from. */
struct gso_packet {
	struct net_headers h;
	size_t hdr_len;  /* Ethernet to the end of TCP's options */
	size_t tcp_hlen;
	uint32_t seq;
	uint16_t ipv4_id;
};

/* Rewrites the headers copied to seg for a segment of n payload bytes,
 * the index'th, from done bytes into the payload. */
static void fix_segment(uint8_t *seg, const struct gso_packet *p, size_t n, unsigned index,
			size_t done, bool last)
{
	uint8_t *ip = seg + p->h.l3_off;
	uint8_t *tcp = seg + p->h.l4_off;
	struct net_headers sh = p->h;

	sh.l4_len = p->tcp_hlen + n;
	if (sh.ip_version == 4) {
		net_put16(ip + IPV4_TOTAL_LEN, (uint16_t)(p->hdr_len - p->h.l3_off + n));
		net_put16(ip + IPV4_ID, (uint16_t)(p->ipv4_id + index));
		net_put16(ip + IPV4_CSUM, 0);
		net_put16(ip + IPV4_CSUM, (uint16_t)~net_sum_ipv4_header(seg, &sh));
	} else {
		net_put16(ip + IPV6_PAYLOAD_LEN,
			  (uint16_t)(p->hdr_len - p->h.l3_off - IPV6_HLEN + n));
	}
	net_put32(tcp + TCP_SEQ, (uint32_t)(p->seq + done));
	/* FIN and PSH end the whole send, so only the last segment carries
	 * them; CWR answers ECE once, so only the first (RFC 3168). */
	if (!last)
		tcp[TCP_FLAGS] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (index > 0)
		tcp[TCP_FLAGS] &= (uint8_t)~TCP_CWR;
	net_put16(tcp + NET_TCP_CSUM_OFFSET, 0);
	net_put16(tcp + NET_TCP_CSUM_OFFSET, (uint16_t)~net_sum_l4(seg, &sh));
}

int net_gso_segment(const uint8_t *frame, size_t len, const struct net_frame_meta *meta,
		    uint8_t *buf, net_emit_fn *emit, void *arg)
{
	struct gso_packet p;
	size_t mss = meta->gso_size, payload, done = 0;
	const uint8_t *data;
	unsigned index = 0;

	if (mss == 0 || net_headers_parse(frame, len, &p.h) || p.h.l4_proto != NET_IPPROTO_TCP)
		return -EINVAL;
	if (meta->gso_type != (p.h.ip_version == 4 ? NET_GSO_TCPV4 : NET_GSO_TCPV6))
		return -EINVAL;
	p.tcp_hlen = (size_t)(frame[p.h.l4_off + TCP_DATA_OFF] >> 4) * 4;
	if (p.tcp_hlen < NET_TCP_HLEN || p.tcp_hlen > p.h.l4_len)
		return -EINVAL;
	p.hdr_len = p.h.l4_off + p.tcp_hlen;
	payload = p.h.l4_len - p.tcp_hlen;
	/* IPv6 extension headers can make the first segment longer than a
	 * frame, even though the packet fits. */
	if (p.hdr_len + (payload < mss ? payload : mss) > NET_FRAME_MAX)
		return -EINVAL;
	p.seq = net_get32(frame + p.h.l4_off + TCP_SEQ);
	p.ipv4_id = p.h.ip_version == 4 ? net_get16(frame + p.h.l3_off + IPV4_ID) : 0;
	data = frame + p.hdr_len;

	/* At least one segment: a packet without payload is one, its
	 * checksums made whole like any other. */
	do {
		size_t n = payload - done < mss ? payload - done : mss;
		int rc;

		memcpy(buf, frame, p.hdr_len);
		memcpy(buf + p.hdr_len, data + done, n);
		fix_segment(buf, &p, n, index, done, done + n == payload);
		rc = emit(arg, buf, p.hdr_len + n);
		if (rc)
			return rc;
		done += n;
		index++;
	} while (done < payload);
	return 0;
}
