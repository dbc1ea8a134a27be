/*
 * GNTTABOP_swap_grant_ref (Xen's swap_grant_ref): two of the domain's
 * entries trade places, status entries included under v2, unless either
 * is in use (GNTST_eagain).
 */
#include "pv-shim/core/grant/grant_internal.h"

static void swap_v1(struct core *c, uint32_t a, uint32_t b)
{
	volatile grant_entry_v1_t *ea = grant_entry_v1(c, a), *eb = grant_entry_v1(c, b);
	grant_entry_v1_t t = { ea->flags, ea->domid, ea->frame };
	ea->flags = eb->flags;
	ea->domid = eb->domid;
	ea->frame = eb->frame;
	eb->flags = t.flags;
	eb->domid = t.domid;
	eb->frame = t.frame;
}

static void swap_v2(struct core *c, uint32_t a, uint32_t b)
{
	volatile grant_entry_v2_t *ea = grant_entry_v2(c, a), *eb = grant_entry_v2(c, b);
	for (int w = 0; w < 4; w++) {
		uint32_t t = ea->__spacer[w];
		ea->__spacer[w] = eb->__spacer[w];
		eb->__spacer[w] = t;
	}
	volatile uint16_t *sa = grant_status_word(c, a), *sb = grant_status_word(c, b);
	uint16_t t = *sa;
	*sa = *sb;
	*sb = t;
}

static int swap_one(struct core *c, uint32_t a, uint32_t b)
{
	uint32_t n = grant_nr_entries(c);
	if (a >= n || b >= n)
		return GNTST_bad_gntref;
	if (a == b)
		return GNTST_okay;
	if (grant_active(c, a)->pin || grant_active(c, b)->pin)
		return GNTST_eagain;
	if (c->st->grant.version == 1)
		swap_v1(c, a, b);
	else
		swap_v2(c, a, b);
	return GNTST_okay;
}

long grant_swap_refs(struct core *c, uint64_t uop, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		uint64_t va = uop + (uint64_t)i * sizeof(struct gnttab_swap_grant_ref);
		if (grant_preempt(c, i, 0)) {
			grant_continue(c, GNTTABOP_swap_grant_ref, va, count - i);
			return 0;
		}
		struct gnttab_swap_grant_ref op;
		if (copy_from_guest(c, &op, va, sizeof op))
			return -XEN_EFAULT;
		op.status = (int16_t)swap_one(c, op.ref_a, op.ref_b);
		if (copy_to_guest(c, va + offsetof(struct gnttab_swap_grant_ref, status),
				  &op.status, sizeof op.status))
			return -XEN_EFAULT;
	}
	return 0;
}
