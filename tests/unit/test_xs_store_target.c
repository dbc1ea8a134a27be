/*
 * The store engine's SET_TARGET: a stub domain (2 here) acting also as its
 * target guest (1) for permissions and watch events, who may set it, and
 * how releasing ends it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>

#include "tests/unit/test_xs_store.h"

static struct recorder rec;
static struct xs_store *s;
static int stub_watch, other_watch;	/* watcher handles */

static void setup(void)
{
	s = new_store(&rec);
	for (unsigned int d = 1; d <= 3; d++)
		ck_assert_int_eq(xs_store_domain_introduce(s, 0, d), 0);
	/* Each domain's home as a toolstack makes it: owned, no access. */
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/local/domain/1"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/1", "n1"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/local/domain/1/name", "guest"),
			 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/local/domain/3/name", "other"),
			 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/3", "n3"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/3/name", "n3"),
			 0);
}

static void teardown(void)
{
	xs_store_free(s);
}

START_TEST(stub_gets_owner_rights_on_targets_nodes)
{
	char *p;
	int rc;

	ck_read_err(s, 2, 0, "/local/domain/1/name", EACCES);
	ck_assert_int_eq(write_str(s, 2, 0, "/local/domain/1/dm", "x"), EACCES);
	ck_assert_int_eq(xs_store_set_target(s, 0, 2, 1), 0);

	ck_read_eq(s, 2, 0, "/local/domain/1/name", "guest");
	ck_assert_int_eq(write_str(s, 2, 0, "/local/domain/1/name", "renamed"),
			 0);
	ck_read_eq(s, 1, 0, "/local/domain/1/name", "renamed");
	p = dir_str(s, 2, 0, "/local/domain/1", &rc);
	ck_assert_str_eq(p, "name");
	free(p);
	/* Owner rights include changing perms, not giving the node away. */
	ck_assert_int_eq(set_perms_str(s, 2, 0, "/local/domain/1/name",
				       "n1,r3"),
			 0);
	ck_read_eq(s, 3, 0, "/local/domain/1/name", "renamed");
	ck_assert_int_eq(set_perms_str(s, 2, 0, "/local/domain/1/name", "n2"),
			 EPERM);
	ck_assert_int_eq(xs_store_rm(s, 2, 0, "/local/domain/1/name"), 0);
	ck_read_err(s, 1, 0, "/local/domain/1/name", ENOENT);

	/* What the stub creates is its own and counts against its quota. */
	ck_assert_uint_eq(xs_store_domain_nodes(s, 2), 0);
	ck_assert_int_eq(write_str(s, 2, 0, "/local/domain/1/dm/state", "run"),
			 0);
	p = get_perms_str(s, 0, 0, "/local/domain/1/dm/state", &rc);
	ck_assert_str_eq(p, "n2");
	free(p);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 2), 2);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 1), 1);
	xs_store_quota_set(s, XS_QUOTA_NODES, 2);
	ck_assert_int_eq(write_str(s, 2, 0, "/local/domain/1/dm/more", ""),
			 ENOSPC);
	ck_assert_int_eq(write_str(s, 1, 0, "/local/domain/1/more", ""), 0);

	/* The same rights inside a transaction, checked again at commit. */
	uint32_t tx;

	ck_assert_int_eq(xs_store_tx_start(s, 2, &rec, &tx), 0);
	ck_assert_int_eq(write_str(s, 2, tx, "/local/domain/1/more", "t"), 0);
	ck_assert_int_eq(xs_store_tx_end(s, 2, tx, true), 0);
	ck_read_eq(s, 1, 0, "/local/domain/1/more", "t");
}
END_TEST

