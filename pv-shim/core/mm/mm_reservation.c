/*
 * Ballooning, as Xen does it for a PV domU: XENMEM_decrease_reservation
 * gives frames back, XENMEM_increase_reservation and XENMEM_populate_physmap
 * take frames again and tell the guest their numbers (populate_physmap also
 * sets their M2P entries to the guest's pfns).  Extents of up to 2^9 frames
 * (x86's limit for a domU), the extent list read one entry at a time, the
 * count of extents done returned, a long list continued as Xen continues
 * it (the start extent in the command's high bits).
 *
 * Where this departs from Xen:
 *  - the domain's maximum is the RAM it was built with: the frames handed
 *    out again are only ones it gave back (its memfd does not grow);
 *  - a frame still referenced (a page-table or writable type, a grant pin,
 *    dom0's hold) is not given back: the operation stops there, where Xen
 *    would take it from the domain and free it once its last user lets go.
 *    Linux's balloon unmaps every page before it gives it back, so it
 *    never meets this;
 *  - read-only mappings hold no reference here (mm_frames.c), so a frame
 *    may be given back while the guest still reads it: what it reads is
 *    only ever its own memory, zeroed when the frame is handed out again.
 */
#include "pv-shim/core/xen_abi.h"
#include <xen/memory.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/mm/mm_pte.h"
#include "pv-shim/core/mm/mm_reservation.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/departure.h"

#define EXTENTS_PER_CALL 512        /* then the call continues */

uint64_t mm_tot_pages(struct core *c)
{
	return c->layout.nr_pages - c->st->mm.free_pages;
}

int mm_give_back(struct core *c, uint64_t pfn)
{
	struct mm_frame *f = mm_frame(c, pfn);
	if (!f)
		return -1;
	if (f->type_count || f->ref_count) {
		core_departure(c, DEPARTURE_FRAME_KEPT, "decrease_reservation of a "
			       "frame still in use: kept, the call stops there");
		return -1;
	}
	f->flags = MM_FRAME_FREE;
	mm_set_m2p(c, pfn, MM_INVALID_M2P_ENTRY);
	c->st->mm.free_pages++;
	platform_discard_frames(c, pfn, 1);
	return 0;
}

uint64_t mm_address_bits_limit(unsigned mem_flags)
{
	unsigned bits = XENMEMF_get_address_bits(mem_flags);
	if (bits && bits <= 12)
		return 0;
	return bits && bits < 64 ? 1ULL << (bits - 12) : UINT64_MAX;
}

int mm_find_free_extent(struct core *c, unsigned order, uint64_t limit, uint64_t *pfn)
{
	uint64_t n = 1ULL << order;
	uint64_t end = limit < c->layout.nr_pages ? limit : c->layout.nr_pages;
	end &= ~(n - 1);
	if (end == 0 || c->st->mm.free_pages < n)
		return -1;
	uint64_t start = (c->st->mm.alloc_cursor & ~(n - 1)) % end;
	uint64_t at = start;
	do {
		uint64_t k = 0;
		while (k < n && (mm_frame_slot(c, at + k)->flags & MM_FRAME_FREE))
			k++;
		if (k == n) {
			*pfn = at;
			return 0;
		}
		at = (at + n) % end;
	} while (at != start);
	return -1;
}

void mm_hand_out(struct core *c, uint64_t pfn, uint64_t n, int set_m2p, uint64_t gpfn)
{
	for (uint64_t k = 0; k < n; k++) {
		mm_frame_slot(c, pfn + k)->flags = 0;
		core_memset(platform_guest_ram(c, (pfn + k) * MM_PAGE_SIZE, MM_PAGE_SIZE), 0,
			    MM_PAGE_SIZE);
		if (set_m2p)
			mm_set_m2p(c, pfn + k, gpfn + k);
	}
	c->st->mm.free_pages -= n;
	c->st->mm.alloc_cursor = pfn + n;
}

/* One extent of increase_reservation (list may be 0) or populate_physmap:
 * 0, or -1 to stop (no frames left, the list unreadable or unwritable). */
static int take_extent(struct core *c, unsigned op, const struct xen_memory_reservation *r,
		       uint64_t i)
{
	uint64_t list = (uint64_t)(uintptr_t)r->extent_start.p;
	uint64_t gpfn = 0, pfn;
	if (op == XENMEM_populate_physmap &&
	    copy_from_guest(c, &gpfn, list + i * sizeof gpfn, sizeof gpfn))
		return -1;
	uint64_t limit = mm_address_bits_limit(r->mem_flags);
	if (limit == 0 || mm_find_free_extent(c, r->extent_order, limit, &pfn))
		return -1;
	mm_hand_out(c, pfn, 1ULL << r->extent_order, op == XENMEM_populate_physmap, gpfn);
	/* As Xen: a list it cannot write leaves the frames with the domain. */
	if (list && copy_to_guest(c, list + i * sizeof pfn, &pfn, sizeof pfn))
		return -1;
	return 0;
}

/* One extent of decrease_reservation: 0, or -1 to stop. */
static int drop_extent(struct core *c, const struct xen_memory_reservation *r, uint64_t i)
{
	uint64_t gmfn;
	if (copy_from_guest(c, &gmfn, (uint64_t)(uintptr_t)r->extent_start.p + i * sizeof gmfn,
			    sizeof gmfn))
		return -1;
	for (uint64_t k = 0; k < (1ULL << r->extent_order); k++)
		if (mm_give_back(c, gmfn + k))
			return -1;
	return 0;
}

long mm_reservation_op(struct core *c, uint64_t cmd, uint64_t arg)
{
	unsigned op = (unsigned)(cmd & MM_MEMOP_CMD_MASK);
	uint64_t start = cmd >> MM_MEMOP_EXTENT_SHIFT;
	struct xen_memory_reservation r;
	if (copy_from_guest(c, &r, arg, sizeof r))
		return -XEN_EFAULT;
	/* Xen returns the start extent for every refusal past the copy. */
	if (start >= r.nr_extents ||
	    r.nr_extents > (UINT32_MAX >> MM_MEMOP_EXTENT_SHIFT) ||
	    r.extent_order > MM_DOMU_MAX_ORDER ||
	    (r.domid != DOMID_SELF && r.domid != c->st->evtchn.domid) ||
	    (op == XENMEM_populate_physmap &&
	     (r.mem_flags & XENMEMF_populate_on_demand))) /* HVM only */
		return (long)start;
	uint64_t i = start;
	for (; i < r.nr_extents; i++) {
		if (i - start == EXTENTS_PER_CALL) {
			uint64_t args[5] = {
				op | (i << MM_MEMOP_EXTENT_SHIFT), arg, 0, 0, 0,
			};
			mm_continue(c, args);
			return 0;
		}
		int rc = op == XENMEM_decrease_reservation ? drop_extent(c, &r, i)
							    : take_extent(c, op, &r, i);
		if (rc)
			break;
	}
	return (long)i;
}
