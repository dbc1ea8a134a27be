/*
 * The store engine's quotas (each limit returns xenstored's errno and leaves
 * the store as it was; domain 0 is exempt) and its memory accounting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_xs_store.h"

static struct recorder rec;
static struct xs_store *s;
static int conn;

static void setup(void)
{
	s = new_store(&rec);
	/* Domain 1's home, owned by 1. */
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/local/domain/1"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/1", "n1"), 0);
}

static void teardown(void)
{
	xs_store_free(s);
}

/* Runs `change`, expects err, and checks the whole tree did not move. */
#define ck_unchanged(err, change)                                      \
	do {                                                           \
		char *before_ = dump_tree(s, "/");                     \
		char *after_;                                          \
		ck_assert_int_eq((change), err);                       \
		after_ = dump_tree(s, "/");                            \
		ck_assert_str_eq(before_, after_);                     \
		free(before_);                                         \
		free(after_);                                          \
	} while (0)

START_TEST(table_names_and_defaults)
{
	static const char *const names[XS_QUOTA_COUNT] = {
		"nodes", "value-size", "watches", "transactions", "path-max",
		"request-size", "transaction-nodes", "perms",
	};

	for (int q = 0; q < XS_QUOTA_COUNT; q++)
		ck_assert_str_eq(xs_quota_name(q), names[q]);
	ck_assert_ptr_null(xs_quota_name(XS_QUOTA_COUNT));
	ck_assert_uint_eq(xs_store_quota_get(s, XS_QUOTA_NODES), 1000);
	ck_assert_uint_eq(xs_store_quota_get(s, XS_QUOTA_VALUE_SIZE), 2048);
	ck_assert_uint_eq(xs_store_quota_get(s, XS_QUOTA_WATCHES), 128);
	ck_assert_uint_eq(xs_store_quota_get(s, XS_QUOTA_TRANSACTIONS), 10);
	ck_assert_uint_eq(xs_store_quota_get(s, XS_QUOTA_REQUEST_SIZE), 4096);
	xs_store_quota_set(s, XS_QUOTA_WATCHES, 3);
	ck_assert_uint_eq(xs_store_quota_get(s, XS_QUOTA_WATCHES), 3);
}
END_TEST

START_TEST(request_size_check_for_protocol_layer)
{
	ck_assert_int_eq(xs_store_quota_check(s, 1, XS_QUOTA_REQUEST_SIZE,
					      4096),
			 0);
	ck_assert_int_eq(xs_store_quota_check(s, 1, XS_QUOTA_REQUEST_SIZE,
					      4097),
			 E2BIG);
	ck_assert_int_eq(xs_store_quota_check(s, 0, XS_QUOTA_REQUEST_SIZE,
					      1 << 20),
			 0);
	ck_assert_int_eq(xs_store_quota_check(s, 1, XS_QUOTA_COUNT, 0),
			 EINVAL);
}
END_TEST

START_TEST(node_quota)
{
	char path[64];

	xs_store_quota_set(s, XS_QUOTA_NODES, 5);
	/* The home counts: 4 more fit. */
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/local/domain/1/n%d", i);
		ck_assert_int_eq(write_str(s, 1, 0, path, "x"), 0);
	}
	ck_assert_uint_eq(xs_store_domain_nodes(s, 1), 5);
	ck_unchanged(ENOSPC, write_str(s, 1, 0, "/local/domain/1/n4", "x"));
	ck_unchanged(ENOSPC, xs_store_mkdir(s, 1, 0, "/local/domain/1/d"));
	/* Changing existing nodes is still fine. */
	ck_assert_int_eq(write_str(s, 1, 0, "/local/domain/1/n0", "y"), 0);
	/* Domain 0 is exempt; what it makes here is still 1's. */
	ck_assert_int_eq(write_str(s, 0, 0, "/local/domain/1/by0/a/b", "x"), 0);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 1), 8);
	ck_unchanged(ENOSPC, write_str(s, 1, 0, "/local/domain/1/n4", "x"));
	/* Freeing some makes room again. */
	ck_assert_int_eq(xs_store_rm(s, 1, 0, "/local/domain/1/by0"), 0);
	ck_assert_int_eq(xs_store_rm(s, 1, 0, "/local/domain/1/n3"), 0);
	ck_assert_int_eq(write_str(s, 1, 0, "/local/domain/1/n4", "x"), 0);
}
END_TEST

