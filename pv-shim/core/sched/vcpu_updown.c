/*
 * VCPUOP_up, VCPUOP_down and VCPUOP_is_up, as xen/common/domain.c: a vCPU
 * runs once it has a context (VCPUOP_initialise) and is up; the platform
 * starts it the first time, and a vCPU taken down stops running guest
 * code at its next way back to the guest until it is up again, where it
 * goes on from.  Taking down the last running vCPU ends the domain as a
 * fault (trap.c: Xen powers off, which would pass a panicked kernel off
 * as a clean poweroff).
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/sched/sched_block.h"
#include "pv-shim/core/sched/vcpu_context.h"
#include "pv-shim/core/sched/vtime.h"

long vcpu_up(struct core *c, unsigned target)
{
	struct core_vcpu *v = &c->st->vcpu[target % CORE_MAX_VCPUS];
	if (!v->initialised)
		return -XEN_EINVAL;
	if (v->up)
		return 0;
	v->up = 1;
	if (!v->started) {
		v->started = 1;
		platform_vcpu_up(c, target);
	} else {
		platform_kick_vcpu(c, target, 1); /* asleep in vcpu_wait_while_down */
	}
	return 0;
}

long vcpu_down(struct core *c, unsigned target)
{
	struct core_vcpu *v = &c->st->vcpu[target % CORE_MAX_VCPUS];
	if (!v->up)
		return 0;
	v->up = 0;
	/* It stops at its next way back to the guest; the caller itself
	 * at the end of this hypercall. */
	if (target != c->vcpu)
		platform_kick_vcpu(c, target, 1);
	return 0;
}

long vcpu_is_up(struct core *c, unsigned target)
{
	return c->st->vcpu[target % CORE_MAX_VCPUS].up;
}

void vcpu_wait_while_down(struct core *c, const struct trap_frame *f)
{
	if (core_vcpu(c)->up)
		return;
	/* From here until it flushes it runs no guest code: flushes may
	 * leave it out (mm_tlb.c). */
	core_vcpu(c)->parked = 1;
	while (!core_vcpu(c)->up && c->st->stop_reason == CORE_RUNNING) {
		if (!mm_up_vcpus(c)) {
			/* Nobody is left to take it up again (VCPUOP_down of
			 * the last one ends the domain before it gets here). */
			core_stop_fault(c, f, "no vCPU of the domain is up");
			break;
		}
		/* Its timers run on and leave their events pending, as a
		 * paused vCPU's do under Xen; no deadline may make the sleep
		 * a busy loop. */
		vtime_poll_timers(c);
		sched_sleep(c);
	}
	/* Its TLB was left out of flushes while it was parked (mm_tlb.c). */
	core_vcpu(c)->parked = 0;
	mm_flush_tlb(c);
	vtime_update(c);
}
