/* Counts of VM exits by reason, for --stats and the benchmarks. */
#ifndef XENLET_STATS_H
#define XENLET_STATS_H

#include <stdint.h>
#include <stdio.h>

enum exit_kind {
	EXIT_IO_HYPERCALL, EXIT_IO_TRAP, EXIT_IO_CONSOLE, EXIT_IO_LOG,
	EXIT_IO_STOP, EXIT_IO_CALIBRATE, EXIT_IO_READY, EXIT_IO_OTHER,
	EXIT_IO_NOTIFY, EXIT_IO_BLOCK, EXIT_IO_TIMER, EXIT_IO_KICK, EXIT_IO_YIELD,
	EXIT_HLT, EXIT_SHUTDOWN, EXIT_INTERNAL_ERROR, EXIT_INTR, EXIT_IRQ_WINDOW,
	EXIT_OTHER,
	EXIT_KINDS
};

struct launcher_stats {
	uint64_t exits[EXIT_KINDS];
	uint64_t start_ns, guest_entry_ns, end_ns;
	uint64_t tsc_khz;
	uint64_t calib_guest_ticks, calib_host_ticks;
	uint32_t calib_rounds;
	uint64_t blocks;        /* SCHEDOP_block/poll sleeps */
	uint64_t event_injections; /* CORE_VEC_EVENT interrupts injected */
	uint64_t cr3_loads_by_sregs; /* hypercalls' CR3 loads without the shim */
	uint64_t detours; /* hypercalls from the exit that returned through the shim */
	uint64_t page_hypercalls; /* hypercalls from the hypercall page's `out` */
	uint64_t shim_interrupts; /* event interrupts taken inside the shim's code */
	uint64_t entries_stored_direct; /* page-table stores made without the shim */
	uint64_t frames_forgotten; /* frames KVM was made to forget for them */
};

/* "io_hypercall"...; "unknown" past the enum (exit_kind_name.c). */
const char *exit_kind_name(unsigned kind);

uint64_t stats_now_ns(void);
/* Measures the TSC rate against CLOCK_MONOTONIC (about 20 ms). */
uint64_t stats_measure_tsc_khz(void);

/* Adds a vCPU's counts (exits, sleeps, injections) into the domain's. */
void stats_add(struct launcher_stats *into, const struct launcher_stats *from);

struct core_state;
/* "xenlet: strict: N departures from Xen" and a line per kind met. */
void departures_print(FILE *out, const struct core_state *st);

void stats_print(FILE *out, const struct launcher_stats *ls,
		 const struct core_state *st);

#endif
