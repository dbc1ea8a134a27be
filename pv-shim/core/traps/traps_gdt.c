/*
 * HYPERVISOR_set_gdt and update_descriptor: the guest's own GDT, frames of
 * descriptors.  The CPU's GDT holds the shim's selectors and Xen's
 * reserved ones (shim_abi.h's GDT windows), not these frames: the core
 * checks them as Xen does, so a guest gets the answers and the fixed-up
 * descriptors Xen gives, and keeps the table to read segment bases from
 * (SEGBASE_GS_USER_SEL).  Only the entries 32-bit user code loads itself
 * (SHIM_GDT_GUEST_FIRST..END: Linux's TLS and per-CPU ones) are copied,
 * checked again, into the vCPU's GDT page whenever the table is set or
 * update_descriptor writes them.
 *
 * As in Xen: at most FIRST_RESERVED_GDT_ENTRY entries (the pages above are
 * Xen's), each frame the guest's, and every descriptor of each whole
 * frame taken by traps_descriptor_check - else -EINVAL and the old table
 * stays; the frames are then fixed up in place, as Xen fixes up a page
 * it types as a descriptor page.  Xen also makes that type exclusive of
 * writable mappings; the core's frame table has no such type yet, so a
 * guest may keep writing its GDT, which changes nothing the CPU uses
 * here.
 *
 * update_descriptor(maddr, desc) writes one checked, fixed-up descriptor
 * into any guest frame it could map writable (never a page table), as
 * Xen does; Linux writes its TLS entries this way.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/shim_abi.h"

#define DESC_S        (1ULL << 44)
#define DESC_P        (1ULL << 47)
#define PER_FRAME     512

/* A frame's descriptors, or 0 if it is not the guest's. */
static volatile uint64_t *frame_descriptors(struct core *c, uint64_t mfn)
{
	if (mfn >= c->layout.nr_pages)
		return 0;
	return platform_guest_ram(c, mfn << 12, 4096);
}

/* check: 1 if every descriptor is taken; else stores each fixed up. */
static int frame_pass(struct core *c, uint64_t mfn, int check)
{
	volatile uint64_t *desc = frame_descriptors(c, mfn);
	if (!desc)
		return 0;
	for (unsigned i = 0; i < PER_FRAME; i++) {
		uint64_t d = desc[i], fixed = d;
		if (!traps_descriptor_check(&fixed))
			return 0;
		if (!check && fixed != d)
			desc[i] = fixed;
	}
	return 1;
}

/* The CPU's copy of vcpu's GDT entry index (one SHIM_GDT_GUEST_FIRST..END
 * names): desc checked once more (the guest may have written its frame
 * since), else not present. */
static void mirror_entry(struct core *c, unsigned vcpu, unsigned index, uint64_t desc)
{
	uint64_t *gdt = platform_shim_page(c, shim_off_gdt(vcpu % CORE_MAX_VCPUS));
	gdt[index] = traps_descriptor_check(&desc) ? desc : 0;
}

/* All of vcpu's mirrored entries from its table (0 past its end). */
static void mirror_table(struct core *c, unsigned vcpu)
{
	const struct traps_vcpu *t = &c->st->vcpu[vcpu % CORE_MAX_VCPUS].traps;
	const volatile uint64_t *desc = t->gdt_entries ? frame_descriptors(c, t->gdt_frames[0]) : 0;
	for (unsigned i = SHIM_GDT_GUEST_FIRST; i < SHIM_GDT_GUEST_END; i++)
		mirror_entry(c, vcpu, i, desc && i < t->gdt_entries ? desc[i] : 0);
}

long traps_set_gdt(struct core *c, unsigned vcpu, const uint64_t *frames,
		   uint64_t entries)
{
	struct traps_vcpu *t = &c->st->vcpu[vcpu % CORE_MAX_VCPUS].traps;
	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return -XEN_EINVAL;
	unsigned nr = (unsigned)((entries + PER_FRAME - 1) / PER_FRAME);
	for (unsigned i = 0; i < nr; i++)
		if (!frame_pass(c, frames[i], 1))
			return -XEN_EINVAL;
	/* All taken: only now is any frame changed.  The guest could have
	 * changed a frame in between; its new contents are checked again. */
	for (unsigned i = 0; i < nr; i++)
		if (!frame_pass(c, frames[i], 0))
			return -XEN_EINVAL;
	core_memset(t->gdt_frames, 0, sizeof t->gdt_frames);
	core_memcpy(t->gdt_frames, frames, nr * sizeof frames[0]);
	t->gdt_entries = (uint32_t)entries;
	mirror_table(c, vcpu);
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

/* update_descriptor(maddr, desc) */
long hypercall_update_descriptor(struct core *c, const uint64_t args[5])
{
	uint64_t maddr = args[0], desc = args[1], pfn = maddr >> 12;
	if ((maddr & 7) || !traps_descriptor_check(&desc) || pfn >= c->layout.nr_pages)
		return -XEN_EINVAL;
	if (mm_get_type(c, pfn, MM_TYPE_WRITABLE))
		return -XEN_EINVAL;
	volatile uint64_t *slot = platform_guest_ram(c, maddr, 8);
	if (slot)
		*slot = desc;
	mm_put_type(c, pfn);
	if (!slot)
		return -XEN_EINVAL;
	/* Any vCPU whose table has this entry among the mirrored ones (Linux
	 * writes its own vCPU's TLS entries; the lock keeps others still). */
	unsigned index = (unsigned)(maddr & 0xfff) / 8;
	for (unsigned v = 0; v < c->layout.nr_vcpus && v < CORE_MAX_VCPUS; v++) {
		const struct traps_vcpu *t = &c->st->vcpu[v].traps;
		if (index >= SHIM_GDT_GUEST_FIRST && index < SHIM_GDT_GUEST_END &&
		    index < t->gdt_entries && t->gdt_frames[0] == pfn)
			mirror_entry(c, v, index, desc);
	}
	return 0;
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
