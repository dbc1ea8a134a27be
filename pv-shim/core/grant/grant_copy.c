/*
 * GNTTABOP_copy for a domU: bytes between its own grants (as any grantee
 * names them: by ref, the grant made out to its own domid) or its own
 * frames (by gmfn, only with DOMID_SELF), on either side, with Xen's
 * per-element status codes (gnttab_copy_one and its helpers).  Each side
 * is held for the one element only: a grant pinned, a destination frame
 * held writable, so none can become a page table meanwhile.
 */
#include "pv-shim/core/grant/grant_internal.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"

/* One side of a copy while it is held. */
struct side {
	uint64_t pfn;
	uint16_t start, length; /* what the grant allows: [start, start + length) */
	uint32_t pin;           /* GRANT_PIN_* held on ref, or 0: a gmfn */
	uint32_t ref;
	int typed;              /* a writable type reference is held on pfn */
};

/* Xen's gnttab_copy_lock_domain: frames only of DOMID_SELF; the domain
 * must exist (this one, or dom0, which has no grants for it). */
static int check_domain(struct core *c, uint16_t domid, int is_ref)
{
	if (domid != DOMID_SELF && !is_ref)
		return GNTST_permission_denied;
	return grant_dom(c, domid, 1) == GRANT_DOM_NONE ? GNTST_bad_domain : GNTST_okay;
}

/* Xen's gnttab_copy_claim_buf. */
static int claim(struct core *c, const struct gnttab_copy_ptr *p, int is_ref,
		 int write, struct side *s)
{
	*s = (struct side){ 0 };
	if (is_ref) {
		if (grant_dom(c, p->domid, 1) != GRANT_DOM_SELF)
			return GNTST_bad_domain; /* dom0 grants this domain nothing */
		struct grant_use use;
		uint32_t kind = write ? GRANT_PIN_HOST_W : GRANT_PIN_HOST_R;
		int rc = grant_pin(c, c->st->grant.domid, p->u.ref, kind, 0, &use);
		if (rc)
			return rc;
		*s = (struct side){ .pfn = use.pfn, .start = use.offset,
				    .length = use.length, .pin = kind, .ref = p->u.ref };
		return GNTST_okay;
	}
	if (!mm_frame(c, p->u.gmfn))
		return GNTST_bad_page;
	*s = (struct side){ .pfn = p->u.gmfn, .length = GRANT_PAGE };
	if (write) {
		if (mm_get_type(c, s->pfn, MM_TYPE_WRITABLE))
			return GNTST_general_error;
		s->typed = 1;
	}
	return GNTST_okay;
}

static void release(struct core *c, const struct side *s)
{
	if (s->pin)
		grant_unpin(c, s->ref, s->pin);
	if (s->typed)
		mm_put_type(c, s->pfn);
}

/* memmove within guest RAM without libc's: through a small buffer, in the
 * direction that reads each byte before it is overwritten. */
static void move_bytes(uint8_t *dst, const uint8_t *src, size_t len)
{
	uint8_t buf[256];
	if (dst + len <= src || src + len <= dst) {
		core_memcpy(dst, src, len);
		return;
	}
	size_t step = sizeof buf;
	for (size_t done = 0; done < len; done += step) {
		size_t n = len - done < step ? len - done : step;
		size_t at = dst < src ? done : len - done - n;
		core_memcpy(buf, src + at, n);
		core_memcpy(dst + at, buf, n);
	}
}

/* Xen's gnttab_copy_buf. */
static int copy_bytes(struct core *c, const struct gnttab_copy *op,
		      const struct side *src, const struct side *dst)
{
	uint32_t len = op->len, so = op->source.offset, dof = op->dest.offset;
	if (so + len > GRANT_PAGE || dof + len > GRANT_PAGE)
		return GNTST_bad_copy_arg;
	if (so < src->start || so + len > (uint32_t)src->start + src->length ||
	    dof < dst->start || dof + len > (uint32_t)dst->start + dst->length)
		return GNTST_general_error;
	uint8_t *to = platform_guest_ram(c, dst->pfn * GRANT_PAGE, GRANT_PAGE);
	const uint8_t *from = platform_guest_ram(c, src->pfn * GRANT_PAGE, GRANT_PAGE);
	if (!to || !from)
		return GNTST_bad_page;
	move_bytes(to + dof, from + so, len);
	return GNTST_okay;
}

static int copy_one(struct core *c, const struct gnttab_copy *op)
{
	int src_ref = (op->flags & GNTCOPY_source_gref) != 0;
	int dst_ref = (op->flags & GNTCOPY_dest_gref) != 0;
	int rc = check_domain(c, op->source.domid, src_ref);
	if (!rc)
		rc = check_domain(c, op->dest.domid, dst_ref);
	if (rc)
		return rc;
	struct side src, dst;
	rc = claim(c, &op->source, src_ref, 0, &src);
	if (rc)
		return rc;
	rc = claim(c, &op->dest, dst_ref, 1, &dst);
	if (!rc) {
		rc = copy_bytes(c, op, &src, &dst);
		release(c, &dst);
	}
	release(c, &src);
	return rc;
}

long grant_copy(struct core *c, uint64_t uop, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		uint64_t va = uop + (uint64_t)i * sizeof(struct gnttab_copy);
		if (grant_preempt(c, i, 0)) {
			grant_continue(c, GNTTABOP_copy, va, count - i);
			return 0;
		}
		struct gnttab_copy op;
		if (copy_from_guest(c, &op, va, sizeof op))
			return -XEN_EFAULT;
		int16_t status = (int16_t)copy_one(c, &op);
		if (copy_to_guest(c, va + offsetof(struct gnttab_copy, status), &status,
				  sizeof status))
			return -XEN_EFAULT;
	}
	return 0;
}
