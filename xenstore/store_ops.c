/*
 * The changes and lookups of one request, on whichever tree the op points
 * at: the live tree, a transaction's tree, or the tree a commit builds.
 *
 * Each change checks everything that can fail, and gathers its watch events
 * and node-count changes, before it alters the tree; the alteration itself
 * cannot fail (copying nodes to unshare them may, but leaves the content
 * as it was). So a failed request changes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/store_internal.h"

void op_init(struct xs_op *op, struct xs_store *s, unsigned int domid,
	     struct node **rootp, struct xs_tx *tx)
{
	*op = (struct xs_op){ .s = s, .domid = domid, .rootp = rootp,
			      .tx = tx };
}

void op_done(struct xs_op *op)
{
	for (size_t i = 0; i < op->nevents; i++)
		free(op->events[i].path);
	free(op->events);
	free(op->deltas);
}

/*
 * The request succeeded: make its node counts the store's (on the live
 * tree) or the transaction's, and send its events. Cannot fail: owner slots
 * were reserved when the deltas were noted.
 */
void op_finish(struct xs_op *op)
{
	for (size_t i = 0; i < op->ndeltas; i++) {
		const struct owner_delta *d = &op->deltas[i];

		if (op->tx) {
			if (d->domid == op->tx->domid)
				op->tx->nodes_delta += d->nodes;
		} else {
			owner_add(op->s, d->domid, d->nodes);
		}
	}
	watch_fire_pending(op);
}

static int op_access(struct xs_op *op, const char *path, size_t len)
{
	return op->tx ? tx_note_access(op->tx, op->s, path, len) : 0;
}

static size_t parent_len(const char *path, size_t len)
{
	while (len > 1 && path[len - 1] != '/')
		len--;
	return len > 1 ? len - 1 : 1;
}

/*
 * The closest existing proper ancestor of path. In a transaction every
 * ancestor looked at is recorded: whether they exist decided the outcome.
 */
static int nearest_ancestor(struct xs_op *op, const char *path,
			    struct node **out, size_t *out_len)
{
	size_t len = strlen(path);
	struct node *n = NULL;

	do {
		int rc;

		len = parent_len(path, len);
		rc = op_access(op, path, len);
		if (rc)
			return rc;
		n = node_lookup(*op->rootp, path, len, NULL);
	} while (!n);
	*out = n;
	*out_len = len;
	return 0;
}

/*
 * The node at path if the caller has every perm in want. Otherwise ENOENT
 * or EACCES; as in xenstored a missing node reads as EACCES when the
 * closest existing ancestor does not grant want, so that permissions hide
 * whether a node exists.
 */
int op_get(struct xs_op *op, const char *path, unsigned int want,
	   struct node **out)
{
	struct node *n, *anc;
	unsigned int have;
	size_t anc_len;
	int rc = op_access(op, path, strlen(path));

	if (rc)
		return rc;
	n = node_lookup(*op->rootp, path, strlen(path), NULL);
	if (n) {
		have = perm_for(op->s, op->domid, n->perms, n->nperms);
		if ((have & want) != want)
			return EACCES;
		*out = n;
		return 0;
	}
	rc = nearest_ancestor(op, path, &anc, &anc_len);
	if (rc)
		return rc;
	have = perm_for(op->s, op->domid, anc->perms, anc->nperms);
	return (have & want) == want ? ENOENT : EACCES;
}

static int write_existing(struct xs_op *op, const char *path, struct node *n,
			  const void *val, size_t len)
{
	struct node *parent, *m;
	int rc;

	node_lookup(*op->rootp, path, strlen(path), &parent);
	struct perm_set sets[2] = {
		{ n->perms, n->nperms },
		{ parent ? parent->perms : NULL, parent ? parent->nperms : 0 },
	};
	rc = watch_collect_change(op, path, sets, 2);
	if (!rc)
		rc = node_own_path(op->s, op->rootp, path, strlen(path), &m);
	if (!rc)
		rc = node_set_value(op->s, m, val, len);
	if (!rc)
		m->gen = store_next_gen(op->s);
	return rc;
}

/* Builds the missing nodes below the ancestor as one detached chain. */
static int build_chain(struct xs_op *op, const char *path, size_t anc_len,
		       const struct xs_store_perm *perms, unsigned int nperms,
		       const void *val, size_t len, struct node **top)
{
	const char *p = path + (anc_len == 1 ? 1 : anc_len + 1);
	struct node *first = NULL, *last = NULL;
	int rc = 0;

	while (*p) {
		const char *end = strchrnul(p, '/');
		struct node *n = node_new(op->s, p, (size_t)(end - p), perms,
					  nperms);

		if (!n)
			rc = ENOMEM;
		else if (last)
			rc = node_reserve_child(op->s, last);
		if (rc) {
			node_unref(op->s, n);
			node_unref(op->s, first);
			return rc;
		}
		n->gen = store_next_gen(op->s);
		if (last)
			node_insert_child(last, n);
		else
			first = n;
		last = n;
		p = *end ? end + 1 : end;
	}
	rc = node_set_value(op->s, last, val, len);
	if (rc) {
		node_unref(op->s, first);
		return rc;
	}
	*top = first;
	return 0;
}

