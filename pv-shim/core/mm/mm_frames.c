/*
 * The frame table and type references: validation of a table when it
 * first becomes one, devalidation when its last reference goes, and the
 * checked replacement of one entry (Xen's get/put_page_type,
 * alloc/free_lN_table and mod_lN_entry for a 64-bit PV guest).
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/grant/grant.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/mm/mm_pte.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/shim_abi.h"

struct mm_frame *mm_frame_slot(struct core *c, uint64_t pfn)
{
	if (!c->st->mm.active || pfn >= c->layout.nr_pages)
		return 0;
	return (struct mm_frame *)platform_shim_page(c, SHIM_OFF_FRAMES) + pfn;
}

struct mm_frame *mm_frame(struct core *c, uint64_t pfn)
{
	struct mm_frame *f = mm_frame_slot(c, pfn);
	return f && !(f->flags & MM_FRAME_FREE) ? f : 0;
}

void mm_set_m2p(struct core *c, uint64_t mfn, uint64_t pfn)
{
	((uint64_t *)platform_shim_page(c, shim_off_m2p(c->layout.nr_pages)))[mfn] = pfn;
}

/* The copies' cached walks (guest_access.c) went through validated
 * tables and present entries only, so they go stale when a table stops
 * being validated or an entry that was present loses its frame, its
 * presence or a permission; a new mapping, or a permission added, leaves
 * them right (a cached read-only answer only refuses a write, which then
 * walks afresh).  Mappings of pages that had none are 39% of the L1
 * stores in Debian's boot. */
static void walks_stale(struct core *c)
{
	__atomic_fetch_add(&c->st->mm.pt_generation, 1, __ATOMIC_SEQ_CST);
}

#define WALKED_BITS (MM_PTE_P | MM_PTE_RW | MM_PTE_US)

/* Every store of a page-table entry of a table of type (old: what it
 * held): the platform makes it.  A single entry may be made seen without
 * the shim in the launcher; a table's validation rewrites many entries of
 * one page, which one restore of the page makes seen more cheaply. */
static void store_entry(struct core *c, enum mm_type type, uint64_t maddr, uint64_t old,
			uint64_t value, int single)
{
	if ((old & MM_PTE_P) && ((old & WALKED_BITS & ~value) ||
				 ((old ^ value) & (MM_PTE_ADDR | MM_PTE_PS))))
		walks_stale(c);
	if (single)
		platform_write_entry(c, maddr, old, value, type == MM_TYPE_L1);
	else
		platform_write_pte(c, maddr, value);
}

static volatile uint64_t *table_of(struct core *c, uint64_t pfn)
{
	return platform_guest_ram(c, pfn * MM_PAGE_SIZE, MM_PAGE_SIZE);
}

static int is_table(enum mm_type type)
{
	return type >= MM_TYPE_L1 && type <= MM_TYPE_L4;
}

static int is_guest_slot(enum mm_type type, unsigned idx)
{
	return type != MM_TYPE_L4 || idx < MM_XEN_FIRST_SLOT || idx > MM_XEN_LAST_SLOT;
}

/* What the hypervisor keeps in slot idx (256-271) of every guest L4:
 * the M2P at Xen's MACH2PHYS_VIRT_START (slot 256) too. */
static uint64_t xen_slot_value(struct core *c, unsigned idx)
{
	if (idx >= SHIM_L4_SLOT && idx <= SHIM_M2P_SLOT)
		return c->st->mm.xen_l4e[idx - SHIM_L4_SLOT];
	if (idx == MM_XEN_FIRST_SLOT)
		return c->st->mm.xen_l4e[SHIM_M2P_SLOT - SHIM_L4_SLOT];
	return 0;
}

/*
 * 64-bit PV kernels run at CPL3, so their mappings must be user
 * mappings: Xen adds _PAGE_USER to every present entry it accepts.
 */
static uint64_t adjust(uint64_t e)
{
	return (e & MM_PTE_P) ? e | MM_PTE_US : e;
}

/*
 * Linear page tables, as Xen allows them by default (pv-linear-pt): an
 * entry of table (of level type, above L1) mapping a table of the same
 * level, read-only.  Mapping table itself takes no reference.  Another
 * table must already be a validated one of that level; it takes a type
 * reference, and neither table may be on the other side of another
 * linear entry: a table with linear entries is not mapped linearly, so
 * the guest's view never goes more than one level round.  1 if taken.
 */
static int get_linear_ref(struct core *c, enum mm_type type, uint64_t table, uint64_t e)
{
	uint64_t pfn = mm_pte_pfn(e);
	if (e & MM_PTE_RW)
		return 0;
	if (pfn == table)
		return 1;
	struct mm_frame *pt = mm_frame(c, table), *pg = mm_frame(c, pfn);
	if (!pt || !pg || pt->linear_count < 0 || pt->linear_count == INT16_MAX ||
	    pg->linear_count > 0 || pg->linear_count == INT16_MIN)
		return 0;
	if (pg->type != type || !(pg->flags & MM_FRAME_VALIDATED) ||
	    pg->type_count == UINT32_MAX)
		return 0;
	pg->type_count++;
	pt->linear_count++;
	pg->linear_count--;
	return 1;
}

