/*
 * GNTTABOP_map_grant_ref, unmap_grant_ref and unmap_and_replace for a PV
 * domU mapping its own grants (Xen's map_grant_ref, unmap_common and
 * unmap_common_complete, and arch/x86/pv/grant_table.c's
 * create/replace_grant_pv_mapping).
 *
 * A map pins the grant (grant_pin: frame and writable type references
 * of its own) and, for GNTMAP_host_map, writes the PTE through
 * mm_mod_entry like any other L1 store, so the PTE holds the references
 * a PTE holds and the old one's go; a handle (maptrack entry) remembers
 * the mapping.  An unmap first checks that the PTE still maps the
 * granted frame with the grant's access, else refuses with Xen's
 * GNTST_general_error (the guest changed it behind Xen's back: the pin
 * then stays, as under Xen); it clears the PTE, flushes every vCPU's TLB
 * once per batch as Xen does, and only then drops the pins.
 */
#include "pv-shim/core/grant/grant_internal.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/mm/mm_pte.h"
#include "pv-shim/core/platform.h"

#define PTE_NX (1ULL << 63)
#define PTE_AVAIL_SHIFT 9 /* the three software bits of a PTE */
/* The GNTMAP_* bits a handle keeps (Xen's are 16 bits wide). */
#define MAP_FLAGS (GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly | \
		   GNTMAP_application_map | GNTMAP_contains_pte)
/* Xen's GNTTAB_UNMAP_BATCH_SIZE: unmaps between two TLB flushes. */
#define UNMAP_CHUNK 32
/* Page-table stores an element may queue: unmap_and_replace makes two. */
#define OPS_PER_ELEMENT 2

static uint32_t pin_kinds(uint32_t flags)
{
	int ro = (flags & GNTMAP_readonly) != 0;
	uint32_t kinds = 0;
	if (flags & GNTMAP_device_map)
		kinds |= ro ? GRANT_PIN_DEVICE_R : GRANT_PIN_DEVICE_W;
	if (flags & GNTMAP_host_map)
		kinds |= ro ? GRANT_PIN_HOST_R : GRANT_PIN_HOST_W;
	return kinds;
}

/* ---- map handles ----------------------------------------------------------- */

static uint32_t handle_get(struct core *c)
{
	struct grant_state *gs = &c->st->grant;
	uint32_t h = gs->maptrack_free;
	if (h && h - 1 < gs->maptrack_limit && h - 1 < GRANT_MAPTRACK_MAX &&
	    !grant_maptrack(c, h - 1)->flags) {
		gs->maptrack_free = grant_maptrack(c, h - 1)->ref;
		return h - 1;
	}
	if (gs->maptrack_limit < GRANT_MAPTRACK_MAX)
		return gs->maptrack_limit++; /* cleared by grant_domain_init */
	return UINT32_MAX;
}

static void handle_put(struct core *c, uint32_t h)
{
	struct grant_maptrack *mt = grant_maptrack(c, h);
	mt->flags = 0;
	mt->ref = c->st->grant.maptrack_free;
	c->st->grant.maptrack_free = h + 1;
}

/* ---- the PTE ------------------------------------------------------------------ */

/* Xen's grant_to_pte_flags (_PAGE_USER for all: the kernel runs at CPL3
 * and mm_mod_entry adds it anyway). */
static uint64_t grant_pte(uint64_t pfn, uint32_t flags)
{
	uint64_t pte = (pfn << 12) | MM_PTE_P | MM_PTE_A | MM_PTE_D | PTE_NX;
	if (!(flags & GNTMAP_readonly))
		pte |= MM_PTE_RW;
	return pte | (uint64_t)((flags >> _GNTMAP_guest_avail0) & 7) << PTE_AVAIL_SHIFT;
}

/*
 * The L1 entry addr names: with GNTMAP_contains_pte its machine address
 * (8-aligned, in a validated L1 of the guest's), else the virtual address
 * whose entry it is in the tables the vCPU runs on (Xen's map_guest_l1e).
 */
static int find_pte(struct core *c, uint64_t addr, uint32_t flags, uint64_t *l1,
		    unsigned *idx)
{
	if (flags & GNTMAP_contains_pte) {
		struct mm_frame *f = mm_frame(c, addr >> 12);
		if ((addr & 7) || !f || f->type != MM_TYPE_L1 ||
		    !(f->flags & MM_FRAME_VALIDATED))
			return -1;
		*l1 = addr >> 12;
		*idx = (unsigned)((addr & (MM_PAGE_SIZE - 1)) >> 3);
		return 0;
	}
	if (mm_l1_of(c, addr, l1))
		return -1;
	*idx = (unsigned)((addr >> 12) & (MM_ENTRIES - 1));
	return 0;
}

