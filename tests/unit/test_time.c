/*
 * Time, timers, vCPU placement and blocking on a fake guest with a fake
 * TSC: the TSC scale against exact arithmetic, vcpu_time_info and the
 * wallclock under their version protocol, set_timer_op and the vcpu_op
 * timers raising VIRQ_TIMER when the TSC passes them, register_vcpu_info
 * moving delivery into guest RAM, the runstate area, and SCHEDOP_block /
 * SCHEDOP_poll sleeping through the platform until the next deadline, and
 * the launcher's event interrupt taking timers and upcalls while a guest spins,
 * and the PIT's channel 2 counting on system time.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdlib.h>
#include <string.h>

#include "pv-shim/core/xen_abi.h"
#include <xen/callback.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/departure.h"
#include "pv-shim/core/emulate/emulate.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/core/sched/vtime.h"
#include "pv-shim/shim_abi.h"
#include "tests/unit/fake_guest.h"

#define NR_PAGES 64
#define ARG_VA 0xffffffff80000000ULL
#define ARG_PFN 40
#define VI_PFN 41
#define TSC_KHZ 2500000ULL   /* 2.5 GHz: 2.5 ticks per ns */
#define TSC0 1000000ULL
#define WALL_SEC 1700000000ULL

static struct fake_guest g;
static uint8_t *shim;
static uint64_t tsc;
static unsigned blocks;
static uint32_t timer_port;

/* The TSC a little past ns: the scale rounds down, as Xen's does. */
static uint64_t ticks(uint64_t ns)
{
	return TSC0 + ns * 5 / 2 + 3;
}

/* ns as the core computes it from ticks(ns): ns or one more. */
#define ck_assert_ns(got, ns)                                               \
	do {                                                                \
		uint64_t got_ = (got);                                      \
		ck_assert_msg(got_ >= (ns) && got_ <= (ns) + 1,             \
			      "%s: %lu ns, expected %lu", #got,             \
			      (unsigned long)got_, (unsigned long)(ns));    \
	} while (0)

/* The launcher's sleep: the TSC jumps to the next deadline. */
static void fake_block(void *opaque)
{
	(void)opaque;
	blocks++;
	uint64_t d = vtime_next_deadline(&g.core);
	if (d)
		tsc = ticks(d);
}

static long hcall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	const uint64_t args[5] = { a0, a1, a2, 0, 0 };
	return core_hypercall(&g.core, nr, args);
}

static void put(const void *p, size_t n)
{
	ck_assert_int_eq(copy_to_guest(&g.core, ARG_VA, p, n), 0);
}

static void setup(void)
{
	fake_guest_init(&g, NR_PAGES);
	shim = calloc(1, SHIM_REGION_SIZE); /* the vCPU blocks too */
	ck_assert_ptr_nonnull(shim);
	g.plat.shim_region = shim;
	g.plat.fake_tsc = &tsc;
	g.plat.block = fake_block;
	blocks = 0;
	tsc = TSC0;
	fake_guest_map(&g, ARG_VA, ARG_PFN, FG_USER_RW);
	evtchn_domain_init(&g.core, 1, 1, 2, 0);
	vtime_init(&g.core, TSC_KHZ, TSC0, WALL_SEC, 123);
	struct evtchn_bind_virq b = { .virq = VIRQ_TIMER };
	put(&b, sizeof b);
	ck_assert_int_eq(hcall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq,
			       ARG_VA, 0), 0);
	ck_assert_int_eq(copy_from_guest(&g.core, &b, ARG_VA, sizeof b), 0);
	timer_port = b.port;
}

static void teardown(void)
{
	fake_guest_free(&g);
	free(shim);
}

static int timer_pending(void)
{
	return (core_shared_info(&g.core)->evtchn_pending[0] >> timer_port) & 1;
}

static void clear_timer(void)
{
	struct shared_info *s = core_shared_info(&g.core);
	s->evtchn_pending[0] = 0;
	core_vcpu_info(&g.core)->evtchn_pending_sel = 0;
	core_vcpu_info(&g.core)->evtchn_upcall_pending = 0;
}