/* Takes what a present entry e of table (of level type) refers to. */
static int get_entry_ref(struct core *c, enum mm_type type, uint64_t table, uint64_t e)
{
	uint64_t pfn = mm_pte_pfn(e);
	if (type == MM_TYPE_L1) {
		if (e & MM_L1_DISALLOWED)
			return -XEN_EINVAL;
		if (pfn < c->layout.nr_pages) {
			/* One frame-table lookup per entry (every one is an
			 * emulated instruction in the guest path): a frame given
			 * back has none, and is refused either way. */
			if (!(e & MM_PTE_RW))
				return mm_frame(c, pfn) ? 0 : -XEN_EINVAL;
			if (mm_get_type(c, pfn, MM_TYPE_WRITABLE) == 0)
				return 0;
			return mm_frame(c, pfn) ? -XEN_EBUSY : -XEN_EINVAL;
		}
		/* shared_info and the grant frames set up are the domain's
		 * own pages, outside its RAM (Xen shares them read-write) */
		if (pfn == c->layout.shared_info_mfn)
			return 0;
		return grant_frame_map(c, pfn) ? -XEN_EPERM : 0;
	}
	if (e & MM_UPPER_DISALLOWED)
		return -XEN_EINVAL;
	if (pfn >= c->layout.nr_pages)
		return -XEN_EINVAL;
	int rc = mm_get_type(c, pfn, (enum mm_type)(type - 1));
	/* Not a table of the level below: perhaps one of this level. */
	if (rc == -XEN_EINVAL && get_linear_ref(c, type, table, e))
		return 0;
	return rc;
}

static void put_entry_ref(struct core *c, enum mm_type type, uint64_t table, uint64_t e)
{
	uint64_t pfn = mm_pte_pfn(e);
	if (pfn >= c->layout.nr_pages) {
		if (type == MM_TYPE_L1)
			grant_frame_unmap(c, pfn);
		return;
	}
	if (type == MM_TYPE_L1 && !(e & MM_PTE_RW))
		return;
	if (type != MM_TYPE_L1 && pfn == table)
		return; /* a linear entry mapping its own table: no reference */
	struct mm_frame *pg = mm_frame(c, pfn), *pt = mm_frame(c, table);
	/* A table the entry holds keeps its type while it does: one of the
	 * entry's own level was taken as a linear one. */
	if (type != MM_TYPE_L1 && pg && pt && pg->type == type) {
		pt->linear_count--;
		pg->linear_count++;
	}
	mm_put_type(c, pfn);
}

static void put_entries(struct core *c, uint64_t pfn, volatile uint64_t *t,
			enum mm_type type, unsigned end)
{
	for (unsigned i = 0; i < end; i++) {
		uint64_t e = t[i];
		if (is_guest_slot(type, i) && (e & MM_PTE_P))
			put_entry_ref(c, type, pfn, e);
	}
}

/* The entry as the hardware must see it once the table is validated. */
static uint64_t validated_entry(struct core *c, enum mm_type type, unsigned i,
				uint64_t e)
{
	return is_guest_slot(type, i) ? adjust(e) : xen_slot_value(c, i);
}

static int validate(struct core *c, uint64_t pfn, enum mm_type type)
{
	volatile uint64_t *t = table_of(c, pfn);
	uint64_t base = pfn * MM_PAGE_SIZE;
	for (unsigned i = 0; i < MM_ENTRIES; i++) {
		uint64_t e = t[i];
		if (!is_guest_slot(type, i) || !(e & MM_PTE_P))
			continue;
		int rc = get_entry_ref(c, type, pfn, e);
		if (rc) {
			put_entries(c, pfn, t, type, i);
			return rc;
		}
	}
	int writes = 0;
	for (unsigned i = 0; i < MM_ENTRIES && !writes; i++)
		writes = validated_entry(c, type, i, t[i]) != t[i];
	/* One pass in address order: stores to one page in a row take one
	 * place in the queue (platform.h). */
	if (writes && platform_cpu_ops_room(c) < 1) {
		put_entries(c, pfn, t, type, MM_ENTRIES);
		return MM_ENOROOM;
	}
	for (unsigned i = 0; i < MM_ENTRIES; i++) {
		uint64_t e = t[i], v = validated_entry(c, type, i, e);
		if (v != e)
			store_entry(c, type, base + i * 8, e, v, 0);
	}
	return 0;
}

