/*
 * grant_table_op(cmd, uop, count): Xen's do_grant_table_op for a 64-bit
 * PV domU.  Batched commands stop after GRANT_BATCH_MAX elements, or
 * when the launcher's CPU-ops queue could not take an element's
 * page-table stores, and continue Xen-style: the guest re-executes the
 * hypercall with uop advanced and count reduced (a multicall entry gets
 * them written back: mm_multicall.c).
 */
#include "pv-shim/core/grant/grant_internal.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"

int grant_preempt(struct core *c, uint32_t i, size_t room)
{
	/* The first element of a call that is not part of a multicall
	 * finds the queue empty: it always goes ahead. */
	if (i == 0 && !core_vcpu(c)->mm.queued_before)
		return 0;
	return i >= GRANT_BATCH_MAX || platform_cpu_ops_room(c) < room;
}

void grant_continue(struct core *c, uint32_t cmd, uint64_t uop, uint32_t count)
{
	const uint64_t args[5] = { cmd, uop, count, 0, 0 };
	mm_continue(c, args);
}

long hypercall_grant_table_op(struct core *c, const uint64_t args[5])
{
	/* Xen takes cmd and count as unsigned int. */
	uint32_t cmd = (uint32_t)args[0], count = (uint32_t)args[2];
	uint64_t uop = args[1];
	if (!grant_ready(c))
		return -XEN_ENOSYS;
	if ((int32_t)count < 0)
		return -XEN_EINVAL;
	/* The bits above the command carry only cache_flush's progress. */
	if ((cmd & ~GRANT_CMD_MASK) && (cmd & GRANT_CMD_MASK) != GNTTABOP_cache_flush)
		return -XEN_EINVAL;
	cmd &= GRANT_CMD_MASK;
	switch (cmd) {
	case GNTTABOP_setup_table:
		return grant_setup_table(c, uop, count);
	case GNTTABOP_query_size:
		return grant_query_size(c, uop, count);
	case GNTTABOP_set_version:
		return grant_set_version(c, uop);
	case GNTTABOP_get_version:
		return grant_get_version(c, uop);
	case GNTTABOP_get_status_frames:
		return grant_get_status_frames(c, uop, count);
	case GNTTABOP_map_grant_ref:
	case GNTTABOP_unmap_grant_ref:
	case GNTTABOP_unmap_and_replace:
	case GNTTABOP_copy:
	case GNTTABOP_swap_grant_ref:
		if (!grant_handle_okay(uop))
			return -XEN_EFAULT;
		if (cmd == GNTTABOP_map_grant_ref)
			return grant_map_refs(c, uop, count);
		if (cmd == GNTTABOP_copy)
			return grant_copy(c, uop, count);
		if (cmd == GNTTABOP_swap_grant_ref)
			return grant_swap_refs(c, uop, count);
		return grant_unmap_refs(c, cmd, uop, count);
	default:
		/* transfer (page ownership moves to another domain: there is
		 * none), cache_flush (cache maintenance for devices) and, as
		 * in Xen 4.17, dump_table. */
		mm_note_enosys(c, &c->st->grant.enosys_seen, "grant_table_op", cmd);
		return -XEN_ENOSYS;
	}
}