START_TEST(scale_matches_exact_arithmetic)
{
	const uint64_t khz[] = { 1000, 999999, 1000001, 2596164, 3000000, 4294967, 100000000 };
	for (unsigned i = 0; i < sizeof khz / sizeof khz[0]; i++) {
		uint32_t mul;
		int32_t shift;
		vtime_scale(khz[i], &mul, &shift);
		ck_assert_uint_ne(mul, 0);
		/* One second of ticks and one hour. */
		const uint64_t secs[] = { 1, 3600 };
		for (unsigned j = 0; j < 2; j++) {
			uint64_t t = khz[i] * 1000 * secs[j];
			uint64_t d = shift < 0 ? t >> -shift : t << shift;
			uint64_t ns = (uint64_t)(((unsigned __int128)d * mul) >> 32);
			uint64_t want = secs[j] * 1000000000ULL;
			uint64_t err = ns > want ? ns - want : want - ns;
			ck_assert_msg(err <= want / 1000000 + 1, "khz %lu: %lu ns for %lu s",
				      (unsigned long)khz[i], (unsigned long)ns,
				      (unsigned long)secs[j]);
		}
	}
}
END_TEST

START_TEST(time_info_and_wallclock_published)
{
	struct shared_info *s = core_shared_info(&g.core);
	struct vcpu_time_info *ti = &s->vcpu_info[0].time;
	uint32_t v0 = ti->version;
	ck_assert_uint_eq(v0 % 2, 0);
	ck_assert_uint_eq(ti->system_time, 0);
	ck_assert_uint_eq(ti->tsc_timestamp, TSC0);
	ck_assert_uint_ne(ti->tsc_to_system_mul, 0);
	ck_assert_uint_eq(ti->flags & XEN_PVCLOCK_TSC_STABLE_BIT, XEN_PVCLOCK_TSC_STABLE_BIT);
	ck_assert_uint_eq(s->wc_sec, (uint32_t)WALL_SEC);
	ck_assert_uint_eq(s->wc_nsec, 123);
	ck_assert_uint_eq(s->wc_version % 2, 0);

	tsc = ticks(5000000); /* 5 ms */
	vtime_update(&g.core);
	ck_assert_uint_eq(ti->version, v0 + 2);
	ck_assert_uint_eq(ti->tsc_timestamp, tsc);
	ck_assert_ns(ti->system_time, 5000000);
	ck_assert_ns(vtime_now_ns(&g.core), 5000000);
	/* A TSC before the start reads as 0, never as a huge time. */
	tsc = TSC0 - 10;
	ck_assert_uint_eq(vtime_now_ns(&g.core), 0);
}
END_TEST

START_TEST(set_timer_op_fires_virq_timer)
{
	ck_assert_int_eq(hcall(__HYPERVISOR_set_timer_op, 2000000, 0, 0), 0);
	ck_assert_uint_eq(vtime_next_deadline(&g.core), 2000000);
	ck_assert_int_eq(vtime_poll_timers(&g.core), 0);
	ck_assert_int_eq(timer_pending(), 0);
	tsc = ticks(1999998);
	ck_assert_int_eq(vtime_poll_timers(&g.core), 0);
	tsc = ticks(2000000);
	ck_assert_int_eq(vtime_poll_timers(&g.core), 1);
	ck_assert_int_eq(timer_pending(), 1);
	ck_assert_uint_eq(core_vcpu_info(&g.core)->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(vtime_next_deadline(&g.core), 0); /* one-shot */
	/* The time info was refreshed when it fired. */
	ck_assert_ns(core_vcpu_info(&g.core)->time.system_time, 2000000);

	/* In the past: at once.  0: cancelled. */
	clear_timer();
	ck_assert_int_eq(hcall(__HYPERVISOR_set_timer_op, 1, 0, 0), 0);
	ck_assert_int_eq(timer_pending(), 1);
	clear_timer();
	ck_assert_int_eq(hcall(__HYPERVISOR_set_timer_op, 9000000, 0, 0), 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_timer_op, 0, 0, 0), 0);
	tsc = ticks(10000000);
	ck_assert_int_eq(vtime_poll_timers(&g.core), 0);
	ck_assert_int_eq(timer_pending(), 0);
}
END_TEST

/* The guest path's gap (vtime.h): a one-shot event no sooner than the
 * gap after the last one, a later deadline as asked, the periodic timer
 * untouched, each held event counted as a departure; no gap, as Xen. */
