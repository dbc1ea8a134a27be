/* The store engine's transactions: isolation, commit, abort, conflicts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_xs_store.h"

static struct recorder rec;
static struct xs_store *s;
static int conn_a, conn_b;	/* stand-ins for connections */

static void setup(void)
{
	s = new_store(&rec);
}

static void teardown(void)
{
	xs_store_free(s);
}

static uint32_t start(unsigned int domid)
{
	uint32_t id = 0;

	ck_assert_int_eq(xs_store_tx_start(s, domid, &conn_a, &id), 0);
	ck_assert_uint_ne(id, 0);
	return id;
}

START_TEST(commit_applies_and_isolates)
{
	uint32_t t;

	ck_assert_int_eq(write_str(s, 0, 0, "/a", "old"), 0);
	t = start(0);
	ck_assert_int_eq(write_str(s, 0, t, "/a", "new"), 0);
	ck_assert_int_eq(write_str(s, 0, t, "/b/c", "made"), 0);
	/* Inside: own writes; outside: nothing yet. */
	ck_read_eq(s, 0, t, "/a", "new");
	ck_read_eq(s, 0, t, "/b/c", "made");
	ck_read_eq(s, 0, 0, "/a", "old");
	ck_read_err(s, 0, 0, "/b", ENOENT);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, true), 0);
	ck_read_eq(s, 0, 0, "/a", "new");
	ck_read_eq(s, 0, 0, "/b/c", "made");
	/* The id is gone. */
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, true), ENOENT);
	ck_assert_int_eq(write_str(s, 0, t, "/a", "x"), ENOENT);
}
END_TEST

START_TEST(snapshot_ignores_later_outside_changes)
{
	uint32_t t;

	ck_assert_int_eq(write_str(s, 0, 0, "/a", "1"), 0);
	t = start(0);
	ck_assert_int_eq(write_str(s, 0, 0, "/a", "2"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/fresh", "x"), 0);
	ck_read_eq(s, 0, t, "/a", "1");
	ck_read_err(s, 0, t, "/fresh", ENOENT);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, false), 0);
}
END_TEST

START_TEST(abort_discards)
{
	char *before, *after;
	uint32_t t;

	ck_assert_int_eq(write_str(s, 0, 0, "/k/v", "1"), 0);
	before = dump_tree(s, "/");
	t = start(0);
	ck_assert_int_eq(write_str(s, 0, t, "/k/v", "2"), 0);
	ck_assert_int_eq(xs_store_rm(s, 0, t, "/k"), 0);
	ck_assert_int_eq(xs_store_mkdir(s, 0, t, "/other"), 0);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, false), 0);
	after = dump_tree(s, "/");
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

