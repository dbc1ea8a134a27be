#include "pv_mmu.h"

#include "test.h"

/* The bootstrap table with machine frame mfn, or 0 when it is none of
 * the nr_pt_frames frames that start at pt_base. */
static const uint64_t *boot_table(uint64_t mfn)
{
	const uint64_t *p2m = (const uint64_t *)boot_start_info->mfn_list;
	uint64_t first = pfn_of((const void *)boot_start_info->pt_base);
	for (uint64_t i = 0; i < boot_start_info->nr_pt_frames; i++)
		if (p2m[first + i] == mfn)
			return (const uint64_t *)(boot_start_info->pt_base + i * PAGE_SIZE);
	return 0;
}

uint64_t boot_entry_maddr(uint64_t va, int level)
{
	const uint64_t *p2m = (const uint64_t *)boot_start_info->mfn_list;
	uint64_t mfn = p2m[pfn_of((const void *)boot_start_info->pt_base)];
	for (int l = 4; l >= level; l--) {
		const uint64_t *t = boot_table(mfn);
		if (!t)
			return 0;
		unsigned idx = (va >> (12 + 9 * (l - 1))) & 511;
		if (l == level)
			return (mfn << 12) + idx * 8;
		if (!(t[idx] & PTE_P))
			return 0;
		mfn = (t[idx] & PTE_ADDR) >> 12;
	}
	return 0;
}
