/*
 * smp: a domain's secondary vCPUs the way Xen's ABI defines them
 * (xen/include/public/vcpu.h, event_channel.h, xen.h):
 *
 *   1. discovery: VCPUOP_is_up on 0, 1, ... until -ENOENT; vCPU 0 up, the
 *      others down, and -ENOENT for a vCPU past the last from vcpu_op and
 *      the event-channel binds;
 *   2. bring-up: each AP from a vcpu_guest_context as Linux's
 *      cpu_initialize_context builds it (lib/smp.c): VCPUOP_up before it
 *      is -EINVAL, contexts with a non-canonical rip, rsp, kernel_sp,
 *      callback or GS base -EINVAL, the good one 0, still down, -EEXIST
 *      the second time; VCPUOP_up; the AP reports in with its number in
 *      rdi, on its own stack, with its own gs_base_kernel and vcpu_info
 *      time, and is then up;
 *   3. per-vCPU timers: VIRQ_TIMER bound on each vCPU (its own port, the
 *      port's status names it; -EEXIST the second time), a 10 ms periodic
 *      timer on each, upcalls counted for 300 ms of system time: vCPU 0
 *      spins, the APs sleep in SCHEDOP_block.  Also the rules that need
 *      a second vCPU: EVTCHNOP_bind_vcpu moves an unbound port but not a
 *      per-vCPU VIRQ or an IPI, and singleshot timers are the caller's;
 *   4. event stress: between vCPU 0 and each AP, K IPI ports each way,
 *      bound on the receiving vCPU; each port carries at most one event at
 *      a time (an "in flight" word the sender sets before the send and the
 *      receiver's upcall clears), sends batched 64 to a multicall; every
 *      event must arrive exactly once;
 *   5. TLB shootdown: the APs read a page at a spare address until its
 *      translation is cached; vCPU 0 unmaps it with a flush of the APs'
 *      TLBs (update_va_mapping with a vcpumask; mmu_update, then
 *      MMUEXT_INVLPG_MULTI, MMUEXT_TLB_FLUSH_MULTI or MMUEXT_TLB_FLUSH_ALL)
 *      and, once the hypercall returned, each AP's next read must fault,
 *      with cr2 the address.  (On the project's machines KVM shadows the
 *      page tables and drops every vCPU's stale translation itself when
 *      guest code stores a PTE, so this passes there even with no
 *      shootdown at all; a missing one shows on EPT/NPT hardware.)
 *
 * APs never call check() (the framework's counters are vCPU 0's): they
 * record what they saw in their struct vcpu_state and vCPU 0 checks it.
 * Between tests an AP sleeps in SCHEDOP_block; vCPU 0 hands it a command
 * and wakes it with an IPI.  At the end vCPU 0 powers off; the APs sleep.
 *
 * Command line: xt.events=N (default 1000000) events in the stress, in
 * all directions together; xt.ports=K ports per direction (default 256
 * divided by the number of APs).  With one vCPU it checks the discovery
 * answers and skips.  xt.bench=ipi|events|idle runs one of bench.c's
 * measurements after the bring-up instead of tests 3 to 5.
 */
#include <stdbool.h>
#include <stdint.h>
#include <xen/callback.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>

#include "cmdline.h"
#include "evtchn.h"
#include "hypercall.h"
#include "pv_mmu.h"
#include "pvclock.h"
#include "smp.h"
#include "smp-guest.h"
#include "test.h"
#include "trap_entry.h"

const char test_title[] = "SMP: vCPU bring-up, per-vCPU timers, cross-vCPU events, TLB shootdown";

#define MAX_VCPUS XEN_LEGACY_MAX_VCPUS /* the vcpu_info slots in shared_info */
#define NR_PORTS (sizeof(((struct shared_info *)0)->evtchn_pending) * 8)
#define PORT_WORDS (NR_PORTS / 64)
#define AP_STACK_SIZE 16384
#define TIMER_PERIOD_NS (10 * MS)
#define TIMER_WINDOW_NS (300 * MS)
#define TIMER_MIN_TICKS 15 /* of the 30 a 300 ms window holds */
#define TIMER_MAX_TICKS 45
#define BRINGUP_NS (2000 * MS)
/* No progress for this long: the events still in flight are lost. */
#define STALL_NS (10000 * MS)
#define DEFAULT_EVENTS 1000000ull
/* Both ways, all APs together: well inside the 1024 ports xenlet's table
 * has (Xen's 2-level ABI has 4096). */
#define STRESS_PORTS 512
#define BATCH 64         /* EVTCHNOP_sends per multicall */
#define MAX_CHANS 2048

#define EVENT_VECTOR 0x200 /* trap_stack vectors of the callbacks */
#define FAILSAFE_VECTOR 0x201
#define PF_VECTOR 14
#define PF_ERR_RELEVANT 0x7 /* present, write, user */

/*
 * One per vCPU.  vCPU 0 writes cmd and cmd_seq; the vCPU itself (its code
 * and its upcalls) writes the rest, which vCPU 0 reads once the vCPU has
 * said it is done (done_seq == cmd_seq) or ready.
 */
struct vcpu_state {
	struct vcpu_state *self; /* first: what %gs:0 reads (gs_base_kernel = this) */
	uint32_t ready, cmd, cmd_seq, done_seq;
	/* What the AP found on entry. */
	uint64_t entry_gs_self, entry_rsp, entry_time_mul, entry_now;
	uint8_t entry_mask;
	long timer_rc, wake_rc;
	uint32_t timer_port, wake_port;
	uint64_t owned[PORT_WORDS]; /* the ports bound to this vCPU */
	/* Counted by its upcalls. */
	uint64_t upcalls, timer_ticks, duplicates;
	/* Timer test. */
	long periodic_rc, stop_rc;
	uint64_t ticks_counted, window_ns;
	/* Event stress: the channels it sends on, chans[first .. first+count). */
	unsigned first, count;
	uint64_t progress, send_errors, stalled;
	long first_error;
	/* TLB shootdown. */
	uint32_t shoot_seen;
	uint64_t early_faults, pf_cr2, pf_err, final_value, final_faulted;
	bool magic_timeout, flush_timeout;
} __attribute__((aligned(64)));

