/*
 * Frame offloads (backends/net/net_offload.h): checksums against a
 * byte-at-a-time reference sum and frames Linux's own stack wrote, GSO
 * segments taken apart field by field, and every refusal -EINVAL without
 * a byte read past the frame (each is tried in a buffer of exactly its
 * length, so ASan sees any).
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "backends/net/net_offload.h"
#include "backends/net/net_sum.h"

/* ---- The reference: RFC 1071 as written, one byte at a time. */

static uint16_t ref_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint64_t ref_add(uint64_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum += i % 2 ? p[i] : (uint64_t)p[i] << 8;
	return sum;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void set32(uint8_t *p, uint32_t v)
{
	set16(p, (uint16_t)(v >> 16));
	set16(p + 2, (uint16_t)v);
}

/* A test frame and where the test put its headers. */
struct tframe {
	uint8_t *f;
	size_t len;
	int ipv;
	size_t l3, l4, l4_len; /* l4_len: what the checksum covers */
	uint8_t proto;
	size_t dst_off; /* the pseudo-header's destination address */
};

/* The reference sum of the pseudo-header and L4 packet. */
static uint16_t ref_l4_sum(const struct tframe *t)
{
	uint8_t tail[8] = { 0 };
	uint64_t sum;

	if (t->ipv == 4) {
		sum = ref_add(0, t->f + t->l3 + 12, 4);
		sum = ref_add(sum, t->f + t->dst_off, 4);
		tail[1] = t->proto;
		set16(tail + 2, (uint16_t)t->l4_len);
		sum = ref_add(sum, tail, 4);
	} else {
		sum = ref_add(0, t->f + t->l3 + 8, 16);
		sum = ref_add(sum, t->f + t->dst_off, 16);
		set32(tail, (uint32_t)t->l4_len);
		tail[7] = t->proto;
		sum = ref_add(sum, tail, 8);
	}
	return ref_fold(ref_add(sum, t->f + t->l4, t->l4_len));
}

static size_t csum_field(const struct tframe *t)
{
	return t->l4 + (t->proto == 6 ? 16 : 6);
}

/* Writes the right L4 checksum, as the reference computes it. */
static void ref_fill_l4(struct tframe *t)
{
	uint16_t c;

	set16(t->f + csum_field(t), 0);
	c = (uint16_t)~ref_l4_sum(t);
	if (c == 0 && t->proto == 17)
		c = 0xffff;
	set16(t->f + csum_field(t), c);
}

static void ref_fill_ipv4(struct tframe *t)
{
	set16(t->f + t->l3 + 10, 0);
	set16(t->f + t->l3 + 10, (uint16_t)~ref_fold(ref_add(0, t->f + t->l3, t->l4 - t->l3)));
}

/* ---- Frames built here. */

static uint8_t frame_buf[NET_FRAME_MAX + 4096];
static uint8_t seg_buf[NET_FRAME_MAX];
static uint64_t rng_state;

static uint8_t rnd8(void)
{
	/* xorshift64: the same bytes every run. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint8_t)(rng_state >> 32);
}

static void setup(void)
{
	memset(frame_buf, 0, sizeof(frame_buf));
	rng_state = 0x9e3779b97f4a7c15ull;
}

static size_t put_eth(uint8_t *f, bool vlan, uint16_t ethertype)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	memcpy(f, macs, sizeof(macs));
	if (!vlan) {
		set16(f + 12, ethertype);
		return 14;
	}
	set16(f + 12, 0x8100);
	set16(f + 14, 100); /* VLAN 100 */
	set16(f + 16, ethertype);
	return 18;
}

/* IPv4 header with opt_len bytes of NOP options, DF, id 0x1234. */
static size_t put_ipv4(uint8_t *ip, size_t opt_len, uint8_t proto, size_t l4_len)
{
	static const uint8_t addrs[8] = { 10, 9, 0, 1, 10, 9, 0, 2 };
	size_t hlen = 20 + opt_len;

	ip[0] = (uint8_t)(0x40 | hlen / 4);
	ip[1] = 0;
	set16(ip + 2, (uint16_t)(hlen + l4_len));
	set16(ip + 4, 0x1234);
	set16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, addrs, 8);
	memset(ip + 20, 1, opt_len);
	return hlen;
}

static size_t put_ipv6(uint8_t *ip, uint8_t next, size_t payload_len)
{
	ip[0] = 0x60;
	ip[1] = 0x0b;
	set16(ip + 2, 0xf2ac);
	set16(ip + 4, (uint16_t)payload_len);
	ip[6] = next;
	ip[7] = 64;
	memset(ip + 8, 0, 32);
	ip[8] = 0xfd;
	ip[23] = 1;
	ip[24] = 0xfd;
	ip[39] = 2;
	return 40;
}

/* TCP header with opt_len bytes of options (NOPs, then a timestamp). */
static size_t put_tcp(uint8_t *tcp, uint32_t seq, uint8_t flags, size_t opt_len)
{
	size_t hlen = 20 + opt_len;

	set16(tcp, 0xe030);
	set16(tcp + 2, 0x1f90);
	set32(tcp + 4, seq);
	set32(tcp + 8, 0x01020304);
	tcp[12] = (uint8_t)(hlen / 4 << 4);
	tcp[13] = flags;
	set16(tcp + 14, 0xfaf0);
	set16(tcp + 16, 0xdead); /* garbage: a partial checksum's field */
	set16(tcp + 18, 0);
	memset(tcp + 20, 1, opt_len);
	if (opt_len >= 10) {
		uint8_t *ts = tcp + 20 + opt_len - 10;

		ts[0] = 8;
		ts[1] = 10;
		set32(ts + 2, 0x66c6744b);
		set32(ts + 6, 0);
	}
	return hlen;
}

static void put_payload(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd8();
}

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

/* Ethernet [VLAN] IPv4 [options] TCP [options] payload, checksums right. */
static struct tframe tcp4_frame(bool vlan, size_t ip_opts, size_t tcp_opts, uint32_t seq,
				uint8_t flags, size_t payload)
{
	struct tframe t = { .f = frame_buf, .ipv = 4, .proto = 6 };
	size_t thlen = 20 + tcp_opts;

	t.l3 = put_eth(t.f, vlan, 0x0800);
	t.l4 = t.l3 + put_ipv4(t.f + t.l3, ip_opts, 6, thlen + payload);
	put_tcp(t.f + t.l4, seq, flags, tcp_opts);
	put_payload(t.f + t.l4 + thlen, payload);
	t.l4_len = thlen + payload;
	t.len = t.l4 + t.l4_len;
	t.dst_off = t.l3 + 16;
	ref_fill_ipv4(&t);
	ref_fill_l4(&t);
	return t;
}

