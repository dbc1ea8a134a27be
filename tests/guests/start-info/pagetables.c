/*
 * Walks the bootstrap page tables in software, L4 to L1, from pt_base.
 *
 * The tables are the nr_pt_frames frames starting at pt_base (L4 first, as
 * Xen's builder lays them out), so a table entry's mfn is turned into a VA
 * by finding it among those frames; an entry pointing anywhere else is a
 * failure in itself.  Expected: every page from VIRT_BASE up to the end of
 * the mapping maps mfn_list[pfn] with pfn = (va - VIRT_BASE) / 4 KiB, the
 * page-table frames read-only and everything else writable, 4 KiB pages
 * only, and every page-table frame in use.
 */
#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>

#include "start-info.h"
#include "test.h"

#define PTE_PRESENT 0x001ul
#define PTE_RW      0x002ul
#define PTE_PSE     0x080ul
#define PTE_MFN(e)  (((e) & 0x000ffffffffff000ul) >> 12)
#define MAX_PT_FRAMES 64

static unsigned long pt_pfn;		/* pfn of the L4 */
static bool table_used[MAX_PT_FRAMES];

/* The table an entry points to, or NULL if not one of the pt frames. */
static const uint64_t *table_of(uint64_t entry)
{
	const uint64_t *p2m = (const uint64_t *)boot_start_info->mfn_list;

	for (unsigned long i = 0; i < boot_start_info->nr_pt_frames; i++) {
		if (p2m[pt_pfn + i] == PTE_MFN(entry)) {
			table_used[i] = true;
			return (const uint64_t *)(boot_start_info->pt_base +
						  i * PAGE_SIZE);
		}
	}
	return NULL;
}

/* The L1 entry for va; *rw is the AND of RW over the levels above.
 * Returns false where the mapping stops (or the walk cannot go on). */
static bool lookup(const uint64_t *l4, uint64_t va, uint64_t *pte, bool *rw,
		   bool *broken)
{
	const uint64_t *table = l4;

	*rw = true;
	for (int level = 4; level > 1; level--) {
		uint64_t e = table[(va >> (12 + 9 * (level - 1))) & 511];
		if (!(e & PTE_PRESENT))
			return false;
		if (e & PTE_PSE) {
			*broken = !check_msg(false, "L%d entry for 0x%lx is a "
					     "superpage (0x%lx)", level, va, e);
			return false;
		}
		*rw = *rw && (e & PTE_RW);
		table = table_of(e);
		if (!table) {
			*broken = !check_msg(false, "L%d entry for 0x%lx points "
					     "to mfn 0x%lx, not a bootstrap "
					     "page-table frame", level, va,
					     PTE_MFN(e));
			return false;
		}
	}
	*pte = table[(va >> 12) & 511];
	return *pte & PTE_PRESENT;
}

uint64_t check_pagetables(void)
{
	const struct start_info *si = boot_start_info;
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	unsigned long wrong_mfn = 0, wrong_rw = 0;
	uint64_t first_wrong = 0, va = VIRT_BASE, pte;
	bool rw, broken = false;

	if (!check_msg(si->pt_base % PAGE_SIZE == 0 && si->pt_base >= VIRT_BASE &&
		       (si->pt_base - VIRT_BASE) / PAGE_SIZE + si->nr_pt_frames <=
		       si->nr_pages && si->nr_pt_frames <= MAX_PT_FRAMES,
		       "pt_base 0x%lx + %lu frames inside the guest's pages",
		       si->pt_base, si->nr_pt_frames))
		return 0;
	pt_pfn = (si->pt_base - VIRT_BASE) / PAGE_SIZE;
	table_used[0] = true;

	for (; lookup((const uint64_t *)si->pt_base, va, &pte, &rw, &broken);
	     va += PAGE_SIZE) {
		unsigned long pfn = (va - VIRT_BASE) / PAGE_SIZE;
		if (pfn >= si->nr_pages) {
			check_msg(false, "0x%lx mapped beyond the guest's %lu pages",
				  va, si->nr_pages);
			return 0;
		}
		bool is_pt = pfn >= pt_pfn && pfn < pt_pfn + si->nr_pt_frames;
		if (PTE_MFN(pte) != p2m[pfn] && !wrong_mfn++)
			first_wrong = va;
		if ((rw && (pte & PTE_RW)) == is_pt && !wrong_rw++)
			printk("start-info: 0x%lx (pfn 0x%lx%s) is %s\n", va, pfn,
			       is_pt ? ", a page table" : "",
			       is_pt ? "writable" : "read-only");
	}
	if (broken)
		return 0;
	check_msg(!wrong_mfn, "%lu pages map a frame other than mfn_list[pfn] "
		  "(first: 0x%lx)", wrong_mfn, first_wrong);
	check_msg(!wrong_rw, "%lu pages have the wrong write permission "
		  "(page tables read-only, the rest writable)", wrong_rw);

	unsigned long unused = 0;
	for (unsigned long i = 0; i < si->nr_pt_frames; i++)
		unused += !table_used[i];
	check_msg(!unused, "%lu of the %lu page-table frames are not used as "
		  "tables of the mapping", unused, si->nr_pt_frames);
	return va;
}
