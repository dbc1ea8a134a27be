/* HYPERVISOR_sched_op: yield and shutdown for now (one vCPU, no events). */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/sched/sched_block.h"

long hypercall_sched_op(struct core *c, const uint64_t args[5])
{
	uint64_t cmd = args[0], arg = args[1];
	switch (cmd) {
	case SCHEDOP_yield:
		return 0; /* the only vCPU keeps running */
	case SCHEDOP_block:
		return sched_block(c);
	case SCHEDOP_poll:
		return sched_poll(c, arg);
	case SCHEDOP_shutdown: {
		struct sched_shutdown sd;
		if (copy_from_guest(c, &sd, arg, sizeof sd))
			return -XEN_EFAULT;
		if (sd.reason > SHUTDOWN_MAX)
			return -XEN_EINVAL;
		c->st->stop_reason = CORE_STOP_SHUTDOWN;
		c->st->shutdown_code = sd.reason;
		return 0;
	}
	default:
		return -XEN_ENOSYS;
	}
}
