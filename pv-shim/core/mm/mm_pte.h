/* Page-table entry bits and the rules Xen applies to a 64-bit PV guest's. */
#ifndef XENLET_CORE_MM_PTE_H
#define XENLET_CORE_MM_PTE_H

#include <stdint.h>

#define MM_PTE_P      0x001ULL
#define MM_PTE_RW     0x002ULL
#define MM_PTE_US     0x004ULL
#define MM_PTE_A      0x020ULL
#define MM_PTE_D      0x040ULL
#define MM_PTE_PS     0x080ULL
#define MM_PTE_G      0x100ULL
#define MM_PTE_ADDR   0x000ffffffffff000ULL
#define MM_PAGE_SIZE  4096ULL
#define MM_ENTRIES    512

/*
 * What a guest may set in any entry: present, RW, user, A/D, the three
 * software bits, bits 52-62 (software) and NX.  Not PWT/PCD (a domU
 * without devices gets no cache attributes), PSE (no superpages) or
 * global; L1 entries may be global.
 */
#define MM_PTE_GUEST_OK (MM_PTE_P | MM_PTE_RW | MM_PTE_US | MM_PTE_A | \
			 MM_PTE_D | 0xe00ULL | 0xfff0000000000000ULL)
#define MM_L1_DISALLOWED (~(MM_PTE_GUEST_OK | MM_PTE_G | MM_PTE_ADDR))
#define MM_UPPER_DISALLOWED (~(MM_PTE_GUEST_OK | MM_PTE_ADDR))

/* PML4 slots 256-271 are the hypervisor's; the guest cannot set them. */
#define MM_XEN_FIRST_SLOT 256
#define MM_XEN_LAST_SLOT  271

static inline uint64_t mm_pte_pfn(uint64_t e)
{
	return (e & MM_PTE_ADDR) >> 12;
}

#endif
