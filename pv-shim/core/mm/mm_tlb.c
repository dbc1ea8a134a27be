/*
 * TLB flushes, and whether a frame's old mappings may still be cached when
 * it changes type (Xen's tlbflush_timestamp, for one vCPU).
 *
 * When a frame's last type reference goes, translations through it (or of
 * it) may still sit in the TLB: a writable mapping the guest dropped
 * without a flush, or paging-structure entries of a table it unpinned.  If
 * the frame then became a page table while a writable translation of it
 * survived, the guest could edit a validated table; if a table became
 * writable data while the CPU still walked through it, the guest's next
 * stores would be live page-table entries.  So a frame taking a different
 * type than it last had is flushed first, unless a whole flush came in
 * between: every flush and CR3 load ticks a clock, and the frame kept the
 * clock's low byte when it was released.  A byte that wrapped round to the
 * same value only costs a flush that was not needed.  (The TLB tags no
 * global pages here: CR4.PGE is clear, so a CR3 load flushes everything.)
 */
#include "pv-shim/core/core.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"

void mm_flush_tlb(struct core *c)
{
	platform_flush_tlb(c);
	c->st->mm.tlb_clock++;
}

void mm_load_cr3(struct core *c, uint64_t cr3)
{
	platform_load_cr3(c, cr3);
	c->st->mm.tlb_clock++;
}

void mm_tlb_released(struct core *c, struct mm_frame *f)
{
	f->last_type = f->type;
	f->tlb_stamp = (uint8_t)c->st->mm.tlb_clock;
}

void mm_tlb_retyping(struct core *c, struct mm_frame *f, enum mm_type type)
{
	if (f->last_type == MM_TYPE_NONE || f->last_type == type ||
	    f->tlb_stamp != (uint8_t)c->st->mm.tlb_clock)
		return;
	mm_flush_tlb(c);
	c->st->stats.retype_flushes++;
}
