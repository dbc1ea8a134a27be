/*
 * mmu_update and update_va_mapping: the guest's page-table stores, each
 * checked against the frame table before the store is made for it.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/mm/mm_batch.h"
#include "pv-shim/core/mm/mm_pte.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/shim_abi.h"

/* Xen's reserved hole: no guest mapping lives there. */
#define HOLE_START 0xffff800000000000ULL
#define HOLE_END   0xffff880000000000ULL

int mm_foreign_ok(uint64_t foreigndom)
{
	return foreigndom == DOMID_SELF;
}

static int update_entry(struct core *c, uint64_t ptr, uint64_t val, int preserve_ad)
{
	uint64_t pfn = ptr >> 12;
	struct mm_frame *f = mm_frame(c, pfn);
	if (!f)
		return -XEN_EINVAL;
	unsigned idx = (unsigned)((ptr & (MM_PAGE_SIZE - 1)) >> 3);
	if (f->type >= MM_TYPE_L1)
		return mm_mod_entry(c, pfn, (enum mm_type)f->type, idx, val, preserve_ad);
	/* Not a page table: an ordinary store into the guest's own page,
	 * as writable as a mapping of it (Xen takes the writable type: a
	 * descriptor page refuses it). */
	if (mm_get_type(c, pfn, MM_TYPE_WRITABLE))
		return -XEN_EINVAL;
	uint64_t *p = platform_guest_ram(c, ptr & ~7ULL, 8);
	if (p)
		*p = val;
	mm_put_type(c, pfn);
	return p ? 0 : -XEN_EINVAL;
}

static int machphys_update(struct core *c, uint64_t mfn, uint64_t pfn)
{
	if (!mm_frame(c, mfn))
		return -XEN_EINVAL; /* not RAM, or given back */
	mm_set_m2p(c, mfn, pfn);
	return 0;
}

static int one_update(struct core *c, uint64_t va)
{
	struct mmu_update req;
	if (copy_from_guest(c, &req, va, sizeof req))
		return -XEN_EFAULT;
	switch (req.ptr & 7) {
	case MMU_NORMAL_PT_UPDATE:
		return update_entry(c, req.ptr, req.val, 0);
	case MMU_PT_UPDATE_PRESERVE_AD:
		return update_entry(c, req.ptr, req.val, 1);
	case MMU_MACHPHYS_UPDATE:
		return machphys_update(c, req.ptr >> 12, req.val);
	default:
		return -XEN_ENOSYS;
	}
}

/* mmu_update(reqs, count, pdone, foreigndom) */
long hypercall_mmu_update(struct core *c, const uint64_t args[5])
{
	if (!c->st->mm.active)
		return -XEN_ENOSYS;
	struct mm_batch b;
	mm_batch_start(c, &b, args, sizeof(struct mmu_update));
	long rc = 0;
	if (!mm_foreign_ok(args[3]))
		rc = -XEN_ESRCH;
	while (!rc && mm_batch_next(c, &b))
		rc = mm_batch_result(c, &b, one_update(c, b.ptr));
	return mm_batch_end(c, &b, rc);
}

static int is_guest_va(uint64_t va)
{
	uint64_t top = va >> 47;
	return (top == 0 || top == 0x1ffff) && !(va >= HOLE_START && va < HOLE_END);
}

int mm_l1_of(struct core *c, uint64_t va, uint64_t *l1)
{
	if (!is_guest_va(va))
		return -1;
	const struct core_vcpu *v = core_vcpu(c);
	uint64_t table = (v->kernel_mode ? v->cr3 : v->user_cr3) >> 12;
	for (int level = 3; level >= 1; level--) {
		volatile uint64_t *e = platform_guest_ram(c, table * MM_PAGE_SIZE +
			((va >> (12 + 9 * level)) & 511) * 8, 8);
		if (!e)
			return -1;
		uint64_t entry = *e;
		if (!(entry & MM_PTE_P) || (entry & MM_PTE_PS))
			return -1;
		table = mm_pte_pfn(entry);
	}
	struct mm_frame *f = mm_frame(c, table);
	if (!f || f->type != MM_TYPE_L1)
		return -1;
	*l1 = table;
	return 0;
}

/* One word holds every vCPU a domain may have (CORE_MAX_VCPUS <= 64). */
int mm_read_vcpumask(struct core *c, uint64_t va, uint64_t *mask)
{
	_Static_assert(CORE_MAX_VCPUS <= 64, "one word of vcpumask");
	if (copy_from_guest(c, mask, va, sizeof *mask))
		return -XEN_EFAULT;
	*mask &= c->layout.nr_vcpus >= 64 ? ~0ULL : (1ULL << c->layout.nr_vcpus) - 1;
	return 0;
}

/* update_va_mapping(va, val, flags) */
long hypercall_update_va_mapping(struct core *c, const uint64_t args[5])
{
	uint64_t va = args[0], val = args[1], flags = args[2];
	if (!c->st->mm.active)
		return -XEN_ENOSYS;
	if (!is_guest_va(va))
		return -XEN_EINVAL;
	if (platform_cpu_ops_room(c) < 2) {
		mm_continue(c, args);
		return 0;
	}
	uint64_t l1;
	if (mm_l1_of(c, va, &l1))
		return -XEN_EINVAL;
	int rc = mm_mod_entry(c, l1, MM_TYPE_L1, (va >> 12) & 511, val, 0);
	if (rc == MM_ENOROOM && core_vcpu(c)->mm.queued_before) {
		mm_continue(c, args);
		return 0;
	}
	if (rc == MM_ENOROOM)
		return -XEN_ENOMEM;
	if (rc)
		return rc;
	/* UVMF_LOCAL, UVMF_ALL, or the address of a vCPU bitmap
	 * (UVMF_MULTI: the flush bits are what is not the pointer). */
	uint64_t who = flags & ~UVMF_FLUSHTYPE_MASK, mask;
	if (who == UVMF_LOCAL)
		mask = 1ULL << c->vcpu;
	else if (who == UVMF_ALL)
		mask = MM_ALL_VCPUS;
	else if (mm_read_vcpumask(c, who, &mask))
		return -XEN_EFAULT;
	switch (flags & UVMF_FLUSHTYPE_MASK) {
	case UVMF_TLB_FLUSH:
		mm_flush_tlb_mask(c, mask);
		break;
	case UVMF_INVLPG:
		mm_invlpg_mask(c, va, mask);
		break;
	}
	return 0;
}
