/*
 * The smp guest's measurements for make bench (scripts/bench-smp.sh),
 * chosen with xt.bench= and run once main.c has brought the APs up, in
 * place of its tests 3 to 5:
 *
 *   ipi     xt.rounds=N (default 2000) round trips between vCPU 0 and
 *           vCPU 1: vCPU 0 sends on an IPI port bound to vCPU 1, whose
 *           upcall answers on one bound to vCPU 0, whose upcall counts
 *           the answer; vCPU 0 times each round with the TSC, from before
 *           its send until it sees the count move.  xt.wait=spin (the
 *           default): both vCPUs run guest code between the events (vCPU
 *           0 spins on the count, vCPU 1 on a stop word), so each event
 *           is delivered to a running vCPU; xt.wait=block: both sleep in
 *           SCHEDOP_block, so each event wakes one.  Prints
 *           "smp-bench: ipi wait=W rounds=N median_ns=X p99_ns=Y".
 *   events  main.c's event stress alone (xt.events, xt.ports).
 *   idle    every vCPU asleep in SCHEDOP_block for xt.idle_ms (default
 *           2000) ms, with no timer armed but the one-shot that wakes
 *           vCPU 0 at the end: what the launcher's CPU time grows by is
 *           what idle vCPUs cost the host.  Prints "smp-bench: idle
 *           vcpus=N slept_ms=M".
 *
 * The spin loops stay free of hypercalls and traps (no SCHEDOP_yield as
 * in main.c's waits), so the VM exits counted around a run are the
 * events' own.
 */
#include <stdbool.h>
#include <stdint.h>
#include <xen/event_channel.h>

#include "cmdline.h"
#include "evtchn.h"
#include "hypercall.h"
#include "libc.h"
#include "pvclock.h"
#include "smp-guest.h"
#include "sort.h"
#include "test.h"

#define DEFAULT_ROUNDS 2000ull
#define MAX_ROUNDS 65536ull
/* Per round, for the whole run's deadline: far more than the guest
 * trap path's few milliseconds. */
#define ROUND_NS (100 * MS)
#define DEFAULT_IDLE_MS 2000ull

static uint64_t samples[MAX_ROUNDS]; /* TSC ticks per round trip */
static uint32_t ping_port, pong_port; /* bound to vCPU 1, to vCPU 0 */
static uint64_t pongs;                /* answers vCPU 0's upcalls took */
static uint32_t ap_spinning, ap_stop;
static uint64_t answer_errors;
static long answer_rc;

enum bench_mode bench_mode(void)
{
	char mode[16];
	enum cmdline_result r = cmdline_str(test_cmdline(), "xt.bench", mode, sizeof mode);
	if (r == CMDLINE_MISSING)
		return BENCH_NONE;
	if (r == CMDLINE_OK) {
		if (!strcmp(mode, "ipi"))
			return BENCH_IPI;
		if (!strcmp(mode, "events"))
			return BENCH_EVENTS;
		if (!strcmp(mode, "idle"))
			return BENCH_IDLE;
	}
	check_msg(false, "xt.bench: ipi, events or idle");
	test_finish();
}

bool bench_port(uint32_t port)
{
	/* Port 0 is never bound: before the ipi bench both match nothing. */
	if (port && port == ping_port) {
		long rc = evtchn_send(pong_port);
		if (rc) {
			answer_errors++;
			answer_rc = rc;
		}
		return true;
	}
	if (port && port == pong_port) {
		__atomic_fetch_add(&pongs, 1, __ATOMIC_RELEASE);
		return true;
	}
	return false;
}

void bench_ap(void)
{
	__atomic_store_n(&ap_spinning, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&ap_stop, __ATOMIC_ACQUIRE))
		__asm__ __volatile__("pause");
}

/* vCPU 0 asleep until *count reaches want, as an idle loop sleeps:
 * masked while it looks, so that an upcall between the look and the
 * block stays pending and SCHEDOP_block (which unmasks) returns at once.
 * Returns masked. */
static void block_until(const uint64_t *count, uint64_t want, uint64_t tsc_deadline)
{
	struct vcpu_info *vi = &shared->vcpu_info[0];
	for (;;) {
		__atomic_store_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(count, __ATOMIC_ACQUIRE) == want)
			return;
		require(rdtsc() < tsc_deadline, "ipi: no answer to round %lu",
			(unsigned long)want);
		HYPERVISOR_sched_op(SCHEDOP_block, 0);
	}
}

static void spin_until(const uint64_t *count, uint64_t want, uint64_t tsc_deadline)
{
	while (__atomic_load_n(count, __ATOMIC_ACQUIRE) != want) {
		require(rdtsc() < tsc_deadline, "ipi: no answer to round %lu",
			(unsigned long)want);
		__asm__ __volatile__("pause");
	}
}