START_TEST(oneshot_gap_holds_events_back)
{
	g.st->vtime.oneshot_gap_ns = 20000000; /* 20 ms */
	ck_assert_int_eq(hcall(__HYPERVISOR_set_timer_op, 4000000, 0, 0), 0);
	tsc = ticks(4000000);
	ck_assert_int_eq(vtime_poll_timers(&g.core), 1); /* the first: as asked */
	ck_assert_uint_eq(g.st->departures[DEPARTURE_TIMER_HELD], 0);

	/* Late on its tick, the guest asks for one already past. */
	clear_timer();
	tsc = ticks(9000000);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_timer_op, 8000000, 0, 0), 0);
	ck_assert_int_eq(timer_pending(), 0);
	ck_assert_ns(vtime_next_deadline(&g.core), 24000000);
	tsc = ticks(23999000);
	ck_assert_int_eq(vtime_poll_timers(&g.core), 0);
	tsc = ticks(24000000);
	ck_assert_int_eq(vtime_poll_timers(&g.core), 1);
	ck_assert_uint_eq(g.st->departures[DEPARTURE_TIMER_HELD], 1);

	/* A deadline past the gap fires when asked. */
	clear_timer();
	ck_assert_int_eq(hcall(__HYPERVISOR_set_timer_op, 60000000, 0, 0), 0);
	ck_assert_uint_eq(vtime_next_deadline(&g.core), 60000000);
	tsc = ticks(60000000);
	ck_assert_int_eq(vtime_poll_timers(&g.core), 1);
	ck_assert_uint_eq(g.st->departures[DEPARTURE_TIMER_HELD], 1);

	/* The periodic timer keeps its period. */
	clear_timer();
	struct vcpu_set_periodic_timer p = { .period_ns = 4000000 };
	put(&p, sizeof p);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, ARG_VA), 0);
	tsc = ticks(64000000);
	ck_assert_int_eq(vtime_poll_timers(&g.core), 1);
	ck_assert_uint_eq(vtime_next_deadline(&g.core), 68000000);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0), 0);

	/* A gap past its bound holds for a second at most. */
	clear_timer();
	g.st->vtime.oneshot_gap_ns = UINT64_MAX;
	ck_assert_int_eq(hcall(__HYPERVISOR_set_timer_op, 1, 0, 0), 0);
	ck_assert_ns(vtime_next_deadline(&g.core), 60000000 + VTIME_ONESHOT_GAP_MAX_NS);

	/* No gap: a deadline past fires at once. */
	g.st->vtime.oneshot_gap_ns = 0;
	ck_assert_int_eq(hcall(__HYPERVISOR_set_timer_op, 1, 0, 0), 0);
	ck_assert_int_eq(timer_pending(), 1);
}
END_TEST

START_TEST(vcpu_op_timers)
{
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0), 1);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), -XEN_ENOENT);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_get_physid, 0, ARG_VA),
			 -XEN_ENOSYS);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 0, ARG_VA),
			 -XEN_EEXIST);

	struct vcpu_set_periodic_timer p = { .period_ns = 999999 };
	put(&p, sizeof p);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, ARG_VA),
			 -XEN_EINVAL);
	p.period_ns = 4000000;
	put(&p, sizeof p);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, ARG_VA), 0);
	tsc = ticks(4000000);
	ck_assert_int_eq(vtime_poll_timers(&g.core), 1);
	ck_assert_uint_eq(vtime_next_deadline(&g.core), 8000000);
	clear_timer();
	tsc = ticks(21000000); /* several periods late: one event */
	ck_assert_int_eq(vtime_poll_timers(&g.core), 1);
	ck_assert_uint_eq(vtime_next_deadline(&g.core), 24000000);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0), 0);
	ck_assert_uint_eq(vtime_next_deadline(&g.core), 0);

	clear_timer();
	struct vcpu_set_singleshot_timer s = { .timeout_abs_ns = 20000000,
					       .flags = VCPU_SSHOTTMR_future };
	put(&s, sizeof s);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, ARG_VA),
			 -XEN_ETIME);
	ck_assert_int_eq(timer_pending(), 0);
	s.timeout_abs_ns = 30000000;
	put(&s, sizeof s);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, ARG_VA), 0);
	ck_assert_uint_eq(vtime_next_deadline(&g.core), 30000000);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0), 0);
	ck_assert_uint_eq(vtime_next_deadline(&g.core), 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, 0x1000),
			 -XEN_EFAULT);
}
END_TEST

