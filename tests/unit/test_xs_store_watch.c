/* The store engine's watches: who hears about which change, and how. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_xs_store.h"

static struct recorder rec;
static struct xs_store *s;
static int wa, wb;	/* watcher handles */

static void setup(void)
{
	s = new_store(&rec);
}

static void teardown(void)
{
	xs_store_free(s);
}

START_TEST(fires_on_node_and_descendants)
{
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/a", 0, "ta"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/a", "1"), 0);
	ck_assert_int_eq(rec.n, 1);
	ck_assert(saw_event(&rec, &wa, "/a", "ta"));
	ck_assert_int_eq(write_str(s, 0, 0, "/a/b/c", "1"), 0);
	ck_assert_int_eq(rec.n, 2);
	ck_assert(saw_event(&rec, &wa, "/a/b/c", "ta"));
	/* Siblings sharing a prefix and unrelated nodes do not fire. */
	ck_assert_int_eq(write_str(s, 0, 0, "/ab", "1"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/c", "1"), 0);
	ck_assert_int_eq(rec.n, 2);
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/a/new"), 0);
	ck_assert_int_eq(rec.n, 3);
	/* mkdir of an existing node changes nothing and says nothing. */
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/a/new"), 0);
	ck_assert_int_eq(rec.n, 3);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/a/new", "r0"), 0);
	ck_assert_int_eq(rec.n, 4);
	ck_assert(saw_event(&rec, &wa, "/a/new", "ta"));
}
END_TEST

START_TEST(watch_on_root_sees_all)
{
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/", 0, "all"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/x/y", "1"), 0);
	ck_assert(saw_event(&rec, &wa, "/x/y", "all"));
}
END_TEST

START_TEST(several_watches_and_tokens)
{
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/a", 0, "t1"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/a", 0, "t2"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wb, 0, "/a", 0, "t1"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/a", 0, "t1"), EEXIST);
	ck_assert_int_eq(write_str(s, 0, 0, "/a", "1"), 0);
	ck_assert_int_eq(rec.n, 3);
	ck_assert(saw_event(&rec, &wa, "/a", "t1"));
	ck_assert(saw_event(&rec, &wa, "/a", "t2"));
	ck_assert(saw_event(&rec, &wb, "/a", "t1"));
}
END_TEST

START_TEST(rm_fires_above_at_and_below)
{
	ck_assert_int_eq(write_str(s, 0, 0, "/r/a/b/c", "1"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/r", 0, "up"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/r/a", 0, "at"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/r/a/b/c", 0, "down"),
			 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/r/a/zz", 0, "absent"),
			 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wb, 0, "/other", 0, "no"), 0);
	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/r/a"), 0);
	ck_assert_int_eq(rec.n, 3);
	ck_assert(saw_event(&rec, &wa, "/r/a", "up"));
	ck_assert(saw_event(&rec, &wa, "/r/a", "at"));
	ck_assert(saw_event(&rec, &wa, "/r/a/b/c", "down"));
	/* Removing what is not there fires nothing. */
	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/r/a"), 0);
	ck_assert_int_eq(rec.n, 3);
}
END_TEST

START_TEST(failed_changes_fire_nothing)
{
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/local/domain/1"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/1", "n1"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/", 0, "t"), 0);
	ck_assert_int_eq(write_str(s, 2, 0, "/local/domain/1/x", "1"), EACCES);
	ck_assert_int_eq(xs_store_rm(s, 2, 0, "/local/domain/1"), EACCES);
	ck_assert_int_eq(write_str(s, 0, 0, "/bad//path", "1"), EINVAL);
	ck_assert_int_eq(rec.n, 0);
}
END_TEST

