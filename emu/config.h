/* What `xenlet run` was asked to do. */
#ifndef XENLET_CONFIG_H
#define XENLET_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include "backends/blk/disk_spec.h"
#include "backends/net/net_spec.h"

enum trap_path_choice { TRAP_PATH_AUTO, TRAP_PATH_GUEST, TRAP_PATH_HOST };
/* Event-channel ABIs the domain offers: 2-level always, FIFO by default
 * (as Xen); a guest uses FIFO only if it asks (EVTCHNOP_init_control). */
enum evtchn_abi_choice { EVTCHN_ABI_FIFO, EVTCHN_ABI_2L };

struct xenlet_config {
	const char *name;            /* --name, xl's name=; NULL: a free default */
	const char *uuid;            /* NULL: a random one */
	/* "pygrub" (or a path to it, as xl configs name it): kernel,
	 * ramdisk and, unless cmdline is given, the command line come from
	 * the first disk's grub configuration (emu/loader/boot_disk.c); kernel and
	 * ramdisk are then NULL. */
	const char *bootloader;
	const char *kernel;
	const char *ramdisk;
	const char *cmdline;
	uint64_t memory_mib;
	unsigned vcpus;
	enum trap_path_choice trap_path;
	enum evtchn_abi_choice evtchn_abi;
	const char *xenstore_socket; /* NULL: the daemon has no socket */
	bool stats;
	const char *trace_path;        /* --trace: binary exit trace; NULL: off */
	bool trace_hypercalls;         /* --trace-hypercalls: a line each */
	bool strict;                   /* --strict: report departures from Xen */
	/* --timer-gap: the least time between a vCPU's one-shot timer
	 * events (vtime.h); not given: XENLET_GUEST_PATH_TIMER_GAP_US in the
	 * guest trap path, none in the host path. */
	bool timer_gap_given;
	uint64_t timer_gap_us;
	const struct disk_spec *disks; /* --disk, in order */
	unsigned nr_disks;
	const struct net_spec *nets;   /* --net, in order (vif0, vif1...) */
	unsigned nr_nets;
	bool daemonize;                /* -d: detach, output to log_path */
	const char *log_path;          /* NULL: NAME.log in the runtime dir */
	bool attach_console;           /* create -c: detached, then its console attached */
	/* Added to the guest's wallclock, as Xen's domain time offset:
	 * xl's localtime = 1 makes it the host's UTC offset. */
	int64_t wallclock_offset_s;
	bool restart_on_reboot;        /* --on-reboot restart */
};

#define XENLET_MAX_DISKS 16
#define XENLET_MAX_NETS 8

#define XENLET_DEFAULT_MEMORY_MIB 512

/* In the guest trap path a one-shot timer event with the guest's answer
 * (the upcall, its next deadline, the iret) is some 3,000 emulated
 * instructions, 3-7 ms on these hosts: at Linux's 250 Hz that is all the
 * time there is.  20 ms leaves the guest most of it. */
#define XENLET_GUEST_PATH_TIMER_GAP_US 20000

/* Exit statuses of `xenlet run`. */
enum xenlet_exit {
	XENLET_EXIT_POWEROFF = 0,
	XENLET_EXIT_SETUP = 1,      /* usage, load or set-up error */
	XENLET_EXIT_REBOOT = 2,
	XENLET_EXIT_CRASH = 3,      /* the guest said it crashed (or suspend etc.) */
	XENLET_EXIT_FAULT = 4,      /* a guest fault or triple fault */
	XENLET_EXIT_INTERNAL = 5,   /* KVM or shim failure */
	XENLET_EXIT_DETACHED = 6,   /* the console user ended the session (Ctrl-]) */
	/* stopped by SIGINT or SIGTERM: 128 + the signal, as shells report */
};

int xenlet_run(const struct xenlet_config *cfg);

#endif