/* Ethernet [VLAN] IPv6, ext_len bytes of extension headers (a
 * hop-by-hop header of PadN options, at least 8 bytes), TCP, payload. */
static struct tframe tcp6_frame(bool vlan, size_t ext_len, size_t tcp_opts, uint32_t seq,
				uint8_t flags, size_t payload)
{
	struct tframe t = { .f = frame_buf, .ipv = 6, .proto = 6 };
	size_t thlen = 20 + tcp_opts;
	uint8_t *ext;

	t.l3 = put_eth(t.f, vlan, 0x86dd);
	put_ipv6(t.f + t.l3, ext_len ? 0 : 6, ext_len + thlen + payload);
	ext = t.f + t.l3 + 40;
	if (ext_len) {
		ext[0] = 6;
		ext[1] = (uint8_t)(ext_len / 8 - 1);
		ext[2] = 1; /* PadN over the rest */
		ext[3] = (uint8_t)(ext_len - 4);
		memset(ext + 4, 0, ext_len - 4);
	}
	t.l4 = t.l3 + 40 + ext_len;
	put_tcp(t.f + t.l4, seq, flags, tcp_opts);
	put_payload(t.f + t.l4 + thlen, payload);
	t.l4_len = thlen + payload;
	t.len = t.l4 + t.l4_len;
	t.dst_off = t.l3 + 24;
	ref_fill_l4(&t);
	return t;
}

static struct tframe udp_frame(int ipv, bool vlan, size_t payload)
{
	struct tframe t = { .f = frame_buf, .ipv = ipv, .proto = 17 };

	t.l3 = put_eth(t.f, vlan, ipv == 4 ? 0x0800 : 0x86dd);
	if (ipv == 4) {
		t.l4 = t.l3 + put_ipv4(t.f + t.l3, 0, 17, 8 + payload);
		t.dst_off = t.l3 + 16;
	} else {
		t.l4 = t.l3 + put_ipv6(t.f + t.l3, 17, 8 + payload);
		t.dst_off = t.l3 + 24;
	}
	set16(t.f + t.l4, 0x8806);
	set16(t.f + t.l4 + 2, 0x270f);
	set16(t.f + t.l4 + 4, (uint16_t)(8 + payload));
	put_payload(t.f + t.l4 + 8, payload);
	t.l4_len = 8 + payload;
	t.len = t.l4 + t.l4_len;
	if (ipv == 4)
		ref_fill_ipv4(&t);
	ref_fill_l4(&t);
	return t;
}

/* ---- Frames Linux 6.18's stack wrote: a connect() and two sendto()s
 * from a private network namespace to a tap (no offloads, so every
 * checksum was computed in full), read off the tap. */

/* A SYN, 10.9.0.1:57392 -> 10.9.0.2:8080, options MSS, SACK, TS, WS. */
static const uint8_t linux_syn[74] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x3c, 0xb4, 0x93, 0x40, 0x00, 0x40, 0x06, 0x72, 0x14,
	0x0a, 0x09, 0x00, 0x01, 0x0a, 0x09, 0x00, 0x02,
	0xe0, 0x30, 0x1f, 0x90, 0x38, 0xed, 0x17, 0xbc, 0x00, 0x00, 0x00, 0x00,
	0xa0, 0x02, 0xfa, 0xf0, 0x0d, 0x7c, 0x00, 0x00,
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x66, 0xc6, 0x74, 0x4b,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};
#define LINUX_SYN_TCP_CSUM 0x0d7c
#define LINUX_SYN_IP_CSUM 0x7214

/* UDP over IPv6, fd00::1 -> fd00::2 port 9999, 7 bytes "xenlet!". */
static const uint8_t linux_udp6[69] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd,
	0x60, 0x0b, 0xf2, 0xac, 0x00, 0x0f, 0x11, 0x40,
	0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0xde, 0xa9, 0x27, 0x0f, 0x00, 0x0f, 0x92, 0xcc,
	0x78, 0x65, 0x6e, 0x6c, 0x65, 0x74, 0x21,
};
#define LINUX_UDP6_CSUM 0x92cc

/* UDP over IPv4, 10.9.0.1 -> 10.9.0.2 port 9999, 3 bytes "odd". */
static const uint8_t linux_udp4[45] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x1f, 0xf5, 0xde, 0x40, 0x00, 0x40, 0x11, 0x30, 0xdb,
	0x0a, 0x09, 0x00, 0x01, 0x0a, 0x09, 0x00, 0x02,
	0x88, 0x06, 0x27, 0x0f, 0x00, 0x0b, 0x69, 0x49,
	0x6f, 0x64, 0x64,
};
#define LINUX_UDP4_CSUM 0x6949

/* A copy in a buffer of exactly len bytes, for ASan to guard. */
static uint8_t *exact_copy(const uint8_t *f, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, f, len);
	return p;
}

/* ---- The sum itself. */

START_TEST(sum_matches_reference)
{
	static uint8_t data[1024 + 8];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = rnd8();
	/* Every length and misalignment, and a split at each even place. */
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n <= 1024; n += n < 80 ? 1 : 61) {
			uint16_t want = ref_fold(ref_add(0, data + off, n));

			ck_assert_uint_eq(net_sum_fold(net_sum_add(0, data + off, n)), want);
			for (size_t cut = 0; cut <= n; cut += 2) {
				uint64_t acc = net_sum_add(0, data + off, cut);

				acc = net_sum_add(acc, data + off + cut, n - cut);
				ck_assert_uint_eq(net_sum_fold(acc), want);
			}
		}
}
END_TEST

