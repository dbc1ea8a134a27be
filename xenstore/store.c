/*
 * The store's public entry points: creation, the node requests (routed to
 * the live tree or a transaction's), special paths and accounting.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/store_internal.h"

/* Root and special paths start as xenstored's: owned by 0, no access. */
static const struct xs_store_perm initial_perms = { 0, XS_STORE_PERM_NONE };

struct xs_store *xs_store_new(xs_store_fire_fn *fire, void *opaque)
{
	struct xs_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fire = fire;
	s->opaque = opaque;
	s->next_txid = 1;
	quota_init(s);
	for (int i = 0; i < SPECIAL_COUNT; i++) {
		s->special_perms[i] = malloc(sizeof(initial_perms));
		if (!s->special_perms[i])
			goto fail;
		s->special_perms[i][0] = initial_perms;
		s->special_nperms[i] = 1;
	}
	s->owners = malloc(sizeof(*s->owners));
	s->root = node_new(s, "", 0, &initial_perms, 1);
	if (!s->owners || !s->root)
		goto fail;
	s->owners_cap = 1;
	s->root->gen = store_next_gen(s);
	owner_add(s, initial_perms.domid, 1);
	return s;
fail:
	xs_store_free(s);
	return NULL;
}

void xs_store_free(struct xs_store *s)
{
	if (!s)
		return;
	tx_free_all(s);
	node_unref(s, s->root);
	watch_free_all(s);
	for (int i = 0; i < SPECIAL_COUNT; i++)
		free(s->special_perms[i]);
	free(s->owners);
	free(s);
}

/* Checks the transaction and path and points op at the tree to use. */
static int begin(struct xs_store *s, unsigned int domid, uint32_t txid,
		 const char *path, struct xs_op *op)
{
	struct xs_tx *tx = txid ? tx_find(s, domid, txid) : NULL;

	op_init(op, s, domid, tx ? &tx->root : &s->root, tx);
	if (txid && !tx)
		return ENOENT;
	return xs_store_path_check(s, domid, path, false);
}

int xs_store_read(struct xs_store *s, unsigned int domid, uint32_t txid,
		  const char *path, char **val, size_t *len)
{
	struct node *n;
	struct xs_op op;
	int rc = begin(s, domid, txid, path, &op);

	if (!rc)
		rc = op_get(&op, path, XS_STORE_PERM_READ, &n);
	if (!rc) {
		*val = malloc(n->len + 1);
		if (!*val) {
			rc = ENOMEM;
		} else {
			if (n->len)
				memcpy(*val, n->value, n->len);
			(*val)[n->len] = '\0';
			*len = n->len;
		}
	}
	op_done(&op);
	return rc;
}

int xs_store_directory(struct xs_store *s, unsigned int domid, uint32_t txid,
		       const char *path, char **list, size_t *len,
		       uint64_t *gen)
{
	struct node *n;
	struct xs_op op;
	int rc = begin(s, domid, txid, path, &op);
	size_t total = 0;
	char *p;

	if (!rc)
		rc = op_get(&op, path, XS_STORE_PERM_READ, &n);
	op_done(&op);
	if (rc)
		return rc;
	for (unsigned int i = 0; i < n->nchildren; i++)
		total += strlen(n->children[i]->name) + 1;
	*list = p = malloc(total ? total : 1);
	if (!p)
		return ENOMEM;
	for (unsigned int i = 0; i < n->nchildren; i++) {
		size_t l = strlen(n->children[i]->name) + 1;

		memcpy(p, n->children[i]->name, l);
		p += l;
	}
	*len = total;
	if (gen)
		*gen = n->gen;
	return 0;
}

/* A change: on the live tree it fires watches; in a transaction it is logged. */
static int change(struct xs_store *s, unsigned int domid, uint32_t txid,
		  const char *path, enum tx_op_kind kind, const void *val,
		  size_t len, const struct xs_store_perm *perms,
		  unsigned int nperms)
{
	struct tx_op *logged = NULL;
	struct xs_op op;
	int rc = begin(s, domid, txid, path, &op);

	if (!rc && op.tx) {
		logged = tx_log_prepare(op.tx, kind, path, val, len, perms,
					nperms);
		if (!logged)
			rc = ENOMEM;
	}
	if (!rc) {
		switch (kind) {
		case TX_WRITE:
			rc = tree_write(&op, path, val, len, false);
			break;
		case TX_MKDIR:
			rc = tree_write(&op, path, NULL, 0, true);
			break;
		case TX_RM:
			rc = tree_rm(&op, path);
			break;
		case TX_SET_PERMS:
			rc = tree_set_perms(&op, path, perms, nperms);
			break;
		}
	}
	if (!rc) {
		op_finish(&op);
		if (logged)
			tx_log_keep(op.tx);
	} else if (logged) {
		tx_op_clear(logged);
	}
	op_done(&op);
	return rc;
}

