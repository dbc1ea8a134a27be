/*
 * The quota table, the one check every limit goes through, and the count of
 * nodes each domain owns in the live tree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/store_internal.h"

#include <xen/io/xs_wire.h>

/* Defaults and errnos are xenstored's. */
static const struct {
	const char *name;
	unsigned int limit;
	int err;
} quota_table[XS_QUOTA_COUNT] = {
	[XS_QUOTA_NODES] = { "nodes", 1000, ENOSPC },
	[XS_QUOTA_VALUE_SIZE] = { "value-size", 2048, ENOSPC },
	[XS_QUOTA_WATCHES] = { "watches", 128, E2BIG },
	[XS_QUOTA_TRANSACTIONS] = { "transactions", 10, ENOSPC },
	[XS_QUOTA_PATH_LEN] = { "path-max", XENSTORE_REL_PATH_MAX, EINVAL },
	[XS_QUOTA_REQUEST_SIZE] = { "request-size", XENSTORE_PAYLOAD_MAX, E2BIG },
	[XS_QUOTA_TX_NODES] = { "transaction-nodes", 1024, ENOSPC },
	[XS_QUOTA_PERMS] = { "perms", 5, ENOSPC },
};

void quota_init(struct xs_store *s)
{
	for (int q = 0; q < XS_QUOTA_COUNT; q++)
		s->quota[q] = quota_table[q].limit;
}

const char *xs_quota_name(enum xs_quota q)
{
	return (unsigned int)q < XS_QUOTA_COUNT ? quota_table[q].name : NULL;
}

unsigned int xs_store_quota_get(const struct xs_store *s, enum xs_quota q)
{
	return (unsigned int)q < XS_QUOTA_COUNT ? s->quota[q] : 0;
}

void xs_store_quota_set(struct xs_store *s, enum xs_quota q,
			unsigned int limit)
{
	if ((unsigned int)q < XS_QUOTA_COUNT)
		s->quota[q] = limit;
}

bool quota_exempt(unsigned int domid)
{
	return domid == 0;
}

int xs_store_quota_check(const struct xs_store *s, unsigned int domid,
			 enum xs_quota q, unsigned long amount)
{
	if ((unsigned int)q >= XS_QUOTA_COUNT)
		return EINVAL;
	if (quota_exempt(domid) || amount <= s->quota[q])
		return 0;
	return quota_table[q].err;
}

static size_t owner_slot(const struct xs_store *s, unsigned int domid)
{
	size_t lo = 0, hi = s->nowners;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->owners[mid].domid < domid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static unsigned int owner_nodes(const struct xs_store *s, unsigned int domid)
{
	size_t i = owner_slot(s, domid);

	return i < s->nowners && s->owners[i].domid == domid ?
	       s->owners[i].nodes : 0;
}

unsigned int xs_store_domain_nodes(const struct xs_store *s,
				   unsigned int domid)
{
	return owner_nodes(s, domid);
}

static bool owners_has(const struct xs_store *s, unsigned int domid)
{
	size_t i = owner_slot(s, domid);

	return i < s->nowners && s->owners[i].domid == domid;
}

static int owners_reserve(struct xs_store *s, size_t n)
{
	struct owner_count *o;
	size_t cap = s->owners_cap ? s->owners_cap : 8;

	if (n <= s->owners_cap)
		return 0;
	while (cap < n)
		cap *= 2;
	o = realloc(s->owners, cap * sizeof(*o));
	if (!o)
		return ENOMEM;
	s->owners = o;
	s->owners_cap = cap;
	return 0;
}

/* Cannot fail when a slot for a new owner was reserved (op_count_node). */
void owner_add(struct xs_store *s, unsigned int domid, long nodes)
{
	size_t i = owner_slot(s, domid);

	if (i == s->nowners || s->owners[i].domid != domid) {
		if (!nodes || owners_reserve(s, s->nowners + 1))
			return;
		memmove(&s->owners[i + 1], &s->owners[i],
			(s->nowners - i) * sizeof(*s->owners));
		s->owners[i] = (struct owner_count){ .domid = domid };
		s->nowners++;
	}
	s->owners[i].nodes = (unsigned int)((long)s->owners[i].nodes + nodes);
	if (!s->owners[i].nodes) {
		memmove(&s->owners[i], &s->owners[i + 1],
			(s->nowners - i - 1) * sizeof(*s->owners));
		s->nowners--;
	}
}

static long op_delta(const struct xs_op *op, unsigned int domid)
{
	for (size_t i = 0; i < op->ndeltas; i++)
		if (op->deltas[i].domid == domid)
			return op->deltas[i].nodes;
	return 0;
}

/*
 * Notes that owner gains (or loses) nodes once the op succeeds, reserving
 * the store's slot for a new owner now so that applying cannot fail.
 */
int op_count_node(struct xs_op *op, unsigned int owner, long nodes)
{
	struct owner_delta *d;

	for (size_t i = 0; i < op->ndeltas; i++) {
		if (op->deltas[i].domid == owner) {
			op->deltas[i].nodes += nodes;
			return 0;
		}
	}
	if (op->ndeltas == op->deltas_cap) {
		size_t cap = op->deltas_cap ? op->deltas_cap * 2 : 4;

		d = realloc(op->deltas, cap * sizeof(*d));
		if (!d)
			return ENOMEM;
		op->deltas = d;
		op->deltas_cap = cap;
	}
	if (!owners_has(op->s, owner)) {
		if (owners_reserve(op->s, op->s->nowners + op->new_owners + 1))
			return ENOMEM;
		op->new_owners++;
	}
	op->deltas[op->ndeltas++] = (struct owner_delta){ owner, nodes };
	return 0;
}

/* May the caller own `extra` more nodes than it does now, this op included? */
int op_check_node_quota(struct xs_op *op, unsigned int extra)
{
	long have = (long)owner_nodes(op->s, op->domid) +
		    op_delta(op, op->domid) +
		    (op->tx ? op->tx->nodes_delta : 0);

	if (have < 0)
		have = 0;
	return xs_store_quota_check(op->s, op->domid, XS_QUOTA_NODES,
				    (unsigned long)have + extra);
}