START_TEST(vcpu_info_moves_into_guest_ram)
{
	struct vcpu_register_vcpu_info r = { .mfn = VI_PFN, .offset = 4096 - 63 };
	put(&r, sizeof r);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, ARG_VA),
			 -XEN_ENXIO);
	r.offset = 68; /* not 8-byte aligned */
	put(&r, sizeof r);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, ARG_VA),
			 -XEN_EINVAL);
	r.offset = 64;
	r.mfn = NR_PAGES;
	put(&r, sizeof r);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, ARG_VA),
			 -XEN_EINVAL);
	struct vcpu_info *old = &core_shared_info(&g.core)->vcpu_info[0];
	ck_assert_uint_eq(old->evtchn_upcall_mask, 1); /* as a vCPU starts */
	r.mfn = VI_PFN;
	put(&r, sizeof r);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, ARG_VA), 0);
	struct vcpu_info *nv = (void *)(fake_guest_page(&g, VI_PFN) + 64);
	ck_assert_ptr_eq(core_vcpu_info(&g.core), nv);
	ck_assert_uint_eq(nv->evtchn_upcall_mask, 1);    /* copied */
	ck_assert_uint_eq(nv->evtchn_upcall_pending, 1); /* rescan */
	ck_assert_uint_eq(nv->evtchn_pending_sel, ~0ULL);
	ck_assert_uint_eq(nv->time.version % 2, 0);
	ck_assert_uint_eq(nv->time.tsc_timestamp, TSC0);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, ARG_VA),
			 -XEN_EINVAL);

	/* Events now land in the new place only. */
	nv->evtchn_pending_sel = 0;
	nv->evtchn_upcall_pending = 0;
	old->evtchn_pending_sel = 0;
	old->evtchn_upcall_pending = 0;
	ck_assert_int_eq(evtchn_raise_virq(&g.core, VIRQ_TIMER), 1);
	ck_assert_uint_eq(nv->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(old->evtchn_upcall_pending, 0);
}
END_TEST

/* Frame 0 offset 0 is a place like any other: registered there, vcpu_info
 * stays there, and a second registration is refused (it used to read as
 * "none registered", so the guest could register again and again). */
START_TEST(vcpu_info_at_guest_address_0)
{
	struct vcpu_register_vcpu_info r = { .mfn = 0, .offset = 0 };
	put(&r, sizeof r);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, ARG_VA), 0);
	ck_assert_ptr_eq(core_vcpu_info(&g.core), (void *)fake_guest_page(&g, 0));
	r.mfn = VI_PFN;
	put(&r, sizeof r);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, ARG_VA),
			 -XEN_EINVAL);
	ck_assert_ptr_eq(core_vcpu_info(&g.core), (void *)fake_guest_page(&g, 0));
}
END_TEST

START_TEST(runstate_area_written)
{
	struct vcpu_register_runstate_memory_area a = { .addr.p = ARG_VA + 512 };
	put(&a, sizeof a);
	tsc = ticks(7000000);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area,
			       0, ARG_VA), 0);
	struct vcpu_runstate_info r;
	ck_assert_int_eq(copy_from_guest(&g.core, &r, ARG_VA + 512, sizeof r), 0);
	ck_assert_int_eq(r.state, RUNSTATE_running);
	ck_assert_ns(r.time[RUNSTATE_running], 7000000);
	ck_assert_uint_eq(r.time[RUNSTATE_blocked], 0);
	a.addr.p = 0xffff800000000000ULL; /* Xen's own range */
	put(&a, sizeof a);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area,
			       0, ARG_VA), -XEN_EFAULT);
	ck_assert_int_eq(hcall(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, ARG_VA), 0);
	ck_assert_int_eq(copy_from_guest(&g.core, &r, ARG_VA, sizeof r), 0);
	ck_assert_ns(r.time[RUNSTATE_running], 7000000);
}
END_TEST

