/*
 * The vCPU loop: one switch on the exit reason, one on the shim's port.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "pv-shim/shim_abi.h"
#include "emu/domain.h"

static uint32_t io_value(const struct kvm_run *run)
{
	const uint8_t *data = (const uint8_t *)run + run->io.data_offset;
	uint32_t v = 0;
	memcpy(&v, data, run->io.size <= 4 ? run->io.size : 4);
	return v;
}

/* The shim is set up: fix the trap path, then let it enter the guest. */
static void on_ready(struct domain *d)
{
	struct core_state *st = d->core.st;
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
	shim_write_trampoline(&d->shim, host);
	/* Calibration ran real dispatches; the guest's counts start here. */
	memset(&st->stats, 0, sizeof st->stats);
	d->stats.guest_entry_ns = stats_now_ns();
}

static void on_log(struct domain *d, uint32_t len)
{
	const char *mb = (const char *)d->shim.region + shim_off_mailbox(d->core.vcpu);
	fprintf(stderr, "xenlet: %.*s\n", (int)(len < SHIM_MAILBOX_SIZE - 1 ? len :
						  SHIM_MAILBOX_SIZE - 1), mb);
}

static void on_console(struct domain *d, uint32_t len)
{
	const char *mb = (const char *)d->shim.region + shim_off_mailbox(d->core.vcpu);
	fwrite(mb, 1, len < SHIM_MAILBOX_SIZE ? len : SHIM_MAILBOX_SIZE, stdout);
	fflush(stdout);
}

/* A host_trap_* result as on_io's: -2 to keep running, else a status. */
static int trap_status(struct domain *d, int rc)
{
	if (rc == 0)
		return -2;
	if (rc == 1)
		return stop_report(d);
	return stop_report_vcpu(d, "host trap path could not handle an exit",
				XENLET_EXIT_INTERNAL);
}

/* Returns -2 to keep running, else an exit status. */
static int on_io(struct domain *d)
{
	struct kvm_run *run = d->vm.run;
	uint32_t v = io_value(run);
	int rc;
	switch (run->io.port) {
	case SHIM_PORT_HYPERCALL:
		d->stats.exits[EXIT_IO_HYPERCALL]++;
		rc = host_trap_hypercall(d);
		break;
	case SHIM_PORT_TRAP:
		d->stats.exits[EXIT_IO_TRAP]++;
		rc = host_trap_frame(d, v);
		break;
	case SHIM_PORT_CONSOLE:
		d->stats.exits[EXIT_IO_CONSOLE]++;
		on_console(d, v);
		return -2;
	case SHIM_PORT_LOG:
		d->stats.exits[EXIT_IO_LOG]++;
		on_log(d, v);
		return -2;
	case SHIM_PORT_STOP:
		d->stats.exits[EXIT_IO_STOP]++;
		if (v) /* the shim faulted itself */
			return stop_report_shim(d);
		return stop_report(d);
	case SHIM_PORT_CALIBRATE:
		d->stats.exits[EXIT_IO_CALIBRATE]++;
		host_trap_calibrate(d);
		return -2;
	case SHIM_PORT_NOTIFY:
		d->stats.exits[EXIT_IO_NOTIFY]++;
		dom0_notify_backend(d, v);
		return -2;
	case SHIM_PORT_TIMER:
		d->stats.exits[EXIT_IO_TIMER]++; /* armed before the next run */
		return -2;
	case SHIM_PORT_BLOCK:
		d->stats.exits[EXIT_IO_BLOCK]++;
		vcpu_clock_block(d);
		return -2;
	case SHIM_PORT_READY:
		d->stats.exits[EXIT_IO_READY]++;
		on_ready(d);
		return -2;
	default:
		d->stats.exits[EXIT_IO_OTHER]++;
		/* A guest poking at other ports: Xen would #GP it; ignore. */
		return -2;
	}
	return trap_status(d, rc);
}

