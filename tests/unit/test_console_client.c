/*
 * The attached console client (backends/console/console_client.c) and
 * the output drain that writes to it: one client at a time (a second is
 * refused, a cancelled or hung-up one frees the console), the bytes sent
 * behind the request handed to the input thread once, its wake-up, and
 * a client that never reads: sends never wait, it gets a prefix of the
 * output in order and the rest is dropped for it, while the launcher's
 * own output has everything.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/io/console.h>
#include "backends/console/console_client.h"
#include "backends/console/console_output.h"

static struct console_client cc;
static int sv[2]; /* [0] the launcher's end, [1] the client's */

static void setup(void)
{
	cc = (struct console_client)CONSOLE_CLIENT_INIT;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
}

static void teardown(void)
{
	console_client_release(&cc); /* closes sv[0] if still attached */
	close(sv[1]);
}

START_TEST(one_client_at_a_time)
{
	ck_assert_int_eq(console_client_reserve(&cc), 0);
	ck_assert_int_eq(console_client_reserve(&cc), -1);  /* promised already */
	console_client_attach(&cc, -1, NULL, 0);           /* it went first */
	ck_assert_int_eq(console_client_reserve(&cc), 0);
	console_client_attach(&cc, sv[0], "", 0);
	ck_assert_int_eq(console_client_reserve(&cc), -1);  /* attached */
	char early[CONSOLE_CLIENT_EARLY_MAX];
	size_t n;
	ck_assert_int_eq(console_client_take(&cc, early, &n), sv[0]);
	console_client_gone(&cc, sv[0] + 100);              /* not its fd: nothing */
	ck_assert_int_eq(console_client_reserve(&cc), -1);
	console_client_gone(&cc, sv[0]);                    /* hung up: closed, free */
	ck_assert_int_eq(fcntl(sv[0], F_GETFD), -1);
	ck_assert_int_eq(console_client_take(&cc, early, &n), -1);
	ck_assert_int_eq(console_client_reserve(&cc), 0);
	console_client_send(&cc, "x", 1);                   /* nobody: nothing */
}
END_TEST

START_TEST(early_bytes_and_wake_up)
{
	int wake = eventfd(0, EFD_NONBLOCK);
	console_client_watch(&cc, wake);
	ck_assert_int_eq(console_client_reserve(&cc), 0);
	console_client_attach(&cc, sv[0], "ls\n\0", 4);
	uint64_t v = 0;
	ck_assert_int_eq(read(wake, &v, sizeof v), (ssize_t)sizeof v);
	char early[CONSOLE_CLIENT_EARLY_MAX];
	size_t n;
	ck_assert_int_eq(console_client_take(&cc, early, &n), sv[0]);
	ck_assert_uint_eq(n, 4);
	ck_assert(!memcmp(early, "ls\n\0", 4));
	ck_assert_int_eq(console_client_take(&cc, early, &n), sv[0]);
	ck_assert_uint_eq(n, 0); /* fed once */
	/* A thread that starts after the attach is woken at once. */
	console_client_watch(&cc, -1);
	console_client_watch(&cc, wake);
	ck_assert_int_eq(read(wake, &v, sizeof v), (ssize_t)sizeof v);
	console_client_watch(&cc, -1);
	close(wake);
}
END_TEST

START_TEST(a_client_that_never_reads)
{
	int small = 4096;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	ck_assert_int_eq(console_client_reserve(&cc), 0);
	console_client_attach(&cc, sv[0], "", 0);
	/* Far more than the socket holds: every send returns (the test's
	 * timeout would catch one that waits). */
	char chunk[1000];
	for (unsigned i = 0; i < 1000; i++) {
		for (size_t k = 0; k < sizeof chunk; k++)
			chunk[k] = (char)('a' + (i * sizeof chunk + k) % 26);
		console_client_send(&cc, chunk, sizeof chunk);
	}
	/* What it got is the output's start, in order. */
	char got[1 << 16];
	ssize_t n = recv(sv[1], got, sizeof got, MSG_DONTWAIT);
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, 1000 * (ssize_t)sizeof chunk);
	for (ssize_t k = 0; k < n; k++)
		ck_assert_int_eq(got[k], 'a' + k % 26);
	/* It reads again: new output reaches it. */
	while (recv(sv[1], got, sizeof got, MSG_DONTWAIT) > 0)
		;
	console_client_send(&cc, "after\n", 6);
	ck_assert_int_eq(recv(sv[1], got, sizeof got, MSG_DONTWAIT), 6);
	ck_assert(!memcmp(got, "after\n", 6));
	/* Gone without a word: sends to it fail quietly (no SIGPIPE). */
	close(sv[1]);
	sv[1] = -1;
	console_client_send(&cc, "lost\n", 5);
}
END_TEST

static int signalled;
static void count_signal(void *opaque)
{
	(void)opaque;
	signalled++;
}

START_TEST(the_drain_writes_both)
{
	static struct xencons_interface ring;
	memset(&ring, 0, sizeof ring);
	memcpy(ring.out, "boot\n", 5);
	ring.out_prod = 5;
	char *text = NULL;
	size_t len = 0;
	FILE *log = open_memstream(&text, &len);
	struct console_output o = { .ring = &ring, .out = log, .client = &cc,
				    .signal_guest = count_signal };
	ck_assert_int_eq(console_client_reserve(&cc), 0);
	console_client_attach(&cc, sv[0], "", 0);
	console_output_drain(&o);
	fclose(log);
	ck_assert_str_eq(text, "boot\n");
	free(text);
	char got[16];
	ck_assert_int_eq(recv(sv[1], got, sizeof got, MSG_DONTWAIT), 5);
	ck_assert(!memcmp(got, "boot\n", 5));
	ck_assert_uint_eq(ring.out_cons, 5);
	ck_assert_int_eq(signalled, 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("console_client");
	TCase *tc = tcase_create("client");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, one_client_at_a_time);
	tcase_add_test(tc, early_bytes_and_wake_up);
	tcase_add_test(tc, a_client_that_never_reads);
	tcase_add_test(tc, the_drain_writes_both);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
