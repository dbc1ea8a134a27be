/* One running PV domain: its memory, its vCPUs and the core's state. */
#ifndef XENLET_DOMAIN_H
#define XENLET_DOMAIN_H

#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include "pv-shim/core/core.h"
#include "emu/config.h"
#include "emu/dom0/dom0_core.h"
#include "backends/blk/blkback.h"
#include "backends/net/netback.h"
#include "backends/console/console_input.h"
#include "backends/console/console_output.h"
#include "emu/dom0/dom0_xenstore.h"
#include "emu/build/kvm_vm.h"
#include "emu/vcpu/platform_host.h"
#include "emu/build/shim_setup.h"
#include "emu/stats.h"
#include "emu/trace/trace_writer.h"

/* One vCPU: its KVM vCPU, its thread, and the core as it runs for it. */
struct vcpu {
	struct domain *d;
	unsigned id;
	int launched;                /* its KVM vCPU exists and its thread runs */
	struct kvm_vcpu kvm;
	struct host_platform plat;   /* per vCPU: its fd, its CPU-ops queue */
	struct core core;            /* core.st points into the shim region */
	struct launcher_stats stats; /* this vCPU's exits, sleeps, injections */
	struct vcpu_trace trace;     /* --trace: its records (trace_writer.h) */
	int wake_fd;                 /* eventfd: wakes it in SCHEDOP_block */
	/* Asynchronous events (vcpu_events.c): its thread, its timer and the
	 * guest time it is armed for, and a kick that wants it in the core. */
	pthread_t thread;            /* set by the thread itself, for kicks */
	pthread_t join_handle;       /* vCPUs but 0: pthread_create's */
	timer_t kick_timer;
	int kick_timer_ok;
	uint64_t kick_armed_at;
	int interrupt_wanted;
	/* Its thread's CPU clock, for `xenlet vcpu-list` from another
	 * thread (a clockid stays safe to read after the thread is gone). */
	clockid_t cpu_clock;
	int cpu_clock_ok;
	/* Host trap path TLB shootdowns (vcpu_smp.c): asked, and done. */
	uint32_t flush_req, flush_done;
};

struct domain {
	const struct xenlet_config *cfg;
	const char *name;            /* its control socket's, and xenstore's */
	int ram_fd;                  /* memfd: backends map guest RAM from it */
	uint8_t *ram;
	uint64_t ram_bytes;
	struct shim_setup shim;
	/* The kernel's hypercall page (emu/build/hypercall_page.h), where it
	 * is in guest RAM and where the kernel sees it; 0 if it has none. */
	uint64_t hypercall_page_va, hypercall_page_maddr;
	struct kvm_vm vm;
	struct vcpu vcpu[SHIM_MAX_VCPUS]; /* the first cfg->vcpus are the domain's */
	pthread_mutex_t core_lock;   /* the domain lock of the host trap path */
	struct kvm_vcpu_start vcpu_start; /* vCPU 0's, the others' template */
	struct launcher_stats stats; /* the domain's: times, calibration, sums */
	int trace_fd;                /* --trace's file, -1 without */
	struct dom0_xenstore xenstore;
	uint32_t store_evtchn, console_evtchn; /* ports bound to dom0 */
	struct backend_domain dom0;  /* the backends' handle (dom0_core.h) */
	struct xenbus_backends *backends; /* disks and vifs (dom0_devices.c) */
	struct blkback_stats disk_stats[XENLET_MAX_DISKS];
	struct netback_stats net_stats[XENLET_MAX_NETS];
	struct console_output console_out; /* the console (dom0_console.c) */
	struct console_input console_in;
	/* The control socket's attached console client, or NULL; it also
	 * gets console_io's output (dom0_console.c). */
	struct console_client *console_client;
	int console_detached;        /* Ctrl-] on the console: stop */
	/* `xenlet pause`: while set, vCPU threads park before KVM_RUN
	 * (vcpu_loop.c); parked counts them. */
	int paused;
	int parked;
	/* The end (vcpu_smp.c): set once, by whichever vCPU ends it, with
	 * the exit status; every vCPU's loop then returns. */
	pthread_mutex_t stop_lock;
	int stopping, stop_status;
	int stop_reported;           /* why it stopped has been said */
};

/* The domain's disks and vifs (dom0_devices.c): their backends started
 * with the xenstore, stopped (I/O finished, grants returned) when the
 * domain ends; their counts for --stats. */
int dom0_devices_start(struct domain *d, char *err, size_t errlen);
void dom0_devices_stop(struct domain *d);
void dom0_devices_print_stats(const struct domain *d, FILE *out);

/* Runs vCPU v until the domain stops; returns the xenlet exit status
 * (-1: another vCPU ended the domain). */
int vcpu_loop_run(struct vcpu *v);
/* SIGINT and SIGTERM end the domain (before any vCPU runs); the domain
 * is going (the handler leaves it alone); the stop signal taken, or 0. */