START_TEST(conflict_on_read_node_is_eagain)
{
	uint32_t t;

	ck_assert_int_eq(write_str(s, 0, 0, "/a", "1"), 0);
	t = start(0);
	ck_read_eq(s, 0, t, "/a", "1");
	ck_assert_int_eq(write_str(s, 0, t, "/b", "from-tx"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/a", "2"), 0);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, true), EAGAIN);
	ck_read_err(s, 0, 0, "/b", ENOENT);
	ck_read_eq(s, 0, 0, "/a", "2");
}
END_TEST

START_TEST(conflict_on_read_only_tx)
{
	uint32_t t;

	ck_assert_int_eq(write_str(s, 0, 0, "/a", "1"), 0);
	t = start(0);
	ck_read_eq(s, 0, t, "/a", "1");
	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/a"), 0);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, true), EAGAIN);
}
END_TEST

START_TEST(conflict_on_absent_node_created)
{
	uint32_t t;

	t = start(0);
	ck_read_err(s, 0, t, "/n", ENOENT);
	ck_assert_int_eq(write_str(s, 0, t, "/flag", "saw-no-n"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/n", "now"), 0);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, true), EAGAIN);
	ck_read_err(s, 0, 0, "/flag", ENOENT);
}
END_TEST

START_TEST(conflict_on_directory_change)
{
	uint32_t t;
	char *d;
	int rc;

	ck_assert_int_eq(write_str(s, 0, 0, "/dir/a", ""), 0);
	t = start(0);
	d = dir_str(s, 0, t, "/dir", &rc);
	ck_assert_str_eq(d, "a");
	free(d);
	ck_assert_int_eq(write_str(s, 0, 0, "/dir/b", ""), 0);
	ck_assert_int_eq(write_str(s, 0, t, "/count", "1"), 0);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, true), EAGAIN);
}
END_TEST

START_TEST(disjoint_changes_commit)
{
	uint32_t t1, t2;

	ck_assert_int_eq(write_str(s, 0, 0, "/x/a", "1"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/y/b", "1"), 0);
	t1 = start(0);
	t2 = start(0);
	ck_assert_uint_ne(t1, t2);
	ck_assert_int_eq(write_str(s, 0, t1, "/x/a", "t1"), 0);
	ck_assert_int_eq(write_str(s, 0, t2, "/y/b", "t2"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/z", "outside"), 0);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t2, true), 0);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t1, true), 0);
	ck_read_eq(s, 0, 0, "/x/a", "t1");
	ck_read_eq(s, 0, 0, "/y/b", "t2");
	ck_read_eq(s, 0, 0, "/z", "outside");
}
END_TEST

START_TEST(two_tx_same_node_second_fails)
{
	uint32_t t1, t2;

	ck_assert_int_eq(write_str(s, 0, 0, "/c", "0"), 0);
	t1 = start(0);
	t2 = start(0);
	ck_assert_int_eq(write_str(s, 0, t1, "/c", "1"), 0);
	ck_assert_int_eq(write_str(s, 0, t2, "/c", "2"), 0);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t1, true), 0);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t2, true), EAGAIN);
	ck_read_eq(s, 0, 0, "/c", "1");
}
END_TEST

START_TEST(rm_and_directory_inside_tx)
{
	uint32_t t;
	char *d;
	int rc;

	ck_assert_int_eq(write_str(s, 0, 0, "/p/a", "1"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/p/b", "2"), 0);
	t = start(0);
	ck_assert_int_eq(xs_store_rm(s, 0, t, "/p/a"), 0);
	ck_assert_int_eq(write_str(s, 0, t, "/p/c", "3"), 0);
	d = dir_str(s, 0, t, "/p", &rc);
	ck_assert_str_eq(d, "b,c");
	free(d);
	d = dir_str(s, 0, 0, "/p", &rc);
	ck_assert_str_eq(d, "a,b");
	free(d);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, true), 0);
	d = dir_str(s, 0, 0, "/p", &rc);
	ck_assert_str_eq(d, "b,c");
	free(d);
}
END_TEST

START_TEST(watches_fire_only_on_commit)
{
	int w;
	uint32_t t;

	ck_assert_int_eq(xs_store_watch_add(s, &w, 0, "/t", 0, "tok"), 0);
	t = start(0);
	ck_assert_int_eq(write_str(s, 0, t, "/t/a", "1"), 0);
	ck_assert_int_eq(rec.n, 0);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, false), 0);
	ck_assert_int_eq(rec.n, 0);

	t = start(0);
	ck_assert_int_eq(write_str(s, 0, t, "/t/a", "1"), 0);
	ck_assert_int_eq(write_str(s, 0, t, "/t/a", "2"), 0);
	ck_assert_int_eq(rec.n, 0);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, true), 0);
	/* One event for the node, however often the tx wrote it. */
	ck_assert_int_eq(rec.n, 1);
	ck_assert(saw_event(&rec, &w, "/t/a", "tok"));

	rec.n = 0;
	t = start(0);
	ck_read_eq(s, 0, t, "/t/a", "2");
	ck_assert_int_eq(write_str(s, 0, t, "/t/b", "x"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/t/a", "3"), 0);
	ck_assert_int_eq(rec.n, 1);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, true), EAGAIN);
	ck_assert_int_eq(rec.n, 1);
}
END_TEST

