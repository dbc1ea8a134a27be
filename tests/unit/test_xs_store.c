/*
 * The xenstore store engine: the node tree, paths and permissions. The
 * other test_xs_store_*.c files cover transactions, watches, quotas,
 * random sequences and SET_TARGET; this one holds the shared helpers and
 * main().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_xs_store.h"

/* ---- Helpers ------------------------------------------------------------ */

static void record(void *opaque, void *watcher, const char *path,
		   const char *token)
{
	struct recorder *rec = opaque;
	struct event *e;

	ck_assert_int_lt(rec->n, MAX_EVENTS);
	e = &rec->ev[rec->n++];
	e->watcher = watcher;
	ck_assert_uint_lt(strlen(path), sizeof(e->path));
	ck_assert_uint_lt(strlen(token), sizeof(e->token));
	strcpy(e->path, path);
	strcpy(e->token, token);
}

struct xs_store *new_store(struct recorder *rec)
{
	struct xs_store *s;

	memset(rec, 0, sizeof(*rec));
	s = xs_store_new(record, rec);
	ck_assert_ptr_nonnull(s);
	return s;
}

int write_str(struct xs_store *s, unsigned int domid, uint32_t txid,
	      const char *path, const char *val)
{
	return xs_store_write(s, domid, txid, path, val, strlen(val));
}

char *read_str(struct xs_store *s, unsigned int domid, uint32_t txid,
	       const char *path, int *rc)
{
	char *val;
	size_t len;

	*rc = xs_store_read(s, domid, txid, path, &val, &len);
	if (*rc)
		return NULL;
	ck_assert_uint_eq(strlen(val), len);
	return val;
}

static void commas_to_nuls(char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] == ',')
			p[i] = '\0';
}

static void nuls_to_commas(char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] == '\0')
			p[i] = ',';
}

int set_perms_str(struct xs_store *s, unsigned int domid, uint32_t txid,
		  const char *path, const char *perms)
{
	size_t len = strlen(perms) + 1;
	char *buf = strdup(perms);
	struct xs_store_perm *p;
	unsigned int n;
	int rc;

	ck_assert_ptr_nonnull(buf);
	commas_to_nuls(buf, len);
	rc = xs_store_perms_parse(buf, len, &p, &n);
	free(buf);
	ck_assert_int_eq(rc, 0);
	rc = xs_store_set_perms(s, domid, txid, path, p, n);
	free(p);
	return rc;
}

char *get_perms_str(struct xs_store *s, unsigned int domid, uint32_t txid,
		    const char *path, int *rc)
{
	struct xs_store_perm *p;
	unsigned int n;
	char *buf;
	size_t len;

	*rc = xs_store_get_perms(s, domid, txid, path, &p, &n);
	if (*rc)
		return NULL;
	ck_assert_int_eq(xs_store_perms_format(p, n, &buf, &len), 0);
	free(p);
	nuls_to_commas(buf, len);
	buf[len - 1] = '\0';
	return buf;
}

char *dir_str(struct xs_store *s, unsigned int domid, uint32_t txid,
	      const char *path, int *rc)
{
	char *list, *out;
	size_t len;

	*rc = xs_store_directory(s, domid, txid, path, &list, &len, NULL);
	if (*rc)
		return NULL;
	out = malloc(len + 1);
	ck_assert_ptr_nonnull(out);
	memcpy(out, list, len);
	nuls_to_commas(out, len);
	out[len ? len - 1 : 0] = '\0';
	free(list);
	return out;
}

static void append(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s);

	*buf = realloc(*buf, *len + n + 1);
	ck_assert_ptr_nonnull(*buf);
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

static void dump_into(struct xs_store *s, const char *path, char **buf,
		      size_t *len)
{
	char *val, *perms, *list;
	size_t vlen, llen;
	int rc;

	ck_assert_int_eq(xs_store_read(s, 0, 0, path, &val, &vlen), 0);
	perms = get_perms_str(s, 0, 0, path, &rc);
	ck_assert_int_eq(rc, 0);
	append(buf, len, path);
	append(buf, len, "=");
	append(buf, len, val);
	append(buf, len, " ");
	append(buf, len, perms);
	append(buf, len, "\n");
	free(val);
	free(perms);
	ck_assert_int_eq(xs_store_directory(s, 0, 0, path, &list, &llen, NULL),
			 0);
	for (size_t off = 0; off < llen; off += strlen(list + off) + 1) {
		char child[512];

		snprintf(child, sizeof(child), "%s/%s",
			 strcmp(path, "/") ? path : "", list + off);
		dump_into(s, child, buf, len);
	}
	free(list);
}