static struct vcpu_state vcpus[MAX_VCPUS];
static uint8_t ap_stacks[MAX_VCPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_guest_context ap_ctxt;
struct shared_info *shared;
unsigned nr_vcpus;
static uint64_t tsc_per_ms; /* the domain's TSC rate, from vCPU 0's time record */

/* The stress's channels, grouped by sender (vCPU 0's first). */
struct chan {
	uint32_t port;
	uint8_t from, to;
	uint64_t quota, left; /* left: the sender's */
};
static struct chan chans[MAX_CHANS];
static unsigned nr_chans, ports_per_dir;
static uint64_t nr_events;
/* Per port: set by the sender before its send, cleared by the receiver. */
static uint32_t in_flight[NR_PORTS];
static uint64_t sent[NR_PORTS], received[NR_PORTS];

/* A multicall batch of sends, one per vCPU. */
struct batch {
	struct multicall_entry mc[BATCH];
	struct evtchn_send arg[BATCH];
	unsigned n;
};
static struct batch batches[MAX_VCPUS];

/* The TLB shootdown's page: mapped at a bss page of its own (a spare
 * address whose L1 the bootstrap tables already have). */
static uint64_t shoot_window[PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));
static uint8_t shoot_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint64_t ap_mask __attribute__((aligned(8))); /* vcpumask: every AP */
static uint64_t shoot_magic;
static uint32_t shoot_round, shoot_unmapping, shoot_unmapped;

/* ---- Traps, the event callback and the probe. */

void smp_pf_entry(void);
void smp_event_entry(void);
void smp_failsafe_entry(void);
__asm__(".pushsection .text\n"
	TRAP_STUB(smp_pf_entry, PF_VECTOR, 1)
	TRAP_STUB(smp_event_entry, EVENT_VECTOR, 0)
	TRAP_STUB(smp_failsafe_entry, FAILSAFE_VECTOR, 0)
	".popsection\n");

/* The boot vCPU's trap table; the APs get the same handlers. */
static const struct trap_info traps[] = {
	{ PF_VECTOR, 0, FLAT_KERNEL_CS, (unsigned long)smp_pf_entry },
	{ 0, 0, 0, 0 },
};

/* One read of *p: {value, 0}, or {0, 1} when it faulted (the #PF handler
 * resumes after the load with rdx = 1). */
struct probe {
	uint64_t value, faulted;
};
struct probe smp_probe_read(const volatile uint64_t *p);
extern const char smp_probe_insn[], smp_probe_resume[];
__asm__(".pushsection .text\n"
	".global smp_probe_read, smp_probe_insn, smp_probe_resume\n"
	"smp_probe_read:\n"
	"	xorl %edx, %edx\n"
	"smp_probe_insn:\n"
	"	movq (%rdi), %rax\n"
	"smp_probe_resume:\n"
	"	ret\n"
	".popsection\n");

/* Which vCPU runs: every bounce from guest kernel mode lands on the stack
 * in use, and each AP has its own. */
static unsigned cpu_of_stack(const void *p)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)ap_stacks;
	if (a < base || a >= base + sizeof ap_stacks)
		return 0;
	return (unsigned)((a - base) / AP_STACK_SIZE);
}

static void on_port(struct vcpu_state *me, unsigned port)
{
	if (port == me->timer_port) {
		__atomic_fetch_add(&me->timer_ticks, 1, __ATOMIC_RELAXED);
		return;
	}
	if (port == me->wake_port)
		return; /* only ends a SCHEDOP_block */
	if (bench_port(port))
		return;
	/* Counted before the word is cleared: whoever sees it clear sees
	 * the count.  Only the receiver clears it, and the sender sets it
	 * only when clear, so load and store need no atomic exchange. */
	if (__atomic_load_n(&in_flight[port], __ATOMIC_ACQUIRE)) {
		received[port]++;
		__atomic_store_n(&in_flight[port], 0, __ATOMIC_RELEASE);
	} else {
		me->duplicates++; /* no send outstanding: delivered twice, or spurious */
	}
}

/*
 * The 2-level upcall for this vCPU: its selector is its own, but the
 * pending and mask bitmaps are the domain's, so it takes only the ports
 * bound to it (another vCPU's pending port is that vCPU's to take).
 * Again while Xen marked the upcall pending meanwhile, as Linux loops.
 */