START_TEST(tx_belongs_to_domain_and_owner)
{
	uint32_t t;
	int rc;

	t = start(3);
	ck_assert_ptr_eq(xs_store_tx_owner(s, t), &conn_a);
	ck_assert_ptr_null(xs_store_tx_owner(s, t + 1));
	/* Another domain cannot use or end it. */
	ck_assert_ptr_null(read_str(s, 4, t, "/", &rc));
	ck_assert_int_eq(rc, ENOENT);
	ck_assert_int_eq(xs_store_tx_end(s, 4, t, true), ENOENT);
	ck_assert_int_eq(xs_store_tx_end(s, 3, 0, true), ENOENT);

	/* Closing the connection ends only its transactions. */
	uint32_t other;
	ck_assert_int_eq(xs_store_tx_start(s, 3, &conn_b, &other), 0);
	xs_store_tx_end_owner(s, &conn_a);
	ck_assert_ptr_null(xs_store_tx_owner(s, t));
	ck_assert_ptr_eq(xs_store_tx_owner(s, other), &conn_b);
	ck_assert_int_eq(xs_store_tx_end(s, 3, other, false), 0);
}
END_TEST

START_TEST(guest_tx_respects_perms)
{
	uint32_t t;

	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/local/domain/5"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/5", "n5"), 0);
	t = start(5);
	ck_assert_int_eq(write_str(s, 5, t, "/local/domain/5/a", "1"), 0);
	ck_assert_int_eq(write_str(s, 5, t, "/local/domain/6", "1"), EACCES);
	ck_assert_int_eq(xs_store_tx_end(s, 5, t, true), 0);
	ck_read_eq(s, 5, 0, "/local/domain/5/a", "1");
	ck_assert_uint_eq(xs_store_domain_nodes(s, 5), 2);
}
END_TEST

START_TEST(tx_leaves_no_nodes_behind)
{
	struct xs_store_stats before, during, after;
	uint32_t t;

	ck_assert_int_eq(write_str(s, 0, 0, "/a/b", "1"), 0);
	xs_store_stats(s, &before);
	t = start(0);
	ck_assert_int_eq(write_str(s, 0, t, "/a/b", "2"), 0);
	xs_store_stats(s, &during);
	ck_assert_uint_eq(during.transactions, 1);
	/* The copy-on-write path (root, /a, /a/b) exists twice. */
	ck_assert_uint_eq(during.nodes, before.nodes + 3);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, true), 0);
	xs_store_stats(s, &after);
	ck_assert_uint_eq(after.nodes, before.nodes);
	ck_assert_uint_eq(after.transactions, 0);
}
END_TEST

Suite *xs_store_txn_suite(void)
{
	Suite *su = suite_create("xs_store_txn");
	TCase *tc = tcase_create("txn");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, commit_applies_and_isolates);
	tcase_add_test(tc, snapshot_ignores_later_outside_changes);
	tcase_add_test(tc, abort_discards);
	tcase_add_test(tc, conflict_on_read_node_is_eagain);
	tcase_add_test(tc, conflict_on_read_only_tx);
	tcase_add_test(tc, conflict_on_absent_node_created);
	tcase_add_test(tc, conflict_on_directory_change);
	tcase_add_test(tc, disjoint_changes_commit);
	tcase_add_test(tc, two_tx_same_node_second_fails);
	tcase_add_test(tc, rm_and_directory_inside_tx);
	tcase_add_test(tc, watches_fire_only_on_commit);
	tcase_add_test(tc, tx_belongs_to_domain_and_owner);
	tcase_add_test(tc, guest_tx_respects_perms);
	tcase_add_test(tc, tx_leaves_no_nodes_behind);
	suite_add_tcase(su, tc);
	return su;
}
