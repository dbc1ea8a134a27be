/*
 * A vCPU's loop, on its own thread: one switch on the exit reason, one on
 * the shim's port.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/hypercall_trace_line.h"
#include "emu/domain.h"
#include "emu/build/hypercall_page.h"

static uint32_t io_value(const struct kvm_run *run)
{
	const uint8_t *data = (const uint8_t *)run + run->io.data_offset;
	uint32_t v = 0;
	memcpy(&v, data, run->io.size <= 4 ? run->io.size : 4);
	return v;
}

_Static_assert(CORE_TRACE_CAUSE_HYPERCALL == TRACE_CAUSE_HYPERCALL &&
	       CORE_TRACE_CAUSE_TRAP == TRACE_CAUSE_TRAP, "trace causes");

/* Counts the exit, and names it in its trace record. */
static void count_exit(struct vcpu *v, enum exit_kind kind)
{
	v->stats.exits[kind]++;
	vcpu_trace_kind(&v->trace, kind);
}

/*
 * In the guest trap path the shim leaves for the launcher while it handles
 * a guest trap or hypercall: the core noted which (note_trace_entry) when
 * tracing is on.  Read from the shim region, which the guest kernel can
 * reach only through the core: the values go into the trace as they are.
 */
static void trace_guest_cause(struct vcpu *v)
{
	if (!v->trace.buf || v->core.st->trap_path != CORE_PATH_GUEST)
		return;
	const struct core_vcpu *cv = core_vcpu(&v->core);
	uint64_t cause = __atomic_load_n(&cv->trace_cause, __ATOMIC_RELAXED);
	if (cause == CORE_TRACE_CAUSE_HYPERCALL || cause == CORE_TRACE_CAUSE_TRAP)
		vcpu_trace_cause(&v->trace, (unsigned)cause,
				 __atomic_load_n(&cv->trace_code, __ATOMIC_RELAXED),
				 __atomic_load_n(&cv->trace_arg, __ATOMIC_RELAXED),
				 __atomic_load_n(&cv->trace_rip, __ATOMIC_RELAXED));
}

/* The shim is set up: fix the trap path, then let it enter the guest. */
static void on_ready(struct vcpu *v)
{
	struct domain *d = v->d;
	struct core_state *st = v->core.st;
	struct shim_boot_params *bp = (void *)(d->shim.region + SHIM_OFF_BOOT);
	int host;
	switch (d->cfg->trap_path) {
	case TRAP_PATH_HOST:
		host = 1;
		break;
	case TRAP_PATH_GUEST:
		host = 0;
		break;
	default:
		host = bp->calib_host_ticks < bp->calib_guest_ticks;
		break;
	}
	d->stats.calib_rounds = bp->calibrate ? bp->calibrate_rounds : 0;
	d->stats.calib_guest_ticks = bp->calib_guest_ticks;
	d->stats.calib_host_ticks = bp->calib_host_ticks;
	st->trap_path = host ? CORE_PATH_HOST : CORE_PATH_GUEST;
	/* The host path names each exit's cause itself, before the core runs
	 * (host_trap.c): the core's notes, guest reads among them
	 * (core_hypercall_caller), would be read by nobody. */
	if (host)
		st->trace_flags &= ~CORE_TRACE_ENTRIES;
	uint64_t gap_us = d->cfg->timer_gap_given ? d->cfg->timer_gap_us
			  : host ? 0 : XENLET_GUEST_PATH_TIMER_GAP_US;
	st->vtime.oneshot_gap_ns = gap_us * 1000;
	shim_write_trampoline(&d->shim, host);
	if (host && d->hypercall_page_va)
		hypercall_page_write_exits(d->ram + d->hypercall_page_maddr, d->cfg->vcpus);
	dom0_core_start(d, host); /* the lock dom0's backends take from now */
	/* Calibration ran real dispatches; the guest's counts start here. */
	memset(&st->stats, 0, sizeof st->stats);
	d->stats.guest_entry_ns = stats_now_ns();
}

