/*
 * preempt: event upcalls that interrupt a guest which never traps.  With
 * VIRQ_TIMER bound and a 10 ms periodic timer, the guest spins on rdtsc
 * (no hypercall, no trap) and the upcalls must still reach its event
 * callback at the rate of the timer, with Xen's frame for the instruction
 * they interrupted, and leave every register as it was:
 *
 *   1. kernel mode, 300 ms: rip in the loop, cs FLAT_KERNEL_CS (RPL 0);
 *   2. user mode, 300 ms: rip in the user loop, cs FLAT_USER_CS64, the
 *      callback irets back to user mode;
 *   3. 100 ms with evtchn_upcall_mask set: no upcall, but the event
 *      pending; then, unmasked, exactly one upcall, where Linux's
 *      xen_irq_enable takes it;
 *   4. an event pending when the kernel irets to user mode with events
 *      unmasked: one upcall, at the first user instruction;
 *   5. 50 ms after VCPUOP_stop_periodic_timer: no upcall.
 *
 * For make bench it also prints how late each spin's upcalls came after
 * their tick (median and worst): the timer's slack while the guest never
 * traps, which is the latency of raising an event to its callback.
 *
 * Command line: `xt.idle_ms=N` (for make bench) ends by sleeping N ms in
 * SCHEDOP_block on a one-shot timer, so the launcher's CPU use while a
 * vCPU idles can be measured.
 */
#include <stdint.h>
#include <xen/callback.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>

#include "cmdline.h"
#include "evtchn.h"
#include "hypercall.h"
#include "pv_mmu.h"
#include "pvclock.h"
#include "sort.h"
#include "test.h"
#include "preempt.h"

const char test_title[] = "event upcalls interrupt a guest that never traps";

#define MS 1000000ULL
#define PERIOD_NS (10 * MS)
#define SPIN_NS (300 * MS)
#define MASKED_NS (100 * MS)
#define STOPPED_NS (50 * MS)
#define RFLAGS_IF 0x200ULL
#define UPCALL_FRAME_WORDS 7 /* rcx, r11, rip, cs, rflags, rsp, ss */
#define MAX_RECORDS 64       /* 150% + 2 of 30 periods fits */

/* What one upcall's frame said, and the ports it found pending. */
struct upcall {
	uint64_t rip, cs, rflags, rsp, ss, frame_addr, ports;
	uint64_t tsc; /* when the callback ran */
};
static struct upcall records[MAX_RECORDS];
static volatile unsigned nr_upcalls;

static struct shared_info *shared;
static struct vcpu_info *vi;
static uint32_t timer_port;
static uint32_t tsc_mul;
static int8_t tsc_shift;
static uint8_t kernel_stack[16384] __attribute__((aligned(16)));
static uint8_t user_stack[8192] __attribute__((aligned(16)));

static long vcpu_op(int cmd, void *arg)
{
	return hypercall_via_syscall(__HYPERVISOR_vcpu_op, (unsigned long)cmd, 0,
				     (unsigned long)arg, 0, 0);
}

/* trap_hook for the event callback, the only handler this guest has. */
static void on_upcall(struct trap_stack *s)
{
	unsigned n = nr_upcalls;
	uint64_t ports = evtchn_take_pending(shared);
	if (n < MAX_RECORDS)
		records[n] = (struct upcall){
			.rip = s->frame[2], .cs = s->frame[3], .rflags = s->frame[4],
			.rsp = s->frame[5], .ss = s->frame[6],
			.frame_addr = (uint64_t)s->frame, .ports = ports,
			.tsc = rdtsc(),
		};
	nr_upcalls = n + 1;
}

/* Between phases, with events masked: forget ticks that came meanwhile
 * (each phase counts its own). */
static void restart_count(void)
{
	evtchn_take_pending(shared);
	nr_upcalls = 0;
}

static void setup(void)
{
	/* Every port masked but the timer's, as a kernel starts, and events
	 * masked while we wire things up. */
	shared = shared_info_map();
	vi = &shared->vcpu_info[0];
	vi->evtchn_upcall_mask = 1;

	trap_hook = on_upcall;
	timer_port = evtchn_timer_upcalls(event_callback);
	require(timer_port > 0 && timer_port < 64, "VIRQ_TIMER on port %u, outside word 0",
		timer_port);

	/* The TSC's rate, read once: the loops only run rdtsc. */
	tsc_mul = vi->time.tsc_to_system_mul;
	tsc_shift = vi->time.tsc_shift;
	require(tsc_mul != 0, "vcpu_time_info has no TSC scale");

	/* Guest user mode: the boot tables as the user's too (the image is
	 * mapped user-accessible), a kernel stack for traps from it, and a
	 * syscall callback that masks events as Linux registers it. */
	uint64_t l4_pfn = (boot_start_info->pt_base - VIRT_BASE) >> 12;
	require(mmuext(MMUEXT_NEW_USER_BASEPTR,
		       ((unsigned long *)boot_start_info->mfn_list)[l4_pfn]) == 0,
		"MMUEXT_NEW_USER_BASEPTR");
	struct callback_register sc = {
		.type = CALLBACKTYPE_syscall, .flags = CALLBACKF_mask_events,
		.address = (unsigned long)user_syscall_entry,
	};
	require(hypercall_via_syscall(__HYPERVISOR_callback_op, CALLBACKOP_register,
				      (unsigned long)&sc, 0, 0, 0) == 0,
		"CALLBACKOP_register of the syscall callback");
	require(hypercall_via_page(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
				   (unsigned long)kernel_stack + sizeof kernel_stack,
				   0, 0, 0) == 0, "stack_switch");
	printk("preempt: VIRQ_TIMER on port %u, TSC scale %u >> %d\n", timer_port,
	       tsc_mul, -tsc_shift);
}

