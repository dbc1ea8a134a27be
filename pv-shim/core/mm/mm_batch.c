/* The request loop of mmu_update and mmuext_op (mm_batch.h). */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/mm/mm_batch.h"
#include "pv-shim/core/platform.h"

void mm_batch_start(struct core *c, struct mm_batch *b, const uint64_t args[5],
		    uint64_t size)
{
	core_memset(b, 0, sizeof *b);
	core_memcpy(b->args, args, sizeof b->args);
	b->size = size;
	b->count = (uint32_t)args[1];
	if (b->count & MM_UPDATE_PREEMPTED) {
		b->count &= ~MM_UPDATE_PREEMPTED;
		/* what the earlier calls did; unreadable means none, as Xen */
		if (args[2] && copy_from_guest(c, &b->done, args[2], sizeof b->done))
			b->done = 0;
	}
}

int mm_batch_next(struct core *c, struct mm_batch *b)
{
	if (b->continued || b->i >= b->count)
		return 0;
	if (b->i > 0 && (b->i >= MM_BATCH_MAX ||
			 platform_cpu_ops_room(c) < MM_BATCH_OPS_RESERVE)) {
		b->continued = 1;
		return 0;
	}
	b->ptr = b->args[0] + (uint64_t)b->i * b->size;
	return 1;
}

long mm_batch_result(struct core *c, struct mm_batch *b, int rc)
{
	if (rc == MM_ENOROOM) {
		/* Undone; the queue drains when the guest runs again.  A request
		 * that does not fit an empty queue never will. */
		if (b->i == 0 && !core_vcpu(c)->mm.queued_before)
			return -XEN_ENOMEM;
		b->continued = 1;
		return 0;
	}
	if (rc == 0) {
		b->i++;
		b->done++;
	}
	return rc;
}

long mm_batch_end(struct core *c, struct mm_batch *b, long rc)
{
	if (b->args[2])
		(void)copy_to_guest(c, b->args[2], &b->done, sizeof b->done);
	if (b->continued && rc == 0) {
		/* b->i may be 0 here (mm_state.queued_before): pdone stays right,
		 * since the count is then marked preempted as well. */
		uint64_t args[5];
		core_memcpy(args, b->args, sizeof args);
		args[0] = b->args[0] + (uint64_t)b->i * b->size;
		args[1] = (b->count - b->i) | MM_UPDATE_PREEMPTED;
		mm_continue(c, args);
	}
	return rc;
}