static void upcall(unsigned cpu)
{
	struct vcpu_state *me = &vcpus[cpu];
	struct vcpu_info *v = &shared->vcpu_info[cpu];
	me->upcalls++;
	do {
		__atomic_store_n(&v->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
		uint64_t sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
		while (sel) {
			unsigned w = (unsigned)__builtin_ctzl(sel);
			sel &= sel - 1;
			uint64_t p = __atomic_load_n(&shared->evtchn_pending[w], __ATOMIC_SEQ_CST) &
				~__atomic_load_n(&shared->evtchn_mask[w], __ATOMIC_SEQ_CST) &
				__atomic_load_n(&me->owned[w], __ATOMIC_RELAXED);
			while (p) {
				unsigned b = (unsigned)__builtin_ctzl(p);
				p &= p - 1;
				uint64_t bit = 1ul << b;
				if (__atomic_fetch_and(&shared->evtchn_pending[w], ~bit,
						       __ATOMIC_SEQ_CST) & bit)
					on_port(me, w * 64 + b);
			}
		}
	} while (__atomic_load_n(&v->evtchn_upcall_pending, __ATOMIC_SEQ_CST));
}

static void page_fault(unsigned cpu, struct trap_stack *s)
{
	struct vcpu_state *me = &vcpus[cpu];
	unsigned rip = trap_rip_slot(s);
	uint64_t cr2 = shared->vcpu_info[cpu].arch.cr2;
	if (s->frame[rip] != (uint64_t)(uintptr_t)smp_probe_insn) {
		printk("smp: unexpected #PF on vCPU %u at rip 0x%lx, cr2 0x%lx, error 0x%lx\n",
		       cpu, s->frame[rip], cr2, s->frame[2]);
		test_shutdown(SHUTDOWN_crash);
	}
	me->pf_cr2 = cr2;
	me->pf_err = s->frame[2];
	s->frame[rip] = (uint64_t)(uintptr_t)smp_probe_resume;
	s->rax = 0;
	s->rdx = 1;
}

static void on_trap(struct trap_stack *s)
{
	unsigned cpu = cpu_of_stack(s);
	switch (s->vector) {
	case EVENT_VECTOR:
		upcall(cpu);
		break;
	case PF_VECTOR:
		page_fault(cpu, s);
		break;
	default:
		/* The failsafe callback: Xen could not load a segment for us. */
		printk("smp: failsafe callback on vCPU %u\n", cpu);
		test_shutdown(SHUTDOWN_crash);
	}
}

/* ---- Helpers. */

/* In whole milliseconds: pvclock_ns_to_tsc takes no more than about 4 s,
 * and the waits here are longer. */
uint64_t tsc_budget(uint64_t ns)
{
	return ns / MS * tsc_per_ms;
}

uint64_t now_ns(unsigned cpu)
{
	return pvclock_read(&shared->vcpu_info[cpu].time);
}

/* Waiting on another vCPU: pause, and yield now and then so that a host
 * with fewer CPUs than vCPUs runs the one we wait for. */
static void relax(unsigned *spins)
{
	__asm__ __volatile__("pause");
	if (++*spins % 256 == 0)
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
}

/* Spins until *w == want or ns pass (rdtsc-bounded: no trap needed). */
bool wait_u32(const uint32_t *w, uint32_t want, uint64_t ns)
{
	uint64_t end = rdtsc() + tsc_budget(ns);
	unsigned spins = 0;
	while (__atomic_load_n(w, __ATOMIC_ACQUIRE) != want) {
		if (rdtsc() > end)
			return false;
		relax(&spins);
	}
	return true;
}

/* As Linux's xen_irq_enable: unmask, and if an upcall came meanwhile,
 * any hypercall delivers it on the way back. */
void events_on(unsigned cpu)
{
	struct vcpu_info *v = &shared->vcpu_info[cpu];
	__atomic_store_n(&v->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&v->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
		HYPERVISOR_xen_version(XENVER_version, 0);
}

/* vCPU 0 binds ports for the APs while their upcalls may read owned. */
void own(unsigned cpu, uint32_t port)
{
	__atomic_fetch_or(&vcpus[cpu].owned[port / 64], 1ul << (port % 64), __ATOMIC_SEQ_CST);
}

/* Unmasked by the guest's own bit: the port is fresh, nothing pending
 * (Linux too clears the bit itself in that case). */
void unmask_fresh(uint32_t port)
{
	__atomic_fetch_and(&shared->evtchn_mask[port / 64], ~(1ul << (port % 64)),
			   __ATOMIC_SEQ_CST);
}

static long bind_virq_timer(unsigned vcpu, uint32_t *port)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = vcpu };
	long rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
	*port = bv.port;
	return rc;
}

long bind_ipi(unsigned vcpu, uint32_t *port)
{
	struct evtchn_bind_ipi bi = { .vcpu = vcpu };
	long rc = evtchn_op(EVTCHNOP_bind_ipi, &bi);
	*port = bi.port;
	return rc;
}

/* EVTCHNOP_status of port: checks its kind and the vCPU it notifies. */
static void check_port(const char *what, uint32_t port, uint32_t status, unsigned vcpu)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
	long rc = evtchn_op(EVTCHNOP_status, &st);
	check_msg(rc == 0 && st.status == status && st.vcpu == vcpu,
		  "%s: EVTCHNOP_status(%u): rc %ld, status %u vcpu %u, expected status %u "
		  "vcpu %u", what, port, rc, st.status, st.vcpu, status, vcpu);
	if (status == EVTCHNSTAT_virq)
		check_msg(st.u.virq == VIRQ_TIMER, "%s: port %u has virq %u", what, port,
			  st.u.virq);
}

/* ---- Commands: vCPU 0 hands each AP one, then waits for all. */

void post(unsigned cpu, enum command cmd)
{
	struct vcpu_state *v = &vcpus[cpu];
	__atomic_store_n(&v->cmd, cmd, __ATOMIC_RELAXED);
	__atomic_store_n(&v->cmd_seq, v->cmd_seq + 1, __ATOMIC_RELEASE);
	check_eq(evtchn_send(v->wake_port), 0);
}

static void post_all(enum command cmd)
{
	for (unsigned i = 1; i < nr_vcpus; i++)
		post(i, cmd);
}

bool wait_all(const char *what, uint64_t ns)
{
	bool ok = true;
	for (unsigned i = 1; i < nr_vcpus; i++)
		ok &= check_msg(wait_u32(&vcpus[i].done_seq, vcpus[i].cmd_seq, ns),
				"%s: vCPU %u not done after %lu ms", what, i,
				(unsigned long)(ns / MS));
	return ok;
}

/* ---- 3. Timers. */

/* Counts this vCPU's VIRQ_TIMER upcalls over TIMER_WINDOW_NS of its own
 * system time with a periodic timer, spinning or asleep in SCHEDOP_block
 * between them (bounded by the TSC too, should its time not run). */
static void timer_window(unsigned cpu, bool spin)
{
	struct vcpu_state *me = &vcpus[cpu];
	struct vcpu_set_periodic_timer p = { .period_ns = TIMER_PERIOD_NS };
	uint64_t c0 = __atomic_load_n(&me->timer_ticks, __ATOMIC_RELAXED);
	uint64_t tsc_end = rdtsc() + tsc_budget(2 * TIMER_WINDOW_NS);
	uint64_t t0 = now_ns(cpu), t;
	me->periodic_rc = vcpu_op(VCPUOP_set_periodic_timer, cpu, &p);
	while ((t = now_ns(cpu)) - t0 < TIMER_WINDOW_NS && rdtsc() < tsc_end) {
		if (spin)
			__asm__ __volatile__("pause");
		else
			HYPERVISOR_sched_op(SCHEDOP_block, 0);
	}
	me->ticks_counted = __atomic_load_n(&me->timer_ticks, __ATOMIC_RELAXED) - c0;
	me->window_ns = t - t0;
	me->stop_rc = vcpu_op(VCPUOP_stop_periodic_timer, cpu, 0);
}