/* The shim never reads a port; CPL3 code can reach only the hypercall
 * port (the TSS bitmap denies the rest). */
static int on_io_in(struct domain *d)
{
	d->stats.exits[EXIT_IO_OTHER]++;
	if (d->vm.run->io.port != SHIM_PORT_HYPERCALL)
		return -2;
	return trap_status(d, host_trap_port_in(d));
}

/*
 * SIGINT and SIGTERM stop the domain cleanly (the embedded xenstore removes
 * its socket, guest memory is unmapped).  The handler sets immediate_exit,
 * which makes KVM_RUN return EINTR even if the signal arrived just before
 * the vCPU entered the guest.
 */
static volatile sig_atomic_t stop_signal;
static struct kvm_run *volatile signal_run;
static volatile int signal_wake_fd = -1; /* a vCPU in SCHEDOP_block wakes */

static void on_stop_signal(int sig)
{
	stop_signal = sig;
	if (signal_run)
		signal_run->immediate_exit = 1;
	if (signal_wake_fd >= 0) {
		uint64_t one = 1;
		if (write(signal_wake_fd, &one, sizeof one) < 0) {
			/* Full counter: a wake is due anyway. */
		}
	}
}

static void catch_stop_signals(struct kvm_run *run, int wake_fd)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigemptyset(&sa.sa_mask);
	signal_run = run;
	signal_wake_fd = wake_fd;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int vcpu_loop_run(struct domain *d)
{
	struct kvm_run *run = d->vm.run;
	catch_stop_signals(run, d->wake_fd);
	for (;;) {
		/* Cleared before the stop check: a stop signal after it still
		 * finds KVM_RUN returning at once. */
		run->immediate_exit = 0;
		if (stop_signal) {
			fprintf(stderr, "xenlet: stopped by signal %d\n", (int)stop_signal);
			return 128 + stop_signal;
		}
		if (__atomic_load_n(&d->console_detached, __ATOMIC_SEQ_CST)) {
			fprintf(stderr, "xenlet: console session ended (Ctrl-]): "
				"domain destroyed\n");
			return XENLET_EXIT_DETACHED;
		}
		if (vcpu_events_before_run(d) < 0)
			return stop_report_vcpu(d, "KVM_INTERRUPT failed", XENLET_EXIT_INTERNAL);
		if (ioctl(d->vm.vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				d->stats.exits[EXIT_INTR]++;
				vcpu_events_interrupted(d);
				continue;
			}
			return stop_report_vcpu(d, strerror(errno), XENLET_EXIT_INTERNAL);
		}
		int status = -2;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction == KVM_EXIT_IO_OUT)
				status = on_io(d);
			else
				status = on_io_in(d);
			break;
		case KVM_EXIT_SHUTDOWN:
			d->stats.exits[EXIT_SHUTDOWN]++;
			status = stop_report_vcpu(d, "guest triple fault", XENLET_EXIT_FAULT);
			break;
		case KVM_EXIT_HLT:
			d->stats.exits[EXIT_HLT]++;
			status = stop_report_vcpu(d, "the shim halted", XENLET_EXIT_INTERNAL);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			d->stats.exits[EXIT_INTERNAL_ERROR]++;
			status = stop_report_vcpu(d, "KVM internal error (emulation "
						      "failure?)", XENLET_EXIT_INTERNAL);
			break;
		case KVM_EXIT_INTR:
			d->stats.exits[EXIT_INTR]++;
			vcpu_events_interrupted(d);
			break;
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			/* the guest can take the event interrupt now */
			d->stats.exits[EXIT_IRQ_WINDOW]++;
			break;
		default: {
			char what[64];
			d->stats.exits[EXIT_OTHER]++;
			snprintf(what, sizeof what, "unexpected KVM exit %u", run->exit_reason);
			status = stop_report_vcpu(d, what, XENLET_EXIT_INTERNAL);
			break;
		}
		}
		if (status != -2)
			return status;
	}
}