START_TEST(sum_carries)
{
	static uint8_t ones[NET_FRAME_MAX];

	/* The most carries a frame can make: all ones, odd and even. */
	memset(ones, 0xff, sizeof(ones));
	ck_assert_uint_eq(net_sum_fold(net_sum_add(0, ones, 65552)), 0xffff);
	ck_assert_uint_eq(net_sum_fold(net_sum_add(0, ones, 65553)), 0xff00);
	ck_assert_uint_eq(ref_fold(ref_add(0, ones, 65553)), 0xff00);
	/* Nothing, and zeros, sum to 0; an odd byte is a word's high half. */
	ck_assert_uint_eq(net_sum_fold(net_sum_add(0, ones, 0)), 0);
	ck_assert_uint_eq(net_sum_fold(net_sum_add(0, frame_buf, 99)), 0);
	ck_assert_uint_eq(net_sum_fold(net_sum_add(0, (const uint8_t[]){ 0x12 }, 1)), 0x1200);
	ck_assert_uint_eq(net_sum_fold(net_sum_add(0, (const uint8_t[]){ 0x12, 0x34, 0x56 }, 3)),
			  0x1234 + 0x5600);
	/* RFC 1071's own example, section 3. */
	ck_assert_uint_eq(net_sum_fold(net_sum_add(0, (const uint8_t[]){ 0x00, 0x01, 0xf2, 0x03,
									 0xf4, 0xf5, 0xf6, 0xf7 },
						   8)),
			  0xddf2);
}
END_TEST

START_TEST(ipv4_header_vector)
{
	/* The IPv4 header checksum's usual worked example: a UDP packet
	 * 192.168.0.1 -> 192.168.0.199, checksum 0xb861. */
	uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			   0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

	ck_assert_uint_eq(net_sum_fold(net_sum_add(0, ip, sizeof(ip))), 0xffff);
	set16(ip + 10, 0);
	ck_assert_uint_eq((uint16_t)~net_sum_fold(net_sum_add(0, ip, sizeof(ip))), 0xb861);
}
END_TEST

/* ---- Checksums of frames Linux wrote. */

/* The frame verifies; located at l4 with the field at field_off;
 * completed from any garbage in the field back to csum. */
static void check_captured(const uint8_t *frame, size_t len, size_t l4, uint16_t field_off,
			   uint16_t csum)
{
	struct net_frame_meta meta = { 0 };
	uint8_t *f = exact_copy(frame, len);

	ck_assert_int_eq(net_csum_verify(f, len), 1);
	ck_assert_int_eq(net_csum_locate(f, len, &meta), 0);
	ck_assert_uint_eq(meta.csum_start, l4);
	ck_assert_uint_eq(meta.csum_offset, field_off);
	for (unsigned garbage = 0; garbage < 0x10000; garbage += 0x1111) {
		set16(f + l4 + field_off, (uint16_t)garbage);
		ck_assert_int_eq(net_csum_complete(f, len, &meta), 0);
		ck_assert_uint_eq(get16(f + l4 + field_off), csum);
	}
	ck_assert_mem_eq(f, frame, len);
	/* Any one bit wrong past the Ethernet header: not right, but in
	 * what no checksum covers, IPv6's flow label and hop limit. */
	for (size_t i = 14; i < len; i++) {
		if (get16(f + 12) == 0x86dd && ((i >= 15 && i <= 17) || i == 21))
			continue;
		f[i] ^= 0x10;
		ck_assert_int_ne(net_csum_verify(f, len), 1);
		f[i] ^= 0x10;
	}
	free(f);
}

START_TEST(captured_tcp4_syn)
{
	check_captured(linux_syn, sizeof(linux_syn), 34, 16, LINUX_SYN_TCP_CSUM);
	ck_assert_uint_eq(get16(linux_syn + 24), LINUX_SYN_IP_CSUM);
}
END_TEST

START_TEST(captured_udp6)
{
	check_captured(linux_udp6, sizeof(linux_udp6), 54, 6, LINUX_UDP6_CSUM);
}
END_TEST

START_TEST(captured_udp4)
{
	check_captured(linux_udp4, sizeof(linux_udp4), 34, 6, LINUX_UDP4_CSUM);
}
END_TEST

START_TEST(ipv4_header_checked)
{
	uint8_t f[sizeof(linux_syn)];

	memcpy(f, linux_syn, sizeof(f));
	set16(f + 24, LINUX_SYN_IP_CSUM + 1);
	ck_assert_int_eq(net_csum_verify(f, sizeof(f)), 0);
}
END_TEST

START_TEST(udp_zero_checksum)
{
	uint8_t f[sizeof(linux_udp4)];

	/* None, over IPv4: only the IP header is checked. */
	memcpy(f, linux_udp4, sizeof(f));
	set16(f + 40, 0);
	ck_assert_int_eq(net_csum_verify(f, sizeof(f)), 1);
	f[44] ^= 1;
	ck_assert_int_eq(net_csum_verify(f, sizeof(f)), 1);
	set16(f + 24, 0);
	ck_assert_int_eq(net_csum_verify(f, sizeof(f)), 0);

	/* Forbidden over IPv6 (RFC 8200, 8.1). */
	uint8_t f6[sizeof(linux_udp6)];

	memcpy(f6, linux_udp6, sizeof(f6));
	set16(f6 + 60, 0);
	ck_assert_int_eq(net_csum_verify(f6, sizeof(f6)), 0);
}
END_TEST

/* A UDP frame whose checksum comes out 0: written 0xffff. */
static void check_udp_sum_to_zero(int ipv)
{
	struct tframe t = udp_frame(ipv, false, 2);
	struct net_frame_meta meta = { 0 };
	uint16_t sum;

	/* The payload word that makes the whole sum 0xffff. */
	set16(t.f + t.l4 + 6, 0);
	set16(t.f + t.l4 + 8, 0);
	sum = ref_l4_sum(&t);
	set16(t.f + t.l4 + 8, (uint16_t)~sum);
	ck_assert_uint_eq(ref_l4_sum(&t), 0xffff);

	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), 0);
	ck_assert_int_eq(net_csum_complete(t.f, t.len, &meta), 0);
	ck_assert_uint_eq(get16(t.f + t.l4 + 6), 0xffff);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), 1);
}

START_TEST(udp_sum_to_zero_is_ffff)
{
	check_udp_sum_to_zero(4);
	check_udp_sum_to_zero(6);
}
END_TEST

