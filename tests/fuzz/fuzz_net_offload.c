/* libFuzzer target: the frame offloads against any frame and meta.
 * Nothing may be read or written outside the frame (it is copied to a
 * buffer of exactly its length), and what they say must hold:
 *   - locate's checksum field lies within the frame, and a frame it
 *     accepts can be checked;
 *   - complete writes only the checksum field, and only where locate
 *     would have put it; once it has (and the IPv4 header checksum is
 *     made right here), verify says 1;
 *   - segment's segments all verify, carry the original's payload in
 *     order in pieces of gso_size (the last what is left) behind the
 *     original's header length, and fit in NET_FRAME_MAX.
 * Anything else aborts.
 *
 * Input: 6 bytes of meta (GSO type, GSO size, a csum_start and
 * csum_offset to try complete with), then the frame. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/net/net_headers.h"
#include "backends/net/net_offload.h"
#include "tests/fuzz/fuzz_input.h"

static uint8_t seg_buf[NET_FRAME_MAX];

/* The reference sum, a byte at a time. */
static uint16_t ref_sum(const uint8_t *p, size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += i % 2 ? p[i] : (uint64_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Makes an IPv4 header checksum right, on a frame locate accepted. */
static void fix_ipv4_header(uint8_t *f)
{
	size_t l3 = f[12] == 0x81 && f[13] == 0x00 ? 18 : 14;
	size_t ihl = (size_t)(f[l3] & 0xf) * 4;
	uint16_t c;

	if (f[l3 - 2] != 0x08 || f[l3 - 1] != 0x00)
		return;
	f[l3 + 10] = f[l3 + 11] = 0;
	c = (uint16_t)~ref_sum(f + l3, ihl);
	f[l3 + 10] = (uint8_t)(c >> 8);
	f[l3 + 11] = (uint8_t)c;
}

struct seg_check {
	const uint8_t *orig;
	size_t hdr_len, payload, mss, done;
	unsigned count;
};

static int check_segment(void *arg, const uint8_t *seg, size_t len)
{
	struct seg_check *c = arg;
	size_t n;

	if (len > NET_FRAME_MAX || len < c->hdr_len)
		abort();
	n = len - c->hdr_len;
	if (n > c->mss || n > c->payload - c->done)
		abort();
	/* All but the last full; the last ends the payload. */
	if (n < c->mss && c->done + n != c->payload)
		abort();
	if (c->count > 0 && n == 0)
		abort();
	if (memcmp(seg + c->hdr_len, c->orig + c->hdr_len + c->done, n))
		abort();
	if (net_csum_verify(seg, len) != 1)
		abort();
	c->done += n;
	c->count++;
	return 0;
}

/* What segmenting f must give, found here from its headers (which
 * net_headers_parse's own tests check): false if it must be refused. */
static bool expect_segments(const uint8_t *f, size_t len, const struct net_frame_meta *meta,
			    struct seg_check *c)
{
	struct net_headers h;
	size_t tcp_hlen;

	if (net_headers_parse(f, len, &h) || h.l4_proto != NET_IPPROTO_TCP || meta->gso_size == 0)
		return false;
	if (meta->gso_type != (h.ip_version == 4 ? NET_GSO_TCPV4 : NET_GSO_TCPV6))
		return false;
	tcp_hlen = (size_t)(f[h.l4_off + 12] >> 4) * 4;
	if (tcp_hlen < 20 || tcp_hlen > h.l4_len)
		return false;
	/* Every segment fits a frame: no longer than this one. */
	c->hdr_len = h.l4_off + tcp_hlen;
	c->payload = h.l4_len - tcp_hlen;
	return true;
}

static void check_segment_all(const uint8_t *f, size_t len, const struct net_frame_meta *meta)
{
	/* Until known, a header length no segment can have. */
	struct seg_check c = { .orig = f, .mss = meta->gso_size, .hdr_len = SIZE_MAX };
	bool expected = expect_segments(f, len, meta, &c);
	int rc = net_gso_segment(f, len, meta, seg_buf, check_segment, &c);

	if (!expected) {
		if (rc != -EINVAL || c.count)
			abort();
		return;
	}
	if (rc != 0 || c.done != c.payload ||
	    c.count != (c.payload ? (c.payload + c.mss - 1) / c.mss : 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct net_frame_meta meta = { 0 }, located = { 0 };
	uint8_t type, csum_offset;
	uint16_t gso_size, csum_start;
	uint8_t *f, *work;
	size_t len;
	int verified, rc;

	take(&in, &type, 1);
	take(&in, &gso_size, 2);
	take(&in, &csum_start, 2);
	take(&in, &csum_offset, 1);
	len = in.n;
	if (len > NET_FRAME_MAX)
		return 0;
	meta.gso_type = type % 3;
	meta.gso_size = gso_size;
	meta.csum_start = csum_start;
	meta.csum_offset = csum_offset;
	f = malloc(len ? len : 1);
	work = malloc(len ? len : 1);
	if (!f || !work)
		abort();
	memcpy(f, in.p, len);

	verified = net_csum_verify(f, len);
	if (verified != 0 && verified != 1 && verified != -EINVAL)
		abort();

	rc = net_csum_locate(f, len, &located);
	if (rc == 0) {
		size_t field = (size_t)located.csum_start + located.csum_offset;

		if (field + 2 > len || verified == -EINVAL)
			abort();
		memcpy(work, f, len);
		if (net_csum_complete(work, len, &located) != 0)
			abort();
		if (memcmp(work, f, field) || memcmp(work + field + 2, f + field + 2, len - field - 2))
			abort();
		fix_ipv4_header(work);
		if (net_csum_verify(work, len) != 1)
			abort();
	} else if (rc != -EINVAL) {
		abort();
	}

	/* complete with the input's meta: only where locate says. */
	memcpy(work, f, len);
	rc = net_csum_complete(work, len, &meta);
	if (rc == 0 ? meta.csum_start != located.csum_start ||
			      meta.csum_offset != located.csum_offset
		    : rc != -EINVAL || memcmp(work, f, len))
		abort();

	check_segment_all(f, len, &meta);
	free(work);
	free(f);
	return 0;
}