/* ---- 4. Event stress. */

static void flush(struct vcpu_state *me, struct batch *b)
{
	if (!b->n)
		return;
	long rc = hypercall_via_syscall(__HYPERVISOR_multicall, (unsigned long)b->mc, b->n,
					0, 0, 0);
	if (rc) {
		me->send_errors += b->n;
		me->first_error = rc;
	} else {
		for (unsigned j = 0; j < b->n; j++)
			if (b->mc[j].result) {
				me->send_errors++;
				me->first_error = (long)b->mc[j].result;
			}
	}
	b->n = 0;
}

static void queue_send(struct vcpu_state *me, struct batch *b, uint32_t port)
{
	unsigned j = b->n++;
	b->arg[j].port = port;
	b->mc[j] = (struct multicall_entry){
		.op = __HYPERVISOR_event_channel_op,
		.args = { EVTCHNOP_send, (unsigned long)&b->arg[j] },
	};
	if (b->n == BATCH)
		flush(me, b);
}

/* Sends this vCPU's share: on each of its ports whose last event was
 * taken, the next one, until every quota is sent; then waits until its
 * last events are taken too.  Gives up after STALL_NS without progress. */
static void stress_send(unsigned cpu)
{
	struct vcpu_state *me = &vcpus[cpu];
	struct batch *b = &batches[cpu];
	uint64_t left = 0;
	for (unsigned k = me->first; k < me->first + me->count; k++) {
		chans[k].left = chans[k].quota;
		left += chans[k].quota;
	}
	uint64_t stall = tsc_budget(STALL_NS), last = rdtsc();
	unsigned spins = 0;
	while (left) {
		uint64_t queued = 0;
		for (unsigned k = me->first; k < me->first + me->count; k++) {
			struct chan *c = &chans[k];
			if (!c->left || __atomic_load_n(&in_flight[c->port], __ATOMIC_ACQUIRE))
				continue;
			/* Set before the send: the receiver may take it at once. */
			__atomic_store_n(&in_flight[c->port], 1, __ATOMIC_RELEASE);
			c->left--;
			sent[c->port]++;
			queued++;
			queue_send(me, b, c->port);
		}
		flush(me, b);
		if (queued) {
			left -= queued;
			__atomic_fetch_add(&me->progress, queued, __ATOMIC_RELAXED);
			last = rdtsc();
		} else if (rdtsc() - last > stall) {
			break;
		} else {
			relax(&spins);
		}
	}
	last = rdtsc();
	for (unsigned k = me->first; k < me->first + me->count; k++)
		while (__atomic_load_n(&in_flight[chans[k].port], __ATOMIC_ACQUIRE) &&
		       rdtsc() - last < stall)
			relax(&spins);
	for (unsigned k = me->first; k < me->first + me->count; k++)
		me->stalled += __atomic_load_n(&in_flight[chans[k].port], __ATOMIC_ACQUIRE);
}

/* ---- 5. TLB shootdown: the AP side. */

static void shoot_ap(unsigned cpu)
{
	struct vcpu_state *me = &vcpus[cpu];
	uint32_t round = __atomic_load_n(&shoot_round, __ATOMIC_ACQUIRE);
	uint64_t magic = __atomic_load_n(&shoot_magic, __ATOMIC_RELAXED);
	uint64_t end = rdtsc() + tsc_budget(COMMAND_NS);
	unsigned spins = 0;
	me->early_faults = 0;
	me->final_faulted = 0;
	me->magic_timeout = me->flush_timeout = false;
	/* Until the page reads as vCPU 0 wrote it: the translation is cached. */
	for (;;) {
		struct probe p = smp_probe_read(shoot_window);
		if (!p.faulted && p.value == magic)
			break;
		if (rdtsc() > end) {
			me->magic_timeout = true;
			return;
		}
		relax(&spins);
	}
	__atomic_store_n(&me->shoot_seen, round, __ATOMIC_RELEASE);
	/* Kept hot until the flush: a fault from here on is fine once the
	 * unmap began, and ends the reading (nothing is cached any more). */
	while (__atomic_load_n(&shoot_unmapped, __ATOMIC_ACQUIRE) != round) {
		if (smp_probe_read(shoot_window).faulted) {
			if (__atomic_load_n(&shoot_unmapping, __ATOMIC_ACQUIRE) != round)
				me->early_faults++;
			break;
		}
		if (rdtsc() > end) {
			me->flush_timeout = true;
			return;
		}
	}
	if (!wait_u32(&shoot_unmapped, round, COMMAND_NS)) {
		me->flush_timeout = true;
		return;
	}
	/* The flush hypercall has returned: no translation may be left. */
	struct probe p = smp_probe_read(shoot_window);
	me->final_faulted = p.faulted;
	me->final_value = p.value;
}

/* ---- The APs. */

static void run_command(unsigned cpu, enum command cmd)
{
	switch (cmd) {
	case CMD_TIMER:
		timer_window(cpu, false);
		break;
	case CMD_STRESS:
		stress_send(cpu);
		break;
	case CMD_SHOOT:
		shoot_ap(cpu);
		break;
	case CMD_BENCH:
		bench_ap();
		break;
	case CMD_NONE:
		break;
	}
}

/* Runs on each AP (lib/smp.c's entry, rdi = its number); never returns. */
static void ap_main(unsigned cpu)
{
	struct vcpu_state *me = &vcpus[cpu];
	struct vcpu_info *vi = &shared->vcpu_info[cpu];
	uint64_t gs_self;
	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(gs_self));
	me->entry_gs_self = gs_self;
	me->entry_rsp = (uint64_t)(uintptr_t)&gs_self;
	me->entry_mask = vi->evtchn_upcall_mask;
	me->entry_time_mul = vi->time.tsc_to_system_mul;

	/* Its own timer and wake-up ports, bound and unmasked before its
	 * events are: ports it owns before they can fire. */
	uint32_t port;
	me->timer_rc = bind_virq_timer(cpu, &port);
	if (!me->timer_rc) {
		me->timer_port = port;
		own(cpu, port);
		evtchn_unmask(port);
	}
	me->wake_rc = bind_ipi(cpu, &port);
	if (!me->wake_rc) {
		me->wake_port = port;
		own(cpu, port);
		evtchn_unmask(port);
	}
	events_on(cpu);
	me->entry_now = now_ns(cpu);
	__atomic_store_n(&me->ready, 1, __ATOMIC_RELEASE);

	for (;;) {
		/* Masked while it looks for a command: a wake-up between the
		 * look and the block stays pending, and SCHEDOP_block (which
		 * unmasks) returns at once for it, as in Linux's idle loop. */
		__atomic_store_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
		uint32_t seq = __atomic_load_n(&me->cmd_seq, __ATOMIC_ACQUIRE);
		if (seq == me->done_seq) {
			HYPERVISOR_sched_op(SCHEDOP_block, 0);
			continue;
		}
		events_on(cpu);
		run_command(cpu, (enum command)__atomic_load_n(&me->cmd, __ATOMIC_RELAXED));
		__atomic_store_n(&me->done_seq, seq, __ATOMIC_RELEASE);
	}
}