int mm_get_type(struct core *c, uint64_t pfn, enum mm_type type)
{
	struct mm_frame *f = mm_frame(c, pfn);
	if (!f)
		return -XEN_EINVAL;
	if (f->type_count == 0) {
		mm_tlb_retyping(c, f, type);
		f->type = (uint8_t)type;
		f->flags = 0;
		f->type_count = 1;
		if (is_table(type)) {
			int rc = validate(c, pfn, type);
			if (rc) {
				f->type = MM_TYPE_NONE;
				f->type_count = 0;
				return rc;
			}
			f->flags = MM_FRAME_VALIDATED;
		}
		return 0;
	}
	/* A table still being validated is reached again only through a
	 * cycle: refused, as any type change is (a linear entry to it is
	 * get_linear_ref's to take, after this refusal). */
	if (f->type != type || (is_table(type) && !(f->flags & MM_FRAME_VALIDATED)) ||
	    f->type_count == UINT32_MAX)
		return -XEN_EINVAL;
	f->type_count++;
	return 0;
}

void mm_put_type(struct core *c, uint64_t pfn)
{
	struct mm_frame *f = mm_frame(c, pfn);
	if (!f || f->type_count == 0)
		return;
	if (--f->type_count)
		return;
	if (is_table(f->type) && (f->flags & MM_FRAME_VALIDATED)) {
		/* The guest may write it from now on. */
		walks_stale(c);
		f->flags = 0;
		put_entries(c, pfn, table_of(c, pfn), f->type, MM_ENTRIES);
	}
	mm_tlb_released(c, f);
	f->type = MM_TYPE_NONE;
	f->flags = 0;
}

int mm_get_page(struct core *c, uint64_t pfn)
{
	struct mm_frame *f = mm_frame(c, pfn);
	if (!f || f->ref_count == UINT32_MAX)
		return -XEN_EINVAL;
	f->ref_count++;
	return 0;
}

void mm_put_page(struct core *c, uint64_t pfn)
{
	struct mm_frame *f = mm_frame(c, pfn);
	if (f && f->ref_count)
		f->ref_count--;
}

int mm_mod_entry(struct core *c, uint64_t pfn, enum mm_type type,
		 unsigned idx, uint64_t val, int preserve_ad)
{
	if (idx >= MM_ENTRIES || !is_guest_slot(type, idx))
		return -XEN_EINVAL;
	volatile uint64_t *t = table_of(c, pfn);
	uint64_t old = t[idx];
	if (preserve_ad && (old & MM_PTE_P))
		val |= old & (MM_PTE_A | MM_PTE_D);
	/* The new reference first: replacing an entry by itself must not
	 * let the count touch zero in between. */
	if (val & MM_PTE_P) {
		int rc = get_entry_ref(c, type, pfn, val);
		if (rc)
			return rc;
	}
	if (platform_cpu_ops_room(c) < 1) {
		if (val & MM_PTE_P)
			put_entry_ref(c, type, pfn, val);
		return MM_ENOROOM;
	}
	store_entry(c, type, pfn * MM_PAGE_SIZE + idx * 8, old, adjust(val), 1);
	if (old & MM_PTE_P)
		put_entry_ref(c, type, pfn, old);
	return 0;
}

int mm_domain_init(struct core *c, uint64_t l4_maddr, uint64_t m2p_l4e)
{
	struct core_state *st = c->st;
	struct mm_state *mm = &st->mm;
	uint64_t l4 = l4_maddr >> 12;
	volatile uint64_t *t = table_of(c, l4);
	if (!t)
		return -XEN_EINVAL;
	mm->active = 1;
	/* The builder's entries for the shim and its physmap, as they are. */
	mm->xen_l4e[0] = t[SHIM_L4_SLOT];
	mm->xen_l4e[1] = t[SHIM_PHYSMAP_SLOT];
	mm->xen_l4e[2] = m2p_l4e;
	core_memset(mm_frame_slot(c, 0), 0, c->layout.nr_pages * sizeof(struct mm_frame));
	/* The toolstack pins the top-level table; the vCPU holds another. */
	int rc = mm_get_type(c, l4, MM_TYPE_L4);
	if (rc)
		return rc;
	mm_frame(c, l4)->flags |= MM_FRAME_PINNED;
	mm_frame(c, l4)->type_count++;
	core_vcpu(c)->cr3 = l4_maddr;
	return 0;
}

int mm_hold_for_dom0(struct core *c, uint64_t pfn)
{
	return mm_get_type(c, pfn, MM_TYPE_WRITABLE);
}

void mm_note_enosys(struct core *c, uint64_t *seen, const char *hypercall,
		    uint64_t cmd)
{
	uint64_t bit = 1ULL << (cmd < 63 ? cmd : 63);
	if (*seen & bit)
		return;
	*seen |= bit;
	char line[96];
	core_format(line, sizeof line, "%s sub-operation %lu not implemented: -ENOSYS",
		    hypercall, (unsigned long)cmd);
	platform_log(c, line);
}

void mm_continue(struct core *c, const uint64_t args[5])
{
	struct mm_vcpu *mm = &core_vcpu(c)->mm;
	mm->continuation = 1;
	core_memcpy(mm->continuation_args, args, sizeof mm->continuation_args);
}
