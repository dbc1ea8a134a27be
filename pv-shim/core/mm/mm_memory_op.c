/*
 * memory_op: what a PV Linux asks before its allocator runs — where the
 * M2P table is, the memory map (one RAM region, as Xen gives a domU the
 * toolstack set no map for) and the reservation sizes; ballooning
 * (mm_reservation.c).  Physmap additions get Xen's refusal for a PV guest.
 */
#include "pv-shim/core/xen_abi.h"
#include <xen/memory.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/departure.h"

#define E820_RAM 1

/* The BIOS layout the buffer holds: 20 bytes, packed. */
struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

static long machphys_mapping(struct core *c, uint64_t arg)
{
	uint64_t entries = shim_m2p_size(c->layout.nr_pages) / SHIM_M2P_ENTRY_SIZE;
	struct xen_machphys_mapping m = {
		.v_start = SHIM_M2P_BASE,
		.v_end = SHIM_M2P_BASE + entries * SHIM_M2P_ENTRY_SIZE,
		.max_mfn = entries - 1,
	};
	return copy_to_guest(c, arg, &m, sizeof m) ? -XEN_EFAULT : 0;
}

static long memory_map(struct core *c, uint64_t arg)
{
	struct xen_memory_map map;
	if (copy_from_guest(c, &map, arg, sizeof map))
		return -XEN_EFAULT;
	if (map.nr_entries < 1)
		return -XEN_EINVAL;
	struct e820_entry ram = {
		.addr = 0, .size = c->layout.nr_pages << 12, .type = E820_RAM,
	};
	if (copy_to_guest(c, (uint64_t)(uintptr_t)map.buffer.p, &ram, sizeof ram))
		return -XEN_EFAULT;
	map.nr_entries = 1;
	return copy_to_guest(c, arg, &map, sizeof map) ? -XEN_EFAULT : 0;
}

/* current_reservation (the pages the domain has now) or
 * maximum_reservation (what it was built with: it cannot grow past it). */
static long reservation(struct core *c, uint64_t arg, int current)
{
	domid_t domid;
	if (copy_from_guest(c, &domid, arg, sizeof domid))
		return -XEN_EFAULT;
	if (domid != DOMID_SELF)
		return -XEN_ESRCH;
	return (long)(current ? mm_tot_pages(c) : c->layout.nr_pages);
}

/*
 * XENMEM_add_to_physmap(_batch), XENMAPSPACE_grant_table among them: a PV
 * guest has no physmap of its own (mfn == gfn), so Xen 4.17 refuses it
 * -EACCES for any space, in xatp_permission_check (common/memory.c), once
 * the argument is read and the domain found (the batch's gmfn_range
 * space is -EOPNOTSUPP first).  PV guests map grant frames with their own
 * PTEs, by the frame numbers setup_table returns.
 */
static long add_to_physmap(struct core *c, uint64_t cmd, uint64_t arg)
{
	uint64_t start_extent = cmd >> MM_MEMOP_EXTENT_SHIFT;
	if (start_extent != (uint16_t)start_extent)
		return -XEN_EDOM;
	domid_t domid;
	if ((cmd & MM_MEMOP_CMD_MASK) == XENMEM_add_to_physmap) {
		struct xen_add_to_physmap xatp;
		if (copy_from_guest(c, &xatp, arg, sizeof xatp))
			return -XEN_EFAULT;
		if (xatp.space == XENMAPSPACE_gmfn_foreign)
			return -XEN_ENOSYS; /* only through the batch */
		domid = xatp.domid;
	} else {
		struct xen_add_to_physmap_batch xatpb;
		if (copy_from_guest(c, &xatpb, arg, sizeof xatpb))
			return -XEN_EFAULT;
		if (xatpb.space == XENMAPSPACE_gmfn_range)
			return -XEN_EOPNOTSUPP;
		domid = xatpb.domid;
	}
	/* rcu_lock_domain_by_any_id: itself, or dom0 (not translated either) */
	if (domid != DOMID_SELF && domid != c->st->evtchn.domid && domid != 0)
		return -XEN_ESRCH;
	return -XEN_EACCES;
}

/* memory_op(cmd, arg) */
long hypercall_memory_op(struct core *c, const uint64_t args[5])
{
	if (!c->st->mm.active)
		return -XEN_ENOSYS;
	switch (args[0] & MM_MEMOP_CMD_MASK) {
	case XENMEM_machphys_mapping:
		return machphys_mapping(c, args[1]);
	case XENMEM_memory_map:
		return memory_map(c, args[1]);
	case XENMEM_current_reservation:
		return reservation(c, args[1], 1);
	case XENMEM_maximum_reservation:
		return reservation(c, args[1], 0);
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return mm_reservation_op(c, args[0], args[1]);
	case XENMEM_exchange:
		if (args[0] >> MM_MEMOP_EXTENT_SHIFT)
			return -XEN_EINVAL; /* no start extent: its progress is nr_exchanged */
		return mm_exchange(c, args[1]);
	case XENMEM_maximum_ram_page:
		return (long)c->layout.nr_pages;
	case XENMEM_add_to_physmap:
	case XENMEM_add_to_physmap_batch:
		return add_to_physmap(c, args[0], args[1]);
	default:
		mm_note_enosys(c, &c->st->mm.enosys_memory_op, "memory_op",
			       args[0] & MM_MEMOP_CMD_MASK);
		return -XEN_ENOSYS;
	}
}