/* ---- vCPU 0. */

static void setup(void)
{
	shared = shared_info_map();
	struct vcpu_info *vi = &shared->vcpu_info[0];
	vi->evtchn_upcall_mask = 1;
	require(vi->time.tsc_to_system_mul != 0, "vcpu_info[0] has no TSC scale");
	tsc_per_ms = pvclock_ns_to_tsc(MS, vi->time.tsc_to_system_mul, vi->time.tsc_shift);

	trap_hook = on_trap;
	require(hypercall_via_page(__HYPERVISOR_set_trap_table, (unsigned long)traps,
				   0, 0, 0, 0) == 0, "set_trap_table");
	struct callback_register fs = {
		.type = CALLBACKTYPE_failsafe, .address = (unsigned long)smp_failsafe_entry,
	};
	require(hypercall_via_syscall(__HYPERVISOR_callback_op, CALLBACKOP_register,
				      (unsigned long)&fs, 0, 0, 0) == 0,
		"CALLBACKOP_register of the failsafe callback");
	vcpus[0].self = &vcpus[0];
	vcpus[0].timer_port = evtchn_timer_upcalls(smp_event_entry);
	own(0, vcpus[0].timer_port);
	events_on(0);
}

/* 1. The count, and what the ABI answers about vCPUs that are not up or
 * do not exist (nr_vcpus is the count). */
#define IS_UP_PROBES 4096
static void discovery(void)
{
	static struct vcpu_guest_context zero;
	unsigned n = nr_vcpus;
	uint32_t port;
	check_eq(vcpu_op(VCPUOP_is_up, 0, 0), 1);
	for (unsigned i = 1; i < n; i++)
		check_msg(vcpu_op(VCPUOP_is_up, i, 0) == 0, "vCPU %u up before VCPUOP_up", i);
	check_eq(vcpu_op(VCPUOP_is_up, n, 0), -XEN_ENOENT);
	/* Linux's probe of every possible CPU: answered in guest code by the
	 * trampoline's kernel entry, which guest-smp.sh checks by counting
	 * the vcpu_op calls that reached the core (fewer than these). */
	unsigned wrong = 0;
	for (unsigned i = 0; i < IS_UP_PROBES; i++)
		wrong += vcpu_op(VCPUOP_is_up, n + i, 0) != -XEN_ENOENT;
	check_msg(!wrong, "VCPUOP_is_up past the domain: %u of %u wrong", wrong,
		  IS_UP_PROBES);
	/* The same through the hypercall page: the same answers, the argument
	 * taken as 32 bits either way. */
	for (unsigned long i = 0; i <= n; i++)
		check_eq(hypercall_via_page(__HYPERVISOR_vcpu_op, VCPUOP_is_up, i, 0, 0, 0),
			 i == 0 ? 1 : i < n ? 0 : -XEN_ENOENT);
	check_eq(hypercall_via_page(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 8191, 0, 0, 0),
		 -XEN_ENOENT);
	check_eq(hypercall_via_page(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1ul << 32, 0, 0, 0), 1);
	check_eq(hypercall_via_page(__HYPERVISOR_vcpu_op, (1ul << 32) | VCPUOP_is_up, n, 0,
				    0, 0), -XEN_ENOENT);
	check_eq(hypercall_via_page(__HYPERVISOR_vcpu_op, VCPUOP_up, n, 0, 0, 0), -XEN_ENOENT);
	check_eq(vcpu_op(VCPUOP_up, n, 0), -XEN_ENOENT);
	check_eq(vcpu_op(VCPUOP_initialise, n, &zero), -XEN_ENOENT);
	/* The running vCPU is initialised: refused before the context is
	 * looked at. */
	check_eq(vcpu_op(VCPUOP_initialise, 0, &zero), -XEN_EEXIST);
	check_eq(bind_virq_timer(n, &port), -XEN_ENOENT);
	check_eq(bind_ipi(n, &port), -XEN_ENOENT);
	check_eq(bind_virq_timer(0, &port), -XEN_EEXIST);
	check_port("vCPU 0 timer", vcpus[0].timer_port, EVTCHNSTAT_virq, 0);
}

/* Contexts Xen's arch_set_info_guest refuses before it takes anything
 * (its addresses must be canonical): -EINVAL, the vCPU still not
 * initialised.  ap_ctxt is the good one, and is left so. */
static void refused_contexts(unsigned i)
{
	static const char *const names[] = { "rip", "rsp", "kernel_sp", "event_callback_eip",
					     "gs_base_kernel" };
	uint64_t *const fields[] = { &ap_ctxt.user_regs.rip, &ap_ctxt.user_regs.rsp,
				     &ap_ctxt.kernel_sp, &ap_ctxt.event_callback_eip,
				     &ap_ctxt.gs_base_kernel };
	for (unsigned k = 0; k < sizeof fields / sizeof fields[0]; k++) {
		uint64_t good = *fields[k];
		*fields[k] = 0x8000000000000000ul;
		long rc = vcpu_op(VCPUOP_initialise, i, &ap_ctxt);
		*fields[k] = good;
		require(rc != 0, "VCPUOP_initialise(%u) took a non-canonical %s: the vCPU is "
			"initialised with it", i, names[k]);
		check_msg(rc == -XEN_EINVAL, "VCPUOP_initialise(%u) with a non-canonical %s: "
			  "%ld, expected -EINVAL", i, names[k], rc);
	}
}

