/*
 * libFuzzer target for the store engine: the input is a sequence of
 * requests from several domains (paths, values and wire-form permissions
 * taken from the input, valid or not), transactions, watches, domain
 * introductions, SET_TARGET and quota changes. Besides the sanitizers it
 * checks that each domain's node count matches the tree after every
 * request and that removing everything gives back every node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/store.h"

struct input {
	const uint8_t *p;
	size_t left;
};

static unsigned int take(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

/* A path from the input: mostly well formed, sometimes not. */
static void take_path(struct input *in, char *buf, size_t size)
{
	static const char *const tops[] = { "/local/domain/1", "/local/domain/2",
					    "/tool", "/", "@releaseDomain",
					    "@introduceDomain", "" };
	static const char chars[] = "ab/c_-@.Z9 ";
	unsigned int n = take(in) % 12;
	size_t len;

	snprintf(buf, size, "%s", tops[take(in) % 7]);
	len = strlen(buf);
	for (unsigned int i = 0; i < n && len + 1 < size; i++) {
		unsigned int c = take(in);

		buf[len++] = c < 128 ? (i % 2 ? 'a' + c % 3 : '/') :
				       chars[c % (sizeof(chars) - 1)];
	}
	buf[len] = '\0';
}

static void on_fire(void *opaque, void *watcher, const char *path,
		    const char *token)
{
	(void)opaque;
	(void)watcher;
	if (strlen(path) > 4096 || strlen(token) > 4096)
		abort();
}

static unsigned int owned_below(struct xs_store *s, const char *path,
				unsigned int owner)
{
	struct xs_store_perm *p;
	unsigned int n, total;
	char *list;
	size_t len;

	if (xs_store_get_perms(s, 0, 0, path, &p, &n))
		abort();
	total = p[0].domid == owner;
	free(p);
	if (xs_store_directory(s, 0, 0, path, &list, &len, NULL))
		abort();
	for (size_t off = 0; off < len; off += strlen(list + off) + 1) {
		size_t plen = strlen(path) + strlen(list + off) + 2;
		char *child = malloc(plen);

		if (!child)
			abort();
		snprintf(child, plen, "%s/%s", strcmp(path, "/") ? path : "",
			 list + off);
		total += owned_below(s, child, owner);
		free(child);
	}
	free(list);
	return total;
}

static void check_counts(struct xs_store *s)
{
	for (unsigned int d = 0; d < 4; d++)
		if (xs_store_domain_nodes(s, d) != owned_below(s, "/", d))
			abort();
}

static void remove_everything(struct xs_store *s, const struct xs_store_stats
			      *initial)
{
	static const struct xs_store_perm root_perms = { 0, 0 };
	struct xs_store_stats st;
	char *list;
	size_t len;

	/* The root stays; put back its value and perms as the store began. */
	if (xs_store_write(s, 0, 0, "/", "", 0) ||
	    xs_store_set_perms(s, 0, 0, "/", &root_perms, 1))
		abort();

	if (xs_store_directory(s, 0, 0, "/", &list, &len, NULL))
		abort();
	for (size_t off = 0; off < len; off += strlen(list + off) + 1) {
		char path[4096];

		snprintf(path, sizeof(path), "/%s", list + off);
		if (xs_store_rm(s, 0, 0, path))
			abort();
	}
	free(list);
	xs_store_stats(s, &st);
	if (st.nodes != initial->nodes || st.bytes != initial->bytes)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int domids[] = { 0, 1, 2, 3 };
	static int conns[4];
	struct input in = { data, size };
	struct xs_store *s = xs_store_new(on_fire, NULL);
	struct xs_store_stats initial;
	uint32_t txids[4] = { 0 };

	if (!s)
		return 0;
	xs_store_stats(s, &initial);
	while (in.left) {
		unsigned int op = take(&in) % 17, who = take(&in) % 4;
		unsigned int domid = domids[who];
		uint32_t txid = take(&in) % 2 ? txids[who] : 0;
		char path[64], token[8], *out = NULL;
		struct xs_store_perm *perms;
		unsigned int n, vlen;
		uint8_t buf[32];
		size_t len;

		take_path(&in, path, sizeof(path));
		vlen = take(&in) % sizeof(buf);
		for (unsigned int i = 0; i < vlen; i++)
			buf[i] = (uint8_t)take(&in);
		snprintf(token, sizeof(token), "t%u", take(&in) % 4);

		switch (op) {
		case 0:
			if (!xs_store_read(s, domid, txid, path, &out, &len) &&
			    out[len] != '\0')
				abort();
			break;
		case 1:
			xs_store_write(s, domid, txid, path, buf, vlen);
			break;
		case 2:
			xs_store_mkdir(s, domid, txid, path);
			break;
		case 3:
			xs_store_rm(s, domid, txid, path);
			break;
		case 4:
			xs_store_directory(s, domid, txid, path, &out, &len,
					   NULL);
			break;
		case 5:
			if (!xs_store_get_perms(s, domid, txid, path, &perms,
						&n))
				free(perms);
			break;
		case 6:
			if (!xs_store_perms_parse((const char *)buf, vlen,
						  &perms, &n)) {
				xs_store_set_perms(s, domid, txid, path, perms,
						   n);
				free(perms);
			}
			break;
		case 7:
			if (!txids[who])
				xs_store_tx_start(s, domid, &conns[who],
						  &txids[who]);
			break;
		case 8:
		case 9:
			xs_store_tx_end(s, domid, txids[who], op == 8);
			txids[who] = 0;
			break;
		case 10:
			xs_store_watch_add(s, &conns[who], domid, path,
					   vlen % 20, token);
			break;
		case 11:
			xs_store_watch_remove(s, &conns[who], path, token);
			break;
		case 12:
			xs_store_watch_reset(s, &conns[who]);
			break;
		case 13:
			xs_store_domain_introduce(s, domid, vlen % 5);
			break;
		case 14:
			xs_store_domain_release(s, domid, vlen % 5);
			break;
		case 15:
			xs_store_quota_set(s, (enum xs_quota)(vlen % XS_QUOTA_COUNT),
					   take(&in) % 8 + 1);
			break;
		case 16:
			xs_store_set_target(s, domid, vlen % 5, take(&in) % 5);
			break;
		}
		free(out);
		check_counts(s);
	}
	for (unsigned int i = 0; i < 4; i++)
		xs_store_tx_end_owner(s, &conns[i]);
	remove_everything(s, &initial);
	xs_store_free(s);
	return 0;
}
