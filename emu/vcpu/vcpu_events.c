/*
 * Asynchronous event delivery: an event that becomes pending while the
 * vCPU runs guest code that never traps (a spinning user process, a
 * kernel loop) still reaches the guest's event callback.
 *
 * The core delivers an upcall on every way back to the guest; what it
 * needs is a way in.  So before each KVM_RUN the launcher looks whether
 * something is due — a timer deadline passed, or an upcall pending and
 * not masked in vcpu_info — and if so injects CORE_VEC_EVENT with
 * KVM_INTERRUPT: the shim's stub for it runs the core (in the shim, or
 * through the trap port in the launcher), which takes the timers due and
 * bounces the upcall with Xen's frame for the interrupted instruction.
 * To be woken for that while the guest runs, the vCPU thread has a POSIX
 * timer armed at the core's next deadline and takes a signal from
 * backends that raise an event; either makes KVM_RUN return (the handler
 * sets immediate_exit, so a kick just before KVM_RUN is not lost).
 *
 * The interrupt is only injected when the vCPU can take it at once
 * (ready_for_interrupt_injection: guest code with IF set, so never inside
 * the shim, which runs with interrupts off) and not while it is in the
 * syscall trampoline, whose instructions belong to a hypercall in flight
 * (the host path's detour among them), or in the shim's CSTAR entry before
 * it has left the user's stack: then a short timer tries again.
 * Values read here from core state are hints that only decide whether to
 * knock; the core checks everything again when it runs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/core/sched/vtime.h"
#include "emu/domain.h"

#define KICK_SIGNAL SIGUSR1
#define TRAMPOLINE_RETRY_NS 200000ULL

/* Each vCPU's thread has its own KVM_RUN to cut short. */
static __thread struct kvm_run *volatile kick_run;

static void on_kick(int sig)
{
	(void)sig;
	if (kick_run)
		kick_run->immediate_exit = 1;
}

int vcpu_events_start(struct vcpu *v, char *err, size_t errlen)
{
	struct sigaction sa = { .sa_handler = on_kick };
	sigemptyset(&sa.sa_mask);
	kick_run = v->kvm.run;
	v->thread = pthread_self();
	struct sigevent ev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = KICK_SIGNAL,
	};
	ev._sigev_un._tid = gettid();
	if (sigaction(KICK_SIGNAL, &sa, NULL) < 0 ||
	    timer_create(CLOCK_MONOTONIC, &ev, &v->kick_timer) < 0) {
		snprintf(err, errlen, "setting up vCPU %u's event timer: %s", v->id,
			 strerror(errno));
		return -1;
	}
	__atomic_store_n(&v->kick_timer_ok, 1, __ATOMIC_SEQ_CST);
	return 0;
}

void vcpu_events_stop(struct vcpu *v)
{
	if (__atomic_exchange_n(&v->kick_timer_ok, 0, __ATOMIC_SEQ_CST))
		timer_delete(v->kick_timer);
	kick_run = NULL;
}

void vcpu_events_interrupted(struct vcpu *v)
{
	/* The timer may be what fired: arm it anew. */
	v->kick_armed_at = 0;
	core_vcpu(&v->core)->vtime.launcher_armed_ns = 0;
}

void vcpu_events_kick(struct vcpu *v, int interrupt)
{
	if (interrupt)
		__atomic_store_n(&v->interrupt_wanted, 1, __ATOMIC_SEQ_CST);
	vcpu_clock_wake(v); /* a vCPU asleep in SCHEDOP_block */
	/* Its own thread looks before it runs guest code again anyway. */
	if (interrupt && __atomic_load_n(&v->kick_timer_ok, __ATOMIC_SEQ_CST) &&
	    !pthread_equal(pthread_self(), v->thread))
		pthread_kill(v->thread, KICK_SIGNAL);
}

/* The timer fires at guest time `at` (0: disarmed). */
static void arm(struct vcpu *v, uint64_t at, uint64_t now)
{
	if (at == v->kick_armed_at)
		return;
	v->kick_armed_at = at;
	core_vcpu(&v->core)->vtime.launcher_armed_ns = at;
	uint64_t wait = at > now ? at - now : 1;
	struct itimerspec t = { .it_value = {
		.tv_sec = at ? (time_t)(wait / 1000000000) : 0,
		.tv_nsec = at ? (long)(wait % 1000000000) : 0,
	} };
	timer_settime(v->kick_timer, 0, &t, NULL);
}

/* In the syscall trampoline, or in the shim's own code with interrupts
 * on: its CSTAR entry, which a 32-bit `syscall` enters at CPL0 on the
 * user's stack (SFMASK leaves IF alone: the trampoline's kernel entry
 * returns to the guest kernel at CPL3, where IF cannot be set again). */
static int in_shim_entry(struct vcpu *v)
{
	struct kvm_regs r;
	if (kvm_vcpu_get_regs(&v->kvm, &r) < 0)
		return 1; /* try again later rather than guess */
	return r.rip - v->core.layout.syscall_trampoline < 4096 ||
	       r.rip - SHIM_VIRT_BASE < SHIM_IMAGE_MAX;
}

int vcpu_events_before_run(struct vcpu *v)
{
	struct kvm_run *run = v->kvm.run;
	if (!v->kick_timer_ok)
		return 0;
	uint64_t now = vtime_now_ns(&v->core);
	uint64_t deadline = vtime_next_deadline(&v->core);
	int due = (deadline && deadline <= now) || traps_event_upcall_due(&v->core) ||
		  __atomic_load_n(&v->interrupt_wanted, __ATOMIC_SEQ_CST);
	run->request_interrupt_window = 0;
	if (!due) {
		arm(v, deadline, now);
		return 0;
	}
	if (!run->ready_for_interrupt_injection) {
		/* In the shim, interrupts off: exit as soon as it returns to
		 * the guest, unless the core has done the work by then. */
		run->request_interrupt_window = 1;
		return 0;
	}
	if (in_shim_entry(v)) {
		/* Not sooner: the vCPU must get to run out of it first. */
		arm(v, now + TRAMPOLINE_RETRY_NS, now);
		return 0;
	}
	__atomic_store_n(&v->interrupt_wanted, 0, __ATOMIC_SEQ_CST);
	struct kvm_interrupt irq = { .irq = CORE_VEC_EVENT };
	if (ioctl(v->kvm.fd, KVM_INTERRUPT, &irq) < 0 && errno != EEXIST)
		return -1;
	/* The core is about to run and set its next deadline: disarmed, so
	 * the shim tells of it and no stale arming stands in the way. */
	arm(v, 0, now);
	v->stats.event_injections++;
	return 0;
}
