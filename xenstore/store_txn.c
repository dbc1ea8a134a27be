/*
 * Transactions.
 *
 * How it works
 *
 * A transaction starts by taking a reference to the live tree (base) and
 * works on its own copy-on-write tree (root) seeded from it, so inside the
 * transaction reads see the store as it was at the start plus the
 * transaction's own changes, and nobody else sees those changes. Every
 * request also:
 *  - records each path whose state decided its outcome, with that node's
 *    generation in base (0 if it did not exist there): the node read,
 *    written, listed or whose perms were used; for a missing node the
 *    ancestors looked at up to the closest existing one; for a creation or
 *    removal the parent whose list of children changes;
 *  - appends the change, if any, to a log.
 * A node's generation is a store-wide counter value taken whenever the node
 * is created or its value, permissions or list of children changes, and
 * never reused, so "same generation" means "not changed", and a node
 * removed and created again differs.
 *
 * Commit first checks every recorded path against the live tree: if any
 * generation differs, someone changed what the transaction's outcome was
 * based on, and the commit fails with EAGAIN (as xenstored; the guest
 * retries). Otherwise the log is replayed, with the transaction's domain as
 * caller, on a copy-on-write copy of the live tree, and the copy becomes the
 * live tree only if every step succeeded.
 *
 * Why that is correct
 *
 * Each request's result (value, listing, perms, error, and what it changed)
 * is a function of the state of the nodes it recorded and of the requests
 * before it in the same transaction. If none of the recorded nodes changed
 * since the start, then running all of the transaction's requests at commit
 * time, one after the other with nothing in between, gives the same results
 * the guest already saw — which is what the replay does. So every committed
 * transaction behaves as if it ran alone at its commit point. Nodes not
 * recorded (a deeper node changed under a subtree that the transaction
 * removes, say) do not affect any result, only what the replay removes,
 * which is the same as if the other change had come first.
 *
 * Replay can still fail for reasons outside the recorded nodes: quotas
 * (another transaction of the same domain used up the node quota first:
 * ENOSPC) and memory. Then the copy is dropped and the live tree, counts
 * and watches are untouched. Watch events are gathered during replay and
 * sent after the switch, so they fire only for commits that happened.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/store_internal.h"

struct xs_tx *tx_find(struct xs_store *s, unsigned int domid, uint32_t txid)
{
	for (struct xs_tx *tx = s->txs; tx; tx = tx->next)
		if (tx->id == txid && tx->domid == domid)
			return tx;
	return NULL;
}

int tx_note_access(struct xs_tx *tx, struct xs_store *s, const char *path,
		   size_t len)
{
	struct tx_access *a;
	struct node *n;
	int rc;

	for (size_t i = 0; i < tx->nacc; i++)
		if (!strncmp(tx->acc[i].path, path, len) &&
		    tx->acc[i].path[len] == '\0')
			return 0;
	rc = xs_store_quota_check(s, tx->domid, XS_QUOTA_TX_NODES,
				  tx->nacc + 1);
	if (rc)
		return rc;
	if (tx->nacc == tx->acc_cap) {
		size_t cap = tx->acc_cap ? tx->acc_cap * 2 : 8;

		a = realloc(tx->acc, cap * sizeof(*a));
		if (!a)
			return ENOMEM;
		tx->acc = a;
		tx->acc_cap = cap;
	}
	a = &tx->acc[tx->nacc];
	a->path = strndup(path, len);
	if (!a->path)
		return ENOMEM;
	n = node_lookup(tx->base, path, len, NULL);
	a->gen = n ? n->gen : 0;
	tx->nacc++;
	return 0;
}

void tx_op_clear(struct tx_op *o)
{
	free(o->path);
	free(o->value);
	free(o->perms);
	memset(o, 0, sizeof(*o));
}

/*
 * A log slot filled with a copy of the request, before the request runs, so
 * that a change made to the transaction's tree is never missing from the
 * log. tx_log_keep() keeps it; tx_op_clear() drops it.
 */
struct tx_op *tx_log_prepare(struct xs_tx *tx, enum tx_op_kind kind,
			     const char *path, const void *val, size_t len,
			     const struct xs_store_perm *perms,
			     unsigned int nperms)
{
	struct tx_op *o;

	if (tx->nops == tx->ops_cap) {
		size_t cap = tx->ops_cap ? tx->ops_cap * 2 : 8;

		o = realloc(tx->ops, cap * sizeof(*o));
		if (!o)
			return NULL;
		tx->ops = o;
		tx->ops_cap = cap;
	}
	o = &tx->ops[tx->nops];
	*o = (struct tx_op){ .kind = kind, .len = len, .nperms = nperms };
	o->path = strdup(path);
	if (len)
		o->value = malloc(len);
	if (nperms)
		o->perms = malloc(nperms * sizeof(*perms));
	if (!o->path || (len && !o->value) || (nperms && !o->perms)) {
		tx_op_clear(o);
		return NULL;
	}
	if (len)
		memcpy(o->value, val, len);
	if (nperms)
		memcpy(o->perms, perms, nperms * sizeof(*perms));
	return o;
}