START_TEST(block_sleeps_until_the_timer)
{
	struct vcpu_info *v = core_vcpu_info(&g.core);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_timer_op, 3000000, 0, 0), 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
	ck_assert_uint_eq(blocks, 1);
	ck_assert_uint_eq(v->evtchn_upcall_mask, 0); /* block enabled delivery */
	ck_assert_int_eq(timer_pending(), 1);
	ck_assert_uint_eq(v->evtchn_upcall_pending, 1);
	ck_assert_uint_ge(v->time.system_time, 3000000);

	/* Something pending already: no sleep. */
	ck_assert_int_eq(hcall(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
	ck_assert_uint_eq(blocks, 1);
}
END_TEST

START_TEST(poll_checks_its_ports)
{
	evtchn_port_t ports[2] = { 2, timer_port };
	struct sched_poll p = { .nr_ports = 2, .timeout = 0 };
	set_xen_guest_handle(p.ports, (evtchn_port_t *)(ARG_VA + 256));
	ck_assert_int_eq(copy_to_guest(&g.core, ARG_VA + 256, ports, sizeof ports), 0);
	put(&p, sizeof p);
	/* Timer due in 1 ms: the sleep ends there and the port is pending. */
	ck_assert_int_eq(hcall(__HYPERVISOR_set_timer_op, 1000000, 0, 0), 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, ARG_VA, 0), 0);
	ck_assert_uint_eq(blocks, 1);
	ck_assert_int_eq(timer_pending(), 1);
	ck_assert_int_eq(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, ARG_VA, 0), 0);
	ck_assert_uint_eq(blocks, 1); /* pending: no sleep */

	clear_timer();
	p.timeout = vtime_now_ns(&g.core) + 500000;
	put(&p, sizeof p);
	ck_assert_int_eq(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, ARG_VA, 0), 0);
	ck_assert_uint_eq(blocks, 2);
	ck_assert_uint_eq(vtime_next_deadline(&g.core), 0); /* poll timeout gone */

	p.nr_ports = 129;
	put(&p, sizeof p);
	ck_assert_int_eq(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, ARG_VA, 0), -XEN_EINVAL);
	ports[1] = EVTCHN_NR_PORTS;
	ck_assert_int_eq(copy_to_guest(&g.core, ARG_VA + 256, ports, sizeof ports), 0);
	p.nr_ports = 2;
	put(&p, sizeof p);
	ck_assert_int_eq(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, ARG_VA, 0), -XEN_EINVAL);
}
END_TEST

/* The launcher's event interrupt (CORE_VEC_EVENT) while the guest spins:
 * it only brings the vCPU into the core, whose way back fires the timer
 * due and bounces the upcall to the event callback at the interrupted
 * instruction, unless events are masked or no callback is registered. */
START_TEST(event_interrupt_takes_timer_and_upcall)
{
	const uint64_t spin_rip = 0xffffffff81000123ULL, callback = 0xffffffff81000800ULL;
	struct trap_frame f = {
		.vector = CORE_VEC_EVENT, .rip = spin_rip, .cs = SHIM_SEL_USER_CS,
		.ss = SHIM_SEL_USER_DS, .rsp = ARG_VA + 0x800, .rflags = 0x202,
		.r12 = 0x1212,
	};
	struct vcpu_info *v = core_vcpu_info(&g.core);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_timer_op, 2000000, 0, 0), 0);
	tsc = ticks(2000000);

	/* no event callback yet: the timer fires, nothing is delivered */
	v->evtchn_upcall_mask = 0;
	struct trap_frame before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_int_eq(timer_pending(), 1);
	ck_assert_int_eq(traps_event_upcall_due(&g.core), 0);
	ck_assert_int_eq(memcmp(&f, &before, sizeof f), 0);
	ck_assert_uint_eq(g.st->stats.event_interrupts, 1);

	struct callback_register cb = { CALLBACKTYPE_event, CALLBACKF_mask_events, callback };
	put(&cb, sizeof cb);
	ck_assert_int_eq(hcall(__HYPERVISOR_callback_op, CALLBACKOP_register, ARG_VA, 0), 0);
	/* masked: still pending, not delivered */
	v->evtchn_upcall_mask = 1;
	ck_assert_int_eq(traps_event_upcall_due(&g.core), 0);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, spin_rip);
	/* unmasked: the upcall, with Xen's frame for the spinning code */
	v->evtchn_upcall_mask = 0;
	ck_assert_int_eq(traps_event_upcall_due(&g.core), 1);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, callback);
	ck_assert_uint_eq(f.r12, 0x1212);
	ck_assert_uint_eq(v->evtchn_upcall_mask, 1);
	uint64_t frame[7]; /* rcx, r11, rip, cs, rflags, rsp, ss */
	ck_assert_int_eq(copy_from_guest(&g.core, frame, f.rsp, sizeof frame), 0);
	ck_assert_uint_eq(frame[2], spin_rip);
	ck_assert_uint_eq(frame[5], ARG_VA + 0x800);
	ck_assert_uint_eq(g.st->stats.event_interrupts, 3);
}
END_TEST

