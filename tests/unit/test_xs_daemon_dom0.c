/*
 * Domain 0's in-process access to the running xenstore daemon: node
 * operations, all-or-nothing batches, and watches whose callback the
 * loop thread calls, for changes by dom0 itself, by a guest on its ring
 * (fake_xs_guest) and for domains released.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tests/unit/fake_xs_guest.h"
#include "xenstore/daemon.h"
#include "xenstore/store.h"

static struct xs_daemon *d;

static void setup(void)
{
	d = xs_daemon_create();
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(xs_daemon_start(d), 0);
}

static void teardown(void)
{
	xs_daemon_stop(d);
	xs_daemon_join(d);
	xs_daemon_destroy(d);
}

static char *read_str(const char *path)
{
	char *val;
	size_t len;

	ck_assert_int_eq(xs_daemon_read_dom0(d, path, &val, &len), 0);
	ck_assert_uint_eq(strlen(val), len);
	return val;
}

static void assert_value(const char *path, const char *want)
{
	char *val = read_str(path);

	ck_assert_str_eq(val, want);
	free(val);
}

static void assert_absent(const char *path)
{
	char *val;
	size_t len;

	ck_assert_int_eq(xs_daemon_read_dom0(d, path, &val, &len), ENOENT);
}

START_TEST(nodes_read_write_list_remove)
{
	const struct xs_store_perm ro[] = { { 0, XS_STORE_PERM_NONE },
					    { 3, XS_STORE_PERM_READ } };
	struct xs_store_perm *perms;
	unsigned int n;
	char *list;
	size_t len;

	ck_assert_int_eq(xs_daemon_write_dom0(d, "/a/b", "hello", ro, 2), 0);
	assert_value("/a/b", "hello");
	ck_assert_int_eq(xs_daemon_get_perms_dom0(d, "/a/b", &perms, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(perms[1].domid, 3);
	ck_assert_uint_eq(perms[1].perm, XS_STORE_PERM_READ);
	free(perms);

	ck_assert_int_eq(xs_daemon_mkdir_dom0(d, "/a/c/d"), 0);
	assert_value("/a/c/d", "");
	ck_assert_int_eq(xs_daemon_directory_dom0(d, "/a", &list, &len), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(memcmp(list, "b\0c\0", 4), 0);
	free(list);

	const struct xs_store_perm mine[] = { { 3, XS_STORE_PERM_NONE } };
	ck_assert_int_eq(xs_daemon_set_perms_dom0(d, "/a/c", mine, 1), 0);
	ck_assert_int_eq(xs_daemon_get_perms_dom0(d, "/a/c", &perms, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(perms[0].domid, 3);
	free(perms);

	ck_assert_int_eq(xs_daemon_rm_dom0(d, "/a/c"), 0);
	assert_absent("/a/c/d");
	ck_assert_int_eq(xs_daemon_rm_dom0(d, "/a/c"), 0);
	ck_assert_int_eq(xs_daemon_rm_dom0(d, "/nope/x"), ENOENT);
	ck_assert_int_eq(xs_daemon_write_dom0(d, "/bad//path", "", NULL, 0),
			 EINVAL);
	ck_assert_int_eq(xs_daemon_read_dom0(d, "relative", &list, &len),
			 EINVAL);
	ck_assert_int_eq(xs_daemon_set_perms_dom0(d, "/a/b", mine, 0), EINVAL);
}
END_TEST

START_TEST(apply_is_all_or_nothing)
{
	const struct xs_store_perm guest[] = { { 5, XS_STORE_PERM_NONE },
					       { 0, XS_STORE_PERM_READ } };
	const struct xs_dom0_op bad[] = {
		{ .kind = XS_DOM0_WRITE, .path = "/t/one", .value = "1" },
		{ .kind = XS_DOM0_MKDIR, .path = "/t/two" },
		{ .kind = XS_DOM0_WRITE, .path = "/t//three", .value = "3" },
	};
	ck_assert_int_eq(xs_daemon_apply_dom0(d, bad, 3), EINVAL);
	assert_absent("/t");

	ck_assert_int_eq(xs_daemon_write_dom0(d, "/t/old/x", "stale", NULL, 0), 0);
	const struct xs_dom0_op good[] = {
		{ .kind = XS_DOM0_RM, .path = "/t/old" },
		{ .kind = XS_DOM0_RM, .path = "/t/missing/parent" },
		{ .kind = XS_DOM0_MKDIR, .path = "/t/dev" },
		{ .kind = XS_DOM0_SET_PERMS, .path = "/t/dev", .perms = guest,
		  .nperms = 2 },
		{ .kind = XS_DOM0_WRITE, .path = "/t/dev/state", .value = "1" },
		{ .kind = XS_DOM0_WRITE, .path = "/t/own", .value = "v",
		  .perms = guest, .nperms = 2 },
	};
	ck_assert_int_eq(xs_daemon_apply_dom0(d, good, 6), 0);
	assert_absent("/t/old");
	assert_value("/t/dev/state", "1");

	struct xs_store_perm *perms;
	unsigned int n;

	/* A child written in the batch took its parent's new perms. */
	ck_assert_int_eq(xs_daemon_get_perms_dom0(d, "/t/dev/state", &perms, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(perms[0].domid, 5);
	free(perms);
	ck_assert_int_eq(xs_daemon_get_perms_dom0(d, "/t/own", &perms, &n), 0);
	ck_assert_uint_eq(perms[0].domid, 5);
	free(perms);
}
END_TEST

/* ---- Watches ------------------------------------------------------------- */

#define MAX_EVENTS 64

struct recorder {
	pthread_mutex_t lock;
	int efd;
	unsigned n;
	char path[MAX_EVENTS][128];
	char token[MAX_EVENTS][32];
	pthread_t thread[MAX_EVENTS];
};

static void record(void *opaque, const char *path, const char *token)
{
	struct recorder *r = opaque;
	uint64_t one = 1;

	pthread_mutex_lock(&r->lock);
	if (r->n < MAX_EVENTS) {
		snprintf(r->path[r->n], sizeof(r->path[0]), "%s", path);
		snprintf(r->token[r->n], sizeof(r->token[0]), "%s", token);
		r->thread[r->n] = pthread_self();
		r->n++;
	}
	pthread_mutex_unlock(&r->lock);
	/* Only signal, as the daemon asks; the test thread checks. */
	if (write(r->efd, &one, sizeof(one)) != sizeof(one))
		abort();
}

static void recorder_init(struct recorder *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->efd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(r->efd, 0);
}

static void recorder_fini(struct recorder *r)
{
	close(r->efd);
	pthread_mutex_destroy(&r->lock);
}

/* Waits until the recorder holds at least n events. */
static void wait_events(struct recorder *r, unsigned n)
{
	for (;;) {
		pthread_mutex_lock(&r->lock);
		unsigned have = r->n;
		pthread_mutex_unlock(&r->lock);
		if (have >= n)
			return;
		struct pollfd pfd = { .fd = r->efd, .events = POLLIN };
		uint64_t v;

		ck_assert_msg(poll(&pfd, 1, 5000) == 1,
			      "only %u of %u watch events", have, n);
		ck_assert_int_eq(read(r->efd, &v, sizeof(v)), sizeof(v));
	}
}

static void assert_event(struct recorder *r, unsigned i, const char *path,
			 const char *token)
{
	pthread_mutex_lock(&r->lock);
	ck_assert_uint_gt(r->n, i);
	ck_assert_str_eq(r->path[i], path);
	ck_assert_str_eq(r->token[i], token);
	/* The loop's thread, never the caller's. */
	ck_assert(!pthread_equal(r->thread[i], pthread_self()));
	pthread_mutex_unlock(&r->lock);
}

static unsigned count(struct recorder *r)
{
	pthread_mutex_lock(&r->lock);
	unsigned n = r->n;
	pthread_mutex_unlock(&r->lock);
	return n;
}

START_TEST(watch_fires_for_itself_and_changes)
{
	struct recorder r, other;

	recorder_init(&r);
	recorder_init(&other);
	struct xs_dom0_watch *w = xs_daemon_watch_dom0(d, "/w", "tok", record, &r);

	ck_assert_ptr_nonnull(w);
	wait_events(&r, 1);
	assert_event(&r, 0, "/w", "tok");

	ck_assert_int_eq(xs_daemon_write_dom0(d, "/w/a", "1", NULL, 0), 0);
	wait_events(&r, 2);
	assert_event(&r, 1, "/w/a", "tok");
	ck_assert_int_eq(xs_daemon_write_dom0(d, "/elsewhere", "1", NULL, 0), 0);
	ck_assert_int_eq(xs_daemon_rm_dom0(d, "/w"), 0);
	wait_events(&r, 3);
	assert_event(&r, 2, "/w", "tok");

	/* After unwatch, nothing more: a second watch's event, queued after
	 * the change, comes; the first watch's would have come before it. */
	xs_daemon_unwatch_dom0(d, w);
	struct xs_dom0_watch *w2 = xs_daemon_watch_dom0(d, "/w", "two", record,
							&other);
	ck_assert_ptr_nonnull(w2);
	ck_assert_int_eq(xs_daemon_write_dom0(d, "/w/b", "1", NULL, 0), 0);
	wait_events(&other, 2);
	assert_event(&other, 1, "/w/b", "two");
	ck_assert_uint_eq(count(&r), 3);
	xs_daemon_unwatch_dom0(d, w2);
	recorder_fini(&r);
	recorder_fini(&other);
}
END_TEST

START_TEST(watch_sees_a_guest_and_its_release)
{
	const struct xs_store_perm home[] = { { 0, XS_STORE_PERM_NONE },
					      { 4, XS_STORE_PERM_READ } };
	const struct xs_store_perm data[] = { { 4, XS_STORE_PERM_NONE } };
	struct fake_xs_guest g;
	struct recorder r;
	char buf[64];

	recorder_init(&r);
	ck_assert_int_eq(xs_daemon_write_dom0(d, "/local/domain/4", "", home, 2), 0);
	ck_assert_int_eq(xs_daemon_write_dom0(d, "/local/domain/4/data", "",
					      data, 1), 0);
	ck_assert_int_eq(fake_xs_guest_start(&g, d, 4), 0);
	struct xs_dom0_watch *w = xs_daemon_watch_dom0(
		d, "/local/domain/4/data", "data", record, &r);
	struct xs_dom0_watch *rel = xs_daemon_watch_dom0(
		d, "@releaseDomain", "rel", record, &r);

	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(rel);
	wait_events(&r, 2);

	ck_assert_int_eq(fake_xs_guest_write(&g, "data/x", "42"), 0);
	wait_events(&r, 3);
	assert_event(&r, 2, "/local/domain/4/data/x", "data");
	/* What the guest may not do reaches no watch. */
	ck_assert_int_eq(fake_xs_guest_write(&g, "/local/domain/4/name", "x"),
			 EACCES);
	ck_assert_int_eq(fake_xs_guest_read(&g, "data/x", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "42");
	ck_assert_uint_eq(count(&r), 3);

	fake_xs_guest_stop(&g);
	wait_events(&r, 4);
	assert_event(&r, 3, "@releaseDomain", "rel");
	xs_daemon_unwatch_dom0(d, w);
	xs_daemon_unwatch_dom0(d, rel);
	recorder_fini(&r);
}
END_TEST

START_TEST(watch_refused_and_left_to_destroy)
{
	static struct recorder r; /* the loop may call it until teardown */

	recorder_init(&r);
	errno = 0;
	ck_assert_ptr_null(xs_daemon_watch_dom0(d, "no/slash", "t", record, &r));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(xs_daemon_watch_dom0(d, "/a//b", "t", record, &r));
	ck_assert_int_eq(errno, EINVAL);
	/* Still registered at teardown: xs_daemon_destroy frees it (the
	 * leak checker would say otherwise). */
	ck_assert_ptr_nonnull(xs_daemon_watch_dom0(d, "/kept", "t", record, &r));
	wait_events(&r, 1);
}
END_TEST

/* Many changes before the loop gets to run: each event arrives, in order. */
START_TEST(watch_events_in_order)
{
	static struct recorder r; /* its watch is left to teardown */
	char path[32];

	recorder_init(&r);
	ck_assert_ptr_nonnull(xs_daemon_watch_dom0(d, "/o", "t", record, &r));
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/o/%d", i);
		ck_assert_int_eq(xs_daemon_write_dom0(d, path, "", NULL, 0), 0);
	}
	wait_events(&r, 41);
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/o/%d", i);
		assert_event(&r, (unsigned)i + 1, path, "t");
	}
}
END_TEST

static Suite *dom0_suite(void)
{
	Suite *s = suite_create("xs_daemon_dom0");
	TCase *t = tcase_create("dom0");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, nodes_read_write_list_remove);
	tcase_add_test(t, apply_is_all_or_nothing);
	tcase_add_test(t, watch_fires_for_itself_and_changes);
	tcase_add_test(t, watch_sees_a_guest_and_its_release);
	tcase_add_test(t, watch_refused_and_left_to_destroy);
	tcase_add_test(t, watch_events_in_order);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(dom0_suite());
}