char *dump_tree(struct xs_store *s, const char *path)
{
	char *buf = NULL;
	size_t len = 0;

	append(&buf, &len, "");
	dump_into(s, path, &buf, &len);
	return buf;
}

bool saw_event(const struct recorder *rec, void *watcher, const char *path,
	       const char *token)
{
	for (int i = 0; i < rec->n; i++)
		if (rec->ev[i].watcher == watcher &&
		    !strcmp(rec->ev[i].path, path) &&
		    !strcmp(rec->ev[i].token, token))
			return true;
	return false;
}

static struct recorder rec;
static struct xs_store *s;

static void setup(void)
{
	s = new_store(&rec);
}

static void teardown(void)
{
	xs_store_free(s);
}

/* ---- Tree --------------------------------------------------------------- */

START_TEST(root_exists_empty)
{
	int rc;
	char *d = dir_str(s, 0, 0, "/", &rc);

	ck_read_eq(s, 0, 0, "/", "");
	ck_assert_str_eq(d, "");
	free(d);
}
END_TEST

START_TEST(write_read_binary_and_empty)
{
	static const char bin[] = { 'a', 0, 'b', 0, (char)0xff };
	char *val;
	size_t len;

	ck_assert_int_eq(xs_store_write(s, 0, 0, "/bin", bin, sizeof(bin)), 0);
	ck_assert_int_eq(xs_store_read(s, 0, 0, "/bin", &val, &len), 0);
	ck_assert_uint_eq(len, sizeof(bin));
	ck_assert_mem_eq(val, bin, sizeof(bin));
	ck_assert_int_eq(val[len], 0);
	free(val);

	ck_assert_int_eq(write_str(s, 0, 0, "/bin", ""), 0);
	ck_read_eq(s, 0, 0, "/bin", "");
	ck_assert_int_eq(write_str(s, 0, 0, "/bin", "again"), 0);
	ck_read_eq(s, 0, 0, "/bin", "again");
}
END_TEST

START_TEST(write_creates_parents)
{
	int rc;
	char *d;

	ck_assert_int_eq(write_str(s, 0, 0, "/a/b/c", "v"), 0);
	ck_read_eq(s, 0, 0, "/a", "");
	ck_read_eq(s, 0, 0, "/a/b", "");
	ck_read_eq(s, 0, 0, "/a/b/c", "v");
	d = dir_str(s, 0, 0, "/a", &rc);
	ck_assert_str_eq(d, "b");
	free(d);
	d = dir_str(s, 0, 0, "/a/b/c", &rc);
	ck_assert_str_eq(d, "");
	free(d);
}
END_TEST

START_TEST(missing_node_is_enoent)
{
	int rc;

	ck_read_err(s, 0, 0, "/nope", ENOENT);
	ck_read_err(s, 0, 0, "/nope/deeper", ENOENT);
	ck_assert_ptr_null(dir_str(s, 0, 0, "/nope", &rc));
	ck_assert_int_eq(rc, ENOENT);
}
END_TEST

START_TEST(directory_sorted_with_generation)
{
	uint64_t g1, g2, g3;
	char *list;
	size_t len;
	int rc;
	char *d;

	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/d"), 0);
	ck_assert_int_eq(xs_store_directory(s, 0, 0, "/d", &list, &len, &g1),
			 0);
	free(list);
	ck_assert_int_eq(write_str(s, 0, 0, "/d/a", "1"), 0);
	ck_assert_int_eq(xs_store_directory(s, 0, 0, "/d", &list, &len, &g2),
			 0);
	free(list);
	ck_assert_uint_ne(g1, g2);
	/* Changing a child's value leaves the parent's listing as it was. */
	ck_assert_int_eq(write_str(s, 0, 0, "/d/a", "2"), 0);
	ck_assert_int_eq(xs_store_directory(s, 0, 0, "/d", &list, &len, &g3),
			 0);
	free(list);
	ck_assert_uint_eq(g2, g3);

	ck_assert_int_eq(write_str(s, 0, 0, "/d/zz", ""), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/d/b", ""), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/d/a-1", ""), 0);
	d = dir_str(s, 0, 0, "/d", &rc);
	ck_assert_str_eq(d, "a,a-1,b,zz");
	free(d);
}
END_TEST