/* ---- PIT channel 2 ------------------------------------------------------- */

#define PIT_CH2 0x42
#define PIT_CTRL 0x43

/* The count loaded at ns0 in mode 0 as the 8254 shows it at ns: one down
 * per 1/1.193182 MHz, wrapping at 65536, in exact arithmetic. */
static uint16_t mode0_count(uint16_t loaded, uint64_t ns0, uint64_t ns)
{
	return (uint16_t)(loaded - (uint64_t)((unsigned __int128)(ns - ns0) * 1193182 /
					       1000000000ULL));
}

static uint16_t read_count(void)
{
	uint8_t lsb = pit_read_port(&g.core, PIT_CH2);
	return (uint16_t)(pit_read_port(&g.core, PIT_CH2) << 8 | lsb);
}

/* Linux's quick_pit_calibrate: mode 0 from 0xffff, whose MSB leaves 0xff
 * after 256 counts (214.6 us). */
START_TEST(pit_channel2_counts_on_system_time)
{
	const uint64_t ns0 = 1000;
	tsc = ticks(ns0);
	const uint64_t loaded_ns = vtime_now_ns(&g.core);
	pit_write_port(&g.core, PIT_CTRL, 0xb0); /* channel 2, LSB then MSB, mode 0 */
	pit_write_port(&g.core, PIT_CH2, 0xff);
	pit_write_port(&g.core, PIT_CH2, 0xff);
	ck_assert_uint_eq(read_count(), 0xffff);
	tsc = ticks(ns0 + 214000);
	ck_assert_uint_eq(read_count(), 0xff00);
	tsc = ticks(ns0 + 215000);
	ck_assert_uint_eq(read_count(), 0xfeff);
	/* It wraps through 0 and keeps counting, for any uptime (on the
	 * system time the core computes, whose scale is not exact). */
	const uint64_t later[] = { 60 * 1000000000ULL, 20000 * 1000000000ULL + 12345 };
	for (unsigned i = 0; i < 2; i++) {
		tsc = ticks(later[i]);
		ck_assert_uint_eq(read_count(), mode0_count(0xffff, loaded_ns,
							     vtime_now_ns(&g.core)));
	}
	/* Ports the model does not own stay all ones, writes to them too. */
	pit_write_port(&g.core, 0x40, 0);
	pit_write_port(&g.core, 0x61, 0);
	uint64_t modelled = g.st->departures[DEPARTURE_PIT_CHANNEL2];
	ck_assert_uint_gt(modelled, 0); /* each channel 2 read the model answered */
	const uint16_t others[] = { 0x40, 0x41, PIT_CTRL, 0x61, 0x80, 0x3f8 };
	for (unsigned i = 0; i < sizeof others / sizeof others[0]; i++)
		ck_assert_uint_eq(pit_read_port(&g.core, others[i]), 0xff);
	ck_assert_uint_eq(g.st->departures[DEPARTURE_PIT_CHANNEL2], modelled);
}
END_TEST

START_TEST(pit_channel2_as_xen_until_programmed)
{
	tsc = ticks(5000000);
	ck_assert_uint_eq(pit_read_port(&g.core, PIT_CH2), 0xff);
	ck_assert_uint_eq(g.st->departures[DEPARTURE_PIT_CHANNEL2], 0); /* as Xen */
	pit_write_port(&g.core, PIT_CH2, 0x12); /* no control word yet */
	tsc = ticks(9000000);
	ck_assert_uint_eq(pit_read_port(&g.core, PIT_CH2), 0xff);
	/* Control words for channels 0 and 1 and read-back leave it so. */
	pit_write_port(&g.core, PIT_CTRL, 0x30);
	pit_write_port(&g.core, PIT_CTRL, 0x70);
	pit_write_port(&g.core, PIT_CTRL, 0xe8);
	ck_assert_uint_eq(pit_read_port(&g.core, PIT_CH2), 0xff);
	ck_assert_uint_eq(pit_read_port(&g.core, PIT_CH2), 0xff);
}
END_TEST

