/*
 * Time and vCPU placement: Xen system time (ns since the domain started,
 * from the guest's TSC) and the wallclock, per domain; per vCPU the
 * vcpu_time_info the guest reads, its one-shot and periodic timers
 * (VIRQ_TIMER), where its vcpu_info lives (VCPUOP_register_vcpu_info)
 * and its runstate area.
 */
#ifndef XENLET_CORE_VTIME_H
#define XENLET_CORE_VTIME_H

#include <stdint.h>

#define VTIME_POLL_MAX_PORTS 128 /* Xen's limit for SCHEDOP_poll too */

struct vtime_state {
	/* TSC -> ns: ((tsc - tsc_start) shifted by tsc_shift) * tsc_mul >> 32
	 * (the vcpu_time_info scale).  0 mul: time not set up (unit tests of
	 * others), system time stays 0. */
	uint64_t tsc_start;
	uint32_t tsc_mul;
	int32_t tsc_shift;
	uint64_t wc_start_sec;     /* wallclock at system time 0 */
	uint32_t wc_start_nsec;
	uint32_t pad;
	/* The least time between two one-shot timer events of a vCPU (0:
	 * none, as Xen): set by the launcher with the trap path, for the
	 * guest path, where each event costs milliseconds of emulated shim
	 * code and a guest that asks for its next tick before it has
	 * finished this one would otherwise get nothing else done. */
	uint64_t oneshot_gap_ns;
};

/* The most oneshot_gap_ns may hold an event back (it is read from the
 * core state, written by the launcher). */
#define VTIME_ONESHOT_GAP_MAX_NS 1000000000ULL

/* One vCPU's (struct core_vcpu). */
struct vtime_vcpu {
	/* 1 once VCPUOP_register_vcpu_info moved vcpu_info to vcpu_info_gpa
	 * (0: vcpu_info[0] of shared_info).  A flag, not gpa 0, because
	 * frame 0 offset 0 is a place the guest may name. */
	uint32_t vcpu_info_registered;
	uint64_t vcpu_info_gpa;
	uint64_t runstate_va;      /* 0: none registered */
	uint64_t singleshot_ns;    /* absolute system time; 0: stopped */
	uint64_t singleshot_fired_ns; /* when it last fired (0: never) */
	uint64_t period_ns;        /* 0: no periodic timer */
	uint64_t periodic_next_ns;
	uint64_t poll_deadline_ns; /* SCHEDOP_poll's timeout while it sleeps */
	/* The ports SCHEDOP_poll sleeps on (poll_nr of them; 0 outside a
	 * poll), for the launcher to look at after it used up its wakes. */
	uint32_t poll_nr;
	uint16_t poll_ports[VTIME_POLL_MAX_PORTS];
	/* When the launcher's vCPU timer fires (0: not armed), so the shim
	 * tells it of an earlier deadline only (platform_timer_deadline).
	 * Written by the launcher; a hint, nothing depends on it but when
	 * an exit happens. */
	uint64_t launcher_armed_ns;
};

struct core;
struct vcpu_info;

/* Sets the clock (the launcher, once, before the vCPU runs): the guest's
 * TSC rate and its TSC now, and the wallclock time now. */
void vtime_init(struct core *c, uint64_t tsc_khz, uint64_t tsc_now,
		uint64_t wall_sec, uint32_t wall_nsec);

/* Computes mul and shift for a TSC of tsc_khz (hosted code: divides). */
void vtime_scale(uint64_t tsc_khz, uint32_t *mul, int32_t *shift);

/* System time now, ns. */
uint64_t vtime_now_ns(struct core *c);

/* vCPU vcpu's vcpu_info wherever the guest put it (vcpu < nr_vcpus);
 * core_vcpu_info: the one of the vCPU the core runs for. */
struct vcpu_info *vtime_vcpu_info_of(struct core *c, unsigned vcpu);
struct vcpu_info *core_vcpu_info(struct core *c);

/* vcpu's runstate now; written to its runstate area, if it has one
 * (through the caller's page tables). */
struct vcpu_runstate_info;
void vtime_runstate(struct core *c, unsigned vcpu, struct vcpu_runstate_info *r);
void vtime_write_runstate(struct core *c, unsigned vcpu);

/* Writes vcpu_time_info, the wallclock and the runstate area afresh. */
void vtime_update(struct core *c);

/* The earliest timer deadline (system time ns), or 0 if none is set:
 * the one-shot timer's no sooner than oneshot_gap_ns after it last fired. */
uint64_t vtime_next_deadline(struct core *c);

/* Raises VIRQ_TIMER for each timer that is due (and rearms the periodic
 * one).  Returns 1 if an upcall became pending. */
int vtime_poll_timers(struct core *c);

#endif