START_TEST(node_quota_counts_implicit_parents)
{
	xs_store_quota_set(s, XS_QUOTA_NODES, 3);
	/* Needs 3 new nodes, only 2 left: nothing at all is created. */
	ck_unchanged(ENOSPC,
		     write_str(s, 1, 0, "/local/domain/1/a/b/c", "x"));
	ck_assert_int_eq(write_str(s, 1, 0, "/local/domain/1/a/b", "x"), 0);
}
END_TEST

START_TEST(value_size_quota)
{
	char *big = malloc(4000);

	memset(big, 'v', 4000);
	xs_store_quota_set(s, XS_QUOTA_VALUE_SIZE, 100);
	ck_assert_int_eq(xs_store_write(s, 1, 0, "/local/domain/1/v", big, 100),
			 0);
	ck_unchanged(ENOSPC, xs_store_write(s, 1, 0, "/local/domain/1/v", big,
					    101));
	ck_unchanged(ENOSPC, xs_store_write(s, 1, 0, "/local/domain/1/w", big,
					    101));
	ck_assert_int_eq(xs_store_write(s, 0, 0, "/local/domain/1/v", big,
					4000),
			 0);
	free(big);
}
END_TEST

START_TEST(watch_quota)
{
	int w;

	xs_store_quota_set(s, XS_QUOTA_WATCHES, 2);
	ck_assert_int_eq(xs_store_watch_add(s, &w, 1, "/a", 0, "1"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &w, 1, "/a", 0, "2"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &w, 1, "/a", 0, "3"), E2BIG);
	/* Other domains have their own count; 0 has none. */
	ck_assert_int_eq(xs_store_watch_add(s, &w, 2, "/a", 0, "3"), 0);
	for (int i = 0; i < 5; i++) {
		char tok[16];

		snprintf(tok, sizeof(tok), "z%d", i);
		ck_assert_int_eq(xs_store_watch_add(s, &w, 0, "/a", 0, tok), 0);
	}
	ck_assert_int_eq(xs_store_watch_remove(s, &w, "/a", "1"), 0);
	ck_assert_int_eq(xs_store_watch_add(s, &w, 1, "/a", 0, "4"), 0);
}
END_TEST

START_TEST(transaction_quota)
{
	uint32_t ids[4], extra;
	struct xs_store_stats st;

	xs_store_quota_set(s, XS_QUOTA_TRANSACTIONS, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(xs_store_tx_start(s, 1, &conn, &ids[i]), 0);
	ck_assert_int_eq(xs_store_tx_start(s, 1, &conn, &ids[3]), ENOSPC);
	xs_store_stats(s, &st);
	ck_assert_uint_eq(st.transactions, 3);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(xs_store_tx_start(s, 0, &conn, &extra), 0);
	ck_assert_int_eq(xs_store_tx_end(s, 1, ids[0], false), 0);
	ck_assert_int_eq(xs_store_tx_start(s, 1, &conn, &ids[3]), 0);
	xs_store_tx_end_owner(s, &conn);
	xs_store_stats(s, &st);
	ck_assert_uint_eq(st.transactions, 0);
}
END_TEST

START_TEST(transaction_nodes_quota)
{
	uint32_t t;
	char path[64];

	/* Each new node is one path, plus the home looked at once. */
	xs_store_quota_set(s, XS_QUOTA_TX_NODES, 5);
	ck_assert_int_eq(xs_store_tx_start(s, 1, &conn, &t), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/local/domain/1/t%d", i);
		ck_assert_int_eq(write_str(s, 1, t, path, "x"), 0);
	}
	/* A sixth distinct path is one too many; the tx view is unchanged. */
	ck_assert_int_eq(write_str(s, 1, t, "/local/domain/1/t4", "x"), ENOSPC);
	ck_read_err(s, 1, t, "/local/domain/1/t4", ENOSPC);
	ck_read_eq(s, 1, t, "/local/domain/1/t0", "x");
	ck_assert_int_eq(xs_store_tx_end(s, 1, t, true), 0);
	ck_read_err(s, 1, 0, "/local/domain/1/t4", ENOENT);
	ck_read_eq(s, 1, 0, "/local/domain/1/t3", "x");
}
END_TEST

START_TEST(node_quota_at_commit)
{
	uint32_t t1, t2;

	/* Separate parents, so the two transactions do not conflict. */
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/local/domain/1/p"), 0);
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/local/domain/1/q"), 0);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 1), 3);
	xs_store_quota_set(s, XS_QUOTA_NODES, 5);
	ck_assert_int_eq(xs_store_tx_start(s, 1, &conn, &t1), 0);
	ck_assert_int_eq(xs_store_tx_start(s, 1, &conn, &t2), 0);
	ck_assert_int_eq(write_str(s, 1, t1, "/local/domain/1/p/a", "1"), 0);
	ck_assert_int_eq(write_str(s, 1, t1, "/local/domain/1/p/b", "1"), 0);
	/* Within one tx its own creations count. */
	ck_assert_int_eq(write_str(s, 1, t1, "/local/domain/1/p/c", "1"),
			 ENOSPC);
	ck_assert_int_eq(write_str(s, 1, t2, "/local/domain/1/q/x", "1"), 0);
	ck_assert_int_eq(write_str(s, 1, t2, "/local/domain/1/q/y", "1"), 0);
	ck_assert_int_eq(xs_store_tx_end(s, 1, t1, true), 0);
	/* t2 saw room that t1 has since taken. */
	ck_unchanged(ENOSPC, xs_store_tx_end(s, 1, t2, true));
	ck_read_err(s, 1, 0, "/local/domain/1/q/x", ENOENT);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 1), 5);
}
END_TEST

