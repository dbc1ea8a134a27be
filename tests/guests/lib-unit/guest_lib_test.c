/*
 * Host-side tests of the guest framework's pure C parts: the formatter
 * (against the C library's snprintf), command-line parsing, the sort and
 * the cksum CRC (against values cksum(1) prints).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cksum.h"
#include "cmdline.h"
#include "format.h"
#include "sort.h"

/* Both formatters on the same arguments must agree, return value too. */
#define SAME_AS_LIBC(...)                                                   \
	do {                                                                \
		char ours[128], libc[128];                                  \
		int n_ours = fmt_snprintf(ours, sizeof(ours), __VA_ARGS__); \
		int n_libc = snprintf(libc, sizeof(libc), __VA_ARGS__);     \
		ck_assert_str_eq(ours, libc);                               \
		ck_assert_int_eq(n_ours, n_libc);                           \
	} while (0)

START_TEST(format_matches_libc)
{
	SAME_AS_LIBC("plain text");
	SAME_AS_LIBC("%d %d %d", 0, -1, 2147483647);
	SAME_AS_LIBC("%d", -2147483647 - 1);
	SAME_AS_LIBC("%i|%5d|%-5d|%05d|%05d", 42, 42, 42, 42, -42);
	SAME_AS_LIBC("%u %u", 0u, 4294967295u);
	SAME_AS_LIBC("%x %X %08x %-8x|", 0xdeadbeefu, 0xabcu, 0x1fu, 0x1fu);
	SAME_AS_LIBC("%lx %lu %ld", 0xffffffff80000000ul, 18446744073709551615ul,
		     -9223372036854775807l - 1);
	SAME_AS_LIBC("%llx %lld", 0x123456789abcdefull, -5ll);
	SAME_AS_LIBC("%zu %zx", (size_t)12345, (size_t)0xfff);
	SAME_AS_LIBC("%p", (void *)0xffffffff80001000ul);
	SAME_AS_LIBC("%c%c|%3c|%-3c|", 'a', 'b', 'c', 'd');
	SAME_AS_LIBC("%s|%8s|%-8s|%.3s|%*s|%-*s|", "abc", "abc", "abc", "abcdef",
		     5, "x", 5, "y");
	SAME_AS_LIBC("%.*s|%.0s|", 2, "xyz", "gone");
	SAME_AS_LIBC("%.4x %.3d", 0x1fu, 7);
	SAME_AS_LIBC("100%%");
}
END_TEST

START_TEST(format_truncates_and_terminates)
{
	char buf[8];

	memset(buf, 'z', sizeof(buf));
	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	ck_assert_str_eq(buf, "0123456");

	memset(buf, 'z', sizeof(buf));
	ck_assert_int_eq(fmt_snprintf(buf, 1, "abc"), 3);
	ck_assert_int_eq(buf[0], '\0');
	ck_assert_int_eq(buf[1], 'z');

	ck_assert_int_eq(fmt_snprintf(buf, 0, "abc%d", 12), 5);
	ck_assert_int_eq(buf[1], 'z');
}
END_TEST

/* Formats the compiler would reject at compile time, hence not literal. */
static const char *const odd_formats[][2] = {
	{ "a%yb", "a%yb" },
	{ "end%", "end%" },
	{ "%-08y!", "%-08y!" },
};

START_TEST(format_shows_unknown_conversions)
{
	char buf[32];

	for (size_t i = 0; i < sizeof(odd_formats) / sizeof(odd_formats[0]); i++) {
		const char *fmt = odd_formats[i][0];
		fmt_snprintf(buf, sizeof(buf), fmt, 0);
		ck_assert_str_eq(buf, odd_formats[i][1]);
	}
}
END_TEST

