/*
 * HYPERVISOR_set_gdt and update_descriptor: the guest's own GDT, frames of
 * descriptors, which the CPU uses below Xen's reserved entries as under
 * Xen (shim_abi.h's GDT windows).
 *
 * As in Xen: at most FIRST_RESERVED_GDT_ENTRY entries (the pages above are
 * Xen's), each frame the guest's and taking the descriptor-page type
 * (MM_TYPE_SEG_DESC, Xen's PGT_seg_desc_page), else -EINVAL and the old
 * table stays.  A frame becomes a descriptor page only without writable
 * mappings, and keeps the guest from making one while it is; becoming one,
 * every descriptor in it is checked by traps_descriptor_check and fixed
 * up in place, one refused failing the type as Xen's alloc_segdesc_page
 * does.  So the frames change only through update_descriptor.
 *
 * Xen maps the frames into the vCPU's GDT; here the CPU reads a copy of
 * the guest's entries in the vCPU's block, which set_gdt fills and
 * update_descriptor keeps equal to the frames (for every vCPU whose
 * table holds the frame).  Entries past the guest's count are empty in
 * the copy, as past Xen's gdt_ents a load faults.
 *
 * update_descriptor(maddr, desc) writes one checked, fixed-up descriptor
 * into a descriptor page or any guest frame it could map writable (never a
 * page table), as Xen does; Linux writes its TLS entries this way.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/shim_abi.h"

#define DESC_S        (1ULL << 44)
#define DESC_P        (1ULL << 47)
#define DESC_CODE     (1ULL << 43)
#define DESC_L        (1ULL << 53)
#define SEL_LDT       4
#define PER_FRAME     512

/* A frame's descriptors, or 0 if it is not the guest's. */
static volatile uint64_t *frame_descriptors(struct core *c, uint64_t mfn)
{
	if (mfn >= c->layout.nr_pages)
		return 0;
	return platform_guest_ram(c, mfn << 12, 4096);
}

/* Xen's alloc_segdesc_page: 1 if every descriptor is taken, each stored
 * fixed up as it is checked. */
static int check_frame(struct core *c, uint64_t mfn)
{
	volatile uint64_t *desc = frame_descriptors(c, mfn);
	if (!desc)
		return 0;
	for (unsigned i = 0; i < PER_FRAME; i++) {
		uint64_t d = desc[i], fixed = d;
		if (!traps_descriptor_check(&fixed))
			return 0;
		if (fixed != d)
			desc[i] = fixed;
	}
	return 1;
}

/* Takes the descriptor-page type of frame mfn: 0 or -XEN_EINVAL.  Without
 * a frame table (unit tests of other parts) the frame is only checked. */
static int get_desc_frame(struct core *c, uint64_t mfn)
{
	if (!c->st->mm.active)
		return check_frame(c, mfn) ? 0 : -XEN_EINVAL;
	if (mm_get_type(c, mfn, MM_TYPE_SEG_DESC))
		return -XEN_EINVAL;
	/* The first reference types it: its contents are checked now that
	 * no writable mapping can change them. */
	if (mm_frame(c, mfn)->type_count == 1 && !check_frame(c, mfn)) {
		mm_put_type(c, mfn);
		return -XEN_EINVAL;
	}
	return 0;
}

static void put_desc_frame(struct core *c, uint64_t mfn)
{
	if (c->st->mm.active)
		mm_put_type(c, mfn);
}

/* The CPU's copy of vCPU n's GDT (shim_abi.h). */
static uint64_t *gdt_copy(struct core *c, unsigned n)
{
	return platform_shim_page(c, shim_off_guest_gdt(n));
}

/* Fills vCPU n's copy from its frames; entries past them are emptied,
 * up to the old count (the rest are empty already). */
static void fill_copy(struct core *c, unsigned n, const struct traps_vcpu *t,
		      uint32_t old_entries)
{
	uint64_t *copy = gdt_copy(c, n);
	for (unsigned i = 0; i * PER_FRAME < t->gdt_entries && i < TRAPS_GDT_FRAMES; i++) {
		const volatile uint64_t *desc = frame_descriptors(c, t->gdt_frames[i]);
		for (unsigned j = 0; j < PER_FRAME; j++) {
			unsigned e = i * PER_FRAME + j;
			copy[e] = desc && e < t->gdt_entries ? desc[j] : 0;
		}
	}
	for (unsigned e = t->gdt_entries; e < old_entries && e < FIRST_RESERVED_GDT_ENTRY; e++)
		copy[e] = 0;
}