static uint64_t tsc_budget(uint64_t ns)
{
	return pvclock_ns_to_tsc(ns, tsc_mul, tsc_shift);
}

static uint64_t tsc_elapsed_ns(uint64_t tsc0, uint64_t tsc1)
{
	return pvclock_scale(tsc1 - tsc0, tsc_mul, tsc_shift);
}

/* One upcall per period, give or take what a loaded host does to both
 * the timer and the spin. */
static void check_rate(const char *phase, unsigned n, uint64_t elapsed_ns)
{
	uint64_t expected = elapsed_ns / PERIOD_NS;
	printk("preempt: %s: %u upcalls in %lu ms (expected about %lu)\n", phase, n,
	       (unsigned long)(elapsed_ns / MS), (unsigned long)expected);
	check_msg(n * 2 >= expected && n <= expected * 3 / 2 + 2,
		  "%s: %u upcalls while spinning %lu ms with a %lu ms periodic timer, "
		  "expected %lu (50%%..150%%+2)", phase, n, (unsigned long)(elapsed_ns / MS),
		  (unsigned long)(PERIOD_NS / MS), (unsigned long)expected);
}

static void check_lost(const char *phase, uint64_t lost)
{
	static const char *const names[SPIN_NR_REGS] = SPIN_REG_NAMES;
	for (unsigned i = 0; i < SPIN_NR_REGS; i++)
		check_msg(!(lost & (1UL << i)), "%s: %s lost its value across the upcalls",
			  phase, names[i]);
}

/*
 * Every upcall of a phase: taken at an instruction in [lo, hi], from the
 * mode cs says (its bits 32-39, the saved mask, 0: events were unmasked,
 * so the frame's IF is set too), on the stack the interrupted code had
 * (rsp; 0 when it moved) and with the timer's port pending.  The frame
 * lies on the kernel stack below that rsp, 16-byte aligned, or at the
 * top of the stack_switch stack when it came from user mode.
 */
static void check_upcalls(const char *phase, unsigned n, const char *lo, const char *hi,
			  uint64_t cs, uint64_t rsp)
{
	for (unsigned i = 0; i < n && i < MAX_RECORDS; i++) {
		const struct upcall *u = &records[i];
		uint64_t top = u->frame_addr + UPCALL_FRAME_WORDS * 8;
		uint64_t want_top = cs == USER_FRAME_CS
			? (uint64_t)kernel_stack + sizeof kernel_stack : u->rsp & ~0xfULL;
		bool ok = check_msg(u->rip >= (uint64_t)lo && u->rip <= (uint64_t)hi,
				    "%s: upcall %u at rip 0x%lx, outside the loop [%p, %p]",
				    phase, i, u->rip, lo, hi) &&
			check_msg(u->cs == cs, "%s: upcall %u frame cs 0x%lx, expected 0x%lx "
				  "(mask 0 in bits 32-39)", phase, i, u->cs, cs) &&
			check_msg(u->rflags & RFLAGS_IF, "%s: upcall %u frame rflags 0x%lx "
				  "without IF", phase, i, u->rflags) &&
			check_msg(!rsp || u->rsp == rsp, "%s: upcall %u frame rsp 0x%lx, the "
				  "loop's is 0x%lx", phase, i, u->rsp, rsp) &&
			check_msg(u->ss == FRAME_SS, "%s: upcall %u frame ss 0x%lx", phase, i,
				  u->ss) &&
			check_msg(top == want_top, "%s: upcall %u frame at 0x%lx, expected it "
				  "to end at 0x%lx", phase, i, u->frame_addr, want_top) &&
			check_msg(u->ports & (1UL << timer_port), "%s: upcall %u found ports "
				  "0x%lx pending, not VIRQ_TIMER's %u", phase, i, u->ports,
				  timer_port);
		if (!ok)
			break; /* one bad upcall says it; the rest would repeat it */
	}
}

