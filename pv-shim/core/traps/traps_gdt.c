/*
 * HYPERVISOR_set_gdt and update_descriptor: the guest's own GDT, frames of
 * descriptors.  CPL3
 * code here always runs on the host's selectors (kvm-on-these-machines.md),
 * so the CPU never loads a guest descriptor: the core checks the table as
 * Xen does, so a guest gets the answers Xen gives, and keeps it to read
 * segment bases from (SEGBASE_GS_USER_SEL).
 *
 * As in Xen: at most FIRST_RESERVED_GDT_ENTRY entries (the pages above are
 * Xen's), each frame the guest's, and every present descriptor a code or
 * data segment, a call gate to a non-null selector, or type 0 (a call
 * gate's upper half) - else -EINVAL and the old table stays.  Xen also
 * makes the frames a "descriptor page" type no writable mapping may share;
 * the core's frame table has no such type yet, so a guest may keep
 * writing its GDT, which changes nothing the CPU uses here.  Xen's in-place
 * DPL fix-up of the guest's copy is not done, for the same reason.
 *
 * update_descriptor(maddr, desc) writes one checked descriptor into any
 * guest frame it could map writable (never a page table), as Xen does;
 * Linux writes its TLS entries this way.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/traps/traps.h"

#define DESC_S        (1ULL << 44)
#define DESC_P        (1ULL << 47)
#define DESC_TYPE(d)  (((d) >> 40) & 0xf)
#define TYPE_CALLGATE 0xc
#define PER_FRAME     512

static int descriptor_ok(uint64_t d)
{
	if (!(d & DESC_P) || (d & DESC_S) || DESC_TYPE(d) == 0)
		return 1;
	return DESC_TYPE(d) == TYPE_CALLGATE && ((d >> 16) & 0xfffc) != 0;
}

static int frame_ok(struct core *c, uint64_t mfn, unsigned entries)
{
	if (mfn >= c->layout.nr_pages)
		return 0;
	const volatile uint64_t *desc = platform_guest_ram(c, mfn << 12, 4096);
	if (!desc)
		return 0;
	for (unsigned i = 0; i < entries; i++)
		if (!descriptor_ok(desc[i]))
			return 0;
	return 1;
}

long traps_set_gdt(struct core *c, struct traps_vcpu *t, const uint64_t *frames,
		   uint64_t entries)
{
	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return -XEN_EINVAL;
	unsigned nr = (unsigned)((entries + PER_FRAME - 1) / PER_FRAME);
	for (unsigned i = 0; i < nr; i++) {
		unsigned n = i + 1 < nr ? PER_FRAME : (unsigned)(entries - i * PER_FRAME);
		if (!frame_ok(c, frames[i], n))
			return -XEN_EINVAL;
	}
	core_memset(t->gdt_frames, 0, sizeof t->gdt_frames);
	core_memcpy(t->gdt_frames, frames, nr * sizeof frames[0]);
	t->gdt_entries = (uint32_t)entries;
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
	return traps_set_gdt(c, &core_vcpu(c)->traps, frames, entries);
}

/* update_descriptor(maddr, desc) */
long hypercall_update_descriptor(struct core *c, const uint64_t args[5])
{
	uint64_t maddr = args[0], desc = args[1], pfn = maddr >> 12;
	if ((maddr & 7) || !descriptor_ok(desc) || pfn >= c->layout.nr_pages)
		return -XEN_EINVAL;
	if (mm_get_type(c, pfn, MM_TYPE_WRITABLE))
		return -XEN_EINVAL;
	volatile uint64_t *slot = platform_guest_ram(c, maddr, 8);
	if (slot)
		*slot = desc;
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