/* How many nodes writing path creates below its closest ancestor. */
static unsigned int count_missing(const char *path, size_t anc_len)
{
	unsigned int n = 0;

	for (const char *p = path + anc_len; *p; p++)
		n += *p == '/';
	return anc_len == 1 ? n + 1 : n;
}

static int create(struct xs_op *op, const char *path, const void *val,
		  size_t len)
{
	struct node *anc, *m, *top;
	struct xs_store_perm *perms;
	unsigned int missing;
	size_t anc_len;
	int rc;

	rc = nearest_ancestor(op, path, &anc, &anc_len);
	if (rc)
		return rc;
	if (!(perm_for(op->s, op->domid, anc->perms, anc->nperms) &
	      XS_STORE_PERM_WRITE))
		return EACCES;
	missing = count_missing(path, anc_len);

	/* Created nodes copy the parent's perms; a guest owns what it makes. */
	perms = malloc(anc->nperms * sizeof(*perms));
	if (!perms)
		return ENOMEM;
	memcpy(perms, anc->perms, anc->nperms * sizeof(*perms));
	if (!quota_exempt(op->domid))
		perms[0].domid = op->domid;

	rc = op_check_node_quota(op, missing);
	if (!rc)
		rc = op_count_node(op, perms[0].domid, missing);
	if (!rc) {
		struct perm_set sets[2] = {
			{ perms, anc->nperms },
			{ missing == 1 ? anc->perms : perms, anc->nperms },
		};
		rc = watch_collect_change(op, path, sets, 2);
	}
	if (!rc)
		rc = build_chain(op, path, anc_len, perms, anc->nperms, val,
				 len, &top);
	free(perms);
	if (rc)
		return rc;
	rc = node_own_path(op->s, op->rootp, path, anc_len, &m);
	if (!rc)
		rc = node_reserve_child(op->s, m);
	if (rc) {
		node_unref(op->s, top);
		return rc;
	}
	node_insert_child(m, top);
	m->gen = store_next_gen(op->s);
	return 0;
}

int tree_write(struct xs_op *op, const char *path, const void *val,
	       size_t len, bool mkdir_only)
{
	struct node *n;
	int rc;

	rc = xs_store_quota_check(op->s, op->domid, XS_QUOTA_VALUE_SIZE, len);
	if (rc)
		return rc;
	rc = op_get(op, path, XS_STORE_PERM_WRITE, &n);
	if (rc == ENOENT)
		return create(op, path, val, len);
	if (rc || mkdir_only)
		return rc;
	return write_existing(op, path, n, val, len);
}

/* Notes that every node of the subtree at n leaves its owner's count. */
static int count_removed(struct xs_op *op, const struct node *n)
{
	int rc = op_count_node(op, n->perms[0].domid, -1);

	for (unsigned int i = 0; !rc && i < n->nchildren; i++)
		rc = count_removed(op, n->children[i]);
	return rc;
}

int tree_rm(struct xs_op *op, const char *path)
{
	size_t len = strlen(path), plen = parent_len(path, len);
	struct node *n, *parent, *m;
	int rc;

	rc = op_get(op, path, XS_STORE_PERM_WRITE, &n);
	if (rc == ENOENT) {
		/* Removing what is not there is fine if its parent is. */
		rc = op_access(op, path, plen);
		if (!rc && !node_lookup(*op->rootp, path, plen, NULL))
			rc = ENOENT;
		return rc;
	}
	if (rc)
		return rc;
	if (len == 1)
		return EINVAL;
	rc = op_access(op, path, plen);
	if (rc)
		return rc;
	node_lookup(*op->rootp, path, len, &parent);
	rc = watch_collect_rm(op, path, n, parent);
	if (!rc)
		rc = count_removed(op, n);
	if (!rc)
		rc = node_own_path(op->s, op->rootp, path, plen, &m);
	if (rc)
		return rc;
	node_unref(op->s, node_remove_child(op->s, m, path_last(path)));
	m->gen = store_next_gen(op->s);
	return 0;
}

int tree_set_perms(struct xs_op *op, const char *path,
		   const struct xs_store_perm *perms, unsigned int n)
{
	struct node *node, *parent, *m;
	int rc;

	rc = perms_check(op->s, op->domid, perms, n);
	if (!rc)
		rc = op_get(op, path, XS_STORE_PERM_WRITE, &node);
	if (rc)
		return rc;
	if (!perm_is_owner(op->s, op->domid, node->perms))
		return EACCES;
	if (!quota_exempt(op->domid) && perms[0].domid != node->perms[0].domid)
		return EPERM;

	node_lookup(*op->rootp, path, strlen(path), &parent);
	struct perm_set sets[3] = {
		{ perms, n },
		{ node->perms, node->nperms },
		{ parent ? parent->perms : NULL, parent ? parent->nperms : 0 },
	};
	rc = watch_collect_change(op, path, sets, 3);
	if (!rc && perms[0].domid != node->perms[0].domid) {
		rc = op_count_node(op, node->perms[0].domid, -1);
		if (!rc)
			rc = op_count_node(op, perms[0].domid, 1);
	}
	if (!rc)
		rc = node_own_path(op->s, op->rootp, path, strlen(path), &m);
	if (!rc)
		rc = node_set_perms(op->s, m, perms, n);
	if (!rc)
		m->gen = store_next_gen(op->s);
	return rc;
}