/* The TSC when the periodic timer started: its ticks fall on whole
 * periods from there (Xen, and the core, skip missed ticks by whole
 * periods, so the phase holds). */
static uint64_t tick_origin_tsc;

/* How late after its tick each upcall of a phase ran: printed, not
 * checked (a loaded host delays both, and the rate check bounds it). */
static void report_lateness(const char *phase, unsigned n)
{
	static uint64_t late[MAX_RECORDS];
	if (n > MAX_RECORDS)
		n = MAX_RECORDS;
	if (!n)
		return;
	for (unsigned i = 0; i < n; i++)
		late[i] = tsc_elapsed_ns(tick_origin_tsc, records[i].tsc) % PERIOD_NS;
	sort_u64(late, n);
	printk("preempt: %s: upcall lateness after the tick: median %lu us, p99 %lu us, "
	       "max %lu us (%u upcalls)\n", phase, (unsigned long)(late[n / 2] / 1000),
	       (unsigned long)(late[n - 1 - n / 100] / 1000),
	       (unsigned long)(late[n - 1] / 1000), n);
}

static void kernel_spin(void)
{
	printk("preempt: kernel spin: %lu ms on rdtsc, %lu ms periodic timer\n",
	       (unsigned long)(SPIN_NS / MS), (unsigned long)(PERIOD_NS / MS));
	restart_count();
	struct vcpu_set_periodic_timer p = { .period_ns = PERIOD_NS };
	tick_origin_tsc = rdtsc();
	check_eq(vcpu_op(VCPUOP_set_periodic_timer, &p), 0);
	uint64_t t0 = pvclock_read(&vi->time);
	uint64_t tsc0 = rdtsc();
	uint64_t lost = spin_kernel(tsc0 + tsc_budget(SPIN_NS), &vi->evtchn_upcall_mask, 0);
	uint64_t tsc1 = rdtsc();
	/* Masked again by spin_kernel: the count holds from here. */
	unsigned n = nr_upcalls;
	uint64_t t1 = pvclock_read(&vi->time);
	check_msg(t1 - t0 >= SPIN_NS, "kernel spin: system time advanced %lu ns over a "
		  "%lu ns TSC budget", (unsigned long)(t1 - t0), (unsigned long)SPIN_NS);
	check_rate("kernel spin", n, tsc_elapsed_ns(tsc0, tsc1));
	check_upcalls("kernel spin", n, kspin_begin, kspin_end, KERNEL_FRAME_CS, kspin_rsp);
	check_lost("kernel spin", lost);
	report_lateness("kernel spin", n);
}

static void user_spin(void)
{
	printk("preempt: user spin: %lu ms on rdtsc in guest user mode\n",
	       (unsigned long)(SPIN_NS / MS));
	restart_count();
	uint64_t user_top = (uint64_t)user_stack + sizeof user_stack;
	uint64_t tsc0 = rdtsc();
	uspin_tsc_end = tsc0 + tsc_budget(SPIN_NS);
	user_enter(uspin_code, user_top);
	uint64_t tsc1 = rdtsc();
	/* The syscall callback masked events: the count holds. */
	unsigned n = nr_upcalls;
	check_msg(vi->evtchn_upcall_mask == 1, "user spin: the syscall callback left "
		  "evtchn_upcall_mask %u", vi->evtchn_upcall_mask);
	check_eq(user_syscall_frame[2], (uint64_t)uspin_syscall + 2);
	check_eq(user_syscall_frame[3] & 0xffff, USER_FRAME_CS);
	check_eq(user_syscall_frame[5], user_top);
	check_rate("user spin", n, tsc_elapsed_ns(tsc0, tsc1));
	check_upcalls("user spin", n, uspin_code, uspin_syscall, USER_FRAME_CS, user_top);
	check_lost("user spin", user_syscall_rbx);
	report_lateness("user spin", n);
}