/* complete writes what the reference computes, and verify agrees. */
static void check_complete(struct tframe *t)
{
	struct net_frame_meta meta = { 0 };
	uint16_t want = get16(t->f + csum_field(t));
	uint8_t *f;

	ck_assert_int_eq(net_csum_verify(t->f, t->len), 1);
	ck_assert_int_eq(net_csum_locate(t->f, t->len, &meta), 0);
	ck_assert_uint_eq(meta.csum_start, t->l4);
	ck_assert_uint_eq(meta.csum_offset, t->proto == 6 ? 16 : 6);
	f = exact_copy(t->f, t->len);
	set16(f + csum_field(t), 0x5a5a);
	ck_assert_int_eq(net_csum_verify(f, t->len), 0);
	ck_assert_int_eq(net_csum_complete(f, t->len, &meta), 0);
	ck_assert_uint_eq(get16(f + csum_field(t)), want);
	ck_assert_int_eq(net_csum_verify(f, t->len), 1);
	free(f);
}

START_TEST(built_frames)
{
	static const size_t payloads[] = { 0, 1, 2, 3, 7, 1000, 1459, 8191 };

	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		for (int vlan = 0; vlan < 2; vlan++) {
			struct tframe t;

			t = tcp4_frame(vlan, 0, 0, 1, TCP_ACK, payloads[i]);
			check_complete(&t);
			t = tcp4_frame(vlan, 40, 12, 1, TCP_ACK, payloads[i]);
			check_complete(&t);
			t = tcp6_frame(vlan, 0, 12, 1, TCP_ACK, payloads[i]);
			check_complete(&t);
			t = tcp6_frame(vlan, 24, 0, 1, TCP_ACK, payloads[i]);
			check_complete(&t);
			t = udp_frame(4, vlan, payloads[i]);
			check_complete(&t);
			t = udp_frame(6, vlan, payloads[i]);
			check_complete(&t);
		}
	}
}
END_TEST

START_TEST(ethernet_padding_ignored)
{
	/* A short frame padded to Ethernet's 60 bytes: the padding is
	 * no part of the IP packet, or of its checksums. */
	struct tframe t = udp_frame(4, false, 3);
	struct net_frame_meta meta = { 0 };
	size_t padded = 60;

	memset(t.f + t.len, 0xcc, padded - t.len);
	ck_assert_int_eq(net_csum_verify(t.f, padded), 1);
	ck_assert_int_eq(net_csum_locate(t.f, padded, &meta), 0);
	set16(t.f + csum_field(&t), 0);
	ck_assert_int_eq(net_csum_complete(t.f, padded, &meta), 0);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), 1);
}
END_TEST

START_TEST(udp_length_field)
{
	struct tframe t = udp_frame(4, false, 20);

	/* Shorter than the IP packet: the rest is not UDP's. */
	set16(t.f + t.l4 + 4, 8 + 10);
	t.l4_len = 8 + 10;
	ref_fill_l4(&t);
	check_complete(&t);
	/* Longer than the IP packet, or shorter than its header: no UDP. */
	set16(t.f + t.l4 + 4, 8 + 21);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
	set16(t.f + t.l4 + 4, 7);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
}
END_TEST

/* ---- IPv6 extension headers. */

/* TCP over IPv6 after the extension headers in ext (their first next
 * header being the IPv6 header's first_next). */
static struct tframe tcp6_after(const uint8_t *ext, size_t ext_len, uint8_t first_next)
{
	struct tframe t = { .f = frame_buf, .ipv = 6, .proto = 6 };

	t.l3 = put_eth(t.f, false, 0x86dd);
	put_ipv6(t.f + t.l3, first_next, ext_len + 20 + 33);
	memcpy(t.f + t.l3 + 40, ext, ext_len);
	t.l4 = t.l3 + 40 + ext_len;
	put_tcp(t.f + t.l4, 7, TCP_ACK, 0);
	put_payload(t.f + t.l4 + 20, 33);
	t.l4_len = 20 + 33;
	t.len = t.l4 + t.l4_len;
	t.dst_off = t.l3 + 24;
	return t;
}

START_TEST(ipv6_extension_headers)
{
	/* Hop-by-hop, destination options, routing with no segments left:
	 * all skipped, the IP header's addresses used. */
	static const uint8_t chain[] = {
		60, 0, 1, 4, 0, 0, 0, 0,                 /* hop-by-hop: PadN */
		43, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* dest opts */
		6, 2, 0, 0, 0, 0, 0, 0,                  /* routing, type 0 */
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9,
	};
	struct tframe t = tcp6_after(chain, sizeof(chain), 0);

	ref_fill_l4(&t);
	check_complete(&t);
	ck_assert_uint_eq(t.l4, 14 + 40 + sizeof(chain));
}
END_TEST

START_TEST(ipv6_routing_final_destination)
{
	/* Mobile IPv6's type 2, one segment left: its address is the
	 * final destination the pseudo-header takes (RFC 8200, 8.1). */
	static const uint8_t type2[] = {
		6, 2, 2, 1, 0, 0, 0, 0,
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77, 0x77,
	};
	struct tframe t = tcp6_after(type2, sizeof(type2), 43);
	uint16_t by_header;

	t.dst_off = t.l3 + 40 + 8;
	ref_fill_l4(&t);
	check_complete(&t);
	/* Not what the IP header's destination gives. */
	t.dst_off = t.l3 + 24;
	by_header = ref_l4_sum(&t);
	ck_assert_uint_ne(by_header, 0xffff);

	/* Type 0, three addresses, the last the final one. */
	uint8_t type0[8 + 48] = { 6, 6, 0, 2 };

	for (int i = 0; i < 3; i++) {
		type0[8 + 16 * i] = 0xfd;
		type0[8 + 16 * i + 15] = (uint8_t)(0x10 + i);
	}
	t = tcp6_after(type0, sizeof(type0), 43);
	t.dst_off = t.l3 + 40 + 8 + 32;
	ref_fill_l4(&t);
	check_complete(&t);

	/* A segment routing header: the final one first (RFC 8754). */
	uint8_t srh[8 + 32] = { 6, 4, 4, 1, 1, 0, 0, 0 };

	srh[8] = 0xfd;
	srh[23] = 0x44;
	srh[24] = 0xfd;
	srh[39] = 0x55;
	t = tcp6_after(srh, sizeof(srh), 43);
	t.dst_off = t.l3 + 40 + 8;
	ref_fill_l4(&t);
	check_complete(&t);

	/* Another type with segments left: its final destination unknown. */
	srh[2] = 3;
	t = tcp6_after(srh, sizeof(srh), 43);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
	/* With segments left and no address. */
	static const uint8_t empty[] = { 6, 0, 2, 1, 0, 0, 0, 0 };
	t = tcp6_after(empty, sizeof(empty), 43);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
	/* Two routing headers. */
	static const uint8_t two[] = { 43, 0, 2, 0, 0, 0, 0, 0, 6, 0, 2, 0, 0, 0, 0, 0 };
	t = tcp6_after(two, sizeof(two), 43);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
}
END_TEST

