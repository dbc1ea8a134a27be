/*
 * multicall: a batch of hypercalls, as PV Linux issues its page-table
 * updates (xen_mc_flush).  Each entry's result is written back into the
 * entry; a sub-call that must continue later (mm_continue) has its new
 * arguments written back too, and the multicall continues from it.  A
 * long batch continues too, after MM_BATCH_MAX entries, as Xen preempts.
 * An iret entry runs on the multicall's own trap frame, as Xen's does on
 * the guest's registers (the iret_context at the guest's %rsp), and ends
 * the batch: its result and the multicall's are the %rax it restored
 * (Xen's mc_exit), and the guest goes on where the iret sends it.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/mm/mm_batch.h"
#include "pv-shim/core/traps/traps.h"

/* multicall(call_list, nr_calls) */
long hypercall_multicall(struct core *c, const uint64_t args[5])
{
	struct mm_vcpu *mm = &core_vcpu(c)->mm;
	uint64_t list = args[0];
	uint32_t nr = (uint32_t)args[1];
	for (uint32_t i = 0; i < nr; i++) {
		uint64_t va = list + (uint64_t)i * sizeof(struct multicall_entry);
		if (i == MM_BATCH_MAX) {
			const uint64_t rest[5] = { va, nr - i, 0, 0, 0 };
			mm_continue(c, rest);
			return 0;
		}
		struct multicall_entry e;
		if (copy_from_guest(c, &e, va, sizeof e))
			return -XEN_EFAULT;
		long rc;
		if (e.op == __HYPERVISOR_iret && c->frame && !c->frame_replaced) {
			c->st->stats.hypercalls[__HYPERVISOR_iret]++;
			traps_iret(c, c->frame);
			c->frame_replaced = 1;
			e.result = c->frame->rax;
			/* Best effort, as Xen's: the guest's registers are set. */
			(void)copy_to_guest(c, va + offsetof(struct multicall_entry, result),
					    &e.result, sizeof e.result);
			return (long)e.result;
		}
		if (e.op == __HYPERVISOR_multicall || e.op == __HYPERVISOR_iret) {
			rc = -XEN_EINVAL; /* nested, or no guest registers to iret on */
		} else {
			const uint64_t sub[5] = { e.args[0], e.args[1], e.args[2],
						  e.args[3], e.args[4] };
			mm->queued_before = i > 0;
			rc = core_hypercall(c, e.op, sub);
			mm->queued_before = 0;
		}
		if (mm->continuation) {
			/* The sub-call left work: store what is left of it in the
			 * entry and resume the batch there. */
			mm->continuation = 0;
			for (int k = 0; k < 5; k++)
				e.args[k] = mm->continuation_args[k];
			if (copy_to_guest(c, va, &e, sizeof e))
				return -XEN_EFAULT;
			const uint64_t rest[5] = { va, nr - i, 0, 0, 0 };
			mm_continue(c, rest);
			return 0;
		}
		e.result = (xen_ulong_t)rc;
		if (copy_to_guest(c, va + offsetof(struct multicall_entry, result),
				  &e.result, sizeof e.result))
			return -XEN_EFAULT;
	}
	return 0;
}