START_TEST(perms_count_quota)
{
	xs_store_quota_set(s, XS_QUOTA_PERMS, 2);
	ck_unchanged(ENOSPC, set_perms_str(s, 1, 0, "/local/domain/1",
					   "n1,r2,r3"));
	ck_assert_int_eq(set_perms_str(s, 1, 0, "/local/domain/1", "n1,r2"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/1",
				       "n1,r2,r3,r4"),
			 0);
}
END_TEST

START_TEST(path_quota)
{
	char path[128];

	xs_store_quota_set(s, XS_QUOTA_PATH_LEN, 6);
	snprintf(path, sizeof(path), "/local/domain/1/%s", "abcdef");
	ck_assert_int_eq(write_str(s, 1, 0, path, "x"), 0);
	snprintf(path, sizeof(path), "/local/domain/1/%s", "abcdefg");
	ck_unchanged(EINVAL, write_str(s, 1, 0, path, "x"));
	ck_assert_int_eq(write_str(s, 0, 0, path, "x"), 0);
}
END_TEST

START_TEST(memory_accounting_and_leaks)
{
	struct xs_store_stats base, full, empty;
	char path[64];

	xs_store_stats(s, &base);
	ck_assert_uint_gt(base.bytes, 0);
	for (int i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/bench/%d/value", i);
		ck_assert_int_eq(write_str(s, 0, 0, path, "some value"), 0);
	}
	xs_store_stats(s, &full);
	ck_assert_uint_eq(full.nodes, base.nodes + 201);
	ck_assert_uint_gt(full.bytes, base.bytes + 201 * 10);
	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/bench"), 0);
	xs_store_stats(s, &empty);
	ck_assert_uint_eq(empty.nodes, base.nodes);
	ck_assert_uint_eq(empty.bytes, base.bytes);
}
END_TEST

Suite *xs_store_quota_suite(void)
{
	Suite *su = suite_create("xs_store_quota");
	TCase *tc = tcase_create("quota");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, table_names_and_defaults);
	tcase_add_test(tc, request_size_check_for_protocol_layer);
	tcase_add_test(tc, node_quota);
	tcase_add_test(tc, node_quota_counts_implicit_parents);
	tcase_add_test(tc, value_size_quota);
	tcase_add_test(tc, watch_quota);
	tcase_add_test(tc, transaction_quota);
	tcase_add_test(tc, transaction_nodes_quota);
	tcase_add_test(tc, node_quota_at_commit);
	tcase_add_test(tc, perms_count_quota);
	tcase_add_test(tc, path_quota);
	tcase_add_test(tc, memory_accounting_and_leaks);
	suite_add_tcase(su, tc);
	return su;
}