START_TEST(pit_channel2_latch_and_access_modes)
{
	const uint64_t ns0 = 2000000;
	tsc = ticks(ns0);
	pit_write_port(&g.core, PIT_CTRL, 0xb0);
	pit_write_port(&g.core, PIT_CH2, 0xe8);
	pit_write_port(&g.core, PIT_CH2, 0x03); /* 1000 */
	tsc = ticks(ns0 + 100000);                /* 119 counts */
	pit_write_port(&g.core, PIT_CTRL, 0x80); /* latch channel 2 */
	tsc = ticks(ns0 + 300000);
	pit_write_port(&g.core, PIT_CTRL, 0x80); /* ignored while latched */
	ck_assert_uint_eq(read_count(), 1000 - 119);
	ck_assert_uint_eq(read_count(), 1000 - 357);
	/* Mode 2 reloads at its count: 150 counts into a count of 100. */
	pit_write_port(&g.core, PIT_CTRL, 0xb4);
	pit_write_port(&g.core, PIT_CH2, 100);
	pit_write_port(&g.core, PIT_CH2, 0);
	tsc = ticks(ns0 + 300000 + 126000);      /* 150.3 counts */
	ck_assert_uint_eq(read_count(), 50);
	/* LSB only: each read and write is the LSB, the MSB 0. */
	pit_write_port(&g.core, PIT_CTRL, 0x90);
	pit_write_port(&g.core, PIT_CH2, 0x80);
	ck_assert_uint_eq(pit_read_port(&g.core, PIT_CH2), 0x80);
	ck_assert_uint_eq(pit_read_port(&g.core, PIT_CH2), 0x80);
	/* MSB only: the LSB is 0. */
	pit_write_port(&g.core, PIT_CTRL, 0xa0);
	pit_write_port(&g.core, PIT_CH2, 0x12);
	ck_assert_uint_eq(pit_read_port(&g.core, PIT_CH2), 0x12);
	tsc = ticks(ns0 + 426000 + 1000);        /* one count: 0x11ff */
	ck_assert_uint_eq(pit_read_port(&g.core, PIT_CH2), 0x11);
	/* A control word ends a half-read count: the next read is an LSB. */
	pit_write_port(&g.core, PIT_CTRL, 0xb0);
	pit_write_port(&g.core, PIT_CH2, 0x34);
	pit_write_port(&g.core, PIT_CH2, 0x12);
	ck_assert_uint_eq(pit_read_port(&g.core, PIT_CH2), 0x34);
	pit_write_port(&g.core, PIT_CTRL, 0xb0);
	ck_assert_uint_eq(pit_read_port(&g.core, PIT_CH2), 0x34);
	ck_assert_uint_eq(pit_read_port(&g.core, PIT_CH2), 0x12);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("time");
	TCase *t = tcase_create("time");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, scale_matches_exact_arithmetic);
	tcase_add_test(t, time_info_and_wallclock_published);
	tcase_add_test(t, set_timer_op_fires_virq_timer);
	tcase_add_test(t, oneshot_gap_holds_events_back);
	tcase_add_test(t, vcpu_op_timers);
	tcase_add_test(t, vcpu_info_moves_into_guest_ram);
	tcase_add_test(t, vcpu_info_at_guest_address_0);
	tcase_add_test(t, runstate_area_written);
	tcase_add_test(t, block_sleeps_until_the_timer);
	tcase_add_test(t, poll_checks_its_ports);
	tcase_add_test(t, event_interrupt_takes_timer_and_upcall);
	tcase_add_test(t, pit_channel2_counts_on_system_time);
	tcase_add_test(t, pit_channel2_as_xen_until_programmed);
	tcase_add_test(t, pit_channel2_latch_and_access_modes);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
