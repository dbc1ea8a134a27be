/*
 * Which domains are introduced, and the special watches that announce
 * introductions and releases. Creating or removing a domain's nodes is the
 * toolstack's business, as with xenstored.
 */
#include <errno.h>

#include "xenstore/store_internal.h"

bool xs_store_domain_is_introduced(const struct xs_store *s,
				   unsigned int domid)
{
	if (domid == 0)
		return true;
	return domid < DOMID_FIRST_RESERVED &&
	       (s->introduced[domid / 8] >> (domid % 8) & 1);
}

static int announce(struct xs_store *s, enum special_path sp,
		    unsigned int domid, bool introduced)
{
	struct xs_op op;
	int rc;

	op_init(&op, s, 0, &s->root, NULL);
	rc = watch_collect_special(&op, sp);
	if (!rc) {
		if (introduced)
			s->introduced[domid / 8] |= (uint8_t)(1u << domid % 8);
		else
			s->introduced[domid / 8] &= (uint8_t)~(1u << domid % 8);
		op_finish(&op);
	}
	op_done(&op);
	return rc;
}

int xs_store_domain_introduce(struct xs_store *s, unsigned int caller,
			      unsigned int domid)
{
	if (caller != 0)
		return EACCES;
	if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
		return EINVAL;
	if (xs_store_domain_is_introduced(s, domid))
		return EEXIST;
	return announce(s, SPECIAL_INTRODUCE, domid, true);
}

int xs_store_domain_release(struct xs_store *s, unsigned int caller,
			    unsigned int domid)
{
	if (caller != 0)
		return EACCES;
	if (domid == 0 || !xs_store_domain_is_introduced(s, domid))
		return ENOENT;
	return announce(s, SPECIAL_RELEASE, domid, false);
}