START_TEST(entries_naming_the_target_apply_in_list_order)
{
	ck_assert_int_eq(write_str(s, 0, 0, "/tool/a", "a"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/tool/a", "n0,r1"), 0);
	ck_read_err(s, 2, 0, "/tool/a", EACCES);
	ck_assert_int_eq(xs_store_set_target(s, 0, 2, 1), 0);
	ck_read_eq(s, 2, 0, "/tool/a", "a");
	ck_assert_int_eq(write_str(s, 2, 0, "/tool/a", "no"), EACCES);
	/* An entry, even "b", gives no ownership: perms stay the owner's. */
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/tool/a", "n0,b1"), 0);
	ck_assert_int_eq(write_str(s, 2, 0, "/tool/a", "a"), 0);
	ck_assert_int_eq(set_perms_str(s, 2, 0, "/tool/a", "n0,b2"), EACCES);

	/* The first entry naming either domain decides, as in xenstored. */
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/tool/a", "n0,r1,w2"), 0);
	ck_read_eq(s, 2, 0, "/tool/a", "a");
	ck_assert_int_eq(write_str(s, 2, 0, "/tool/a", "no"), EACCES);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/tool/a", "n0,w2,r1"), 0);
	ck_read_err(s, 2, 0, "/tool/a", EACCES);
	ck_assert_int_eq(write_str(s, 2, 0, "/tool/a", "w"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/tool/a", "n0,n2,b1"), 0);
	ck_read_err(s, 2, 0, "/tool/a", EACCES);
	/* The owner entry's default still reaches it when nothing matches. */
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/tool/a", "r0,w3"), 0);
	ck_read_eq(s, 2, 0, "/tool/a", "w");
}
END_TEST

START_TEST(nothing_of_other_domains)
{
	ck_assert_int_eq(xs_store_set_target(s, 0, 2, 1), 0);
	ck_read_err(s, 2, 0, "/local/domain/3/name", EACCES);
	ck_assert_int_eq(write_str(s, 2, 0, "/local/domain/3/x", ""), EACCES);
	ck_assert_int_eq(write_str(s, 0, 0, "/tool/b", "b"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/tool/b", "n0,r3"), 0);
	ck_read_err(s, 2, 0, "/tool/b", EACCES);
	/* One way only: the target gains nothing of the stub's. */
	ck_assert_int_eq(write_str(s, 0, 0, "/tool/stub", "s"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/tool/stub", "n2"), 0);
	ck_read_eq(s, 2, 0, "/tool/stub", "s");
	ck_read_err(s, 1, 0, "/tool/stub", EACCES);
	/* Nor does it make the stub privileged: dom0's nodes stay closed. */
	ck_read_err(s, 2, 0, "/local", EACCES);
	ck_assert_int_eq(xs_store_domain_introduce(s, 2, 4), EACCES);
}
END_TEST

START_TEST(only_dom0_for_introduced_domains)
{
	ck_assert_int_eq(xs_store_set_target(s, 1, 2, 1), EACCES);
	ck_assert_int_eq(xs_store_set_target(s, 2, 2, 1), EACCES);
	ck_assert_int_eq(xs_store_set_target(s, 0, 4, 1), ENOENT);
	ck_assert_int_eq(xs_store_set_target(s, 0, 2, 4), ENOENT);
	ck_assert_int_eq(xs_store_set_target(s, 0, 2, DOMID_FIRST_RESERVED),
			 ENOENT);
	ck_assert_int_eq(xs_store_set_target(s, 0, 65535, 1), ENOENT);
	ck_read_err(s, 2, 0, "/local/domain/1/name", EACCES);
	/* Accepted as by xenstored, and granting nothing new. */
	ck_assert_int_eq(xs_store_set_target(s, 0, 2, 2), 0);
	ck_assert_int_eq(xs_store_set_target(s, 0, 0, 1), 0);
	ck_read_err(s, 2, 0, "/local/domain/1/name", EACCES);
	ck_read_eq(s, 0, 0, "/local/domain/1/name", "guest");
}
END_TEST

START_TEST(second_call_replaces_the_target)
{
	ck_assert_int_eq(xs_store_set_target(s, 0, 2, 1), 0);
	ck_read_eq(s, 2, 0, "/local/domain/1/name", "guest");
	ck_assert_int_eq(xs_store_set_target(s, 0, 2, 3), 0);
	ck_read_err(s, 2, 0, "/local/domain/1/name", EACCES);
	ck_read_eq(s, 2, 0, "/local/domain/3/name", "other");
}
END_TEST

START_TEST(releasing_either_domain_ends_it)
{
	ck_assert_int_eq(xs_store_set_target(s, 0, 2, 1), 0);
	ck_assert_int_eq(xs_store_domain_release(s, 0, 1), 0);
	ck_read_err(s, 2, 0, "/local/domain/1/name", EACCES);
	/* A later domain with the same id is not the stub's target. */
	ck_assert_int_eq(xs_store_domain_introduce(s, 0, 1), 0);
	ck_read_err(s, 2, 0, "/local/domain/1/name", EACCES);

	ck_assert_int_eq(xs_store_set_target(s, 0, 2, 1), 0);
	ck_assert_int_eq(xs_store_set_target(s, 0, 3, 1), 0);
	ck_assert_int_eq(xs_store_domain_release(s, 0, 2), 0);
	ck_assert_int_eq(xs_store_domain_introduce(s, 0, 2), 0);
	ck_read_err(s, 2, 0, "/local/domain/1/name", EACCES);
	/* Another stub of the same target keeps its relation. */
	ck_read_eq(s, 3, 0, "/local/domain/1/name", "guest");
}
END_TEST

START_TEST(watch_events_follow_the_same_rule)
{
	ck_assert_int_eq(xs_store_watch_add(s, &stub_watch, 2,
					    "/local/domain/1", 0, "dm"),
			 0);
	ck_assert_int_eq(xs_store_watch_add(s, &other_watch, 3,
					    "/local/domain/1", 0, "o"),
			 0);
	ck_assert_int_eq(write_str(s, 1, 0, "/local/domain/1/name", "a"), 0);
	ck_assert_int_eq(rec.n, 0);

	ck_assert_int_eq(xs_store_set_target(s, 0, 2, 1), 0);
	ck_assert_int_eq(write_str(s, 1, 0, "/local/domain/1/name", "b"), 0);
	ck_assert_int_eq(rec.n, 1);
	ck_assert(saw_event(&rec, &stub_watch, "/local/domain/1/name", "dm"));
	/* Removing what only the target could read reaches the stub too. */
	ck_assert_int_eq(xs_store_rm(s, 1, 0, "/local/domain/1/name"), 0);
	ck_assert_int_eq(rec.n, 2);
	ck_assert_str_eq(rec.ev[1].token, "dm");

	/* Special paths too: @introduceDomain readable by the target. */
	ck_assert_int_eq(xs_store_watch_add(s, &stub_watch, 2,
					    "@introduceDomain", 0, "in"),
			 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "@introduceDomain", "n0,r1"),
			 0);
	ck_assert_int_eq(xs_store_domain_introduce(s, 0, 4), 0);
	ck_assert_int_eq(rec.n, 3);
	ck_assert(saw_event(&rec, &stub_watch, "@introduceDomain", "in"));

	/* Once the relation ends, so do the events. */
	ck_assert_int_eq(xs_store_set_target(s, 0, 2, 3), 0);
	ck_assert_int_eq(write_str(s, 1, 0, "/local/domain/1/name", "c"), 0);
	ck_assert_int_eq(xs_store_domain_introduce(s, 0, 5), 0);
	ck_assert_int_eq(rec.n, 3);
}
END_TEST

Suite *xs_store_target_suite(void)
{
	Suite *su = suite_create("xs_store_target");
	TCase *tc = tcase_create("target");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, stub_gets_owner_rights_on_targets_nodes);
	tcase_add_test(tc, entries_naming_the_target_apply_in_list_order);
	tcase_add_test(tc, nothing_of_other_domains);
	tcase_add_test(tc, only_dom0_for_introduced_domains);
	tcase_add_test(tc, second_call_replaces_the_target);
	tcase_add_test(tc, releasing_either_domain_ends_it);
	tcase_add_test(tc, watch_events_follow_the_same_rule);
	suite_add_tcase(su, tc);
	return su;
}