/* 2. Brings AP i up and checks what it found on entry. */
static void bring_up(unsigned i)
{
	struct vcpu_state *v = &vcpus[i];
	v->self = v;
	uint64_t top = (uint64_t)(uintptr_t)(ap_stacks[i] + AP_STACK_SIZE);
	const struct smp_ap_start start = {
		.vcpu = i, .main = ap_main, .stack_top = top, .traps = traps,
		.event_callback = smp_event_entry, .failsafe_callback = smp_failsafe_entry,
		.gs_base_kernel = (uint64_t)(uintptr_t)v,
	};
	check_eq(vcpu_op(VCPUOP_up, i, 0), -XEN_EINVAL); /* not initialised yet */

	smp_ap_context(&ap_ctxt, &start);
	refused_contexts(i);

	/* Events masked until the AP can take them, as Linux's
	 * xen_pv_cpu_up. */
	shared->vcpu_info[i].evtchn_upcall_mask = 1;
	long rc = vcpu_op(VCPUOP_initialise, i, &ap_ctxt);
	require(rc == 0, "VCPUOP_initialise(%u): %ld", i, rc);
	check_msg(vcpu_op(VCPUOP_is_up, i, 0) == 0, "vCPU %u up after VCPUOP_initialise "
		  "without VGCF_online", i);
	check_eq(vcpu_op(VCPUOP_initialise, i, &ap_ctxt), -XEN_EEXIST);

	uint64_t t0 = now_ns(0);
	rc = vcpu_op(VCPUOP_up, i, 0);
	require(rc == 0, "VCPUOP_up(%u): %ld", i, rc);
	/* Reporting in through vcpus[i] also says rdi held i. */
	require(wait_u32(&v->ready, 1, BRINGUP_NS), "vCPU %u did not report in within %lu ms "
		"of VCPUOP_up", i, (unsigned long)(BRINGUP_NS / MS));
	uint64_t t1 = now_ns(0);
	check_eq(vcpu_op(VCPUOP_is_up, i, 0), 1);
	check_eq(vcpu_op(VCPUOP_up, i, 0), 0); /* up already: nothing to do */

	check_msg(v->entry_gs_self == (uint64_t)(uintptr_t)v, "vCPU %u: %%gs:0 read 0x%lx, "
		  "expected 0x%lx (gs_base_kernel)", i, v->entry_gs_self, (uint64_t)(uintptr_t)v);
	check_msg(v->entry_rsp < top && v->entry_rsp >= top - AP_STACK_SIZE,
		  "vCPU %u: rsp 0x%lx outside its stack", i, v->entry_rsp);
	check_msg(v->entry_mask == 1, "vCPU %u started with evtchn_upcall_mask %u", i,
		  v->entry_mask);
	check_msg(v->entry_time_mul != 0, "vCPU %u: its vcpu_info has no TSC scale", i);
	/* System time is the domain's: what the AP read lies between vCPU
	 * 0's readings around the bring-up. */
	check_msg(v->entry_now >= t0 && v->entry_now <= t1, "vCPU %u: system time %lu ns, "
		  "vCPU 0 read %lu before VCPUOP_up and %lu after it reported in", i,
		  (unsigned long)v->entry_now, (unsigned long)t0, (unsigned long)t1);
	require(v->timer_rc == 0 && v->wake_rc == 0, "vCPU %u: bind_virq(VIRQ_TIMER) %ld, "
		"bind_ipi %ld", i, v->timer_rc, v->wake_rc);
	check(v->timer_port != vcpus[0].timer_port);
	check_port("AP timer", v->timer_port, EVTCHNSTAT_virq, i);
	check_port("AP wake-up", v->wake_port, EVTCHNSTAT_ipi, i);
	check_eq(bind_virq_timer(i, &(uint32_t){ 0 }), -XEN_EEXIST);
	printk("smp: vCPU %u up: reported in %lu us after VCPUOP_up; VIRQ_TIMER on port %u\n",
	       i, (unsigned long)((t1 - t0) / 1000), v->timer_port);
}

/* Port rules that need a second vCPU: per-vCPU VIRQs and IPIs stay where
 * they were bound; an unbound port moves; singleshot timers are the
 * calling vCPU's own. */
static void binding_rules(void)
{
	struct evtchn_bind_vcpu bv = { .port = vcpus[0].timer_port, .vcpu = 1 };
	check_eq(evtchn_op(EVTCHNOP_bind_vcpu, &bv), -XEN_EINVAL);
	bv = (struct evtchn_bind_vcpu){ .port = vcpus[1].wake_port, .vcpu = 0 };
	check_eq(evtchn_op(EVTCHNOP_bind_vcpu, &bv), -XEN_EINVAL);

	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
	require(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "EVTCHNOP_alloc_unbound");
	bv = (struct evtchn_bind_vcpu){ .port = au.port, .vcpu = nr_vcpus - 1 };
	check_eq(evtchn_op(EVTCHNOP_bind_vcpu, &bv), 0);
	check_port("unbound, moved", au.port, EVTCHNSTAT_unbound, nr_vcpus - 1);
	bv.vcpu = nr_vcpus;
	check_eq(evtchn_op(EVTCHNOP_bind_vcpu, &bv), -XEN_ENOENT);
	struct evtchn_close cl = { .port = au.port };
	check_eq(evtchn_op(EVTCHNOP_close, &cl), 0);

	struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = now_ns(0) + 1000 * MS };
	check_eq(vcpu_op(VCPUOP_set_singleshot_timer, 1, &ss), -XEN_EINVAL);
	check_eq(vcpu_op(VCPUOP_stop_singleshot_timer, 1, 0), -XEN_EINVAL);
}

/* 3. Every vCPU's periodic timer at once: vCPU 0 spins (upcalls
 * interrupt it), the APs sleep (the timer wakes them). */
