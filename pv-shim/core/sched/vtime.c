/*
 * Xen system time for each vCPU, as xen/arch/x86/time.c publishes it: the
 * guest extrapolates from (tsc_timestamp, system_time) with its own TSC,
 * so the core only has to write a fresh pair now and then (at timers,
 * blocks and on request), under the odd/even version protocol.
 */
#include "pv-shim/core/xen_abi.h"
#include <xen/vcpu.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/departure.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/core/sched/vtime.h"

#define NS_PER_SEC 1000000000ULL

void vtime_scale(uint64_t tsc_khz, uint32_t *mul, int32_t *shift)
{
	uint64_t hz = tsc_khz * 1000;
	int32_t s = 0;
	if (hz == 0) {
		*mul = 0;
		*shift = 0;
		return;
	}
	/* Bring hz into (1e9, 2e9] so that 1e9/hz, as a 0.32 fraction,
	 * fits 32 bits with full precision. */
	while (hz > 2 * NS_PER_SEC) {
		hz >>= 1;
		s--;
	}
	while (hz <= NS_PER_SEC) {
		hz <<= 1;
		s++;
	}
	*mul = (uint32_t)((NS_PER_SEC << 32) / hz);
	*shift = s;
}

void vtime_init(struct core *c, uint64_t tsc_khz, uint64_t tsc_now,
		uint64_t wall_sec, uint32_t wall_nsec)
{
	struct vtime_state *t = &c->st->vtime;
	vtime_scale(tsc_khz, &t->tsc_mul, &t->tsc_shift);
	t->tsc_start = tsc_now;
	t->wc_start_sec = wall_sec;
	t->wc_start_nsec = wall_nsec;
	vtime_update(c);
}