void vcpu_loop_catch_signals(struct domain *d);
void vcpu_loop_release_signals(void);
int vcpu_loop_stop_signal(void);

/* Host trap path: handle the exits that carry a trap to the launcher.
 * Return 0 to resume, 1 when the domain has stopped, -1 on internal error. */
int host_trap_hypercall(struct vcpu *v);
/* An `in` from the hypercall port: only stray guest code does that. */
int host_trap_port_in(struct vcpu *v);
/* A trap from the shim's CPL0 stub (SHIM_PORT_TRAP_REGS).  host_trap_stub
 * works on registers already read (the fuzzer's way in) and changes them
 * to resume the vCPU in the chain when it returns 0; host_trap_regs reads
 * and then sets them in the vCPU. */
int host_trap_regs(struct vcpu *v);
int host_trap_stub(struct vcpu *v, struct kvm_regs *regs);
void host_trap_calibrate(struct vcpu *v);

/* dom0's backends (dom0_backends.c): the guest sent on port. */
void dom0_notify_backend(struct domain *d, uint32_t port);
/* dom0 sends on its end of port (a backend's event): raises the guest's
 * end if it is still bound to dom0, and wakes or interrupts its vCPU. */
void dom0_signal_guest(struct domain *d, uint32_t port);
void dom0_notify_backend_cb(void *opaque, uint32_t port);
void dom0_signal_store_cb(void *opaque); /* the xenstore daemon's notify */

/* The domain's console (dom0_console.c) on its ring page: output to
 * stdout, input from stdin (0, or -1 and a reason in err); the input
 * stopped and the terminal restored (safe to call more than once, and
 * without a start). */
int dom0_console_start(struct domain *d, void *ring, char *err, size_t errlen);
void dom0_console_stop(struct domain *d);
/* host_platform's console_copy: console_io's output to the client. */
void dom0_console_copy_cb(void *opaque, const char *buf, size_t len);

/* The guest's clock (vcpu_clock.c): the guest TSC and the core's time
 * base, once vCPU 0 exists; a vCPU's SCHEDOP_block sleep; waking it. */
int vcpu_clock_start(struct domain *d, char *err, size_t errlen);
void vcpu_clock_block(void *opaque);
void vcpu_clock_wake(struct vcpu *v);

/* Asynchronous event delivery (vcpu_events.c), on the vCPU's thread: set
 * up and tear down its timer; before each KVM_RUN inject the event
 * interrupt if something is due (-1 on a KVM failure); KVM_RUN returned
 * early.  vcpu_events_kick, from any thread: look at your events (wake
 * from a sleep), and with interrupt also enter the core. */
int vcpu_events_start(struct vcpu *v, char *err, size_t errlen);
void vcpu_events_stop(struct vcpu *v);
int vcpu_events_before_run(struct vcpu *v);
void vcpu_events_interrupted(struct vcpu *v);
void vcpu_events_kick(struct vcpu *v, int interrupt);
/*
 * The core is about to run on this vCPU's exit (host trap path).  A kick
 * asks for the interrupt only to get the core running; the core delivers
 * any upcall due on its way back to the guest (and the host path serves
 * flushes before it runs).  So an exit the core handles answers every
 * kick made before it: without this, an event the core bounced on an
 * iret's way back to user mode was injected once more right after, into
 * the callback it had entered with events masked, for an interrupt window
 * exit and a trap exit that found nothing to do.  A kick made from here
 * on stands.
 */
static inline void vcpu_events_core_runs(struct vcpu *v)
{
	__atomic_store_n(&v->interrupt_wanted, 0, __ATOMIC_SEQ_CST);
}

/* SMP (vcpu_smp.c): the launcher's struct host_smp for vCPU v; start
 * vCPU n (VCPUOP_up); a host-path TLB flush another vCPU asked of v,
 * queued for v's shim, where v's exit is going to apply its queue; the
 * domain ends with status (the first caller's counts); wait for every
 * vCPU thread. */
void vcpu_smp_init(struct vcpu *v);
int vcpu_smp_launch(struct domain *d, unsigned n);
void vcpu_serve_flush(struct vcpu *v);
/* Host trap path: a whole TLB flush of every launched vCPU in mask but
 * self (NULL from dom0's handle, which has no self), each kicked into
 * answering; returns when all have, or the domain stops. */
void vcpu_smp_shootdown(struct domain *d, const struct vcpu *self, uint64_t mask);
void domain_stop(struct domain *d, int status);
void vcpu_smp_join(struct domain *d);

/* Prints why the domain stopped (once for the domain, whichever vCPUs
 * see it) and returns the exit status for it. */
int stop_report(struct vcpu *v);
/* For a stop the core did not decide (triple fault, KVM or shim failure):
 * prints what and the vCPU's registers, returns status. */
int stop_report_vcpu(struct vcpu *v, const char *what, int status);
/* The shim stopped on a fault of its own: stop_report_vcpu with the
 * core's message, read within its array. */
int stop_report_shim(struct vcpu *v);

#endif