void tx_log_keep(struct xs_tx *tx)
{
	tx->nops++;
}

static unsigned int tx_count(const struct xs_store *s, unsigned int domid)
{
	unsigned int n = 0;

	for (const struct xs_tx *tx = s->txs; tx; tx = tx->next)
		n += tx->domid == domid;
	return n;
}

static bool tx_id_live(const struct xs_store *s, uint32_t id)
{
	for (const struct xs_tx *tx = s->txs; tx; tx = tx->next)
		if (tx->id == id)
			return true;
	return false;
}

int xs_store_tx_start(struct xs_store *s, unsigned int domid, void *owner,
		      uint32_t *txid)
{
	struct xs_tx *tx;
	int rc;

	rc = xs_store_quota_check(s, domid, XS_QUOTA_TRANSACTIONS,
				  tx_count(s, domid) + 1UL);
	if (rc)
		return rc;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return ENOMEM;
	/* Ids are never 0 and never those of live transactions. */
	do {
		tx->id = s->next_txid++;
	} while (!tx->id || tx_id_live(s, tx->id));
	tx->domid = domid;
	tx->owner = owner;
	tx->base = tx->root = s->root;
	s->root->refs += 2;
	tx->next = s->txs;
	s->txs = tx;
	*txid = tx->id;
	return 0;
}

static void tx_free(struct xs_store *s, struct xs_tx *tx)
{
	for (size_t i = 0; i < tx->nacc; i++)
		free(tx->acc[i].path);
	for (size_t i = 0; i < tx->nops; i++)
		tx_op_clear(&tx->ops[i]);
	free(tx->acc);
	free(tx->ops);
	node_unref(s, tx->base);
	node_unref(s, tx->root);
	free(tx);
}

static void tx_unlink(struct xs_store *s, struct xs_tx *tx)
{
	struct xs_tx **p = &s->txs;

	while (*p != tx)
		p = &(*p)->next;
	*p = tx->next;
}

static int tx_replay(struct xs_op *op, const struct tx_op *o)
{
	switch (o->kind) {
	case TX_WRITE:
		return tree_write(op, o->path, o->value, o->len, false);
	case TX_MKDIR:
		return tree_write(op, o->path, NULL, 0, true);
	case TX_RM:
		return tree_rm(op, o->path);
	case TX_SET_PERMS:
		return tree_set_perms(op, o->path, o->perms, o->nperms);
	}
	return EINVAL;
}

static int tx_commit(struct xs_store *s, struct xs_tx *tx)
{
	struct node *next;
	struct xs_op op;
	int rc = 0;

	for (size_t i = 0; i < tx->nacc; i++) {
		const struct tx_access *a = &tx->acc[i];
		struct node *n = node_lookup(s->root, a->path,
					     strlen(a->path), NULL);

		if ((n ? n->gen : 0) != a->gen)
			return EAGAIN;
	}
	if (!tx->nops)
		return 0;
	next = s->root;
	next->refs++;
	op_init(&op, s, tx->domid, &next, NULL);
	for (size_t i = 0; !rc && i < tx->nops; i++)
		rc = tx_replay(&op, &tx->ops[i]);
	if (rc) {
		node_unref(s, next);
	} else {
		node_unref(s, s->root);
		s->root = next;
		op_finish(&op);
	}
	op_done(&op);
	return rc;
}

int xs_store_tx_end(struct xs_store *s, unsigned int domid, uint32_t txid,
		    bool commit)
{
	struct xs_tx *tx = txid ? tx_find(s, domid, txid) : NULL;
	int rc = 0;

	if (!tx)
		return ENOENT;
	tx_unlink(s, tx);
	if (commit)
		rc = tx_commit(s, tx);
	tx_free(s, tx);
	return rc;
}

void *xs_store_tx_owner(const struct xs_store *s, uint32_t txid)
{
	for (const struct xs_tx *tx = s->txs; tx; tx = tx->next)
		if (tx->id == txid)
			return tx->owner;
	return NULL;
}

void xs_store_tx_end_owner(struct xs_store *s, void *owner)
{
	struct xs_tx **p = &s->txs;

	while (*p) {
		struct xs_tx *tx = *p;

		if (tx->owner == owner) {
			*p = tx->next;
			tx_free(s, tx);
		} else {
			p = &tx->next;
		}
	}
}

void tx_free_all(struct xs_store *s)
{
	while (s->txs) {
		struct xs_tx *tx = s->txs;

		s->txs = tx->next;
		tx_free(s, tx);
	}
}