START_TEST(unreadable_node_hides_event)
{
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/local/domain/1"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/1", "n1"), 0);
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/secret/inner"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wb, 2, "/", 0, "t2"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 1, "/", 0, "t1"), 0);

	/* Nobody but 0 can read /secret/inner or its parent. */
	ck_assert_int_eq(write_str(s, 0, 0, "/secret/inner", "x"), 0);
	ck_assert_int_eq(rec.n, 0);
	/* 1 can read its home; 2 cannot. */
	ck_assert_int_eq(write_str(s, 0, 0, "/local/domain/1/k", "v"), 0);
	ck_assert_int_eq(rec.n, 1);
	ck_assert(saw_event(&rec, &wa, "/local/domain/1/k", "t1"));
	/* Readable parent is enough (as xenstored). */
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/1/k", "n0"), 0);
	rec.n = 0;
	ck_assert_int_eq(write_str(s, 0, 0, "/local/domain/1/k", "w"), 0);
	ck_assert_int_eq(rec.n, 1);
	ck_assert(saw_event(&rec, &wa, "/local/domain/1/k", "t1"));
}
END_TEST

START_TEST(losing_read_access_still_told)
{
	ck_assert_int_eq(write_str(s, 0, 0, "/pub/n", "x"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/pub/n", "r0"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 4, "/pub/n", 0, "t"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/pub/n", "n0"), 0);
	ck_assert_int_eq(rec.n, 1);
	ck_assert(saw_event(&rec, &wa, "/pub/n", "t"));
	ck_assert_int_eq(write_str(s, 0, 0, "/pub/n", "y"), 0);
	ck_assert_int_eq(rec.n, 1);
}
END_TEST

START_TEST(rm_hides_unreadable_descendant)
{
	ck_assert_int_eq(write_str(s, 0, 0, "/o/pub", "1"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/o", "r0"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/o/pub", "r0"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/o/pub/priv/deep", "1"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/o/pub/priv", "n0"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/o/pub/priv/deep", "n0"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 6, "/o/pub/priv/deep", 0,
					    "deep"),
			 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 6, "/o/pub/priv", 0,
					    "priv"),
			 0);
	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/o"), 0);
	/* priv is unreadable but its parent pub was readable; deep neither. */
	ck_assert_int_eq(rec.n, 1);
	ck_assert(saw_event(&rec, &wa, "/o/pub/priv", "priv"));
}
END_TEST

START_TEST(remove_and_reset)
{
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/a", 0, "1"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/b", 0, "2"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wb, 0, "/a", 0, "3"), 0);
	ck_assert_int_eq(xs_store_watch_remove(s, &wa, "/a", "1"), 0);
	ck_assert_int_eq(xs_store_watch_remove(s, &wa, "/a", "1"), ENOENT);
	ck_assert_int_eq(xs_store_watch_remove(s, &wa, "/a", "3"), ENOENT);
	ck_assert_int_eq(write_str(s, 0, 0, "/a", "x"), 0);
	ck_assert_int_eq(rec.n, 1);
	ck_assert(saw_event(&rec, &wb, "/a", "3"));

	xs_store_watch_reset(s, &wa);
	rec.n = 0;
	ck_assert_int_eq(write_str(s, 0, 0, "/b", "x"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/a", "y"), 0);
	ck_assert_int_eq(rec.n, 1);
	ck_assert(saw_event(&rec, &wb, "/a", "3"));
	/* The watch can be set again after a reset. */
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/b", 0, "2"), 0);
}
END_TEST

START_TEST(bad_watch_paths)
{
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "rel", 0, "t"), EINVAL);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/a/", 0, "t"), EINVAL);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "@bad char", 0, "t"),
			 EINVAL);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/a", 0, NULL), EINVAL);
}
END_TEST

START_TEST(strip_reports_relative_path)
{
	const char *home = "/local/domain/3/";

	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "/local/domain/3/dev",
					    strlen(home), "rel"),
			 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wb, 0, "/local/domain/3",
					    strlen(home), "home"),
			 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/local/domain/3/dev/vbd", "1"), 0);
	ck_assert(saw_event(&rec, &wa, "dev/vbd", "rel"));
	ck_assert(saw_event(&rec, &wb, "dev/vbd", "home"));
	rec.n = 0;
	ck_assert_int_eq(write_str(s, 0, 0, "/local/domain/3", "1"), 0);
	ck_assert_int_eq(rec.n, 1);
	ck_assert(saw_event(&rec, &wb, "", "home"));
}
END_TEST