static uint64_t pte_at(struct core *c, uint64_t l1, unsigned idx)
{
	const volatile uint64_t *t = platform_guest_ram(c, l1 * MM_PAGE_SIZE, MM_PAGE_SIZE);
	return t[idx];
}

/* create_grant_pv_mapping.  The CPU-ops queue has room for the store
 * (grant_preempt saw to it before the element began). */
static int host_map(struct core *c, uint64_t addr, uint64_t pfn, uint32_t flags)
{
	uint64_t l1;
	unsigned idx;
	if (find_pte(c, addr, flags, &l1, &idx) ||
	    mm_mod_entry(c, l1, MM_TYPE_L1, idx, grant_pte(pfn, flags), 0))
		return GNTST_general_error;
	return GNTST_okay;
}

/* Xen's steal_linear_address: the entry for va, cleared; its value in
 * *stolen (no longer holding anything: it is checked again where it goes). */
static int steal(struct core *c, uint64_t va, uint64_t *stolen)
{
	uint64_t l1;
	if (mm_l1_of(c, va, &l1))
		return -1;
	unsigned idx = (unsigned)((va >> 12) & (MM_ENTRIES - 1));
	*stolen = pte_at(c, l1, idx);
	return mm_mod_entry(c, l1, MM_TYPE_L1, idx, 0, 0) ? -1 : 0;
}

/*
 * replace_grant_pv_mapping: the PTE at addr must still map pfn, present
 * and writable as the grant mapped it; it becomes empty, or the entry
 * unmap_and_replace took from new_va.
 */
static int host_unmap(struct core *c, uint64_t addr, uint64_t pfn, uint64_t new_va,
		      uint32_t flags)
{
	uint64_t val = 0, l1;
	unsigned idx;
	if (new_va && ((flags & GNTMAP_contains_pte) || steal(c, new_va, &val)))
		return GNTST_general_error;
	if (find_pte(c, addr, flags, &l1, &idx))
		return GNTST_general_error;
	uint64_t old = pte_at(c, l1, idx), want = grant_pte(pfn, flags);
	if (mm_pte_pfn(old) != pfn || ((old ^ want) & (MM_PTE_P | MM_PTE_RW)))
		return GNTST_general_error;
	return mm_mod_entry(c, l1, MM_TYPE_L1, idx, val, 0) ? GNTST_general_error
							    : GNTST_okay;
}

/* ---- map ------------------------------------------------------------------------ */

static int map_one(struct core *c, struct gnttab_map_grant_ref *op)
{
	uint32_t kinds = pin_kinds(op->flags);
	if (!kinds)
		return GNTST_bad_gntref;
	/* Xen finds the granting domain by its id (DOMID_SELF names none);
	 * dom0 grants this domain nothing. */
	if (grant_dom(c, op->dom, 0) != GRANT_DOM_SELF)
		return GNTST_bad_domain;
	uint32_t h = handle_get(c);
	if (h == UINT32_MAX)
		return GNTST_no_space;
	struct grant_use use;
	int rc = grant_pin(c, op->dom, op->ref, kinds, 1, &use);
	if (!rc && (op->flags & GNTMAP_host_map)) {
		rc = host_map(c, op->host_addr, use.pfn, op->flags);
		if (rc)
			grant_unpin(c, op->ref, kinds);
	}
	if (rc) {
		handle_put(c, h);
		return rc;
	}
	struct grant_maptrack *mt = grant_maptrack(c, h);
	mt->ref = op->ref;
	mt->domid = op->dom;
	mt->flags = (uint16_t)(op->flags & MAP_FLAGS);
	op->handle = h;
	op->dev_bus_addr = use.pfn << 12;
	return GNTST_okay;
}

long grant_map_refs(struct core *c, uint64_t uop, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		uint64_t va = uop + (uint64_t)i * sizeof(struct gnttab_map_grant_ref);
		if (grant_preempt(c, i, OPS_PER_ELEMENT)) {
			grant_continue(c, GNTTABOP_map_grant_ref, va, count - i);
			return 0;
		}
		struct gnttab_map_grant_ref op;
		if (copy_from_guest(c, &op, va, sizeof op))
			return -XEN_EFAULT;
		op.status = (int16_t)map_one(c, &op);
		if (copy_to_guest(c, va, &op, sizeof op))
			return -XEN_EFAULT;
	}
	return 0;
}

/* ---- unmap -------------------------------------------------------------------- */

struct unmap {
	uint64_t host_addr, dev_bus_addr, new_va;
	uint32_t handle;
	/* for the completion, after the TLB flush */
	uint32_t ref;
	uint32_t done; /* pins to drop: GRANT_PIN_* */
};