static void masked_spin(void)
{
	printk("preempt: masked spin: %lu ms with evtchn_upcall_mask 1\n",
	       (unsigned long)(MASKED_NS / MS));
	restart_count();
	uint64_t lost = spin_kernel(rdtsc() + tsc_budget(MASKED_NS), &vi->evtchn_upcall_mask, 1);
	unsigned masked = nr_upcalls;
	uint8_t pending = vi->evtchn_upcall_pending;
	check_msg(masked == 0, "masked spin: %u upcalls with evtchn_upcall_mask 1", masked);
	check_msg(pending == 1, "masked spin: evtchn_upcall_pending %u after %lu ms of %lu ms "
		  "ticks", pending, (unsigned long)(MASKED_NS / MS),
		  (unsigned long)(PERIOD_NS / MS));
	check_lost("masked spin", lost);

	/* Stopped while still masked, so that no tick can follow the one
	 * about to be delivered and the count below is exact. */
	check_eq(vcpu_op(VCPUOP_stop_periodic_timer, 0), 0);
	check_msg(nr_upcalls == 0, "masked: a hypercall delivered %u upcalls", nr_upcalls);
	uint64_t forced = unmask_and_force(&vi->evtchn_upcall_mask, &vi->evtchn_upcall_pending);
	unsigned n = nr_upcalls;
	printk("preempt: masked spin: %u upcalls masked, evtchn_upcall_pending %u; "
	       "unmasked: %u upcalls%s\n", masked, pending, n,
	       forced ? " (forced with xen_version)" : "");
	check_msg(n == 1, "unmasked after the masked spin: %u upcalls, expected exactly one",
		  n);
	/* Taken after the unmask, with mask 0 saved: not inside the masked
	 * section nor nested in another upcall. */
	check_upcalls("unmask", n, unmask_window, unmask_window_end, KERNEL_FRAME_CS, 0);
	check_eq(vi->evtchn_upcall_pending, 0);
}

/*
 * An event pending while the kernel irets to user mode with events
 * unmasked: the upcall comes on the iret's way back, before the first
 * user instruction, with the user context's frame on the stack_switch
 * stack (where the core enters user mode and at once kernel mode again,
 * it makes neither switch: traps_mode.c).  The periodic timer is stopped
 * and events masked: a one-shot timer already due makes it pending.
 */
static void pending_at_iret(void)
{
	printk("preempt: iret to user mode with an event pending\n");
	restart_count();
	check_eq(hypercall_via_syscall(__HYPERVISOR_set_timer_op, pvclock_read(&vi->time),
				       0, 0, 0, 0), 0);
	for (int i = 0; i < 1000 && !vi->evtchn_upcall_pending; i++)
		(void)HYPERVISOR_xen_version(XENVER_version, 0);
	require(vi->evtchn_upcall_pending, "a one-shot timer already due is not "
		"pending after 1000 hypercalls");
	check_msg(nr_upcalls == 0, "pending at iret: %u upcalls while masked", nr_upcalls);
	uint64_t user_top = (uint64_t)user_stack + sizeof user_stack;
	uspin_tsc_end = rdtsc(); /* the user code ends its spin at once */
	user_enter(uspin_code, user_top);
	unsigned n = nr_upcalls;
	check_msg(n == 1, "pending at iret: %u upcalls, expected exactly one", n);
	check_upcalls("pending at iret", n, uspin_code, uspin_code, USER_FRAME_CS, user_top);
	check_eq(user_syscall_frame[2], (uint64_t)uspin_syscall + 2);
	check_lost("pending at iret", user_syscall_rbx);
	check_eq(vi->evtchn_upcall_pending, 0);
}

static void stopped_spin(void)
{
	printk("preempt: stopped: %lu ms on rdtsc after VCPUOP_stop_periodic_timer\n",
	       (unsigned long)(STOPPED_NS / MS));
	restart_count();
	uint64_t lost = spin_kernel(rdtsc() + tsc_budget(STOPPED_NS), &vi->evtchn_upcall_mask, 0);
	unsigned n = nr_upcalls;
	check_msg(n == 0, "stopped timer: %u upcalls in %lu ms", n,
		  (unsigned long)(STOPPED_NS / MS));
	check_eq(vi->evtchn_upcall_pending, 0);
	check_lost("stopped", lost);
}

/* Asleep in SCHEDOP_block until a one-shot timer ms away: the upcall
 * comes after it (events unmasked by the block). */
static void idle(uint64_t ms)
{
	restart_count();
	uint64_t t0 = pvclock_read(&vi->time);
	check_eq(hypercall_via_syscall(__HYPERVISOR_set_timer_op, t0 + ms * MS, 0, 0, 0, 0), 0);
	while (!nr_upcalls && pvclock_read(&vi->time) - t0 < (ms + 1000) * MS)
		check_eq(HYPERVISOR_sched_op(SCHEDOP_block, 0), 0);
	vi->evtchn_upcall_mask = 1;
	uint64_t t1 = pvclock_read(&vi->time);
	printk("preempt: idle: slept %lu ms in SCHEDOP_block\n", (unsigned long)((t1 - t0) / MS));
	check_msg(nr_upcalls == 1 && t1 - t0 >= ms * MS, "idle: %u upcalls after %lu ms of a "
		  "%lu ms sleep", nr_upcalls, (unsigned long)((t1 - t0) / MS), (unsigned long)ms);
}

void test_main(void)
{
	setup();
	kernel_spin();
	user_spin();
	masked_spin();
	pending_at_iret();
	stopped_spin();
	uint64_t idle_ms;
	if (cmdline_u64(test_cmdline(), "xt.idle_ms", &idle_ms) == CMDLINE_OK && idle_ms)
		idle(idle_ms);
}
