/*
 * The pages the guest lends to its backend: a pool in the image's bss
 * (mapped writable, guest RAM), each page with a fixed grant ref, so a
 * run names pages and never juggles refs.
 */
#include "blkfront.h"

#include "grant_table.h"
#include "pv_mmu.h"
#include "test.h"

static uint8_t pool[POOL_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

uint8_t *page_va(unsigned pg)
{
	return pool[pg];
}

uint64_t page_pfn(unsigned pg)
{
	return pfn_of(pool[pg]);
}

grant_ref_t page_ref(unsigned pg)
{
	return GNTTAB_NR_RESERVED_ENTRIES + pg;
}

void page_grant(unsigned pg, domid_t domid, bool readonly)
{
	grant_access(page_ref(pg), domid, page_pfn(pg), readonly);
}

void page_end(unsigned pg)
{
	check_msg(grant_end(page_ref(pg)),
		  "grant %u (pool page %u) still in use (flags 0x%x) after its answer",
		  page_ref(pg), pg, grant_entry(page_ref(pg))->flags);
}