static void timers(void)
{
	post_all(CMD_TIMER);
	timer_window(0, true);
	wait_all("timer", COMMAND_NS);
	for (unsigned i = 0; i < nr_vcpus; i++) {
		const struct vcpu_state *v = &vcpus[i];
		printk("smp: timer: vCPU %u: %lu upcalls in %lu ms (10 ms period)\n", i,
		       (unsigned long)v->ticks_counted, (unsigned long)(v->window_ns / MS));
		check_msg(v->periodic_rc == 0 && v->stop_rc == 0, "vCPU %u: "
			  "VCPUOP_set_periodic_timer %ld, VCPUOP_stop_periodic_timer %ld", i,
			  v->periodic_rc, v->stop_rc);
		check_msg(v->window_ns >= TIMER_WINDOW_NS && v->window_ns < 2 * TIMER_WINDOW_NS,
			  "vCPU %u: its system time advanced %lu ns over the window", i,
			  (unsigned long)v->window_ns);
		check_msg(v->ticks_counted >= TIMER_MIN_TICKS &&
			  v->ticks_counted <= TIMER_MAX_TICKS,
			  "vCPU %u: %lu VIRQ_TIMER upcalls in %lu ms of a 10 ms periodic timer, "
			  "expected %u..%u", i, (unsigned long)v->ticks_counted,
			  (unsigned long)(v->window_ns / MS), TIMER_MIN_TICKS, TIMER_MAX_TICKS);
	}
}

/* One direction's K ports, bound on the receiving vCPU. */
static void add_chans(unsigned from, unsigned to)
{
	for (unsigned k = 0; k < ports_per_dir; k++) {
		struct chan *c = &chans[nr_chans++];
		long rc = bind_ipi(to, &c->port);
		require(rc == 0, "EVTCHNOP_bind_ipi on vCPU %u (port %u of %u): %ld", to,
			nr_chans, ports_per_dir * 2 * (nr_vcpus - 1), rc);
		c->from = (uint8_t)from;
		c->to = (uint8_t)to;
		own(to, c->port);
		unmask_fresh(c->port);
	}
	check_port("stress", chans[nr_chans - 1].port, EVTCHNSTAT_ipi, to);
}

void stress_setup(void)
{
	unsigned aps = nr_vcpus - 1;
	uint64_t per_dir = STRESS_PORTS / 2 / aps;
	require(cmdline_u64(test_cmdline(), "xt.ports", &per_dir) != CMDLINE_BAD,
		"xt.ports is not a number");
	require(per_dir >= 1 && 2 * aps * per_dir <= MAX_CHANS,
		"xt.ports=%lu: from 1 to %u with %u APs", (unsigned long)per_dir,
		MAX_CHANS / 2 / aps, aps);
	ports_per_dir = (unsigned)per_dir;
	for (unsigned i = 1; i < nr_vcpus; i++)
		add_chans(0, i);
	vcpus[0].count = nr_chans;
	for (unsigned i = 1; i < nr_vcpus; i++) {
		vcpus[i].first = nr_chans;
		add_chans(i, 0);
		vcpus[i].count = nr_chans - vcpus[i].first;
	}
	for (unsigned k = 0; k < nr_chans; k++)
		chans[k].quota = nr_events / nr_chans + (k < nr_events % nr_chans);
	printk("smp: events: %lu over %u ports (%u each way between vCPU 0 and each AP)\n",
	       (unsigned long)nr_events, nr_chans, ports_per_dir);
}

/* 4. Everyone sends its share and takes what is sent to it; vCPU 0
 * waits for the APs while their sends still make progress. */
void stress(void)
{
	uint64_t t0 = now_ns(0);
	post_all(CMD_STRESS);
	stress_send(0);
	for (unsigned i = 1; i < nr_vcpus; i++) {
		uint64_t seen = 0;
		/* Twice the AP's own limit: it gives up before we do. */
		while (!wait_u32(&vcpus[i].done_seq, vcpus[i].cmd_seq, 2 * STALL_NS)) {
			uint64_t p = __atomic_load_n(&vcpus[i].progress, __ATOMIC_RELAXED);
			if (!check_msg(p != seen, "stress: vCPU %u stuck at %lu sends", i,
				       (unsigned long)p))
				break;
			seen = p;
		}
	}
	uint64_t ms = (now_ns(0) - t0) / MS;

	uint64_t nsent = 0, nrecv = 0, dups = 0, lost = 0, errors = 0, stalled = 0;
	const struct chan *bad = 0;
	for (unsigned k = 0; k < nr_chans; k++) {
		uint32_t p = chans[k].port;
		nsent += sent[p];
		nrecv += received[p];
		if (received[p] > sent[p])
			dups += received[p] - sent[p];
		if (sent[p] > received[p])
			lost += sent[p] - received[p];
		if (!bad && sent[p] != received[p])
			bad = &chans[k];
	}
	uint64_t upcalls = 0;
	for (unsigned i = 0; i < nr_vcpus; i++) {
		dups += vcpus[i].duplicates;
		errors += vcpus[i].send_errors;
		stalled += vcpus[i].stalled;
		upcalls += vcpus[i].upcalls;
		check_msg(!vcpus[i].send_errors, "stress: vCPU %u: %lu sends failed (%ld)", i,
			  (unsigned long)vcpus[i].send_errors, vcpus[i].first_error);
	}
	printk("smp: events: sent %lu received %lu duplicates %lu lost %lu in %lu ms\n",
	       (unsigned long)nsent, (unsigned long)nrecv, (unsigned long)dups,
	       (unsigned long)lost, (unsigned long)ms);
	printk("smp: events: %lu upcalls in all vCPUs since boot\n", (unsigned long)upcalls);
	check_msg(nsent == nr_events, "stress: %lu of %lu events sent (%lu still in flight "
		  "when a sender gave up)", (unsigned long)nsent, (unsigned long)nr_events,
		  (unsigned long)stalled);
	if (bad)
		check_msg(false, "stress: port %u (vCPU %u to vCPU %u): sent %lu, received %lu",
			  bad->port, bad->from, bad->to, (unsigned long)sent[bad->port],
			  (unsigned long)received[bad->port]);
	check_msg(dups == 0, "stress: %lu events taken with none in flight", (unsigned long)dups);
	check_eq(lost, 0);
	check_eq(errors, 0);
}