START_TEST(mkdir_keeps_existing)
{
	ck_assert_int_eq(write_str(s, 0, 0, "/m", "keep"), 0);
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/m"), 0);
	ck_read_eq(s, 0, 0, "/m", "keep");
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/m/n/o"), 0);
	ck_read_eq(s, 0, 0, "/m/n/o", "");
}
END_TEST

START_TEST(rm_subtree)
{
	struct xs_store_stats before, after;
	int rc;
	char *d;

	xs_store_stats(s, &before);
	ck_assert_int_eq(write_str(s, 0, 0, "/r/a/x", "1"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/r/a/y", "2"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/r/b", "3"), 0);
	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/r/a"), 0);
	ck_read_err(s, 0, 0, "/r/a", ENOENT);
	ck_read_err(s, 0, 0, "/r/a/x", ENOENT);
	ck_read_eq(s, 0, 0, "/r/b", "3");
	d = dir_str(s, 0, 0, "/r", &rc);
	ck_assert_str_eq(d, "b");
	free(d);

	/* Gone already, parent there: fine. Parent gone too: ENOENT. */
	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/r/a"), 0);
	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/r/a/x"), ENOENT);
	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/"), EINVAL);

	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/r"), 0);
	xs_store_stats(s, &after);
	ck_assert_uint_eq(after.nodes, before.nodes);
	ck_assert_uint_eq(after.bytes, before.bytes);
}
END_TEST

START_TEST(path_syntax)
{
	static const char *const bad[] = {
		"", "a", "/a/", "//", "/a//b", "/a b", "/a.b", "/a\n",
		"@introduceDomain", "/ä",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(write_str(s, 0, 0, bad[i], "x"), EINVAL);
		ck_assert_int_eq(xs_store_path_check(s, 0, bad[i], false),
				 EINVAL);
	}
	ck_assert_int_eq(write_str(s, 0, 0, "/A-z_0@9/x", "ok"), 0);
	ck_assert_int_eq(xs_store_path_check(s, 0, "@releaseDomain", true), 0);
	ck_assert_int_eq(xs_store_read(s, 0, 0, NULL, NULL, NULL), EINVAL);
}
END_TEST

START_TEST(path_length_limits)
{
	char path[3200];
	size_t home;

	/* Below a home only what the domain adds counts, up to the quota. */
	strcpy(path, "/local/domain/7/");
	home = strlen(path);
	memset(path + home, 'x', 2048);
	path[home + 2048] = '\0';
	ck_assert_int_eq(xs_store_path_check(s, 7, path, false), 0);
	path[home + 2048] = 'y';
	path[home + 2049] = '\0';
	ck_assert_int_eq(xs_store_path_check(s, 7, path, false), EINVAL);
	/* Domain 0 has no path quota, only the absolute limit. */
	ck_assert_int_eq(xs_store_path_check(s, 0, path, false), 0);
	memset(path, 'z', sizeof(path));
	path[0] = '/';
	path[3073] = '\0';
	ck_assert_int_eq(xs_store_path_check(s, 0, path, false), EINVAL);
	path[3072] = '\0';
	ck_assert_int_eq(xs_store_path_check(s, 0, path, false), 0);
}
END_TEST

