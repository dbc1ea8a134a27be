/*
 * Nodes of the copy-on-write tree: allocation, reference counting, lookup,
 * and the unsharing that must precede any change (node_own).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/store_internal.h"

static size_t node_struct_bytes(const struct node *n)
{
	return sizeof(*n) + strlen(n->name) + 1;
}

uint64_t store_next_gen(struct xs_store *s)
{
	return ++s->gen;
}

struct node *node_new(struct xs_store *s, const char *name, size_t name_len,
		      const struct xs_store_perm *perms, unsigned int nperms)
{
	struct node *n = calloc(1, sizeof(*n) + name_len + 1);

	if (!n)
		return NULL;
	n->perms = malloc(nperms * sizeof(*perms));
	if (!n->perms) {
		free(n);
		return NULL;
	}
	memcpy(n->perms, perms, nperms * sizeof(*perms));
	n->nperms = nperms;
	memcpy(n->name, name, name_len);
	n->refs = 1;
	s->live_nodes++;
	s->node_bytes += node_struct_bytes(n) + nperms * sizeof(*perms);
	return n;
}

void node_unref(struct xs_store *s, struct node *n)
{
	if (!n || --n->refs)
		return;
	for (unsigned int i = 0; i < n->nchildren; i++)
		node_unref(s, n->children[i]);
	s->live_nodes--;
	s->node_bytes -= node_struct_bytes(n) + n->len +
			 n->nperms * sizeof(*n->perms) +
			 n->cap * sizeof(*n->children);
	free(n->children);
	free(n->perms);
	free(n->value);
	free(n);
}

/* Index of the child called name, or -(insertion point) - 1. */
static long child_index(const struct node *n, const char *name, size_t len)
{
	size_t lo = 0, hi = n->nchildren;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *cn = n->children[mid]->name;
		int c = strncmp(cn, name, len);

		if (c == 0 && cn[len] != '\0')
			c = 1;
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

static struct node *node_child(const struct node *n, const char *name, size_t len)
{
	long i = child_index(n, name, len);

	return i >= 0 ? n->children[i] : NULL;
}

/*
 * The node at the first len characters of path (a canonical path), and its
 * parent if wanted (NULL for the root).
 */
struct node *node_lookup(struct node *root, const char *path, size_t len,
			 struct node **parent)
{
	struct node *n = root, *up = NULL;
	const char *p = path + 1, *end = path + len;

	while (n && p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *stop = slash ? slash : end;

		up = n;
		n = node_child(n, p, (size_t)(stop - p));
		p = stop + 1;
	}
	if (parent)
		*parent = up;
	return n;
}

/* Replaces a shared *slot by a private copy whose children are shared. */
int node_own(struct xs_store *s, struct node **slot)
{
	struct node *old = *slot, *n;

	if (old->refs == 1)
		return 0;
	n = node_new(s, old->name, strlen(old->name), old->perms, old->nperms);
	if (!n)
		return ENOMEM;
	if (node_set_value(s, n, old->value, old->len))
		goto nomem;
	if (old->nchildren) {
		n->children = malloc(old->nchildren * sizeof(*n->children));
		if (!n->children)
			goto nomem;
		n->cap = n->nchildren = old->nchildren;
		s->node_bytes += n->cap * sizeof(*n->children);
		for (unsigned int i = 0; i < n->nchildren; i++) {
			n->children[i] = old->children[i];
			n->children[i]->refs++;
		}
	}
	n->gen = old->gen;
	old->refs--;
	*slot = n;
	return 0;
nomem:
	node_unref(s, n);
	return ENOMEM;
}

/*
 * Makes every node from the root down to the first len characters of path
 * private to *rootp and returns the last (which must exist). On ENOMEM the
 * tree's content is unchanged: nodes already copied equal what they replaced.
 */
int node_own_path(struct xs_store *s, struct node **rootp, const char *path,
		  size_t len, struct node **out)
{
	struct node **slot = rootp;
	const char *p = path + 1, *end = path + len;
	int rc = node_own(s, slot);

	while (!rc && p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *stop = slash ? slash : end;
		long i = child_index(*slot, p, (size_t)(stop - p));

		if (i < 0)
			return ENOENT;
		slot = &(*slot)->children[i];
		rc = node_own(s, slot);
		p = stop + 1;
	}
	if (!rc)
		*out = *slot;
	return rc;
}

int node_reserve_child(struct xs_store *s, struct node *parent)
{
	unsigned int cap;
	struct node **c;

	if (parent->nchildren < parent->cap)
		return 0;
	cap = parent->cap ? parent->cap * 2 : 4;
	c = realloc(parent->children, cap * sizeof(*c));
	if (!c)
		return ENOMEM;
	s->node_bytes += (cap - parent->cap) * sizeof(*c);
	parent->children = c;
	parent->cap = cap;
	return 0;
}

/* After node_reserve_child; child must not be there yet. */
void node_insert_child(struct node *parent, struct node *child)
{
	long i = child_index(parent, child->name, strlen(child->name));
	size_t at = (size_t)(-i - 1);

	memmove(&parent->children[at + 1], &parent->children[at],
		(parent->nchildren - at) * sizeof(*parent->children));
	parent->children[at] = child;
	parent->nchildren++;
}

/* An emptied child table is freed: most nodes are leaves. */
struct node *node_remove_child(struct xs_store *s, struct node *parent,
			       const char *name)
{
	long i = child_index(parent, name, strlen(name));
	struct node *child;

	if (i < 0)
		return NULL;
	child = parent->children[i];
	memmove(&parent->children[i], &parent->children[i + 1],
		(parent->nchildren - (size_t)i - 1) * sizeof(*parent->children));
	parent->nchildren--;
	if (!parent->nchildren) {
		s->node_bytes -= parent->cap * sizeof(*parent->children);
		free(parent->children);
		parent->children = NULL;
		parent->cap = 0;
	}
	return child;
}

int node_set_value(struct xs_store *s, struct node *n, const void *val,
		   size_t len)
{
	char *v = NULL;

	if (len) {
		v = malloc(len);
		if (!v)
			return ENOMEM;
		memcpy(v, val, len);
	}
	free(n->value);
	s->node_bytes = s->node_bytes - n->len + len;
	n->value = v;
	n->len = len;
	return 0;
}

int node_set_perms(struct xs_store *s, struct node *n,
		   const struct xs_store_perm *perms, unsigned int nperms)
{
	struct xs_store_perm *p = malloc(nperms * sizeof(*p));

	if (!p)
		return ENOMEM;
	memcpy(p, perms, nperms * sizeof(*p));
	free(n->perms);
	s->node_bytes = s->node_bytes - n->nperms * sizeof(*p) +
			nperms * sizeof(*p);
	n->perms = p;
	n->nperms = nperms;
	return 0;
}
