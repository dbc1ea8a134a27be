/*
 * HYPERVISOR_vcpu_op and set_timer_op, as xen/common/domain.c: any vCPU
 * of the domain may be named (-ENOENT past them); its life (vcpu_context.c,
 * vcpu_updown.c), periodic timer, vcpu_info (while it is down) and
 * runstate placement; the one-shot timer only for the caller, as Xen.  A
 * vCPU other than the caller whose timers change is kicked, so that it
 * rearms them.
 */
#include "pv-shim/core/xen_abi.h"
#include <xen/vcpu.h>
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/core/sched/vcpu_context.h"
#include "pv-shim/core/sched/vtime.h"

#define PAGE_SIZE 4096ULL
#define MIN_PERIOD_NS 1000000ULL /* Xen refuses periodic timers under 1 ms */

/* A deadline already past fires at once, as Xen's timer would. */
static void set_singleshot(struct core *c, uint64_t deadline_ns)
{
	core_vcpu(c)->vtime.singleshot_ns = deadline_ns ? deadline_ns : 1;
	vtime_poll_timers(c);
}

long hypercall_set_timer_op(struct core *c, const uint64_t args[5])
{
	if (args[0] == 0)
		core_vcpu(c)->vtime.singleshot_ns = 0;
	else
		set_singleshot(c, args[0]);
	return 0;
}

/* t's vcpu_info is copied from its slot in shared_info; Linux registers
 * every vCPU's from vCPU 0, before it first runs.  As Xen's
 * map_vcpu_info, only the caller's own or a vCPU that is down: a running
 * one goes on using its vcpu_info where it was. */
static long register_vcpu_info(struct core *c, struct core *t_core, uint64_t arg)
{
	struct vcpu_register_vcpu_info r;
	if (copy_from_guest(c, &r, arg, sizeof r))
		return -XEN_EFAULT;
	struct vtime_vcpu *t = &core_vcpu(t_core)->vtime;
	if (t->vcpu_info_registered)
		return -XEN_EINVAL; /* once only, as Xen */
	if (t_core->vcpu != c->vcpu && core_vcpu(t_core)->up)
		return -XEN_EINVAL;
	if (r.offset > PAGE_SIZE - sizeof(struct vcpu_info))
		return -XEN_ENXIO;
	/* Its words are read and written atomically, by other threads too:
	 * 8-byte aligned, as every guest puts it. */
	if (r.offset % 8)
		return -XEN_EINVAL;
	if (r.mfn >= c->layout.nr_pages)
		return -XEN_EINVAL;
	uint64_t gpa = (r.mfn << 12) + r.offset;
	struct vcpu_info *nv = platform_guest_ram(c, gpa, sizeof *nv);
	if (!nv)
		return -XEN_EINVAL;
	/* Xen holds a writable type reference: the page can never become a
	 * page table while the core writes into it. */
	if (c->st->mm.active && mm_get_type(c, r.mfn, MM_TYPE_WRITABLE))
		return -XEN_EINVAL;
	core_memcpy(nv, &core_shared_info(c)->vcpu_info[t_core->vcpu], sizeof *nv);
	t->vcpu_info_gpa = gpa;
	t->vcpu_info_registered = 1;
	/* The guest rescans every selector word once, as after Xen's move. */
	__atomic_store_n(&nv->evtchn_pending_sel, ~0ULL, __ATOMIC_SEQ_CST);
	__atomic_store_n(&nv->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
	if (t_core->vcpu == c->vcpu)
		vtime_update(c);
	return 0;
}

/* The address is used through the caller's page tables whichever vCPU it
 * is for: guest kernels keep it in memory all their tables map. */
static long register_runstate(struct core *c, struct core *t_core, uint64_t arg)
{
	struct vcpu_register_runstate_memory_area a;
	if (copy_from_guest(c, &a, arg, sizeof a))
		return -XEN_EFAULT;
	uint64_t end = a.addr.p + sizeof(struct vcpu_runstate_info) - 1;
	if (a.addr.p && (end < a.addr.p || !traps_guest_address_ok(a.addr.p) ||
			 !traps_guest_address_ok(end)))
		return -XEN_EFAULT;
	core_vcpu(t_core)->vtime.runstate_va = a.addr.p;
	vtime_write_runstate(c, t_core->vcpu);
	return 0;
}

static long set_singleshot_timer(struct core *c, uint64_t arg)
{
	struct vcpu_set_singleshot_timer s;
	if (copy_from_guest(c, &s, arg, sizeof s))
		return -XEN_EFAULT;
	if ((s.flags & VCPU_SSHOTTMR_future) && s.timeout_abs_ns < vtime_now_ns(c))
		return -XEN_ETIME;
	set_singleshot(c, s.timeout_abs_ns);
	return 0;
}

static long get_runstate(struct core *c, unsigned target, uint64_t arg)
{
	struct vcpu_runstate_info r;
	vtime_runstate(c, target, &r);
	return copy_to_guest(c, arg, &r, sizeof r) ? -XEN_EFAULT : 0;
}

long hypercall_vcpu_op(struct core *c, const uint64_t args[5])
{
	uint64_t cmd = args[0], arg = args[2];
	uint32_t target = (uint32_t)args[1];
	if (target >= c->layout.nr_vcpus || target >= CORE_MAX_VCPUS)
		return -XEN_ENOENT;
	/* The same core, run for the vCPU named, for its own state. */
	struct core t_core = *c;
	t_core.vcpu = target;
	struct vtime_vcpu *t = &core_vcpu(&t_core)->vtime;
	int self = target == c->vcpu;
	switch (cmd) {
	case VCPUOP_initialise:
		return vcpu_initialise(c, target, arg);
	case VCPUOP_up:
		return vcpu_up(c, target);
	case VCPUOP_down:
		return vcpu_down(c, target);
	case VCPUOP_is_up:
		return vcpu_is_up(c, target);
	case VCPUOP_get_runstate_info:
		return get_runstate(c, target, arg);
	case VCPUOP_register_runstate_memory_area:
		return register_runstate(c, &t_core, arg);
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(c, &t_core, arg);
	case VCPUOP_set_periodic_timer: {
		struct vcpu_set_periodic_timer p;
		if (copy_from_guest(c, &p, arg, sizeof p))
			return -XEN_EFAULT;
		if (p.period_ns < MIN_PERIOD_NS)
			return -XEN_EINVAL;
		t->period_ns = p.period_ns;
		t->periodic_next_ns = vtime_now_ns(c) + p.period_ns;
		if (!self)
			platform_kick_vcpu(c, target, 1);
		return 0;
	}
	case VCPUOP_stop_periodic_timer:
		t->period_ns = 0;
		return 0;
	case VCPUOP_set_singleshot_timer:
		return self ? set_singleshot_timer(c, arg) : -XEN_EINVAL;
	case VCPUOP_stop_singleshot_timer:
		if (!self)
			return -XEN_EINVAL;
		t->singleshot_ns = 0;
		return 0;
	default:
		/* get_physid, send_nmi, register_vcpu_time_memory_area and
		 * the rest: not offered. */
		return -XEN_ENOSYS;
	}
}
