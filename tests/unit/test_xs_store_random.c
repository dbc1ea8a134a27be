/*
 * Randomised checks of the store engine against a second store used as the
 * reference: committed transactions must behave exactly as if their
 * requests had run, one after the other, at the moment of the commit
 * (same results, same final tree), node counts must match the tree, and a
 * commit must tell watchers what the same requests made directly would.
 * Seeds are fixed, so a failure reproduces.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_xs_store.h"

static uint64_t rng;

static unsigned int pick(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

enum kind { K_READ, K_WRITE, K_MKDIR, K_RM, K_DIR, K_GETPERMS, K_SETPERMS,
	    K_COUNT };

struct req {
	enum kind kind;
	unsigned int domid;
	char path[64];
	char arg[16];	/* value, or perms in comma form */
};

static const unsigned int domids[] = { 0, 1, 2 };

static void random_req(struct req *r, unsigned int domid)
{
	static const char *const tops[] = { "/local/domain/1",
					     "/local/domain/2", "/shared" };
	static const char *const parts[] = { "a", "b" };
	static const char *const perms[] = { "n1", "b1", "n2,r1", "r0", "b2",
					     "n0,b1,r2" };
	unsigned int depth = pick(3);

	r->kind = (enum kind)pick(K_COUNT);
	r->domid = domid;
	strcpy(r->path, tops[pick(3)]);
	for (unsigned int i = 0; i < depth; i++) {
		strcat(r->path, "/");
		strcat(r->path, parts[pick(2)]);
	}
	if (r->kind == K_SETPERMS)
		strcpy(r->arg, perms[pick(6)]);
	else
		snprintf(r->arg, sizeof(r->arg), "v%u", pick(100));
}

/* Runs r and describes the outcome: errno and whatever came back. */
static void run(struct xs_store *s, const struct req *r, uint32_t txid,
		char *out, size_t size)
{
	char *got = NULL;
	int rc = 0;

	switch (r->kind) {
	case K_READ:
		got = read_str(s, r->domid, txid, r->path, &rc);
		break;
	case K_WRITE:
		rc = write_str(s, r->domid, txid, r->path, r->arg);
		break;
	case K_MKDIR:
		rc = xs_store_mkdir(s, r->domid, txid, r->path);
		break;
	case K_RM:
		rc = xs_store_rm(s, r->domid, txid, r->path);
		break;
	case K_DIR:
		got = dir_str(s, r->domid, txid, r->path, &rc);
		break;
	case K_GETPERMS:
		got = get_perms_str(s, r->domid, txid, r->path, &rc);
		break;
	case K_SETPERMS:
		rc = set_perms_str(s, r->domid, txid, r->path, r->arg);
		break;
	case K_COUNT:
		break;
	}
	snprintf(out, size, "%d:%s", rc, got ? got : "");
	free(got);
}

static void seed_homes(struct xs_store *s)
{
	for (unsigned int d = 1; d <= 2; d++) {
		char home[32];

		snprintf(home, sizeof(home), "/local/domain/%u", d);
		ck_assert_int_eq(xs_store_mkdir(s, 0, 0, home), 0);
		ck_assert_int_eq(set_perms_str(s, 0, 0, home,
					       d == 1 ? "n1" : "n2"),
				 0);
	}
	ck_assert_int_eq(xs_store_mkdir(s, 0, 0, "/shared"), 0);
	ck_assert_int_eq(set_perms_str(s, 0, 0, "/shared", "b0"), 0);
}

/* Counts the nodes below path by owner, reading as domain 0. */
static unsigned int count_owned(struct xs_store *s, const char *path,
				unsigned int owner)
{
	struct xs_store_perm *p;
	unsigned int n, total;
	char *list;
	size_t len;

	ck_assert_int_eq(xs_store_get_perms(s, 0, 0, path, &p, &n), 0);
	total = p[0].domid == owner;
	free(p);
	ck_assert_int_eq(xs_store_directory(s, 0, 0, path, &list, &len, NULL),
			 0);
	for (size_t off = 0; off < len; off += strlen(list + off) + 1) {
		char child[256];

		snprintf(child, sizeof(child), "%s/%s",
			 strcmp(path, "/") ? path : "", list + off);
		total += count_owned(s, child, owner);
	}
	free(list);
	return total;
}

