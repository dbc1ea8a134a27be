/*
 * The PV MMU hypercalls as the guests make them, one request at a time,
 * and a software walk of the bootstrap page tables (to find the entry
 * that maps a kernel address, as a hostile or careful kernel would).
 * The image is mapped linearly from VIRT_BASE and mfn == pfn here, as the
 * builder leaves it, so a kernel address's frame is its offset.
 */
#ifndef GUEST_PV_MMU_H
#define GUEST_PV_MMU_H

#include <stdint.h>
#include <xen/xen.h>

#include "hypercall.h"

#define PAGE_SIZE 4096ul
#define VIRT_BASE 0xffffffff80000000ul
#define PTE_P  0x001ul
#define PTE_RW 0x002ul
#define PTE_US 0x004ul
#define PTE_PCD 0x010ul
#define PTE_A  0x020ul
#define PTE_D  0x040ul
#define PTE_PS 0x080ul
#define PTE_ADDR 0x000ffffffffff000ul

static inline uint64_t pfn_of(const void *p)
{
	return ((uint64_t)(uintptr_t)p - VIRT_BASE) / PAGE_SIZE;
}

/* mmu_update and mmuext_op go as bare syscalls, update_va_mapping through
 * the page: both ways stay exercised. */
static inline long mmu_update(uint64_t ptr, uint64_t val, unsigned *done)
{
	struct mmu_update u = { ptr, val };
	return hypercall_via_syscall(__HYPERVISOR_mmu_update, (unsigned long)&u, 1,
				     (unsigned long)done, DOMID_SELF, 0);
}

static inline long mmuext(unsigned cmd, uint64_t arg1)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = arg1 };
	return hypercall_via_syscall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1,
				     0, DOMID_SELF, 0);
}

static inline long update_va(const void *va, uint64_t val, unsigned long flags)
{
	return hypercall_via_page(__HYPERVISOR_update_va_mapping,
				  (unsigned long)(uintptr_t)va, val, flags, 0, 0);
}

/*
 * The machine address of the entry at level (1: L1 ... 4: L4) of the
 * bootstrap tables that translates va, found by walking them from
 * start_info's pt_base; 0 if the walk leaves the bootstrap tables or
 * stops at a non-present entry above that level.
 */
uint64_t boot_entry_maddr(uint64_t va, int level);

#endif
