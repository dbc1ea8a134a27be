/* One running PV domain: its memory, its vCPU and the core's state. */
#ifndef XENLET_DOMAIN_H
#define XENLET_DOMAIN_H

#include <pthread.h>
#include <termios.h>
#include <time.h>
#include "pv-shim/core/core.h"
#include "emu/config.h"
#include "emu/dom0_xenstore.h"
#include "emu/kvm_vm.h"
#include "emu/platform_host.h"
#include "emu/shim_setup.h"
#include "emu/stats.h"

/* The console's input thread (console_input.c). */
struct console_input {
	pthread_t thread;
	int running;
	int stop_fd, room_fd;    /* eventfds: the domain stops; in[] has room */
	int tty;                 /* stdin is a terminal, in raw mode */
	struct termios saved_tty;
	uint32_t prod;           /* our in_prod: never read back from the ring */
};

struct domain {
	const struct xenlet_config *cfg;
	int ram_fd;                  /* memfd: backends map guest RAM from it */
	uint8_t *ram;
	uint64_t ram_bytes;
	struct shim_setup shim;
	struct kvm_vm vm;
	struct host_platform plat;
	struct core core;            /* core.st points into the shim region */
	struct launcher_stats stats;
	struct dom0_xenstore xenstore;
	void *console_ring;          /* the guest's xencons_interface page */
	int console_ring_bad;        /* its indexes were impossible: ignored */
	uint32_t store_evtchn, console_evtchn; /* ports bound to dom0 */
	int wake_fd;                 /* eventfd: wakes a blocked vCPU */
	/* Asynchronous events (vcpu_events.c): the vCPU's thread, its timer
	 * and the guest time it is armed for. */
	pthread_t vcpu_thread;
	timer_t kick_timer;
	int kick_timer_ok;
	uint64_t kick_armed_at;
	struct console_input console_in;
	int console_detached;        /* Ctrl-] on the console: stop */
};

/* Runs the vCPU until the domain stops; returns the xenlet exit status. */
int vcpu_loop_run(struct domain *d);

/* Host trap path: handle the exits that carry a trap to the launcher.
 * Return 0 to resume, 1 when the domain has stopped, -1 on internal error. */
int host_trap_hypercall(struct domain *d);
/* An `in` from the hypercall port: only stray guest code does that. */
int host_trap_port_in(struct domain *d);
int host_trap_frame(struct domain *d, uint32_t frame_low);
void host_trap_calibrate(struct domain *d);

/* dom0's backends (dom0_backends.c): the guest sent on port; the console
 * ring read (at each console send and when the domain stops). */
void dom0_notify_backend(struct domain *d, uint32_t port);
void dom0_notify_backend_cb(void *opaque, uint32_t port);
void dom0_console_drain(struct domain *d);
void dom0_signal_store_cb(void *opaque); /* the xenstore daemon's notify */
void dom0_console_signal(struct domain *d); /* an event on the console port */

/* The console's input from xenlet's stdin (console_input.c): start the
 * thread (none when stdin is closed), tell it the guest made room in
 * in[], stop it and restore the terminal (safe to call more than once). */
int console_input_start(struct domain *d, char *err, size_t errlen);
void console_input_room(struct domain *d);
void console_input_stop(struct domain *d);

/* The vCPU's clock (vcpu_clock.c): the guest TSC and the core's time
 * base, once the vCPU exists; SCHEDOP_block's sleep; waking it. */
int vcpu_clock_start(struct domain *d, char *err, size_t errlen);
void vcpu_clock_block(void *opaque);
void vcpu_clock_wake(struct domain *d);

/* Asynchronous event delivery (vcpu_events.c), on the vCPU's thread: set
 * up and tear down its timer; before each KVM_RUN inject the event
 * interrupt if something is due (-1 on a KVM failure); KVM_RUN returned
 * early.  vcpu_events_kick, from any thread: an event was raised, look. */
int vcpu_events_start(struct domain *d, char *err, size_t errlen);
void vcpu_events_stop(struct domain *d);
int vcpu_events_before_run(struct domain *d);
void vcpu_events_interrupted(struct domain *d);
void vcpu_events_kick(struct domain *d);

/* Prints why the domain stopped and returns the exit status for it. */
int stop_report(struct domain *d);
/* For a stop the core did not decide (triple fault, KVM or shim failure):
 * prints what and the vCPU's registers, returns status. */
int stop_report_vcpu(struct domain *d, const char *what, int status);
/* The shim stopped on a fault of its own: stop_report_vcpu with the
 * core's message, read within its array. */
int stop_report_shim(struct domain *d);

#endif