long traps_set_gdt(struct core *c, unsigned n, const uint64_t *frames, uint64_t entries)
{
	struct traps_vcpu *t = &c->st->vcpu[n].traps;
	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return -XEN_EINVAL;
	unsigned nr = (unsigned)((entries + PER_FRAME - 1) / PER_FRAME);
	for (unsigned i = 0; i < nr; i++) {
		if (get_desc_frame(c, frames[i]) == 0)
			continue;
		while (i-- > 0)
			put_desc_frame(c, frames[i]);
		return -XEN_EINVAL;
	}
	/* The old table's frames go once the new ones are held: a frame in
	 * both keeps its type throughout.  Bounded by the array, as the
	 * count is guest-reachable memory. */
	uint32_t old = t->gdt_entries;
	for (unsigned i = 0; i * PER_FRAME < old && i < TRAPS_GDT_FRAMES; i++)
		put_desc_frame(c, t->gdt_frames[i]);
	core_memset(t->gdt_frames, 0, sizeof t->gdt_frames);
	core_memcpy(t->gdt_frames, frames, nr * sizeof frames[0]);
	t->gdt_entries = (uint32_t)entries;
	fill_copy(c, n, t, old);
	return 0;
}

/* set_gdt(frame_list, entries) */
long hypercall_set_gdt(struct core *c, const uint64_t args[5])
{
	uint64_t entries = args[1];
	uint64_t frames[TRAPS_GDT_FRAMES];
	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return -XEN_EINVAL;
	unsigned nr = (unsigned)((entries + PER_FRAME - 1) / PER_FRAME);
	if (copy_from_guest(c, frames, args[0], nr * sizeof frames[0]))
		return -XEN_EFAULT;
	return traps_set_gdt(c, c->vcpu, frames, entries);
}

/* Entry idx of frame pfn changed: every vCPU whose GDT holds it sees it. */
static void update_copies(struct core *c, uint64_t pfn, unsigned idx, uint64_t desc)
{
	for (unsigned n = 0; n < c->layout.nr_vcpus; n++) {
		const struct traps_vcpu *t = &c->st->vcpu[n].traps;
		for (unsigned i = 0; i < TRAPS_GDT_FRAMES; i++) {
			unsigned e = i * PER_FRAME + idx;
			if (t->gdt_frames[i] == pfn && e < t->gdt_entries)
				gdt_copy(c, n)[e] = desc;
		}
	}
}

/* update_descriptor(maddr, desc) */
long hypercall_update_descriptor(struct core *c, const uint64_t args[5])
{
	uint64_t maddr = args[0], desc = args[1], pfn = maddr >> 12;
	if ((maddr & 7) || !traps_descriptor_check(&desc) || pfn >= c->layout.nr_pages)
		return -XEN_EINVAL;
	const struct mm_frame *f = mm_frame(c, pfn);
	enum mm_type type = f && f->type == MM_TYPE_SEG_DESC ? MM_TYPE_SEG_DESC
							      : MM_TYPE_WRITABLE;
	if (mm_get_type(c, pfn, type))
		return -XEN_EINVAL;
	volatile uint64_t *slot = platform_guest_ram(c, maddr, 8);
	if (slot) {
		*slot = desc;
		if (type == MM_TYPE_SEG_DESC)
			update_copies(c, pfn, (unsigned)((maddr & 0xfff) >> 3), desc);
	}
	mm_put_type(c, pfn);
	return slot ? 0 : -XEN_EINVAL;
}

uint64_t traps_gdt_base(struct core *c, uint16_t selector)
{
	const struct traps_vcpu *t = &core_vcpu(c)->traps;
	unsigned index = selector >> 3;
	/* set_gdt keeps gdt_entries within its frames, but the core state is
	 * in memory the guest could reach: the frame index is bounded by the
	 * array itself too. */
	if ((selector & 4) || index == 0 || index >= t->gdt_entries ||
	    index / PER_FRAME >= TRAPS_GDT_FRAMES)
		return 0; /* null, LDT (none here) or past the table: base 0 */
	const volatile uint64_t *desc =
		platform_guest_ram(c, t->gdt_frames[index / PER_FRAME] << 12, 4096);
	if (!desc)
		return 0;
	uint64_t d = desc[index % PER_FRAME];
	if (!(d & DESC_P) || !(d & DESC_S))
		return 0;
	return ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
}

int traps_is_compat_cs(struct core *c, uint16_t sel)
{
	const struct traps_vcpu *t = &core_vcpu(c)->traps;
	unsigned index = sel >> 3;
	uint64_t d;
	if (sel & SEL_LDT) {
		if (index >= t->ldt_ents || index >= SHIM_LDT_MAX)
			return 0;
		d = ((const uint64_t *)platform_shim_page(c, shim_off_gdt(c->vcpu)))
			[SHIM_GDT_LDT_FIRST + index];
	} else if (index < FIRST_RESERVED_GDT_ENTRY) {
		d = gdt_copy(c, c->vcpu)[index];
	} else {
		return (sel & ~3) == (FLAT_USER_CS32 & ~3);
	}
	return (d & (DESC_P | DESC_S | DESC_CODE | DESC_L)) == (DESC_P | DESC_S | DESC_CODE);
}