static void on_log(struct vcpu *v, uint32_t len)
{
	const char *mb = (const char *)v->d->shim.region + shim_off_mailbox(v->id);
	fprintf(stderr, "xenlet: %.*s\n", (int)(len < SHIM_MAILBOX_SIZE - 1 ? len :
						  SHIM_MAILBOX_SIZE - 1), mb);
}

/* The shim's --trace-hypercalls record: copied once out of the mailbox,
 * whose values are only printed. */
static void on_hypercall_trace(struct vcpu *v)
{
	struct shim_hypercall_trace t;
	memcpy(&t, (const char *)v->d->shim.region + shim_off_mailbox(v->id), sizeof t);
	char line[256];
	core_hypercall_trace_line(line, sizeof line, v->id, t.nr, t.args, (long)t.rc);
	fprintf(stderr, "xenlet-hypercall: %s\n", line);
}

static void on_console(struct vcpu *v, uint32_t len)
{
	const char *mb = (const char *)v->d->shim.region + shim_off_mailbox(v->id);
	size_t n = len < SHIM_MAILBOX_SIZE ? len : SHIM_MAILBOX_SIZE;
	fwrite(mb, 1, n, stdout);
	fflush(stdout);
	console_client_send(v->d->console_client, mb, n);
}

/* A host_trap_* result as on_io's: -2 to keep running, else a status. */
static int trap_status(struct vcpu *v, int rc)
{
	if (rc == 0)
		return -2;
	if (rc == 1)
		return stop_report(v);
	return stop_report_vcpu(v, "host trap path could not handle an exit",
				XENLET_EXIT_INTERNAL);
}

/* The shim's kick of another vCPU (SHIM_PORT_KICK), or its VCPUOP_up
 * (SHIM_PORT_VCPU_UP); the vCPU numbers are checked here. */
static void on_kick(struct vcpu *v, uint32_t value)
{
	unsigned n = value & 0xff;
	if (n < v->d->cfg->vcpus)
		vcpu_events_kick(&v->d->vcpu[n], (value & SHIM_KICK_INTERRUPT) != 0);
}

static int on_vcpu_up(struct vcpu *v, uint32_t n)
{
	if (n >= v->d->cfg->vcpus || vcpu_smp_launch(v->d, n) == 0)
		return -2;
	return stop_report_vcpu(v, "starting a vCPU failed", XENLET_EXIT_INTERNAL);
}

/* Returns -2 to keep running, else an exit status. */
static int on_io(struct vcpu *v)
{
	struct kvm_run *run = v->kvm.run;
	uint32_t val = io_value(run);
	int rc;
	/* Start-up's exits have no guest cause (calibration's dispatches
	 * are not the guest's). */
	if (run->io.port != SHIM_PORT_HYPERCALL && run->io.port != SHIM_PORT_TRAP_REGS &&
	    run->io.port != SHIM_PORT_CALIBRATE && run->io.port != SHIM_PORT_READY)
		trace_guest_cause(v);
	switch (run->io.port) {
	case SHIM_PORT_HYPERCALL:
		count_exit(v, EXIT_IO_HYPERCALL);
		rc = host_trap_hypercall(v);
		break;
	case SHIM_PORT_TRAP_REGS:
		count_exit(v, EXIT_IO_TRAP);
		rc = host_trap_regs(v);
		break;
	case SHIM_PORT_CONSOLE:
		count_exit(v, EXIT_IO_CONSOLE);
		on_console(v, val);
		return -2;
	case SHIM_PORT_LOG:
		count_exit(v, EXIT_IO_LOG);
		on_log(v, val);
		return -2;
	case SHIM_PORT_STOP:
		count_exit(v, EXIT_IO_STOP);
		if (val) /* the shim faulted itself */
			return stop_report_shim(v);
		return stop_report(v);
	case SHIM_PORT_CALIBRATE:
		count_exit(v, EXIT_IO_CALIBRATE);
		host_trap_calibrate(v);
		return -2;
	case SHIM_PORT_NOTIFY:
		count_exit(v, EXIT_IO_NOTIFY);
		dom0_notify_backend(v->d, val);
		return -2;
	case SHIM_PORT_TIMER:
		count_exit(v, EXIT_IO_TIMER); /* armed before the next run */
		return -2;
	case SHIM_PORT_BLOCK:
		count_exit(v, EXIT_IO_BLOCK);
		vcpu_clock_block(v);
		return -2;
	case SHIM_PORT_READY:
		count_exit(v, EXIT_IO_READY);
		if (v->id == 0)
			on_ready(v);
		return -2;
	case SHIM_PORT_KICK:
		count_exit(v, EXIT_IO_KICK);
		on_kick(v, val);
		return -2;
	case SHIM_PORT_VCPU_UP:
		count_exit(v, EXIT_IO_KICK);
		return on_vcpu_up(v, val);
	case SHIM_PORT_HYPERCALL_TRACE:
		count_exit(v, EXIT_IO_LOG);
		on_hypercall_trace(v);
		return -2;
	case SHIM_PORT_YIELD:
		count_exit(v, EXIT_IO_YIELD);
		sched_yield();
		return -2;
	default:
		count_exit(v, EXIT_IO_OTHER);
		/* A guest poking at other ports: Xen would #GP it; ignore. */
		return -2;
	}
	return trap_status(v, rc);
}