/* Xen's unmap_common: the PTE and the handle; the pins wait. */
static int unmap_one(struct core *c, struct unmap *u)
{
	u->done = 0;
	if (u->handle >= c->st->grant.maptrack_limit || u->handle >= GRANT_MAPTRACK_MAX)
		return GNTST_bad_handle;
	struct grant_maptrack *mt = grant_maptrack(c, u->handle);
	uint32_t flags = mt->flags;
	if (!flags || mt->ref >= grant_nr_entries(c))
		return GNTST_bad_handle;
	u->ref = mt->ref;
	uint64_t pfn = grant_active(c, u->ref)->frame;
	int ro = (flags & GNTMAP_readonly) != 0;
	if (u->dev_bus_addr && (flags & GNTMAP_device_map) && u->dev_bus_addr != pfn << 12)
		return GNTST_bad_dev_addr;
	if (u->host_addr && (flags & GNTMAP_host_map)) {
		int rc = host_unmap(c, u->host_addr, pfn, u->new_va, flags);
		if (rc)
			return rc;
		mt->flags &= (uint16_t)~GNTMAP_host_map;
		u->done |= ro ? GRANT_PIN_HOST_R : GRANT_PIN_HOST_W;
	}
	if (u->dev_bus_addr && (flags & GNTMAP_device_map)) {
		mt->flags &= (uint16_t)~GNTMAP_device_map;
		u->done |= ro ? GRANT_PIN_DEVICE_R : GRANT_PIN_DEVICE_W;
	}
	if (!(mt->flags & (GNTMAP_host_map | GNTMAP_device_map)))
		handle_put(c, u->handle);
	return GNTST_okay;
}

/* Reads element i of either unmap command into u. */
static int read_unmap(struct core *c, uint32_t cmd, uint64_t va, struct unmap *u)
{
	if (cmd == GNTTABOP_unmap_grant_ref) {
		struct gnttab_unmap_grant_ref op;
		if (copy_from_guest(c, &op, va, sizeof op))
			return -1;
		*u = (struct unmap){ .host_addr = op.host_addr,
				     .dev_bus_addr = op.dev_bus_addr, .handle = op.handle };
		return 0;
	}
	struct gnttab_unmap_and_replace op;
	if (copy_from_guest(c, &op, va, sizeof op))
		return -1;
	*u = (struct unmap){ .host_addr = op.host_addr, .new_va = op.new_addr,
			     .handle = op.handle };
	return 0;
}

static int write_status(struct core *c, uint32_t cmd, uint64_t va, int16_t status)
{
	size_t at = cmd == GNTTABOP_unmap_grant_ref ?
		offsetof(struct gnttab_unmap_grant_ref, status) :
		offsetof(struct gnttab_unmap_and_replace, status);
	return copy_to_guest(c, va + at, &status, sizeof status);
}

/* After a chunk: one flush of every vCPU's TLB if a PTE went (so no
 * stale translation outlives the pin), then the pins go. */
static void complete(struct core *c, const struct unmap *u, unsigned n)
{
	int flush = 0;
	for (unsigned k = 0; k < n; k++)
		flush |= (u[k].done & (GRANT_PIN_HOST_R | GRANT_PIN_HOST_W)) != 0;
	if (flush)
		mm_flush_tlb_mask(c, MM_ALL_VCPUS);
	for (unsigned k = 0; k < n; k++)
		if (u[k].done)
			grant_unpin(c, u[k].ref, u[k].done);
}

/* unmap_grant_ref and unmap_and_replace (cmd says which). */
long grant_unmap_refs(struct core *c, uint32_t cmd, uint64_t uop, uint32_t count)
{
	size_t size = cmd == GNTTABOP_unmap_grant_ref ? sizeof(struct gnttab_unmap_grant_ref)
						      : sizeof(struct gnttab_unmap_and_replace);
	struct unmap chunk[UNMAP_CHUNK] = { { 0 } };
	unsigned n = 0;
	long rc = 0;
	uint32_t i;
	for (i = 0; i < count; i++) {
		uint64_t va = uop + (uint64_t)i * size;
		if (n == UNMAP_CHUNK) {
			complete(c, chunk, n);
			n = 0;
		}
		if (grant_preempt(c, i, OPS_PER_ELEMENT + 1))
			break;
		struct unmap *u = &chunk[n];
		if (read_unmap(c, cmd, va, u)) {
			rc = -XEN_EFAULT;
			break;
		}
		int status = unmap_one(c, u);
		n++;
		if (write_status(c, cmd, va, (int16_t)status)) {
			rc = -XEN_EFAULT;
			break;
		}
	}
	complete(c, chunk, n);
	if (!rc && i < count)
		grant_continue(c, cmd, uop + (uint64_t)i * size, count - i);
	return rc;
}