START_TEST(domain_path_format)
{
	char buf[32];

	ck_assert_int_eq(xs_store_domain_path(12, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/local/domain/12");
	ck_assert_int_eq(xs_store_domain_path(12, buf, 10), EINVAL);
}
END_TEST

/* ---- Permissions -------------------------------------------------------- */

START_TEST(perms_parse_format)
{
	static const char wire[] = "b0\0r5\0w65535\0n12";
	struct xs_store_perm *p;
	unsigned int n;
	char *buf;
	size_t len;

	ck_assert_int_eq(xs_store_perms_parse(wire, sizeof(wire), &p, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(p[0].perm, XS_STORE_PERM_BOTH);
	ck_assert_uint_eq(p[1].domid, 5);
	ck_assert_uint_eq(p[1].perm, XS_STORE_PERM_READ);
	ck_assert_uint_eq(p[2].domid, 65535);
	ck_assert_uint_eq(p[2].perm, XS_STORE_PERM_WRITE);
	ck_assert_uint_eq(p[3].perm, XS_STORE_PERM_NONE);
	ck_assert_int_eq(xs_store_perms_format(p, n, &buf, &len), 0);
	ck_assert_uint_eq(len, sizeof(wire));
	ck_assert_mem_eq(buf, wire, len);
	free(buf);
	free(p);

	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		{ "", 0 }, { "b0", 2 }, { "x0", 3 }, { "b", 2 }, { "b-1", 4 },
		{ "b65536", 7 }, { "b1x", 4 }, { "r1\0\0", 4 },
		{ "b0\0n", 5 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(xs_store_perms_parse(bad[i].s, bad[i].len, &p,
						   &n) == EINVAL,
			      "accepted bad perms #%zu", i);
}
END_TEST

/* /local/domain/1 owned by 1, nobody else; /local/domain/1/shared r for 2. */
static void make_home(void)
{
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/local/domain/1"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/1", "n1"), 0);
	ck_assert_int_eq(write_str(s, 0, 0, "/local/domain/1/shared", "s"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/1/shared",
				       "n1,r2"),
			 0);
}

START_TEST(owner_reads_and_writes)
{
	make_home();
	ck_assert_int_eq(write_str(s, 1, 0, "/local/domain/1/x", "1"), 0);
	ck_read_eq(s, 1, 0, "/local/domain/1/x", "1");
	ck_read_eq(s, 1, 0, "/local/domain/1/shared", "s");
	ck_assert_int_eq(xs_store_rm(s, 1, 0, "/local/domain/1/x"), 0);
}
END_TEST

START_TEST(others_get_default_or_their_entry)
{
	make_home();
	ck_read_err(s, 2, 0, "/local/domain/1", EACCES);
	ck_read_eq(s, 2, 0, "/local/domain/1/shared", "s");
	ck_assert_int_eq(write_str(s, 2, 0, "/local/domain/1/shared", "no"),
			 EACCES);
	ck_read_err(s, 3, 0, "/local/domain/1/shared", EACCES);
	ck_assert_int_eq(write_str(s, 3, 0, "/local/domain/1/new", "no"),
			 EACCES);
	ck_assert_int_eq(xs_store_rm(s, 2, 0, "/local/domain/1/shared"),
			 EACCES);
	ck_read_eq(s, 0, 0, "/local/domain/1/shared", "s");
}
END_TEST

START_TEST(missing_node_hidden_by_parent_perms)
{
	make_home();
	/* Domain 2 may not learn what exists under 1's home. */
	ck_read_err(s, 2, 0, "/local/domain/1/nothing", EACCES);
	ck_read_err(s, 1, 0, "/local/domain/1/nothing", ENOENT);
	/* Root is "n0": a guest cannot probe the top either. */
	ck_read_err(s, 2, 0, "/nothing", EACCES);
}
END_TEST

START_TEST(dom0_bypasses_perms)
{
	make_home();
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/1/shared", "n5"),
			 0);
	ck_read_eq(s, 0, 0, "/local/domain/1/shared", "s");
	ck_assert_int_eq(write_str(s, 0, 0, "/local/domain/1/shared", "t"), 0);
}
END_TEST

START_TEST(created_nodes_inherit_perms)
{
	int rc;
	char *p;

	make_home();
	ck_assert_int_eq(set_perms_str(s, 1, 0, "/local/domain/1",
				       "n1,r7,b9"),
			 0);
	/* A guest owns what it creates, others keep the parent's entries. */
	ck_assert_int_eq(write_str(s, 9, 0, "/local/domain/1/by9/deep", "x"),
			 0);
	p = get_perms_str(s, 0, 0, "/local/domain/1/by9/deep", &rc);
	ck_assert_str_eq(p, "n9,r7,b9");
	free(p);
	p = get_perms_str(s, 0, 0, "/local/domain/1/by9", &rc);
	ck_assert_str_eq(p, "n9,r7,b9");
	free(p);
	/* Domain 0 creating keeps the parent's owner. */
	ck_assert_int_eq(write_str(s, 0, 0, "/local/domain/1/by0", "x"), 0);
	p = get_perms_str(s, 0, 0, "/local/domain/1/by0", &rc);
	ck_assert_str_eq(p, "n1,r7,b9");
	free(p);
	ck_read_eq(s, 7, 0, "/local/domain/1/by0", "x");
}
END_TEST

START_TEST(set_perms_rules)
{
	int rc;
	char *p;

	make_home();
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/1", "n1,b2"), 0);
	/* 2 may write but does not own: it may not change perms. */
	ck_assert_int_eq(set_perms_str(s, 2, 0, "/local/domain/1", "n1,b3"),
			 EACCES);
	/* The owner may change the rest but not give the node away. */
	ck_assert_int_eq(set_perms_str(s, 1, 0, "/local/domain/1", "n2"),
			 EPERM);
	ck_assert_int_eq(set_perms_str(s, 1, 0, "/local/domain/1", "r1,w4"),
			 0);
	p = get_perms_str(s, 4, 0, "/local/domain/1", &rc);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(rc, EACCES);
	p = get_perms_str(s, 1, 0, "/local/domain/1", &rc);
	ck_assert_str_eq(p, "r1,w4");
	free(p);
	ck_assert_int_eq(set_perms_str(s, 1, 0, "/local/domain/1/none", "n1"),
			 ENOENT);
	ck_assert_int_eq(xs_store_set_perms(s, 0, 0, "/local", NULL, 0),
			 EINVAL);
	struct xs_store_perm badperm = { 0, 4 };
	ck_assert_int_eq(xs_store_set_perms(s, 0, 0, "/local", &badperm, 1),
			 EINVAL);
}
END_TEST

START_TEST(domain_nodes_follow_owner)
{
	ck_assert_uint_eq(xs_store_domain_nodes(s, 1), 0);
	make_home();
	ck_assert_uint_eq(xs_store_domain_nodes(s, 1), 2);
	ck_assert_int_eq(write_str(s, 1, 0, "/local/domain/1/a/b", ""), 0);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 1), 4);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/local/domain/1/a", "n3"), 0);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 1), 3);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 3), 1);
	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/local/domain/1"), 0);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 1), 0);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 3), 0);
}
END_TEST