START_TEST(cmdline_finds_values)
{
	const char *c = "  xt.pages=10240 xt.flag xt.pagesx=1 xt.s=abc xt.h=0x1F ";
	char v[8];
	uint64_t n;

	ck_assert_int_eq(cmdline_u64(c, "xt.pages", &n), CMDLINE_OK);
	ck_assert_uint_eq(n, 10240);
	ck_assert_int_eq(cmdline_u64(c, "xt.h", &n), CMDLINE_OK);
	ck_assert_uint_eq(n, 0x1f);
	ck_assert_int_eq(cmdline_str(c, "xt.s", v, sizeof(v)), CMDLINE_OK);
	ck_assert_str_eq(v, "abc");
	ck_assert_int_eq(cmdline_str(c, "xt.flag", v, sizeof(v)), CMDLINE_OK);
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(cmdline_str(c, "xt.page", v, sizeof(v)), CMDLINE_MISSING);
	ck_assert_int_eq(cmdline_str(c, "pages", v, sizeof(v)), CMDLINE_MISSING);
	ck_assert_int_eq(cmdline_str("", "xt.s", v, sizeof(v)), CMDLINE_MISSING);
	ck_assert_int_eq(cmdline_u64("a=1 a=2", "a", &n), CMDLINE_OK);
	ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(cmdline_rejects_bad_values)
{
	char v[4];
	uint64_t n = 7;

	ck_assert_int_eq(cmdline_str("k=abcd", "k", v, sizeof(v)), CMDLINE_BAD);
	ck_assert_int_eq(cmdline_u64("k=", "k", &n), CMDLINE_BAD);
	ck_assert_int_eq(cmdline_u64("k", "k", &n), CMDLINE_BAD);
	ck_assert_int_eq(cmdline_u64("k=12a", "k", &n), CMDLINE_BAD);
	ck_assert_int_eq(cmdline_u64("k=0x", "k", &n), CMDLINE_BAD);
	ck_assert_int_eq(cmdline_u64("k=18446744073709551616", "k", &n), CMDLINE_BAD);
	ck_assert_int_eq(cmdline_u64("k=0x10000000000000000", "k", &n), CMDLINE_BAD);
	ck_assert_uint_eq(n, 7);
	ck_assert_int_eq(cmdline_u64("k=18446744073709551615", "k", &n), CMDLINE_OK);
	ck_assert_uint_eq(n, UINT64_MAX);
}
END_TEST

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

START_TEST(sort_agrees_with_qsort)
{
	static uint64_t ours[1000], ref[1000];

	srand(1);
	for (size_t n = 0; n <= 1000; n = n * 2 + 1) {
		for (size_t i = 0; i < n; i++)
			ours[i] = ref[i] = (uint64_t)rand() % (n / 2 + 1) << 33 | (uint64_t)rand();
		sort_u64(ours, n);
		qsort(ref, n, sizeof(ref[0]), cmp_u64);
		ck_assert_mem_eq(ours, ref, n * sizeof(ref[0]));
	}
}
END_TEST

START_TEST(cksum_matches_cksum_tool)
{
	char xs[300];

	memset(xs, 'x', sizeof(xs));
	/* Values printed by `printf ... | cksum` (GNU coreutils). */
	ck_assert_uint_eq(posix_cksum("", 0), 4294967295u);
	ck_assert_uint_eq(posix_cksum("a", 1), 1220704766u);
	ck_assert_uint_eq(posix_cksum("123456789", 9), 930766865u);
	ck_assert_uint_eq(posix_cksum(xs, sizeof(xs)), 3786917833u);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest-lib");
	TCase *tc = tcase_create("all");

	tcase_add_test(tc, format_matches_libc);
	tcase_add_test(tc, format_truncates_and_terminates);
	tcase_add_test(tc, format_shows_unknown_conversions);
	tcase_add_test(tc, cmdline_finds_values);
	tcase_add_test(tc, cmdline_rejects_bad_values);
	tcase_add_test(tc, sort_agrees_with_qsort);
	tcase_add_test(tc, cksum_matches_cksum_tool);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
