/*
 * Which domains are introduced, which act also for another (SET_TARGET),
 * and the special watches that announce introductions and releases.
 * Creating or removing a domain's nodes is the toolstack's business, as
 * with xenstored.
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

/* The domain whose node permissions domid also has: its target, or itself. */
unsigned int domain_acts_also_as(const struct xs_store *s, unsigned int domid)
{
	if (domid >= DOMID_FIRST_RESERVED || !s->target_of[domid])
		return domid;
	return s->target_of[domid] - 1u;
}

/* A released domain neither acts for another nor is acted for. */
static void drop_targets(struct xs_store *s, unsigned int domid)
{
	s->target_of[domid] = 0;
	for (unsigned int d = 0; d < DOMID_FIRST_RESERVED; d++)
		if (s->target_of[d] == domid + 1)
			s->target_of[d] = 0;
}

static int announce(struct xs_store *s, enum special_path sp,
		    unsigned int domid, bool introduced)
{
	struct xs_op op;
	int rc;

	op_init(&op, s, 0, &s->root, NULL);
	rc = watch_collect_special(&op, sp);
	if (!rc) {
		if (introduced) {
			s->introduced[domid / 8] |= (uint8_t)(1u << domid % 8);
		} else {
			s->introduced[domid / 8] &= (uint8_t)~(1u << domid % 8);
			drop_targets(s, domid);
		}
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

/*
 * As xenstored's do_set_target, which refuses neither domid == target nor
 * domain 0 on either side: the first changes nothing, as does a target for
 * domain 0 (it bypasses permissions anyway); domain 0 as the target makes
 * domid an owner of domain 0's nodes, which only domain 0 can ask for.
 */
int xs_store_set_target(struct xs_store *s, unsigned int caller,
			unsigned int domid, unsigned int target)
{
	if (caller != 0)
		return EACCES;
	if (!xs_store_domain_is_introduced(s, domid) ||
	    !xs_store_domain_is_introduced(s, target))
		return ENOENT;
	s->target_of[domid] = (uint16_t)(target + 1);
	return 0;
}
