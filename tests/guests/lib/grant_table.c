#include "grant_table.h"

#include "hypercall.h"
#include "pv_mmu.h"
#include "test.h"

/* The table's frames are mapped over these pages, as shared_info is. */
static uint8_t window[GRANT_TABLE_MAX_FRAMES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint32_t mapped_entries, nr_entries, max_entries;

#define ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t))

long grant_table_op(unsigned cmd, void *uop, unsigned count)
{
	return hypercall_via_syscall(__HYPERVISOR_grant_table_op, cmd, (unsigned long)uop,
				     count, 0, 0);
}

void grant_table_setup(unsigned nr_frames)
{
	require(nr_frames >= 1 && nr_frames <= GRANT_TABLE_MAX_FRAMES,
		"grant_table_setup(%u): 1 to %u frames", nr_frames, GRANT_TABLE_MAX_FRAMES);
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	long rc = grant_table_op(GNTTABOP_query_size, &q, 1);
	require(rc == 0 && q.status == GNTST_okay,
		"GNTTABOP_query_size: rc %ld status %d", rc, q.status);
	max_entries = q.max_nr_frames * ENTRIES_PER_FRAME;

	xen_pfn_t frames[GRANT_TABLE_MAX_FRAMES];
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = nr_frames };
	set_xen_guest_handle(st.frame_list, frames);
	rc = grant_table_op(GNTTABOP_setup_table, &st, 1);
	require(rc == 0 && st.status == GNTST_okay,
		"GNTTABOP_setup_table(%u frames): rc %ld status %d", nr_frames, rc, st.status);
	for (unsigned i = 0; i < nr_frames; i++) {
		rc = update_va(window[i], (frames[i] << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
			       UVMF_INVLPG);
		require(rc == 0, "mapping grant frame %u (mfn 0x%lx): %ld", i,
			(uint64_t)frames[i], rc);
	}
	mapped_entries = nr_frames * ENTRIES_PER_FRAME;
	/* The table may be larger than asked for (a frame count is "at
	 * least"); only what is mapped here can be written. */
	q.dom = DOMID_SELF;
	rc = grant_table_op(GNTTABOP_query_size, &q, 1);
	require(rc == 0 && q.status == GNTST_okay && q.nr_frames >= nr_frames,
		"GNTTABOP_query_size after setup: rc %ld status %d, %u frames", rc, q.status,
		q.nr_frames);
	nr_entries = q.nr_frames * ENTRIES_PER_FRAME;
}

uint32_t grant_table_entries(void)
{
	return nr_entries;
}

uint32_t grant_table_max_entries(void)
{
	return max_entries;
}

volatile grant_entry_v1_t *grant_entry(grant_ref_t ref)
{
	require(ref < mapped_entries, "grant ref %u outside the mapped table (%u entries)", ref,
		mapped_entries);
	return (volatile grant_entry_v1_t *)window[0] + ref;
}

void grant_access(grant_ref_t ref, domid_t domid, uint64_t pfn, bool readonly)
{
	volatile grant_entry_v1_t *e = grant_entry(ref);
	const uint64_t *p2m = (const uint64_t *)boot_start_info->mfn_list;
	e->frame = (uint32_t)p2m[pfn];
	e->domid = domid;
	/* The user may pin the entry the moment it sees the flags. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->flags = (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0));
}

bool grant_end(grant_ref_t ref)
{
	uint16_t *flags = (uint16_t *)&grant_entry(ref)->flags;
	uint16_t seen = __atomic_load_n(flags, __ATOMIC_SEQ_CST);
	do {
		if (seen & (GTF_reading | GTF_writing))
			return false;
		/* A failed exchange reloads seen: the user pinned it meanwhile,
		 * or released it. */
	} while (!__atomic_compare_exchange_n(flags, &seen, 0, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	return true;
}
