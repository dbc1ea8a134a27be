/*
 * SCHEDOP_block and SCHEDOP_poll: the vCPU sleeps in the launcher (no
 * busy loop) until an event or its next timer, as xen/common/sched/core.c,
 * without the domain lock, so the other vCPUs go on.
 * One sleep per call: a return with nothing pending is allowed (guests
 * loop), and lets the launcher take a stop signal.
 */
#include "pv-shim/core/xen_abi.h"
#include <xen/event_channel.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/sched/sched_block.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/core/sched/vtime.h"

#define POLL_MAX_PORTS VTIME_POLL_MAX_PORTS

void sched_sleep(struct core *c)
{
	platform_unlock(c);
	platform_block(c);
	platform_lock(c);
}

long sched_block(struct core *c)
{
	struct vcpu_info *v = core_vcpu_info(c);
	/* Blocking enables event delivery, else nothing could wake it. */
	__atomic_store_n(&v->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
	vtime_poll_timers(c);
	evtchn_take_dom0_raised(c);
	if (!__atomic_load_n(&v->evtchn_upcall_pending, __ATOMIC_SEQ_CST)) {
		sched_sleep(c);
		vtime_poll_timers(c);
	}
	vtime_update(c);
	return 0;
}

int sched_wake_due(struct core *c)
{
	const struct core_vcpu *v = core_vcpu(c);
	if (v->up && (__atomic_load_n(&core_vcpu_info(c)->evtchn_upcall_pending,
				      __ATOMIC_SEQ_CST) || evtchn_dom0_raised_any(c)))
		return 1;
	uint32_t n = v->vtime.poll_nr;
	for (uint32_t i = 0; i < n && i < VTIME_POLL_MAX_PORTS; i++)
		if (evtchn_is_pending(c, v->vtime.poll_ports[i]))
			return 1;
	return 0;
}

static int any_pending(struct core *c, const evtchn_port_t *ports, unsigned n)
{
	evtchn_take_dom0_raised(c);
	for (unsigned i = 0; i < n; i++)
		if (evtchn_is_pending(c, ports[i]))
			return 1;
	return 0;
}

long sched_poll(struct core *c, uint64_t arg)
{
	struct sched_poll p;
	if (copy_from_guest(c, &p, arg, sizeof p))
		return -XEN_EFAULT;
	if (p.nr_ports > POLL_MAX_PORTS)
		return -XEN_EINVAL;
	evtchn_port_t ports[POLL_MAX_PORTS];
	uint64_t va = (uint64_t)(uintptr_t)p.ports.p;
	if (p.nr_ports && copy_from_guest(c, ports, va, p.nr_ports * sizeof ports[0]))
		return -XEN_EFAULT;
	for (unsigned i = 0; i < p.nr_ports; i++)
		if (ports[i] >= EVTCHN_NR_PORTS)
			return -XEN_EINVAL;
	vtime_poll_timers(c);
	if (any_pending(c, ports, p.nr_ports))
		return 0;
	struct vtime_vcpu *t = &core_vcpu(c)->vtime;
	t->poll_deadline_ns = p.timeout;
	for (unsigned i = 0; i < p.nr_ports; i++)
		t->poll_ports[i] = (uint16_t)ports[i];
	t->poll_nr = p.nr_ports;
	if (!p.timeout || p.timeout > vtime_now_ns(c))
		sched_sleep(c);
	t->poll_nr = 0;
	t->poll_deadline_ns = 0;
	vtime_poll_timers(c);
	return 0;
}