/* How vCPU 0 unmaps the page and flushes the APs' TLBs. */
enum shootdown {
	SHOOT_UVM_VCPUMASK, /* update_va_mapping, UVMF_INVLPG with a vcpumask */
	SHOOT_INVLPG_MULTI, /* mmu_update, then one of the MMUEXT flushes */
	SHOOT_FLUSH_MULTI,
	SHOOT_FLUSH_ALL,
};

/* 5. One shootdown round: map, let the APs cache it, unmap with the
 * variant's flush, and every AP must fault right after. */
static void shoot(const char *variant, enum shootdown how)
{
	static uint32_t round;
	uint64_t pte = boot_entry_maddr((uint64_t)(uintptr_t)shoot_window, 1);
	require(pte, "shootdown: no bootstrap L1 entry maps %p", (void *)shoot_window);
	uint64_t mfn = ((const uint64_t *)boot_start_info->mfn_list)[pfn_of(shoot_page)];
	long rc = update_va(shoot_window, (mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
			    UVMF_INVLPG | UVMF_LOCAL);
	require(rc == 0, "shootdown %s: update_va_mapping of the page: %ld", variant, rc);
	round++;
	__atomic_store_n(&shoot_magic, 0x53484f4f54000000ul | round, __ATOMIC_RELAXED);
	*(volatile uint64_t *)shoot_window = shoot_magic;
	__atomic_store_n(&shoot_round, round, __ATOMIC_RELEASE);
	post_all(CMD_SHOOT);
	for (unsigned i = 1; i < nr_vcpus; i++)
		check_msg(wait_u32(&vcpus[i].shoot_seen, round, COMMAND_NS),
			  "shootdown %s: vCPU %u never read the page", variant, i);

	__atomic_store_n(&shoot_unmapping, round, __ATOMIC_RELEASE);
	struct mmuext_op op = { .arg1.linear_addr = (uintptr_t)shoot_window };
	set_xen_guest_handle(op.arg2.vcpumask, &ap_mask);
	switch (how) {
	case SHOOT_UVM_VCPUMASK:
		/* The vcpumask's address rides in the flags' upper bits. */
		rc = update_va(shoot_window, 0, UVMF_INVLPG | UVMF_MULTI | (uintptr_t)&ap_mask);
		break;
	case SHOOT_INVLPG_MULTI:
		op.cmd = MMUEXT_INVLPG_MULTI;
		break;
	case SHOOT_FLUSH_MULTI:
		op.cmd = MMUEXT_TLB_FLUSH_MULTI; /* linear_addr unused */
		break;
	case SHOOT_FLUSH_ALL:
		op.cmd = MMUEXT_TLB_FLUSH_ALL; /* the arguments unused */
		break;
	}
	if (how != SHOOT_UVM_VCPUMASK) {
		/* A bare PTE write: Xen flushes no TLB for it, the guest must. */
		rc = mmu_update(pte | MMU_NORMAL_PT_UPDATE, 0, 0);
		check_msg(rc == 0, "shootdown %s: mmu_update: %ld", variant, rc);
		rc = hypercall_via_syscall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0,
					   DOMID_SELF, 0);
	}
	__atomic_store_n(&shoot_unmapped, round, __ATOMIC_RELEASE);
	check_msg(rc == 0, "shootdown %s: the unmap/flush hypercall: %ld", variant, rc);
	bool ok = wait_all(variant, COMMAND_NS) && rc == 0;
	for (unsigned i = 1; i < nr_vcpus; i++) {
		const struct vcpu_state *v = &vcpus[i];
		if (!check_msg(!v->magic_timeout && !v->flush_timeout, "shootdown %s: vCPU %u "
			       "timed out (%s)", variant, i, v->magic_timeout ?
			       "never read the magic" : "waiting for the flush")) {
			ok = false;
			continue;
		}
		ok &= check_msg(!v->early_faults, "shootdown %s: vCPU %u faulted before the "
				"unmap", variant, i);
		ok &= check_msg(v->final_faulted, "shootdown %s: vCPU %u read 0x%lx at %p after "
				"the flush hypercall returned: stale TLB entry", variant, i,
				v->final_value, (void *)shoot_window);
		ok &= check_msg(!v->final_faulted || (v->pf_cr2 == (uintptr_t)shoot_window &&
						      (v->pf_err & PF_ERR_RELEVANT) == 0),
				"shootdown %s: vCPU %u: #PF cr2 0x%lx error 0x%lx, expected cr2 %p, "
				"a kernel read of a page not present", variant, i, v->pf_cr2,
				v->pf_err, (void *)shoot_window);
	}
	if (ok)
		printk("smp: shootdown: %s ok\n", variant);
}

void test_main(void)
{
	nr_events = DEFAULT_EVENTS;
	require(cmdline_u64(test_cmdline(), "xt.events", &nr_events) != CMDLINE_BAD,
		"xt.events is not a number");
	enum bench_mode bench = bench_mode();
	setup();
	nr_vcpus = smp_count_vcpus();
	printk("smp: %u vCPUs\n", nr_vcpus);
	discovery();
	/* An idle domain of one vCPU is a figure too. */
	if (nr_vcpus == 1 && bench != BENCH_IDLE)
		test_skip("one vCPU: run with --vcpus 2 or more");
	require(nr_vcpus <= MAX_VCPUS, "%u vCPUs: shared_info has vcpu_info for %u", nr_vcpus,
		MAX_VCPUS);
	for (unsigned i = 1; i < nr_vcpus; i++) {
		bring_up(i);
		ap_mask |= 1ul << i;
	}
	if (bench != BENCH_NONE) {
		bench_run(bench);
		return;
	}
	binding_rules();
	timers();
	stress_setup();
	stress();
	shoot("update_va_mapping UVMF_INVLPG vcpumask", SHOOT_UVM_VCPUMASK);
	shoot("mmu_update + MMUEXT_INVLPG_MULTI", SHOOT_INVLPG_MULTI);
	shoot("mmu_update + MMUEXT_TLB_FLUSH_MULTI", SHOOT_FLUSH_MULTI);
	shoot("mmu_update + MMUEXT_TLB_FLUSH_ALL", SHOOT_FLUSH_ALL);
}
