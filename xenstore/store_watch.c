/*
 * Watches: registration, and finding who a change reaches. Events are
 * gathered while a change is prepared and sent only once it holds, so a
 * failed request or an aborted commit tells nobody anything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/store_internal.h"

static bool is_special(const struct watch *w)
{
	return w->path[0] == '@';
}

static void watch_free(struct watch *w)
{
	free(w->path);
	free(w->token);
	free(w);
}

int xs_store_watch_add(struct xs_store *s, void *watcher, unsigned int domid,
		       const char *path, size_t strip, const char *token)
{
	unsigned int have = 0;
	struct watch *w;
	int rc;

	rc = xs_store_path_check(s, domid, path, true);
	if (rc)
		return rc;
	if (!token)
		return EINVAL;
	for (size_t i = 0; i < s->nwatches; i++) {
		w = s->watches[i];
		if (w->watcher == watcher && !strcmp(w->path, path) &&
		    !strcmp(w->token, token))
			return EEXIST;
		have += w->domid == domid;
	}
	rc = xs_store_quota_check(s, domid, XS_QUOTA_WATCHES, have + 1UL);
	if (rc)
		return rc;
	if (s->nwatches == s->watches_cap) {
		size_t cap = s->watches_cap ? s->watches_cap * 2 : 16;
		struct watch **a = realloc(s->watches, cap * sizeof(*a));

		if (!a)
			return ENOMEM;
		s->watches = a;
		s->watches_cap = cap;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	w->path = strdup(path);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		watch_free(w);
		return ENOMEM;
	}
	w->watcher = watcher;
	w->domid = domid;
	w->strip = path[0] == '@' ? 0 : strip;
	s->watches[s->nwatches++] = w;
	return 0;
}

static void watch_delete(struct xs_store *s, size_t i)
{
	watch_free(s->watches[i]);
	memmove(&s->watches[i], &s->watches[i + 1],
		(s->nwatches - i - 1) * sizeof(*s->watches));
	s->nwatches--;
}

int xs_store_watch_remove(struct xs_store *s, void *watcher, const char *path,
			  const char *token)
{
	if (!path || !token)
		return EINVAL;
	for (size_t i = 0; i < s->nwatches; i++) {
		struct watch *w = s->watches[i];

		if (w->watcher == watcher && !strcmp(w->path, path) &&
		    !strcmp(w->token, token)) {
			watch_delete(s, i);
			return 0;
		}
	}
	return ENOENT;
}

void xs_store_watch_reset(struct xs_store *s, void *watcher)
{
	for (size_t i = s->nwatches; i-- > 0;)
		if (s->watches[i]->watcher == watcher)
			watch_delete(s, i);
}

void watch_free_all(struct xs_store *s)
{
	for (size_t i = 0; i < s->nwatches; i++)
		watch_free(s->watches[i]);
	free(s->watches);
}

/*
 * As xenstored: the watcher must be able to read the node or its parent,
 * or, when permissions changed, have been able to read it before. "Read"
 * is perm_for's, so a watcher's SET_TARGET target counts here too.
 */
static bool may_see(const struct xs_store *s, unsigned int domid,
		    const struct perm_set *sets, unsigned int nsets)
{
	for (unsigned int i = 0; i < nsets; i++)
		if (sets[i].n && (perm_for(s, domid, sets[i].p, sets[i].n) &
				  XS_STORE_PERM_READ))
			return true;
	return false;
}

static int add_event(struct xs_op *op, struct watch *w, const char *path)
{
	struct pending_event *e;

	for (size_t i = 0; i < op->nevents; i++)
		if (op->events[i].w == w && !strcmp(op->events[i].path, path))
			return 0;
	if (op->nevents == op->events_cap) {
		size_t cap = op->events_cap ? op->events_cap * 2 : 8;

		e = realloc(op->events, cap * sizeof(*e));
		if (!e)
			return ENOMEM;
		op->events = e;
		op->events_cap = cap;
	}
	e = &op->events[op->nevents];
	e->path = strdup(path);
	if (!e->path)
		return ENOMEM;
	e->w = w;
	op->nevents++;
	return 0;
}

int watch_collect_change(struct xs_op *op, const char *path,
			 const struct perm_set *sets, unsigned int nsets)
{
	if (op->tx)
		return 0;
	for (size_t i = 0; i < op->s->nwatches; i++) {
		struct watch *w = op->s->watches[i];
		int rc;

		if (is_special(w) || !path_is_within(path, w->path) ||
		    !may_see(op->s, w->domid, sets, nsets))
			continue;
		rc = add_event(op, w, path);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Watches on path or above it get path; a watch below it gets its own path
 * if that node was there (it is being removed with the subtree).
 */
int watch_collect_rm(struct xs_op *op, const char *path, struct node *n,
		     const struct node *parent)
{
	size_t plen = strlen(path);

	if (op->tx)
		return 0;
	for (size_t i = 0; i < op->s->nwatches; i++) {
		struct watch *w = op->s->watches[i];
		const struct node *target = n, *target_parent = parent;
		struct node *tp;
		int rc;

		if (is_special(w))
			continue;
		if (!path_is_within(path, w->path)) {
			if (!path_is_within(w->path, path))
				continue;
			target = node_lookup(n, w->path + plen,
					     strlen(w->path + plen), &tp);
			if (!target)
				continue;
			target_parent = tp;
		}
		struct perm_set sets[2] = {
			{ target->perms, target->nperms },
			{ target_parent->perms, target_parent->nperms },
		};
		if (!may_see(op->s, w->domid, sets, 2))
			continue;
		rc = add_event(op, w, target == n ? path : w->path);
		if (rc)
			return rc;
	}
	return 0;
}

int watch_collect_special(struct xs_op *op, enum special_path sp)
{
	const struct xs_store_perm *perms = op->s->special_perms[sp];
	unsigned int nperms = op->s->special_nperms[sp];
	struct perm_set set = { perms, nperms };
	const char *name = special_name(sp);

	for (size_t i = 0; i < op->s->nwatches; i++) {
		struct watch *w = op->s->watches[i];
		int rc;

		if (strcmp(w->path, name) ||
		    !may_see(op->s, w->domid, &set, 1))
			continue;
		rc = add_event(op, w, name);
		if (rc)
			return rc;
	}
	return 0;
}

void watch_fire_pending(struct xs_op *op)
{
	for (size_t i = 0; i < op->nevents; i++) {
		const struct watch *w = op->events[i].w;
		const char *path = op->events[i].path;

		if (strlen(path) > w->strip)
			path += w->strip;
		else
			path = "";
		if (op->s->fire)
			op->s->fire(op->s->opaque, w->watcher, path, w->token);
	}
}
