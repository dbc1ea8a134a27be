/*
 * The bootstrap layout.  The page tables must map themselves, so their
 * number depends on where the mapping ends, which depends on their number:
 * iterate from one frame per level until the count stops growing (it only
 * grows, and by few frames, so this ends in two or three rounds).
 */
#include <stdio.h>
#include "emu/build/domain_layout.h"

#define MAPPING_ALIGN (4ULL << 20)
#define MAPPING_SLACK (512ULL << 10)
/* Xen's hole: the hypervisor's L4 slots, the shim's among them. */
#define XEN_HOLE_START 0xffff800000000000ULL
#define XEN_HOLE_END   0xffff880000000000ULL

static uint64_t pages_for(uint64_t bytes)
{
	return (bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

/* Tables needed at one level to map [start, end): one per 2^shift bytes. */
static unsigned tables_for(uint64_t start, uint64_t end, unsigned shift)
{
	return (unsigned)(((end - 1) >> shift) - (start >> shift) + 1);
}

static bool is_canonical(uint64_t va)
{
	return (va >> 47) == 0 || (va >> 47) == 0x1ffff;
}

/* [start, end) lies in one canonical half and outside Xen's hole, so the
 * guest's L4 entries and the hypervisor's never share a slot. */
static bool guest_range(uint64_t start, uint64_t end)
{
	return is_canonical(start) && is_canonical(end - 1) &&
	       (start >> 47) == ((end - 1) >> 47) &&
	       (end <= XEN_HOLE_START || start >= XEN_HOLE_END);
}

static uint64_t mapping_end(uint64_t virt_base, uint64_t alloc_end_pfn)
{
	uint64_t end = virt_base + (alloc_end_pfn << PAGE_SHIFT);
	uint64_t aligned = (end + MAPPING_ALIGN - 1) & ~(MAPPING_ALIGN - 1);
	if (aligned - end < MAPPING_SLACK)
		aligned += MAPPING_ALIGN;
	return aligned;
}

int domain_layout_compute(const struct domain_layout_input *in,
			  struct domain_layout *l, char *err, size_t errlen)
{
	*l = (struct domain_layout){ .virt_base = in->virt_base };
	if (in->virt_kstart < in->virt_base || in->virt_kend <= in->virt_kstart ||
	    (in->virt_kstart | in->virt_kend | in->virt_base) & (PAGE_SIZE - 1)) {
		snprintf(err, errlen, "kernel range is not page aligned above virt_base");
		return -1;
	}
	uint64_t mem = in->nr_pages << PAGE_SHIFT;
	if (in->virt_kend - in->virt_base > mem) {
		snprintf(err, errlen, "kernel (%llu MiB from virt_base) is bigger than "
			 "guest memory (%llu MiB)",
			 (unsigned long long)((in->virt_kend - in->virt_base) >> 20),
			 (unsigned long long)(mem >> 20));
		return -1;
	}
	l->kernel_pfn = (in->virt_kstart - in->virt_base) >> PAGE_SHIFT;
	l->kernel_pages = (in->virt_kend - in->virt_kstart) >> PAGE_SHIFT;
	uint64_t next = l->kernel_pfn + l->kernel_pages;

	l->ramdisk_pages = pages_for(in->ramdisk_len);
	l->ramdisk_mapped = l->ramdisk_pages && !in->ramdisk_unmapped;
	if (l->ramdisk_mapped) {
		l->ramdisk_pfn = next;
		next += l->ramdisk_pages;
	}
	l->p2m_pfn = next;
	l->p2m_pages = pages_for(in->nr_pages * 8);
	next += l->p2m_pages;
	l->start_info_pfn = next++;
	l->xenstore_pfn = next++;
	l->console_pfn = next++;
	l->pt_pfn = next;

	uint64_t nr_pt = 4, mapped_end;
	for (;;) {
		mapped_end = mapping_end(in->virt_base, next + nr_pt + 1);
		if (mapped_end < in->virt_base) { /* wrapped past 2^64 */
			snprintf(err, errlen, "bootstrap region runs past the top of "
				 "the address space");
			return -1;
		}
		l->nr_l3 = tables_for(in->virt_base, mapped_end, 39);
		l->nr_l2 = tables_for(in->virt_base, mapped_end, 30);
		l->nr_l1 = tables_for(in->virt_base, mapped_end, 21);
		uint64_t need = 1 + l->nr_l3 + l->nr_l2 + l->nr_l1;
		if (need <= nr_pt)
			break;
		nr_pt = need;
	}
	if (!guest_range(in->virt_base, mapped_end)) {
		snprintf(err, errlen, "bootstrap mapping [%#llx, %#llx) is not canonical "
			 "or overlaps the hypervisor's area [%#llx, %#llx)",
			 (unsigned long long)in->virt_base, (unsigned long long)mapped_end,
			 XEN_HOLE_START, XEN_HOLE_END);
		return -1;
	}
	l->nr_pt_frames = 1 + l->nr_l3 + l->nr_l2 + l->nr_l1;
	l->stack_pfn = l->pt_pfn + l->nr_pt_frames;
	l->alloc_end_pfn = l->stack_pfn + 1;
	l->mapped_end_pfn = (mapped_end - in->virt_base) >> PAGE_SHIFT;
	l->used_end_pfn = l->mapped_end_pfn;
	if (l->ramdisk_pages && !l->ramdisk_mapped) {
		l->ramdisk_pfn = l->mapped_end_pfn;
		l->used_end_pfn += l->ramdisk_pages;
	}
	if (l->used_end_pfn > in->nr_pages) {
		snprintf(err, errlen, "not enough guest memory for the initial mapping: "
			 "need %llu MiB, have %llu MiB",
			 (unsigned long long)((l->used_end_pfn << PAGE_SHIFT) >> 20),
			 (unsigned long long)(mem >> 20));
		return -1;
	}
	return 0;
}
