/*
 * mmuext_op: pinning tables, switching the vCPU's tables, TLB flushes,
 * and page copies/clears, with Xen's checks and errors for a PV domU.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/mm/mm_batch.h"
#include "pv-shim/core/mm/mm_pte.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/traps/traps.h"

/* Xen's bound on MMUEXT_SET_LDT's entry count. */
#define LDT_MAX_ENTRIES 8192

static int pin(struct core *c, uint64_t pfn, enum mm_type type)
{
	struct mm_frame *f = mm_frame(c, pfn);
	if (!f || (f->flags & MM_FRAME_PINNED))
		return -XEN_EINVAL;
	int rc = mm_get_type(c, pfn, type);
	if (rc)
		return rc;
	f->flags |= MM_FRAME_PINNED;
	return 0;
}

static int unpin(struct core *c, uint64_t pfn)
{
	struct mm_frame *f = mm_frame(c, pfn);
	if (!f || !(f->flags & MM_FRAME_PINNED))
		return -XEN_EINVAL;
	f->flags &= (uint8_t)~MM_FRAME_PINNED;
	mm_put_type(c, pfn);
	return 0;
}

/* NEW_BASEPTR / NEW_USER_BASEPTR: the new table is referenced before the
 * old one is let go, so switching to the same table keeps it. */
static int new_baseptr(struct core *c, uint64_t pfn, int user)
{
	struct core_vcpu *v = core_vcpu(c);
	uint64_t *slot = user ? &v->user_cr3 : &v->cr3;
	if (user && pfn == 0) {
		if (*slot)
			mm_put_type(c, *slot >> 12);
		*slot = 0;
		return 0;
	}
	if (!user && v->kernel_mode && platform_cpu_ops_room(c) < 1)
		return MM_ENOROOM;
	int rc = mm_get_type(c, pfn, MM_TYPE_L4);
	if (rc)
		return rc;
	uint64_t old = *slot;
	*slot = pfn << 12;
	if (!user && v->kernel_mode)
		mm_load_cr3(c, *slot);
	/* The kernel table is always held (mm_domain_init); a user table
	 * of 0 is none, as Xen's NEW_USER_BASEPTR has it. */
	if (!user || old)
		mm_put_type(c, old >> 12);
	return 0;
}

/* COPY_PAGE / CLEAR_PAGE: the destination must be able to be writable
 * (not a page table), the source any frame of guest RAM. */
static int copy_or_clear(struct core *c, uint64_t dst, uint64_t src, int clear)
{
	void *d = platform_guest_ram(c, dst * MM_PAGE_SIZE, MM_PAGE_SIZE);
	const void *s = clear ? 0 : platform_guest_ram(c, src * MM_PAGE_SIZE, MM_PAGE_SIZE);
	if (!d || (!clear && !s) || !mm_frame(c, dst))
		return -XEN_EINVAL;
	if (mm_get_type(c, dst, MM_TYPE_WRITABLE))
		return -XEN_EINVAL;
	if (clear)
		core_memset(d, 0, MM_PAGE_SIZE);
	else if (d != s)
		core_memcpy(d, s, MM_PAGE_SIZE);
	mm_put_type(c, dst);
	return 0;
}

static int one_op(struct core *c, uint64_t va)
{
	struct mmuext_op op;
	if (copy_from_guest(c, &op, va, sizeof op))
		return -XEN_EFAULT;
	uint64_t mfn = op.arg1.mfn, mask;
	switch (op.cmd) {
	case MMUEXT_PIN_L1_TABLE:
		return pin(c, mfn, MM_TYPE_L1);
	case MMUEXT_PIN_L2_TABLE:
		return pin(c, mfn, MM_TYPE_L2);
	case MMUEXT_PIN_L3_TABLE:
		return pin(c, mfn, MM_TYPE_L3);
	case MMUEXT_PIN_L4_TABLE:
		return pin(c, mfn, MM_TYPE_L4);
	case MMUEXT_UNPIN_TABLE:
		return unpin(c, mfn);
	case MMUEXT_NEW_BASEPTR:
		return new_baseptr(c, mfn, 0);
	case MMUEXT_NEW_USER_BASEPTR:
		return new_baseptr(c, mfn, 1);
	case MMUEXT_TLB_FLUSH_MULTI:
	case MMUEXT_INVLPG_MULTI:
		if (mm_read_vcpumask(c, (uint64_t)(uintptr_t)op.arg2.vcpumask.p, &mask))
			return -XEN_EFAULT;
		if (op.cmd == MMUEXT_INVLPG_MULTI)
			goto invlpg;
		mm_flush_tlb_mask(c, mask);
		return 0;
	case MMUEXT_TLB_FLUSH_LOCAL:
		mm_flush_tlb(c);
		return 0;
	case MMUEXT_TLB_FLUSH_ALL:
		mm_flush_tlb_mask(c, MM_ALL_VCPUS);
		return 0;
	case MMUEXT_INVLPG_LOCAL:
	case MMUEXT_INVLPG_ALL:
		mask = op.cmd == MMUEXT_INVLPG_ALL ? MM_ALL_VCPUS : 1ULL << c->vcpu;
	invlpg:
		/* invlpg of a non-canonical address would fault at CPL0 */
		if (core_is_canonical(op.arg1.linear_addr))
			mm_invlpg_mask(c, op.arg1.linear_addr, mask);
		return 0;
	case MMUEXT_FLUSH_CACHE:
		/* Xen lets only domains with device access flush caches. */
		return -XEN_EACCES;
	case MMUEXT_SET_LDT:
		if ((op.arg1.linear_addr & (MM_PAGE_SIZE - 1)) ||
		    !core_is_canonical(op.arg1.linear_addr) ||
		    op.arg2.nr_ents > LDT_MAX_ENTRIES)
			return -XEN_EINVAL;
		return traps_set_ldt(c, op.arg1.linear_addr, op.arg2.nr_ents);
	case MMUEXT_MARK_SUPER:
	case MMUEXT_UNMARK_SUPER:
		/* Xen dropped PV superpages; it answers both this way. */
		return -XEN_EOPNOTSUPP;
	case MMUEXT_COPY_PAGE:
		return copy_or_clear(c, mfn, op.arg2.src_mfn, 0);
	case MMUEXT_CLEAR_PAGE:
		return copy_or_clear(c, mfn, 0, 1);
	default:
		mm_note_enosys(c, &c->st->mm.enosys_mmuext_op, "mmuext_op", op.cmd);
		return -XEN_ENOSYS;
	}
}

/* mmuext_op(ops, count, pdone, foreigndom) */
long hypercall_mmuext_op(struct core *c, const uint64_t args[5])
{
	if (!c->st->mm.active)
		return -XEN_ENOSYS;
	struct mm_batch b;
	mm_batch_start(c, &b, args, sizeof(struct mmuext_op));
	long rc = 0;
	if (!mm_foreign_ok(args[3]))
		rc = -XEN_ESRCH;
	while (!rc && mm_batch_next(c, &b))
		rc = mm_batch_result(c, &b, one_op(c, b.ptr));
	return mm_batch_end(c, &b, rc);
}
