/*
 * All state of the hypercall/trap core.  It lives in the shim region of
 * guest-physical memory, so the core can run on it either inside the guest
 * or in the launcher.  No host or guest pointers: only numbers, indexes and
 * guest addresses.
 */
#ifndef XENLET_CORE_STATE_H
#define XENLET_CORE_STATE_H

#include <stdint.h>
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/trap_frame.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/traps/traps_state.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/grant/grant_state.h"
#include "pv-shim/core/sched/vtime.h"
#include "pv-shim/core/emulate/pit_state.h"
#include "pv-shim/core/departure.h"

#define CORE_STATE_MAGIC 0x65726f63u /* "core" */
#define CORE_NR_HYPERCALLS 64        /* Xen's table size; higher is -ENOSYS */
#define CORE_NR_VECTORS 32
/* The vCPUs a domain may have: one block each in the shim region, and
 * as many as shared_info has a vcpu_info for (XEN_LEGACY_MAX_VCPUS). */
#define CORE_MAX_VCPUS SHIM_MAX_VCPUS

enum core_trap_path {
	CORE_PATH_GUEST = 0, /* the core runs in the shim, at CPL0 */
	CORE_PATH_HOST = 1,  /* the core runs in the launcher */
};

enum core_stop_reason {
	CORE_RUNNING = 0,
	CORE_STOP_SHUTDOWN, /* SCHEDOP_shutdown; shutdown_code says which */
	CORE_STOP_FAULT,    /* a guest fault nobody can take */
};

struct core_stats {
	uint64_t transitions;  /* guest CPL3 -> shim CPL0 entries */
	uint64_t event_interrupts; /* CORE_VEC_EVENT: the launcher's kicks */
	uint64_t traps[CORE_NR_VECTORS];
	uint64_t hypercalls[CORE_NR_HYPERCALLS];
	uint64_t hypercalls_out_of_range;
	uint64_t retype_flushes; /* TLB flushes a type change needed */
	uint64_t tlb_shootdowns; /* flushes asked of other vCPUs */
};

/* What Xen keeps per vCPU; the core reaches it through core_vcpu(). */
struct core_vcpu {
	uint64_t cr3;          /* guest kernel top-level table, machine address */
	uint64_t user_cr3;     /* MMUEXT_NEW_USER_BASEPTR's table, 0 if none */
	uint64_t cr2;          /* of the page fault being handled */
	uint64_t fs_base;
	uint64_t gs_base_kernel; /* active while the guest kernel runs */
	uint64_t gs_base_user;   /* the guest's MSR_SHADOW_GS_BASE */
	uint64_t cr4_guest;      /* CR4 bits the guest controls (guest_cr4.c) */
	uint8_t kernel_mode;   /* 1 while the guest kernel (not user) runs */
	/* Xen's is_initialised, !VPF_down and "has run": vCPU 0 is all
	 * three from the start; the others get a context from
	 * VCPUOP_initialise, run from VCPUOP_up (started once, by the
	 * platform), and stop running guest code while down. */
	uint8_t initialised, up, started;
	/* 1 while it sleeps in vcpu_wait_while_down: down, and no longer
	 * running guest code (between VCPUOP_down and this it still runs,
	 * so TLB flushes still count it: mm_tlb.c). */
	uint8_t parked;
	uint8_t pad[3];
	struct traps_vcpu traps; /* virtual IDT, callbacks, kernel stack... */
	struct vtime_vcpu vtime; /* timers, vcpu_info place, runstate area */
	struct mm_vcpu mm;       /* a hypercall's continuation */
	struct trap_frame start; /* VCPUOP_initialise's registers */
	/* With CORE_TRACE_ENTRIES: the trap or hypercall being handled
	 * (CORE_TRACE_CAUSE_*, 0 none yet; the number or vector, the first
	 * argument or error code, the RIP), for the launcher's trace of the
	 * exits the shim makes meanwhile. */
	uint64_t trace_cause, trace_code, trace_arg, trace_rip;
};

/* What the launcher asked the core to report (core_state.trace_flags). */
#define CORE_TRACE_ENTRIES    1u /* note each trap's cause (core_vcpu.trace_*) */
#define CORE_TRACE_HYPERCALLS 2u /* platform_trace_hypercall for each one */
#define CORE_TRACE_STRICT     4u /* log each kind of departure the first time */
/* core_vcpu.trace_cause: the values of the trace file's (trace_format.h). */
#define CORE_TRACE_CAUSE_HYPERCALL 1
#define CORE_TRACE_CAUSE_TRAP      2

struct core_state {
	uint32_t magic;
	uint32_t trap_path;            /* enum core_trap_path */
	uint32_t trace_flags;          /* CORE_TRACE_*, set before the guest runs */
	uint32_t pad_trace;
	struct core_vcpu vcpu[CORE_MAX_VCPUS];
	struct traps_state traps;      /* VM assists (traps_state.h) */

	uint32_t stop_reason;          /* enum core_stop_reason */
	uint32_t shutdown_code;        /* SHUTDOWN_* */
	struct trap_frame stop_frame;  /* guest registers when it stopped */
	char stop_message[192];

	uint64_t enosys_logged;        /* bit n: hypercall n already reported */
	uint32_t enosys_logged_out_of_range; /* one report for all n >= 64 */
	uint32_t last_enosys;          /* last unimplemented hypercall, +1 */
	uint64_t last_enosys_rip;

	struct core_stats stats;
	uint64_t departures[CORE_DEPARTURE_KINDS]; /* core_departure() */
	struct mm_state mm;            /* frame table, M2P, continuations */
	struct evtchn_state evtchn;    /* event channel ports (evtchn.h) */
	struct grant_state grant;      /* grant table (grant/grant_state.h) */
	struct vtime_state vtime;      /* TSC scale, wallclock (vtime.h) */
	struct pit_channel2 pit;       /* PIT channel 2 (pit_channel2.c) */
};

#endif