static void bind_owned(unsigned cpu, uint32_t *port)
{
	uint32_t p;
	long rc = bind_ipi(cpu, &p);
	require(rc == 0, "EVTCHNOP_bind_ipi on vCPU %u: %ld", cpu, rc);
	*port = p; /* before the port is owned: the upcall compares it */
	own(cpu, p);
	unmask_fresh(p);
}

static void ipi(void)
{
	uint64_t rounds = DEFAULT_ROUNDS;
	char wait[8] = "spin";
	require(cmdline_u64(test_cmdline(), "xt.rounds", &rounds) != CMDLINE_BAD &&
		rounds <= MAX_ROUNDS, "xt.rounds: a number up to %lu", (unsigned long)MAX_ROUNDS);
	require(cmdline_str(test_cmdline(), "xt.wait", wait, sizeof wait) != CMDLINE_BAD &&
		(!strcmp(wait, "spin") || !strcmp(wait, "block")), "xt.wait: spin or block");
	bool block = !strcmp(wait, "block");
	bind_owned(1, &ping_port);
	bind_owned(0, &pong_port);

	uint64_t budget = COMMAND_NS + rounds * ROUND_NS;
	uint64_t tsc_deadline = rdtsc() + tsc_budget(budget);
	if (block) {
		/* The one timer, for a sleep whose answer never came: a second
		 * after the deadline, so that block_until finds it passed. */
		check_eq(hypercall_via_syscall(__HYPERVISOR_set_timer_op,
					       now_ns(0) + budget + 1000 * MS, 0, 0, 0, 0), 0);
	} else {
		/* vCPU 1 spins (blocked, it sleeps in main.c's AP loop). */
		post(1, CMD_BENCH);
		require(wait_u32(&ap_spinning, 1, COMMAND_NS), "ipi: vCPU 1 did not start spinning");
	}
	for (uint64_t r = 0; r < rounds; r++) {
		uint64_t t0 = rdtsc();
		long rc = evtchn_send(ping_port);
		require(rc == 0, "ipi: EVTCHNOP_send: %ld", rc);
		if (block)
			block_until(&pongs, r + 1, tsc_deadline);
		else
			spin_until(&pongs, r + 1, tsc_deadline);
		samples[r] = rdtsc() - t0;
	}
	if (block)
		check_eq(hypercall_via_syscall(__HYPERVISOR_set_timer_op, 0, 0, 0, 0, 0), 0);
	__atomic_store_n(&ap_stop, 1, __ATOMIC_RELEASE);
	events_on(0); /* block_until leaves them masked */
	wait_all("ipi", COMMAND_NS);
	check_msg(answer_errors == 0, "ipi: %lu answers failed (%ld)",
		  (unsigned long)answer_errors, answer_rc);

	const struct vcpu_time_info *t = &shared->vcpu_info[0].time;
	uint64_t median = 0, p99 = 0;
	if (rounds) {
		sort_u64(samples, rounds);
		median = pvclock_scale(samples[rounds / 2], t->tsc_to_system_mul, t->tsc_shift);
		p99 = pvclock_scale(samples[rounds * 99 / 100], t->tsc_to_system_mul,
				    t->tsc_shift);
	}
	printk("smp-bench: ipi wait=%s rounds=%lu median_ns=%lu p99_ns=%lu\n", wait,
	       (unsigned long)rounds, (unsigned long)median, (unsigned long)p99);
}

/* The APs already sleep in main.c's AP loop with no timer; vCPU 0 joins
 * them until a one-shot timer at the end. */
static void idle(void)
{
	uint64_t ms = DEFAULT_IDLE_MS;
	require(cmdline_u64(test_cmdline(), "xt.idle_ms", &ms) != CMDLINE_BAD,
		"xt.idle_ms is not a number");
	struct vcpu_info *vi = &shared->vcpu_info[0];
	uint64_t t0 = now_ns(0), end = t0 + ms * MS;
	for (;;) {
		/* As block_until.  Armed again after every wake-up: one that
		 * came before the end (the timer's idea of the time may be a
		 * little ahead of ours) must not leave us asleep for good. */
		__atomic_store_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
		if (now_ns(0) >= end)
			break;
		check_eq(hypercall_via_syscall(__HYPERVISOR_set_timer_op, end, 0, 0, 0, 0), 0);
		HYPERVISOR_sched_op(SCHEDOP_block, 0);
	}
	events_on(0);
	printk("smp-bench: idle vcpus=%u slept_ms=%lu\n", nr_vcpus,
	       (unsigned long)((now_ns(0) - t0) / MS));
}

void bench_run(enum bench_mode mode)
{
	switch (mode) {
	case BENCH_IPI:
		ipi();
		break;
	case BENCH_EVENTS:
		stress_setup();
		stress();
		break;
	case BENCH_IDLE:
		idle();
		break;
	case BENCH_NONE:
		break;
	}
}