int xs_store_write(struct xs_store *s, unsigned int domid, uint32_t txid,
		   const char *path, const void *val, size_t len)
{
	return change(s, domid, txid, path, TX_WRITE, val, len, NULL, 0);
}

int xs_store_mkdir(struct xs_store *s, unsigned int domid, uint32_t txid,
		   const char *path)
{
	return change(s, domid, txid, path, TX_MKDIR, NULL, 0, NULL, 0);
}

int xs_store_rm(struct xs_store *s, unsigned int domid, uint32_t txid,
		const char *path)
{
	return change(s, domid, txid, path, TX_RM, NULL, 0, NULL, 0);
}

static struct xs_store_perm *perms_dup(const struct xs_store_perm *p,
				       unsigned int n)
{
	struct xs_store_perm *d = malloc(n * sizeof(*d));

	if (d)
		memcpy(d, p, n * sizeof(*d));
	return d;
}

/* Special paths are outside the tree and outside transactions. */
static int special_lookup(struct xs_store *s, unsigned int domid,
			  uint32_t txid, const char *path, int *sp)
{
	int rc = xs_store_path_check(s, domid, path, true);

	if (rc)
		return rc;
	if (txid && !tx_find(s, domid, txid))
		return ENOENT;
	*sp = special_index(path);
	return *sp < 0 ? ENOENT : 0;
}

int xs_store_get_perms(struct xs_store *s, unsigned int domid, uint32_t txid,
		       const char *path, struct xs_store_perm **perms,
		       unsigned int *n)
{
	const struct xs_store_perm *src;
	unsigned int count;
	int rc, sp;

	if (path && path[0] == '@') {
		rc = special_lookup(s, domid, txid, path, &sp);
		if (rc)
			return rc;
		src = s->special_perms[sp];
		count = s->special_nperms[sp];
		if (!(perm_for(s, domid, src, count) & XS_STORE_PERM_READ))
			return EACCES;
	} else {
		struct xs_op op;
		struct node *node;

		rc = begin(s, domid, txid, path, &op);
		if (!rc)
			rc = op_get(&op, path, XS_STORE_PERM_READ, &node);
		op_done(&op);
		if (rc)
			return rc;
		src = node->perms;
		count = node->nperms;
	}
	*perms = perms_dup(src, count);
	if (!*perms)
		return ENOMEM;
	*n = count;
	return 0;
}

static int set_special_perms(struct xs_store *s, unsigned int domid,
			     uint32_t txid, const char *path,
			     const struct xs_store_perm *perms, unsigned int n)
{
	struct xs_store_perm *copy;
	int rc, sp;

	rc = perms_check(s, domid, perms, n);
	if (!rc)
		rc = special_lookup(s, domid, txid, path, &sp);
	if (rc)
		return rc;
	if (!perm_is_owner(s, domid, s->special_perms[sp]) ||
	    !(perm_for(s, domid, s->special_perms[sp],
		       s->special_nperms[sp]) & XS_STORE_PERM_WRITE))
		return EACCES;
	if (!quota_exempt(domid) &&
	    perms[0].domid != s->special_perms[sp][0].domid)
		return EPERM;
	copy = perms_dup(perms, n);
	if (!copy)
		return ENOMEM;
	free(s->special_perms[sp]);
	s->special_perms[sp] = copy;
	s->special_nperms[sp] = n;
	return 0;
}

int xs_store_set_perms(struct xs_store *s, unsigned int domid, uint32_t txid,
		       const char *path, const struct xs_store_perm *perms,
		       unsigned int n)
{
	if (path && path[0] == '@')
		return set_special_perms(s, domid, txid, path, perms, n);
	return change(s, domid, txid, path, TX_SET_PERMS, NULL, 0, perms, n);
}

void xs_store_stats(const struct xs_store *s, struct xs_store_stats *st)
{
	*st = (struct xs_store_stats){
		.nodes = s->live_nodes,
		.bytes = s->node_bytes,
		.watches = s->nwatches,
	};
	for (const struct xs_tx *tx = s->txs; tx; tx = tx->next)
		st->transactions++;
}