static void check_counts(struct xs_store *s)
{
	for (unsigned int d = 0; d < 3; d++)
		ck_assert_uint_eq(xs_store_domain_nodes(s, d),
				  count_owned(s, "/", d));
}

#define MAX_TX 3
#define MAX_REQS 24

struct open_tx {
	uint32_t id;
	unsigned int domid;
	unsigned int n;
	struct req reqs[MAX_REQS];
	char results[MAX_REQS][160];
};

static int txs_committed, txs_conflicted;

/*
 * Store a gets transactions and direct requests interleaved at random;
 * reference b gets the direct requests as they come and each committed
 * transaction's requests at its commit. Results and trees must agree.
 */
static void serializable_run(uint64_t seed)
{
	struct recorder ra, rb;
	struct xs_store *a = new_store(&ra), *b = new_store(&rb);
	struct open_tx tx[MAX_TX] = { 0 };
	char ra_out[160], rb_out[160];
	int conn;

	rng = seed;
	seed_homes(a);
	seed_homes(b);
	for (int step = 0; step < 400; step++) {
		unsigned int i = pick(MAX_TX);
		struct open_tx *t = &tx[i];
		struct req r;
		char *da, *db;
		int rc;

		switch (pick(4)) {
		case 0: /* a direct request on both */
			random_req(&r, domids[pick(3)]);
			run(a, &r, 0, ra_out, sizeof(ra_out));
			run(b, &r, 0, rb_out, sizeof(rb_out));
			ck_assert_str_eq(ra_out, rb_out);
			break;
		case 1: /* a request inside transaction i */
			if (!t->id) {
				t->domid = domids[pick(3)];
				t->n = 0;
				ck_assert_int_eq(xs_store_tx_start(a, t->domid,
								   &conn,
								   &t->id),
						 0);
			}
			if (t->n == MAX_REQS)
				break;
			random_req(&t->reqs[t->n], t->domid);
			run(a, &t->reqs[t->n], t->id, t->results[t->n],
			    sizeof(t->results[0]));
			t->n++;
			break;
		default: /* end transaction i */
			if (!t->id)
				break;
			if (pick(5) == 0) {
				ck_assert_int_eq(xs_store_tx_end(a, t->domid,
								 t->id, false),
						 0);
				t->id = 0;
				break;
			}
			rc = xs_store_tx_end(a, t->domid, t->id, true);
			t->id = 0;
			if (rc == EAGAIN) {
				txs_conflicted++;
				break;
			}
			ck_assert_int_eq(rc, 0);
			txs_committed++;
			for (unsigned int k = 0; k < t->n; k++) {
				run(b, &t->reqs[k], 0, rb_out, sizeof(rb_out));
				ck_assert_msg(!strcmp(t->results[k], rb_out),
					      "seed %llu step %d: tx saw %s, "
					      "serial run %s",
					      (unsigned long long)seed, step,
					      t->results[k], rb_out);
			}
			break;
		}
		da = dump_tree(a, "/");
		db = dump_tree(b, "/");
		ck_assert_str_eq(da, db);
		free(da);
		free(db);
		check_counts(a);
	}
	xs_store_tx_end_owner(a, &conn);
	xs_store_free(a);
	xs_store_free(b);
}

START_TEST(transactions_are_serializable)
{
	for (uint64_t seed = 1; seed <= 12; seed++)
		serializable_run(seed * 0x9e3779b97f4a7c15ull);
	/* The runs must have exercised both outcomes. */
	ck_assert_int_gt(txs_committed, 20);
	ck_assert_int_gt(txs_conflicted, 5);
}
END_TEST

/* What watchers heard, as a set of "watcher token path" lines. */
struct heard {
	char lines[256][96];
	int n;
};