START_TEST(ipv6_refused_headers)
{
	struct net_frame_meta meta = { 0 };
	/* A fragment header; no next header; ESP; an extension header
	 * longer than the packet. */
	static const uint8_t frag[] = { 6, 0, 0, 1, 0, 0, 0, 1 };
	static const uint8_t pad[] = { 6, 0, 1, 4, 0, 0, 0, 0 };
	static const uint8_t too_long[] = { 6, 200, 1, 4, 0, 0, 0, 0 };
	struct tframe t;

	t = tcp6_after(frag, sizeof(frag), 44);
	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), -EINVAL);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
	t = tcp6_after(pad, sizeof(pad), 59);
	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), -EINVAL);
	t = tcp6_after(pad, sizeof(pad), 50);
	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), -EINVAL);
	t = tcp6_after(too_long, sizeof(too_long), 0);
	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), -EINVAL);
	/* And the same one right, to show the frames are otherwise fine. */
	t = tcp6_after(pad, sizeof(pad), 0);
	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), 0);

	/* The packet ends 8 bytes into a 16-byte extension header. */
	uint8_t *f = exact_copy(t.f, 14 + 40 + 8);

	set16(f + 14 + 4, 8);
	f[14 + 40 + 1] = 1;
	ck_assert_int_eq(net_csum_locate(f, 14 + 40 + 8, &meta), -EINVAL);
	ck_assert_int_eq(net_csum_verify(f, 14 + 40 + 8), -EINVAL);
	free(f);
}
END_TEST

/* An IPv6 frame whose extension headers (destination options, 2048
 * bytes each as far as they go) put L4 ext_len bytes in. */
static struct tframe long_ext_frame(uint8_t proto, size_t ext_len, size_t l4_len)
{
	struct tframe t = { .f = frame_buf, .ipv = 6, .proto = proto };
	size_t off;

	t.l3 = put_eth(t.f, false, 0x86dd);
	put_ipv6(t.f + t.l3, 60, ext_len + l4_len);
	off = t.l3 + 40;
	for (size_t left = ext_len; left; ) {
		size_t n = left > 2048 ? 2048 : left;

		t.f[off] = left > n ? 60 : proto;
		t.f[off + 1] = (uint8_t)(n / 8 - 1);
		memset(t.f + off + 2, 0, n - 2); /* Pad1 options */
		off += n;
		left -= n;
	}
	t.l4 = off;
	t.l4_len = l4_len;
	t.len = off + l4_len;
	t.dst_off = t.l3 + 24;
	if (proto == 17) {
		memset(t.f + t.l4, 0, l4_len);
		set16(t.f + t.l4 + 4, (uint16_t)l4_len);
	} else {
		put_tcp(t.f + t.l4, 1, TCP_ACK, 0);
	}
	ref_fill_l4(&t);
	return t;
}

START_TEST(csum_start_past_16_bits)
{
	struct net_frame_meta meta = { 0 };
	struct tframe t = long_ext_frame(17, 65488, 8);

	ck_assert_uint_gt(t.l4, UINT16_MAX);
	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), -EINVAL);
	/* Still a frame whose checksum can be checked. */
	ck_assert_int_eq(net_csum_verify(t.f, t.len), 1);
	/* Just inside. */
	t = long_ext_frame(17, 65480, 8);
	ck_assert_uint_eq(t.l4, UINT16_MAX - 1);
	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), 0);
	ck_assert_uint_eq(meta.csum_start, t.l4);
}
END_TEST

/* ---- Refusals. */

START_TEST(refused_frames)
{
	struct net_frame_meta meta = { 0 };
	struct tframe t;

	/* ARP. */
	t = tcp4_frame(false, 0, 0, 1, TCP_ACK, 10);
	set16(t.f + 12, 0x0806);
	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), -EINVAL);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
	/* Two VLAN tags. */
	t = tcp4_frame(true, 0, 0, 1, TCP_ACK, 10);
	set16(t.f + 16, 0x8100);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
	/* IPv4 fragments: more to come, or not the first. */
	t = tcp4_frame(false, 0, 0, 1, TCP_ACK, 10);
	set16(t.f + t.l3 + 6, 0x2000);
	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), -EINVAL);
	set16(t.f + t.l3 + 6, 0x0001);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
	set16(t.f + t.l3 + 6, 0x4000); /* DF alone is fine */
	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), 0);
	/* ICMP. */
	t.f[t.l3 + 9] = 1;
	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), -EINVAL);
	/* Wrong IP version for the ethertype. */
	t = tcp4_frame(false, 0, 0, 1, TCP_ACK, 10);
	t.f[t.l3] = 0x65;
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
	/* IHL under 5; total length under the header, over the frame. */
	t = tcp4_frame(false, 0, 0, 1, TCP_ACK, 10);
	t.f[t.l3] = 0x44;
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
	t.f[t.l3] = 0x45;
	set16(t.f + t.l3 + 2, 19);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
	set16(t.f + t.l3 + 2, (uint16_t)(t.len - t.l3 + 1));
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
	/* TCP shorter than its header within the IP packet. */
	set16(t.f + t.l3 + 2, 20 + 19);
	ck_assert_int_eq(net_csum_verify(t.f, t.len), -EINVAL);
}
END_TEST

START_TEST(complete_needs_located_meta)
{
	struct tframe t = tcp4_frame(false, 0, 0, 1, TCP_ACK, 100);
	struct net_frame_meta meta = { 0 };
	uint8_t before[256];

	ck_assert_int_eq(net_csum_locate(t.f, t.len, &meta), 0);
	memcpy(before, t.f, t.len);
	meta.csum_start++;
	ck_assert_int_eq(net_csum_complete(t.f, t.len, &meta), -EINVAL);
	meta.csum_start--;
	meta.csum_offset = 6; /* UDP's place in a TCP frame */
	ck_assert_int_eq(net_csum_complete(t.f, t.len, &meta), -EINVAL);
	ck_assert_mem_eq(t.f, before, t.len);
}
END_TEST