/* The shim never reads a port; CPL3 code can reach only the hypercall
 * port (the TSS bitmap denies the rest). */
static int on_io_in(struct vcpu *v)
{
	count_exit(v, EXIT_IO_OTHER);
	if (v->kvm.run->io.port != SHIM_PORT_HYPERCALL)
		return -2;
	return trap_status(v, host_trap_port_in(v));
}

/*
 * SIGINT and SIGTERM stop the domain cleanly (the embedded xenstore removes
 * its socket, guest memory is unmapped).  The handler, on whichever thread
 * takes the signal, sets every vCPU's immediate_exit, which makes KVM_RUN
 * return EINTR even if the signal arrived just before a vCPU entered the
 * guest, and wakes the ones asleep; the first vCPU loop to see it ends
 * the domain, which kicks the rest.
 */
static volatile sig_atomic_t stop_signal;
static struct domain *volatile signal_domain;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
	struct domain *d = signal_domain;
	for (unsigned n = 0; d && n < d->cfg->vcpus; n++) {
		struct vcpu *v = &d->vcpu[n];
		if (v->kvm.run)
			v->kvm.run->immediate_exit = 1;
		if (v->wake_fd >= 0) {
			uint64_t one = 1;
			if (write(v->wake_fd, &one, sizeof one) < 0) {
				/* Full counter: a wake is due anyway. */
			}
		}
	}
}

void vcpu_loop_release_signals(void)
{
	signal_domain = NULL;
}

int vcpu_loop_stop_signal(void)
{
	return stop_signal;
}

void vcpu_loop_catch_signals(struct domain *d)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigemptyset(&sa.sa_mask);
	signal_domain = d;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int must_leave(const struct domain *d)
{
	return __atomic_load_n(&d->stopping, __ATOMIC_SEQ_CST) || stop_signal ||
	       __atomic_load_n(&d->console_detached, __ATOMIC_SEQ_CST);
}

/*
 * `xenlet pause`: the vCPU's thread waits here, out of the guest, until
 * unpaused or the domain ends. Its wake eventfd brings it back (unpause,
 * a stop signal, domain_stop), cleared before the flags are looked at so
 * none set meanwhile is missed; TLB shootdowns asked of it meanwhile are
 * still answered, so a vCPU or backend waiting for one is not stuck.
 */
static void park(struct vcpu *v)
{
	struct domain *d = v->d;
	__atomic_add_fetch(&d->parked, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		uint64_t n;
		if (read(v->wake_fd, &n, sizeof n) < 0) {
			/* EAGAIN: nothing to clear */
		}
		if (!__atomic_load_n(&d->paused, __ATOMIC_SEQ_CST) || must_leave(d))
			break;
		struct pollfd p = { .fd = v->wake_fd, .events = POLLIN };
		poll(&p, 1, -1); /* EINTR: a kick; look again */
		vcpu_serve_flush(v);
	}
	__atomic_sub_fetch(&d->parked, 1, __ATOMIC_SEQ_CST);
}

