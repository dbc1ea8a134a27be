/*
 * TLB flushes, and whether a frame's old mappings may still be cached when
 * it changes type (Xen's tlbflush_timestamp).
 *
 * When a frame's last type reference goes, translations through it (or of
 * it) may still sit in a TLB: a writable mapping the guest dropped
 * without a flush, or paging-structure entries of a table it unpinned.  If
 * the frame then became a page table while a writable translation of it
 * survived, the guest could edit a validated table; if a table became
 * writable data while a CPU still walked through it, the guest's next
 * stores would be live page-table entries.  So a frame taking a different
 * type than it last had is flushed first, on every vCPU, unless every
 * vCPU flushed in between: the clock ticks each time every running vCPU
 * has flushed its whole TLB (a flush or a CR3 load) since the last tick,
 * and the frame kept the clock's low byte when it was released.  A byte
 * that wrapped round to the same value only costs a flush that was not
 * needed.  A vCPU parked while down does not hold the clock back: it
 * flushes before it runs guest code again (vcpu_updown.c).  (The TLB tags no
 * global pages here: CR4.PGE is clear, so a CR3 load flushes everything.)
 */
#include "pv-shim/core/core.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"

uint64_t mm_up_vcpus(struct core *c)
{
	uint64_t up = 0;
	for (unsigned v = 0; v < c->layout.nr_vcpus && v < CORE_MAX_VCPUS; v++)
		if (c->st->vcpu[v].up)
			up |= 1ULL << v;
	return up;
}

/* The vCPUs whose TLBs may hold translations: started and not parked.  A
 * vCPU taken down by another is not parked until its kick brings it into
 * the core; until then it runs guest code and must be flushed. */
static uint64_t running_vcpus(struct core *c)
{
	uint64_t running = 0;
	for (unsigned v = 0; v < c->layout.nr_vcpus && v < CORE_MAX_VCPUS; v++)
		if (c->st->vcpu[v].started && !c->st->vcpu[v].parked)
			running |= 1ULL << v;
	return running;
}

/* vCPUs in mask have flushed everything. */
static void flushed(struct core *c, uint64_t mask)
{
	struct mm_state *mm = &c->st->mm;
	mm->flushed_mask |= (uint32_t)mask;
	uint32_t running = (uint32_t)running_vcpus(c);
	if ((mm->flushed_mask & running) == running) {
		mm->tlb_clock++;
		mm->flushed_mask = 0;
	}
}

static void shootdown(struct core *c, uint64_t others)
{
	platform_tlb_shootdown(c, others);
	c->st->stats.tlb_shootdowns++;
}

void mm_flush_tlb(struct core *c)
{
	platform_flush_tlb(c);
	flushed(c, 1ULL << c->vcpu);
}

void mm_load_cr3(struct core *c, uint64_t cr3)
{
	platform_load_cr3(c, cr3);
	flushed(c, 1ULL << c->vcpu);
}

/* The caller's own bit in a vCPU mask: none for dom0. */
static uint64_t self_bit(struct core *c)
{
	return c->dom0 ? 0 : 1ULL << c->vcpu;
}

void mm_flush_tlb_mask(struct core *c, uint64_t mask)
{
	uint64_t self = self_bit(c);
	mask &= running_vcpus(c);
	if (mask & self)
		platform_flush_tlb(c);
	if (mask & ~self)
		shootdown(c, mask & ~self);
	flushed(c, mask);
}

/* The other vCPUs get a whole flush: more than asked, never less. */
void mm_invlpg_mask(struct core *c, uint64_t va, uint64_t mask)
{
	uint64_t self = self_bit(c);
	mask &= running_vcpus(c);
	if (mask & self)
		platform_invlpg(c, va);
	if (mask & ~self) {
		shootdown(c, mask & ~self);
		flushed(c, mask & ~self);
	}
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
	mm_flush_tlb_mask(c, MM_ALL_VCPUS);
	c->st->stats.retype_flushes++;
}
