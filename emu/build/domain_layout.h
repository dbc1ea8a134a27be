/*
 * Where the domain builder puts things: pure arithmetic, unit-tested.
 *
 * The x86_64 PV start-of-day layout, as Xen's toolstack builds it
 * (addresses for Debian's 6.1 kernel, 512 MiB, no ramdisk):
 *
 *   virtual                pfn       what
 *   ffffffff80000000       0         virt_base: mapped, below the kernel
 *   ffffffff81000000       1000      kernel segments (virt_kstart..kend)
 *   ...                              ramdisk, if the kernel lacks
 *                                    MOD_START_PFN (else unmapped, below)
 *   kend                   p         p2m list: nr_pages 8-byte mfns
 *   +p2m pages             s         start_info
 *   +1 page                s+1       xenstore ring
 *   +1 page                s+2       console ring
 *   +1 page                s+3       page tables: L4, L3s, L2s, L1s
 *                                    (mapped read-only)
 *   +nr_pt pages           k         boot stack (%rsp = its top)
 *   +1 page                          end of the bootstrap region
 *   round up to 4 MiB, at least 512 KiB past the end: the mapped area
 *   (Xen guarantees the guest that slack for its early allocations)
 *   after the mapped area:           ramdisk when MOD_START_PFN (mod_start
 *                                    is then a pfn, SIF_MOD_START_PFN)
 *
 * The hypervisor's own entries (PML4 slots 257, 258: shim and its view of
 * guest RAM) are added to the L4; they point outside guest RAM.
 */
#ifndef XENLET_DOMAIN_LAYOUT_H
#define XENLET_DOMAIN_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ULL
#define PAGE_SHIFT 12

struct domain_layout_input {
	uint64_t virt_base;
	uint64_t virt_kstart, virt_kend; /* page aligned */
	uint64_t nr_pages;               /* guest RAM */
	uint64_t ramdisk_len;            /* 0: none */
	bool ramdisk_unmapped;           /* kernel has MOD_START_PFN */
};

struct domain_layout {
	uint64_t virt_base;
	uint64_t kernel_pfn, kernel_pages;
	uint64_t ramdisk_pfn, ramdisk_pages; /* ramdisk_pages 0: none */
	bool ramdisk_mapped;
	uint64_t p2m_pfn, p2m_pages;
	uint64_t start_info_pfn, xenstore_pfn, console_pfn;
	uint64_t pt_pfn, nr_pt_frames;       /* L4 first, then L3s, L2s, L1s */
	unsigned nr_l3, nr_l2, nr_l1;
	uint64_t stack_pfn;
	uint64_t alloc_end_pfn;              /* first pfn after the boot stack */
	uint64_t mapped_end_pfn;             /* the mapping covers [0, this) */
	uint64_t used_end_pfn;               /* incl. an unmapped ramdisk */
};

/* Returns 0, or -1 with a one-line reason in err (e.g. not enough RAM). */
int domain_layout_compute(const struct domain_layout_input *in,
			  struct domain_layout *out, char *err, size_t errlen);

static inline uint64_t layout_pfn_to_va(const struct domain_layout *l, uint64_t pfn)
{
	return l->virt_base + (pfn << PAGE_SHIFT);
}

#endif
