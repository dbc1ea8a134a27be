/*
 * The console daemon's side of the guest's ring: out[] read with wrapping
 * indexes, a full ring, an empty one; in[] fed until full, the rest after
 * the guest reads, wrapping; and indexes a hostile guest made up.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/io/console.h>
#include "backends/console/console_ring.h"

static struct xencons_interface ring;
static char *text;
static size_t text_len;
static FILE *out;

static void setup(void)
{
	memset(&ring, 0, sizeof ring);
	out = open_memstream(&text, &text_len);
	ck_assert_ptr_nonnull(out);
}

static void teardown(void)
{
	fclose(out);
	free(text);
}

/* The guest's side: append s at out_prod. */
static void produce(const char *s)
{
	for (size_t i = 0; s[i]; i++)
		ring.out[MASK_XENCONS_IDX(ring.out_prod + i, ring.out)] = s[i];
	ring.out_prod += (XENCONS_RING_IDX)strlen(s);
}

/* dom0's side: what one drain takes, appended to out. */
static long drain(void)
{
	char buf[CONSOLE_RING_OUT_BYTES];
	long n = console_ring_drain(&ring, buf);
	if (n > 0)
		fwrite(buf, 1, (size_t)n, out);
	return n;
}

START_TEST(drains_and_advances)
{
	produce("hello ");
	produce("world\n");
	ck_assert_int_eq(drain(), 12);
	fflush(out);
	ck_assert_str_eq(text, "hello world\n");
	ck_assert_uint_eq(ring.out_cons, 12);
	ck_assert_int_eq(drain(), 0);
	ck_assert_uint_eq(ring.in_cons + ring.in_prod, 0); /* input untouched */
}
END_TEST

START_TEST(wraps_around_the_ring_and_the_index)
{
	/* Indexes near 2^32: the unsigned difference still counts right. */
	ring.out_cons = ring.out_prod = 0xfffffff0u;
	char big[sizeof ring.out + 1];
	memset(big, 'x', sizeof ring.out);
	big[sizeof ring.out] = 0;
	big[0] = 'A';
	big[sizeof ring.out - 1] = 'Z';
	produce(big);
	ck_assert_int_eq(drain(), (long)sizeof ring.out);
	fflush(out);
	ck_assert_uint_eq(text_len, sizeof ring.out);
	ck_assert_int_eq(text[0], 'A');
	ck_assert_int_eq(text[sizeof ring.out - 1], 'Z');
	ck_assert_uint_eq(ring.out_cons, (XENCONS_RING_IDX)(0xfffffff0u + sizeof ring.out));
}
END_TEST

START_TEST(impossible_indexes_are_refused)
{
	ring.out_cons = 10;
	ring.out_prod = 10 + sizeof ring.out + 1;
	ck_assert_int_eq(drain(), -1);
	ck_assert_uint_eq(ring.out_cons, 10);
	ring.out_prod = 9; /* behind the consumer: 2^32 - 1 bytes */
	ck_assert_int_eq(drain(), -1);
	fflush(out);
	ck_assert_uint_eq(text_len, 0);
}
END_TEST

/* ---- input: the daemon produces in[] ---------------------------------- */

/* The guest's side: takes n bytes from in[] into dst. */
static void consume_in(char *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = ring.in[MASK_XENCONS_IDX(ring.in_cons + i, ring.in)];
	ring.in_cons += (XENCONS_RING_IDX)n;
}

START_TEST(feed_fills_then_waits_for_the_guest)
{
	enum { N = 3000 };
	static char data[N], got[N];
	for (size_t i = 0; i < N; i++)
		data[i] = (char)('a' + i % 26);
	uint32_t prod = 0xfffffc00u; /* the index wraps on the way */
	ring.in_prod = ring.in_cons = prod;
	ck_assert_int_eq(console_ring_feed(&ring, &prod, data, N), sizeof ring.in);
	ck_assert_uint_eq(ring.in_prod, prod);
	ck_assert_int_eq(console_ring_feed(&ring, &prod, data + sizeof ring.in, 1), 0);
	size_t sent = sizeof ring.in, read = 0;
	while (read < N) {
		size_t n = sent - read < 700 ? sent - read : 700;
		consume_in(got + read, n);
		read += n;
		long more = console_ring_feed(&ring, &prod, data + sent, N - sent);
		ck_assert_int_ge(more, 0);
		sent += (size_t)more;
	}
	ck_assert_uint_eq(sent, N);
	ck_assert_int_eq(memcmp(got, data, N), 0);
}
END_TEST

/* The shared in_prod is written, never read: the guest changing it moves
 * nothing; an in_cons ahead of what was produced is refused. */
START_TEST(feed_trusts_only_its_own_index)
{
	uint32_t prod = 10;
	ring.in_prod = ring.in_cons = 10;
	ring.in_prod = 5000; /* the guest's scribble */
	ck_assert_int_eq(console_ring_feed(&ring, &prod, "xy", 2), 2);
	ck_assert_uint_eq(prod, 12);
	ck_assert_uint_eq(ring.in_prod, 12);
	ck_assert_int_eq(ring.in[MASK_XENCONS_IDX(10, ring.in)], 'x');
	ring.in_cons = 13; /* more read than was ever there */
	ck_assert_int_eq(console_ring_feed(&ring, &prod, "z", 1), -1);
	ck_assert_uint_eq(prod, 12);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("console_ring");
	TCase *t = tcase_create("ring");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, drains_and_advances);
	tcase_add_test(t, wraps_around_the_ring_and_the_index);
	tcase_add_test(t, impossible_indexes_are_refused);
	tcase_add_test(t, feed_fills_then_waits_for_the_guest);
	tcase_add_test(t, feed_trusts_only_its_own_index);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