static Suite *tree_suite(void)
{
	Suite *su = suite_create("xs_store_tree");
	TCase *tc = tcase_create("tree");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, root_exists_empty);
	tcase_add_test(tc, write_read_binary_and_empty);
	tcase_add_test(tc, write_creates_parents);
	tcase_add_test(tc, missing_node_is_enoent);
	tcase_add_test(tc, directory_sorted_with_generation);
	tcase_add_test(tc, mkdir_keeps_existing);
	tcase_add_test(tc, rm_subtree);
	tcase_add_test(tc, path_syntax);
	tcase_add_test(tc, path_length_limits);
	tcase_add_test(tc, domain_path_format);
	suite_add_tcase(su, tc);

	tc = tcase_create("perms");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, perms_parse_format);
	tcase_add_test(tc, owner_reads_and_writes);
	tcase_add_test(tc, others_get_default_or_their_entry);
	tcase_add_test(tc, missing_node_hidden_by_parent_perms);
	tcase_add_test(tc, dom0_bypasses_perms);
	tcase_add_test(tc, created_nodes_inherit_perms);
	tcase_add_test(tc, set_perms_rules);
	tcase_add_test(tc, domain_nodes_follow_owner);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tree_suite());
	int failed;

	srunner_add_suite(sr, xs_store_txn_suite());
	srunner_add_suite(sr, xs_store_watch_suite());
	srunner_add_suite(sr, xs_store_quota_suite());
	srunner_add_suite(sr, xs_store_random_suite());
	srunner_add_suite(sr, xs_store_target_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