static int count_emit(void *arg, const uint8_t *frame, size_t len)
{
	(void)frame;
	(void)len;
	++*(unsigned *)arg;
	return 0;
}

/* Every function on every shorter copy of a frame: -EINVAL (or, for a
 * frame with Ethernet padding, fine while the IP packet is whole). */
static void check_truncations(const uint8_t *frame, size_t len, enum net_gso_type gso)
{
	for (size_t n = 0; n < len; n++) {
		struct net_frame_meta meta = { .gso_type = gso, .gso_size = 100 };
		uint8_t *f = exact_copy(frame, n);
		unsigned emitted = 0;

		ck_assert_int_eq(net_csum_locate(f, n, &meta), -EINVAL);
		ck_assert_int_eq(net_csum_verify(f, n), -EINVAL);
		ck_assert_int_eq(net_gso_segment(f, n, &meta, seg_buf, count_emit, &emitted),
				 -EINVAL);
		ck_assert_uint_eq(emitted, 0);
		free(f);
	}
}

START_TEST(truncated_frames)
{
	struct tframe t;

	check_truncations(linux_syn, sizeof(linux_syn), NET_GSO_TCPV4);
	check_truncations(linux_udp6, sizeof(linux_udp6), NET_GSO_TCPV6);
	check_truncations(linux_udp4, sizeof(linux_udp4), NET_GSO_TCPV4);
	t = tcp4_frame(true, 8, 12, 1, TCP_ACK, 300);
	check_truncations(t.f, t.len, NET_GSO_TCPV4);
	t = tcp6_frame(true, 16, 12, 1, TCP_ACK, 300);
	check_truncations(t.f, t.len, NET_GSO_TCPV6);
	static const uint8_t chain[] = { 43, 0, 1, 4, 0, 0, 0, 0, 6, 2, 2, 1, 0, 0, 0, 0,
					 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	t = tcp6_after(chain, sizeof(chain), 0);
	check_truncations(t.f, t.len, NET_GSO_TCPV6);
}
END_TEST

/* Random bytes behind plausible Ethernet and IP headers. */
static void garbage(uint8_t *f, size_t n)
{
	static const uint16_t ethertypes[] = { 0x0800, 0x86dd, 0x8100 };
	static const uint8_t protos[] = { 0, 6, 17, 43, 44, 60 };
	size_t l3 = 14;

	for (size_t i = 0; i < n; i++)
		f[i] = rnd8();
	if (n < 14)
		return;
	set16(f + 12, ethertypes[rnd8() % 3]);
	if (get16(f + 12) == 0x8100 && n >= 18) {
		set16(f + 16, ethertypes[rnd8() % 2]);
		l3 = 18;
	}
	if (n < l3 + 40)
		return;
	if (get16(f + l3 - 2) == 0x86dd) {
		f[l3] = 0x60;
		set16(f + l3 + 4, (uint16_t)(rnd8() % (n - l3 - 39)));
		f[l3 + 6] = protos[rnd8() % sizeof(protos)];
	} else {
		f[l3] = (uint8_t)(0x45 + rnd8() % 11);
		set16(f + l3 + 2, (uint16_t)(rnd8() % (n - l3 + 1)));
		set16(f + l3 + 6, 0);
		f[l3 + 9] = protos[rnd8() % 3];
	}
}

START_TEST(garbage_frames)
{
	/* In exact buffers: any answer will do, as long as nothing is read
	 * past the end. */
	for (unsigned round = 0; round < 50000; round++) {
		size_t n = rnd8() % 200;
		uint8_t *f = malloc(n ? n : 1);
		struct net_frame_meta meta = { .gso_type = rnd8() % 3, .gso_size = rnd8() % 64 };
		unsigned emitted = 0;
		int rc;

		ck_assert_ptr_nonnull(f);
		garbage(f, n);
		rc = net_csum_verify(f, n);
		ck_assert(rc == 0 || rc == 1 || rc == -EINVAL);
		if (net_csum_locate(f, n, &meta) == 0) {
			ck_assert_uint_le(meta.csum_start + meta.csum_offset + 2u, n);
			ck_assert_int_eq(net_csum_complete(f, n, &meta), 0);
		}
		rc = net_gso_segment(f, n, &meta, seg_buf, count_emit, &emitted);
		ck_assert(rc == 0 || rc == -EINVAL);
		ck_assert(rc == 0 ? emitted > 0 : emitted == 0);
		free(f);
	}
}
END_TEST

/* ---- GSO. */

struct segments {
	const struct tframe *orig;
	size_t hdr_len, mss;
	unsigned count;
	size_t payload_done;
	uint8_t *payload; /* the segments' payloads end to end */
	bool last_seen;
};

/* Checks one segment against the original, field by field. */
static int check_segment(void *arg, const uint8_t *seg, size_t len)
{
	struct segments *s = arg;
	const struct tframe *o = s->orig;
	size_t n = len - s->hdr_len;
	const uint8_t *tcp = seg + o->l4;
	const uint8_t *otcp = o->f + o->l4;
	size_t orig_payload = o->l4_len - (s->hdr_len - o->l4);
	bool first = s->count == 0, last = s->payload_done + n == orig_payload;
	uint8_t want_flags = otcp[13];
	struct tframe st = *o;

	ck_assert(!s->last_seen);
	ck_assert_uint_ge(len, s->hdr_len);
	ck_assert_uint_le(n, s->mss);
	if (!last)
		ck_assert_uint_eq(n, s->mss);
	/* Unchanged: Ethernet, addresses, ports, ack, window, options. */
	ck_assert_mem_eq(seg, o->f, o->l3);
	if (o->ipv == 4) {
		const uint8_t *ip = seg + o->l3;

		ck_assert_mem_eq(ip, o->f + o->l3, 2);
		ck_assert_uint_eq(get16(ip + 2), s->hdr_len - o->l3 + n);
		ck_assert_uint_eq(get16(ip + 4), (uint16_t)(get16(o->f + o->l3 + 4) + s->count));
		ck_assert_mem_eq(ip + 6, o->f + o->l3 + 6, 4);   /* flags, TTL, protocol */
		ck_assert_mem_eq(ip + 12, o->f + o->l3 + 12, o->l4 - o->l3 - 12);
		ck_assert_uint_eq(ref_fold(ref_add(0, ip, o->l4 - o->l3)), 0xffff);
	} else {
		ck_assert_mem_eq(seg + o->l3, o->f + o->l3, 4);
		ck_assert_uint_eq(get16(seg + o->l3 + 4), s->hdr_len - o->l3 - 40 + n);
		ck_assert_mem_eq(seg + o->l3 + 6, o->f + o->l3 + 6, o->l4 - o->l3 - 6);
	}
	ck_assert_mem_eq(tcp, otcp, 4);
	ck_assert_uint_eq(get32(tcp + 4), (uint32_t)(get32(otcp + 4) + s->payload_done));
	ck_assert_mem_eq(tcp + 8, otcp + 8, 5);
	if (!last)
		want_flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (!first)
		want_flags &= (uint8_t)~TCP_CWR;
	ck_assert_uint_eq(tcp[13], want_flags);
	ck_assert_mem_eq(tcp + 14, otcp + 14, 2);
	ck_assert_mem_eq(tcp + 18, otcp + 18, s->hdr_len - o->l4 - 18);
	/* The checksums, by the reference and by verify. */
	st.f = (uint8_t *)seg;
	st.len = len;
	st.l4_len = len - o->l4;
	ck_assert_uint_eq(ref_l4_sum(&st), 0xffff);
	ck_assert_int_eq(net_csum_verify(seg, len), 1);

	memcpy(s->payload + s->payload_done, seg + s->hdr_len, n);
	s->payload_done += n;
	s->count++;
	s->last_seen = last;
	return 0;
}

/* Segments o, checks each, returns how many. */
static unsigned segment(const struct tframe *o, enum net_gso_type type, size_t mss)
{
	struct net_frame_meta meta = { .gso_type = type, .gso_size = (uint16_t)mss,
				       .csum_partial = true };
	size_t tcp_hlen = (size_t)(o->f[o->l4 + 12] >> 4) * 4;
	struct segments s = { .orig = o, .hdr_len = o->l4 + tcp_hlen, .mss = mss };
	size_t payload = o->l4 + o->l4_len - s.hdr_len;

	s.payload = malloc(payload + 1);
	ck_assert_ptr_nonnull(s.payload);
	ck_assert_int_eq(net_gso_segment(o->f, o->len, &meta, seg_buf, check_segment, &s), 0);
	ck_assert(s.last_seen);
	ck_assert_uint_eq(s.payload_done, payload);
	ck_assert_mem_eq(s.payload, o->f + s.hdr_len, payload);
	free(s.payload);
	return s.count;
}

START_TEST(gso_tcp4_64k)
{
	/* The largest IPv4 packet, TCP timestamps, a partial checksum's
	 * garbage in the field; seq and id about to wrap. */
	size_t payload = 65535 - 20 - 32;
	struct tframe t = tcp4_frame(false, 0, 12, 0xfffff000u,
				     TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR, payload);

	set16(t.f + t.l3 + 4, 0xfffe);
	ref_fill_ipv4(&t);
	set16(t.f + t.l4 + 16, 0x1234);
	ck_assert_uint_eq(t.len, 14 + 65535);
	ck_assert_uint_eq(segment(&t, NET_GSO_TCPV4, 1448), (payload + 1447) / 1448);
	ck_assert_uint_eq(segment(&t, NET_GSO_TCPV4, 9), (payload + 8) / 9);
	ck_assert_uint_eq(segment(&t, NET_GSO_TCPV4, 65535), 1);
}
END_TEST

START_TEST(gso_tcp4_options_vlan)
{
	struct tframe t = tcp4_frame(true, 12, 40, 1000, TCP_ACK | TCP_CWR, 30000);

	ck_assert_uint_eq(segment(&t, NET_GSO_TCPV4, 1400), (30000 + 1399) / 1400);
}
END_TEST

START_TEST(gso_tcp6_64k)
{
	/* The largest frame netif carries (XEN_NETIF_MAX_TX_SIZE, 64 KiB
	 * less a byte): a VLAN tag, a hop-by-hop header, TCP timestamps. */
	size_t payload = 65535 - 18 - 40 - 16 - 32;
	struct tframe t = tcp6_frame(true, 16, 12, 0x7fffffff, TCP_ACK | TCP_PSH | TCP_CWR,
				     payload);

	ck_assert_uint_eq(t.len, 65535);
	ck_assert_uint_eq(segment(&t, NET_GSO_TCPV6, 1440), (payload + 1439) / 1440);
}
END_TEST

START_TEST(gso_tcp6_routing)
{
	/* The final destination of a routing header in every segment's
	 * pseudo-header. */
	uint8_t srh[8 + 32] = { 6, 4, 4, 1, 1, 0, 0, 0 };
	struct tframe t = { .f = frame_buf, .ipv = 6, .proto = 6 };

	srh[8] = 0xfd;
	srh[23] = 0x44;
	srh[24] = 0xfd;
	srh[39] = 0x55;
	t.l3 = put_eth(t.f, false, 0x86dd);
	put_ipv6(t.f + t.l3, 43, sizeof(srh) + 32 + 5000);
	memcpy(t.f + t.l3 + 40, srh, sizeof(srh));
	t.l4 = t.l3 + 40 + sizeof(srh);
	put_tcp(t.f + t.l4, 5, TCP_ACK, 12);
	put_payload(t.f + t.l4 + 32, 5000);
	t.l4_len = 32 + 5000;
	t.len = t.l4 + t.l4_len;
	t.dst_off = t.l3 + 40 + 8;
	ck_assert_uint_eq(segment(&t, NET_GSO_TCPV6, 1000), 5);
}
END_TEST

START_TEST(gso_one_segment)
{
	/* Nothing to cut: the frame as it was, its checksums right. */
	uint8_t *f = exact_copy(linux_syn, sizeof(linux_syn));
	struct net_frame_meta meta = { .gso_type = NET_GSO_TCPV4, .gso_size = 1448 };
	struct tframe t;

	set16(f + 34 + 16, 0); /* blank, as netfront sends GSO frames */
	t = (struct tframe){ .f = f, .len = sizeof(linux_syn), .ipv = 4, .l3 = 14, .l4 = 34,
			     .l4_len = 40, .proto = 6, .dst_off = 30 };
	ck_assert_uint_eq(segment(&t, NET_GSO_TCPV4, 1448), 1);
	ck_assert_mem_eq(seg_buf, linux_syn, sizeof(linux_syn));
	ck_assert_int_eq(net_gso_segment(f, sizeof(linux_syn), &meta, seg_buf, count_emit,
					 &(unsigned){ 0 }),
			 0);
	free(f);

	/* Payload exactly gso_size, and exactly three times it. */
	t = tcp4_frame(false, 0, 0, 1, TCP_ACK | TCP_FIN, 1448);
	ck_assert_uint_eq(segment(&t, NET_GSO_TCPV4, 1448), 1);
	t = tcp4_frame(false, 0, 0, 1, TCP_ACK | TCP_FIN, 3 * 1448);
	ck_assert_uint_eq(segment(&t, NET_GSO_TCPV4, 1448), 3);
	/* Ethernet padding is not payload. */
	t = tcp4_frame(false, 0, 0, 1, TCP_ACK, 4);
	memset(t.f + t.len, 0xcc, 60 - t.len);
	t.len = 60;
	ck_assert_uint_eq(segment(&t, NET_GSO_TCPV4, 2), 2);
}
END_TEST

static int stop_at_third(void *arg, const uint8_t *frame, size_t len)
{
	(void)frame;
	(void)len;
	return ++*(unsigned *)arg == 3 ? -ENOBUFS : 0;
}

START_TEST(gso_emit_stops)
{
	struct tframe t = tcp4_frame(false, 0, 0, 1, TCP_ACK, 10000);
	struct net_frame_meta meta = { .gso_type = NET_GSO_TCPV4, .gso_size = 1000 };
	unsigned calls = 0;

	ck_assert_int_eq(net_gso_segment(t.f, t.len, &meta, seg_buf, stop_at_third, &calls),
			 -ENOBUFS);
	ck_assert_uint_eq(calls, 3);
}
END_TEST

static void assert_gso_refused(const struct tframe *t, enum net_gso_type type, uint16_t mss)
{
	struct net_frame_meta meta = { .gso_type = type, .gso_size = mss };
	unsigned emitted = 0;

	ck_assert_int_eq(net_gso_segment(t->f, t->len, &meta, seg_buf, count_emit, &emitted),
			 -EINVAL);
	ck_assert_uint_eq(emitted, 0);
}

START_TEST(gso_refusals)
{
	struct tframe t = tcp4_frame(false, 0, 12, 1, TCP_ACK, 5000);

	assert_gso_refused(&t, NET_GSO_TCPV4, 0);
	assert_gso_refused(&t, NET_GSO_NONE, 1000);
	assert_gso_refused(&t, NET_GSO_TCPV6, 1000);
	/* A TCP header under 20 bytes, or longer than the segment. */
	t.f[t.l4 + 12] = 4 << 4;
	assert_gso_refused(&t, NET_GSO_TCPV4, 1000);
	t = tcp4_frame(false, 0, 0, 1, TCP_ACK, 39);
	t.f[t.l4 + 12] = 15 << 4;
	assert_gso_refused(&t, NET_GSO_TCPV4, 1000);
	t = tcp4_frame(false, 0, 0, 1, TCP_ACK, 40);
	t.f[t.l4 + 12] = 15 << 4; /* all of it header: fine */
	ck_assert_uint_eq(segment(&t, NET_GSO_TCPV4, 1000), 1);
	/* A fragment. */
	t = tcp4_frame(false, 0, 0, 1, TCP_ACK, 5000);
	set16(t.f + t.l3 + 6, 0x2000);
	assert_gso_refused(&t, NET_GSO_TCPV4, 1000);
	/* UDP. */
	t = udp_frame(4, false, 5000);
	assert_gso_refused(&t, NET_GSO_TCPV4, 1000);
	t = udp_frame(6, false, 5000);
	assert_gso_refused(&t, NET_GSO_TCPV6, 1000);
	t = tcp6_frame(false, 0, 0, 1, TCP_ACK, 5000);
	assert_gso_refused(&t, NET_GSO_TCPV4, 1000);
	/* Headers that leave no room in a frame for any segment. */
	t = long_ext_frame(6, 65480, 20 + 35);
	ck_assert_uint_gt(t.l4 + 20, NET_FRAME_MAX);
	assert_gso_refused(&t, NET_GSO_TCPV6, 1000);
}
END_TEST

static Suite *net_offload_suite(void)
{
	Suite *s = suite_create("net_offload");
	TCase *sum = tcase_create("sum");
	TCase *csum = tcase_create("csum");
	TCase *gso = tcase_create("gso");

	tcase_add_checked_fixture(sum, setup, NULL);
	tcase_add_test(sum, sum_matches_reference);
	tcase_add_test(sum, sum_carries);
	tcase_add_test(sum, ipv4_header_vector);
	suite_add_tcase(s, sum);

	tcase_add_checked_fixture(csum, setup, NULL);
	tcase_add_test(csum, captured_tcp4_syn);
	tcase_add_test(csum, captured_udp6);
	tcase_add_test(csum, captured_udp4);
	tcase_add_test(csum, ipv4_header_checked);
	tcase_add_test(csum, udp_zero_checksum);
	tcase_add_test(csum, udp_sum_to_zero_is_ffff);
	tcase_add_test(csum, built_frames);
	tcase_add_test(csum, ethernet_padding_ignored);
	tcase_add_test(csum, udp_length_field);
	tcase_add_test(csum, ipv6_extension_headers);
	tcase_add_test(csum, ipv6_routing_final_destination);
	tcase_add_test(csum, ipv6_refused_headers);
	tcase_add_test(csum, csum_start_past_16_bits);
	tcase_add_test(csum, refused_frames);
	tcase_add_test(csum, complete_needs_located_meta);
	tcase_add_test(csum, truncated_frames);
	tcase_add_test(csum, garbage_frames);
	suite_add_tcase(s, csum);

	tcase_add_checked_fixture(gso, setup, NULL);
	tcase_set_timeout(gso, 60); /* every 64 KiB segment checked twice, under ASan */
	tcase_add_test(gso, gso_tcp4_64k);
	tcase_add_test(gso, gso_tcp4_options_vlan);
	tcase_add_test(gso, gso_tcp6_64k);
	tcase_add_test(gso, gso_tcp6_routing);
	tcase_add_test(gso, gso_one_segment);
	tcase_add_test(gso, gso_emit_stops);
	tcase_add_test(gso, gso_refusals);
	suite_add_tcase(s, gso);
	return s;
}

int main(void)
{
	return check_run(net_offload_suite());
}