static void hear(void *opaque, void *watcher, const char *path,
		 const char *token)
{
	struct heard *h = opaque;
	char line[96];

	snprintf(line, sizeof(line), "%p %s %s", watcher, token, path);
	for (int i = 0; i < h->n; i++)
		if (!strcmp(h->lines[i], line))
			return;
	ck_assert_int_lt(h->n, 256);
	strcpy(h->lines[h->n++], line);
}

static bool same_set(const struct heard *x, const struct heard *y)
{
	if (x->n != y->n)
		return false;
	for (int i = 0; i < x->n; i++) {
		int j = 0;

		while (j < y->n && strcmp(x->lines[i], y->lines[j]))
			j++;
		if (j == y->n)
			return false;
	}
	return true;
}

START_TEST(commit_tells_watchers_what_direct_requests_would)
{
	static int w[3];
	int conn;

	for (uint64_t seed = 1; seed <= 30; seed++) {
		struct heard ha = { 0 }, hb = { 0 };
		struct xs_store *a = xs_store_new(hear, &ha);
		struct xs_store *b = xs_store_new(hear, &hb);
		unsigned int domid;
		char out_a[160], out_b[160];
		uint32_t t;

		rng = seed * 0x2545f4914f6cdd1dull;
		seed_homes(a);
		seed_homes(b);
		for (unsigned int i = 0; i < 3; i++) {
			static const char *const paths[] = {
				"/", "/local/domain/1", "/shared/a" };

			ck_assert_int_eq(xs_store_watch_add(a, &w[i], i,
							    paths[i], 0, "t"),
					 0);
			ck_assert_int_eq(xs_store_watch_add(b, &w[i], i,
							    paths[i], 0, "t"),
					 0);
		}
		domid = domids[pick(3)];
		ck_assert_int_eq(xs_store_tx_start(a, domid, &conn, &t), 0);
		for (int k = 0; k < 12; k++) {
			struct req r;

			random_req(&r, domid);
			run(a, &r, t, out_a, sizeof(out_a));
			run(b, &r, 0, out_b, sizeof(out_b));
			ck_assert_str_eq(out_a, out_b);
		}
		ck_assert_int_eq(ha.n, 0);
		ck_assert_int_eq(xs_store_tx_end(a, domid, t, true), 0);
		ck_assert_msg(same_set(&ha, &hb), "seed %llu: %d vs %d events",
			      (unsigned long long)seed, ha.n, hb.n);
		xs_store_free(a);
		xs_store_free(b);
	}
}
END_TEST

START_TEST(everything_removed_frees_every_node)
{
	struct xs_store_stats st;
	struct recorder rec;
	struct xs_store *s = new_store(&rec);
	char out[160];
	uint32_t t;
	int conn;

	rng = 77;
	seed_homes(s);
	ck_assert_int_eq(xs_store_tx_start(s, 0, &conn, &t), 0);
	for (int k = 0; k < 300; k++) {
		struct req r;

		random_req(&r, domids[pick(3)]);
		run(s, &r, k % 3 ? 0 : t, out, sizeof(out));
		r.domid = 0;
		run(s, &r, k % 3 ? t : 0, out, sizeof(out));
	}
	check_counts(s);
	ck_assert_int_eq(xs_store_tx_end(s, 0, t, false), 0);
	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/local"), 0);
	ck_assert_int_eq(xs_store_rm(s, 0, 0, "/shared"), 0);
	xs_store_stats(s, &st);
	ck_assert_uint_eq(st.nodes, 1);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 0), 1);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 1), 0);
	ck_assert_uint_eq(xs_store_domain_nodes(s, 2), 0);
	xs_store_free(s);
}
END_TEST

Suite *xs_store_random_suite(void)
{
	Suite *su = suite_create("xs_store_random");
	TCase *tc = tcase_create("random");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, transactions_are_serializable);
	tcase_add_test(tc, commit_tells_watchers_what_direct_requests_would);
	tcase_add_test(tc, everything_removed_frees_every_node);
	suite_add_tcase(su, tc);
	return su;
}