START_TEST(special_watches)
{
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "@introduceDomain", 99,
					    "in"),
			 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wa, 0, "@releaseDomain", 0,
					    "out"),
			 0);
	ck_assert_int_eq(xs_store_watch_add(s, &wb, 5, "@releaseDomain", 0,
					    "out5"),
			 0);
	ck_assert(xs_store_domain_is_introduced(s, 0));
	ck_assert(!xs_store_domain_is_introduced(s, 5));
	ck_assert_int_eq(xs_store_domain_introduce(s, 0, 5), 0);
	ck_assert(xs_store_domain_is_introduced(s, 5));
	ck_assert_int_eq(rec.n, 1);
	ck_assert(saw_event(&rec, &wa, "@introduceDomain", "in"));

	/* 5 cannot read @releaseDomain until 0 lets it. */
	ck_assert_int_eq(xs_store_domain_release(s, 0, 5), 0);
	ck_assert(!xs_store_domain_is_introduced(s, 5));
	ck_assert_int_eq(rec.n, 2);
	ck_assert(saw_event(&rec, &wa, "@releaseDomain", "out"));

	ck_assert_int_eq(set_perms_str(s, 0, 0, "@releaseDomain", "n0,r5"), 0);
	ck_assert_int_eq(xs_store_domain_introduce(s, 0, 5), 0);
	ck_assert_int_eq(xs_store_domain_release(s, 0, 5), 0);
	ck_assert(saw_event(&rec, &wb, "@releaseDomain", "out5"));

	/* Normal changes never reach special watches. */
	rec.n = 0;
	ck_assert_int_eq(write_str(s, 0, 0, "/x", "1"), 0);
	ck_assert_int_eq(rec.n, 0);
}
END_TEST

START_TEST(special_perms_and_domain_errors)
{
	int rc;
	char *p = get_perms_str(s, 0, 0, "@introduceDomain", &rc);

	ck_assert_str_eq(p, "n0");
	free(p);
	ck_assert_ptr_null(get_perms_str(s, 3, 0, "@introduceDomain", &rc));
	ck_assert_int_eq(rc, EACCES);
	ck_assert_ptr_null(get_perms_str(s, 0, 0, "@unknown", &rc));
	ck_assert_int_eq(rc, ENOENT);
	ck_assert_int_eq(set_perms_str(s, 3, 0, "@releaseDomain", "n3"),
			 EACCES);

	ck_assert_int_eq(xs_store_domain_introduce(s, 1, 5), EACCES);
	ck_assert_int_eq(xs_store_domain_introduce(s, 0, 0), EINVAL);
	ck_assert_int_eq(xs_store_domain_introduce(s, 0, 0x7ff0), EINVAL);
	ck_assert_int_eq(xs_store_domain_introduce(s, 0, 5), 0);
	ck_assert_int_eq(xs_store_domain_introduce(s, 0, 5), EEXIST);
	ck_assert_int_eq(xs_store_domain_release(s, 1, 5), EACCES);
	ck_assert_int_eq(xs_store_domain_release(s, 0, 6), ENOENT);
	ck_assert_int_eq(xs_store_domain_release(s, 0, 0), ENOENT);
	ck_assert_int_eq(xs_store_domain_release(s, 0, 5), 0);
	ck_assert_int_eq(xs_store_domain_release(s, 0, 5), ENOENT);
	/* Introducing creates no node. */
	ck_read_err(s, 0, 0, "/local", ENOENT);
}
END_TEST

Suite *xs_store_watch_suite(void)
{
	Suite *su = suite_create("xs_store_watch");
	TCase *tc = tcase_create("watch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fires_on_node_and_descendants);
	tcase_add_test(tc, watch_on_root_sees_all);
	tcase_add_test(tc, several_watches_and_tokens);
	tcase_add_test(tc, rm_fires_above_at_and_below);
	tcase_add_test(tc, failed_changes_fire_nothing);
	tcase_add_test(tc, unreadable_node_hides_event);
	tcase_add_test(tc, losing_read_access_still_told);
	tcase_add_test(tc, rm_hides_unreadable_descendant);
	tcase_add_test(tc, remove_and_reset);
	tcase_add_test(tc, bad_watch_paths);
	tcase_add_test(tc, strip_reports_relative_path);
	tcase_add_test(tc, special_watches);
	tcase_add_test(tc, special_perms_and_domain_errors);
	suite_add_tcase(su, tc);
	return su;
}