static uint64_t scale_delta(uint64_t delta, uint32_t mul, int32_t shift)
{
	/* vtime_scale's shift is a few bits either way; one read from the
	 * core state (guest-reachable memory) may be anything, and a shift
	 * by 64 or more is undefined. */
	if (shift <= -64 || shift >= 64)
		return 0;
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

uint64_t vtime_now_ns(struct core *c)
{
	const struct vtime_state *t = &c->st->vtime;
	if (!t->tsc_mul)
		return 0;
	uint64_t tsc = platform_read_tsc(c);
	return tsc > t->tsc_start ? scale_delta(tsc - t->tsc_start, t->tsc_mul,
						t->tsc_shift) : 0;
}

struct vcpu_info *vtime_vcpu_info_of(struct core *c, unsigned vcpu)
{
	/* The mask keeps a caller's index inside both arrays (shared_info
	 * has XEN_LEGACY_MAX_VCPUS == CORE_MAX_VCPUS entries). */
	_Static_assert(XEN_LEGACY_MAX_VCPUS == CORE_MAX_VCPUS, "vcpu_info slots");
	vcpu %= CORE_MAX_VCPUS;
	const struct vtime_vcpu *t = &c->st->vcpu[vcpu].vtime;
	uint64_t gpa = t->vcpu_info_gpa;
	/* Checked when registered (within RAM, aligned), and again here: the
	 * core state is in memory the guest could reach. */
	if (t->vcpu_info_registered && gpa % 8 == 0) {
		struct vcpu_info *v = platform_guest_ram(c, gpa, sizeof *v);
		if (v)
			return v;
	}
	return &core_shared_info(c)->vcpu_info[vcpu];
}

struct vcpu_info *core_vcpu_info(struct core *c)
{
	return vtime_vcpu_info_of(c, c->vcpu);
}

/* All of a vCPU's time is "running": it runs whenever the guest can
 * look, and its host thread's waits are not the guest's business.  A
 * vCPU that is down says so, with the same times, which only ever grow
 * (Linux takes its steal time from them). */
void vtime_runstate(struct core *c, unsigned vcpu, struct vcpu_runstate_info *r)
{
	core_memset(r, 0, sizeof *r);
	r->state = c->st->vcpu[vcpu % CORE_MAX_VCPUS].up ? RUNSTATE_running
							  : RUNSTATE_offline;
	r->time[RUNSTATE_running] = vtime_now_ns(c);
}

void vtime_write_runstate(struct core *c, unsigned vcpu)
{
	const struct vtime_vcpu *t = &c->st->vcpu[vcpu % CORE_MAX_VCPUS].vtime;
	if (!t->runstate_va)
		return;
	struct vcpu_runstate_info r;
	vtime_runstate(c, vcpu, &r);
	/* A bad address is the guest's problem, as in Xen: not an error. */
	copy_to_guest(c, t->runstate_va, &r, sizeof r);
}

void vtime_update(struct core *c)
{
	struct vtime_state *t = &c->st->vtime;
	struct shared_info *s = core_shared_info(c);
	struct vcpu_time_info *ti = &core_vcpu_info(c)->time;
	uint64_t tsc = t->tsc_mul ? platform_read_tsc(c) : 0;
	uint64_t now = tsc > t->tsc_start ? scale_delta(tsc - t->tsc_start, t->tsc_mul,
							t->tsc_shift) : 0;

	/* Odd while the fields change; readers retry on odd or on change. */
	uint32_t v = (ti->version + 1) | 1;
	__atomic_store_n(&ti->version, v, __ATOMIC_SEQ_CST);
	ti->tsc_timestamp = tsc;
	ti->system_time = now;
	ti->tsc_to_system_mul = t->tsc_mul;
	ti->tsc_shift = (int8_t)t->tsc_shift;
	ti->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
	__atomic_store_n(&ti->version, v + 1, __ATOMIC_SEQ_CST);

	/* The wallclock is the time at system time 0; it does not move. */
	uint32_t wv = (s->wc_version + 1) | 1;
	__atomic_store_n(&s->wc_version, wv, __ATOMIC_SEQ_CST);
	s->wc_sec = (uint32_t)t->wc_start_sec;
	s->xen_wc_sec_hi = (uint32_t)(t->wc_start_sec >> 32);
	s->wc_nsec = t->wc_start_nsec;
	__atomic_store_n(&s->wc_version, wv + 1, __ATOMIC_SEQ_CST);

	vtime_write_runstate(c, c->vcpu);
}

/* When the one-shot timer fires (0: stopped): its deadline, or later if
 * the last one fired less than the gap ago.  A deadline past when set
 * fires at once under Xen; Linux, late on its tick, sets one, and on the
 * guest path would spend all its time in ticks. */
static uint64_t oneshot_due(const struct vtime_state *s, const struct vtime_vcpu *t)
{
	uint64_t gap = s->oneshot_gap_ns;
	if (!t->singleshot_ns || !gap || !t->singleshot_fired_ns)
		return t->singleshot_ns;
	if (gap > VTIME_ONESHOT_GAP_MAX_NS)
		gap = VTIME_ONESHOT_GAP_MAX_NS;
	uint64_t earliest = t->singleshot_fired_ns + gap;
	return t->singleshot_ns < earliest ? earliest : t->singleshot_ns;
}

uint64_t vtime_next_deadline(struct core *c)
{
	const struct vtime_vcpu *t = &core_vcpu(c)->vtime;
	uint64_t d = oneshot_due(&c->st->vtime, t);
	if (t->period_ns && (!d || t->periodic_next_ns < d))
		d = t->periodic_next_ns;
	if (t->poll_deadline_ns && (!d || t->poll_deadline_ns < d))
		d = t->poll_deadline_ns;
	return d;
}

int vtime_poll_timers(struct core *c)
{
	struct vtime_vcpu *t = &core_vcpu(c)->vtime;
	if (!t->singleshot_ns && !t->period_ns)
		return 0;
	uint64_t now = vtime_now_ns(c);
	int due = 0;
	uint64_t oneshot = oneshot_due(&c->st->vtime, t);
	if (oneshot && oneshot <= now) {
		if (oneshot != t->singleshot_ns)
			core_departure(c, DEPARTURE_TIMER_HELD, "a one-shot timer "
				       "event held back by the guest path's gap");
		t->singleshot_ns = 0;
		t->singleshot_fired_ns = now;
		due = 1;
	}
	if (t->period_ns && t->periodic_next_ns <= now) {
		/* Missed periods are not replayed: one event, next in the
		 * future (Xen's periodic timer does the same). */
		uint64_t late = now - t->periodic_next_ns;
		t->periodic_next_ns += (late / t->period_ns + 1) * t->period_ns;
		due = 1;
	}
	if (!due)
		return 0;
	vtime_update(c);
	return evtchn_raise_virq(c, VIRQ_TIMER);
}