/* -2 to go on, else why this vCPU's loop ends. */
static int before_run(struct vcpu *v)
{
	struct domain *d = v->d;
	if (__atomic_load_n(&d->paused, __ATOMIC_SEQ_CST) && !must_leave(d))
		park(v);
	if (__atomic_load_n(&d->stopping, __ATOMIC_SEQ_CST))
		return -1;
	if (stop_signal) {
		if (!__atomic_exchange_n(&d->stop_reported, 1, __ATOMIC_SEQ_CST))
			fprintf(stderr, "xenlet: stopped by signal %d\n", (int)stop_signal);
		return 128 + stop_signal;
	}
	if (__atomic_load_n(&d->console_detached, __ATOMIC_SEQ_CST)) {
		if (!__atomic_exchange_n(&d->stop_reported, 1, __ATOMIC_SEQ_CST))
			fprintf(stderr, "xenlet: console session ended (Ctrl-]): "
				"domain destroyed\n");
		return XENLET_EXIT_DETACHED;
	}
	if (vcpu_events_before_run(v) < 0)
		return stop_report_vcpu(v, "KVM_INTERRUPT failed", XENLET_EXIT_INTERNAL);
	return -2;
}

static int run_loop(struct vcpu *v)
{
	struct kvm_run *run = v->kvm.run;
	if (pthread_getcpuclockid(pthread_self(), &v->cpu_clock) == 0)
		__atomic_store_n(&v->cpu_clock_ok, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		/* Cleared before the stop check: a stop signal after it still
		 * finds KVM_RUN returning at once. */
		run->immediate_exit = 0;
		int status = before_run(v);
		if (status != -2)
			return status;
		vcpu_trace_enter(&v->trace);
		int run_rc = kvm_vcpu_run(&v->kvm);
		vcpu_trace_exited(&v->trace);
		if (run_rc < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				count_exit(v, EXIT_INTR);
				vcpu_events_interrupted(v);
				continue;
			}
			return stop_report_vcpu(v, strerror(errno), XENLET_EXIT_INTERNAL);
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction == KVM_EXIT_IO_OUT)
				status = on_io(v);
			else
				status = on_io_in(v);
			break;
		case KVM_EXIT_SHUTDOWN:
			count_exit(v, EXIT_SHUTDOWN);
			status = stop_report_vcpu(v, "guest triple fault", XENLET_EXIT_FAULT);
			break;
		case KVM_EXIT_HLT:
			count_exit(v, EXIT_HLT);
			status = stop_report_vcpu(v, "the shim halted", XENLET_EXIT_INTERNAL);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			count_exit(v, EXIT_INTERNAL_ERROR);
			status = stop_report_vcpu(v, "KVM internal error (emulation "
						      "failure?)", XENLET_EXIT_INTERNAL);
			break;
		case KVM_EXIT_INTR:
			count_exit(v, EXIT_INTR);
			vcpu_events_interrupted(v);
			break;
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			/* the guest can take the event interrupt now */
			count_exit(v, EXIT_IRQ_WINDOW);
			break;
		default: {
			char what[64];
			count_exit(v, EXIT_OTHER);
			snprintf(what, sizeof what, "unexpected KVM exit %u", run->exit_reason);
			status = stop_report_vcpu(v, what, XENLET_EXIT_INTERNAL);
			break;
		}
		}
		if (status != -2)
			return status;
	}
}

int vcpu_loop_run(struct vcpu *v)
{
	if (vcpu_trace_start(&v->trace, v->d->trace_fd, v->id))
		return stop_report_vcpu(v, "no memory for the trace buffer",
					XENLET_EXIT_INTERNAL);
	int status = run_loop(v);
	vcpu_trace_stop(&v->trace);
	return status;
}
