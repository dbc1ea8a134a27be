/*
 * --stats output: one `xenlet-stats: key value` line each, so scripts can
 * read it.  Exits and transitions are the figures that carry over to other
 * hosts; times are this host's.
 */
#include <time.h>
#include "pv-shim/core/core.h"
#include "emu/stats.h"

uint64_t stats_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t stats_measure_tsc_khz(void)
{
	uint64_t n0 = stats_now_ns(), t0 = rdtsc();
	struct timespec d = { 0, 20 * 1000 * 1000 };
	nanosleep(&d, NULL);
	uint64_t n1 = stats_now_ns(), t1 = rdtsc();
	return (t1 - t0) * 1000000ULL / (n1 - n0);
}

void stats_add(struct launcher_stats *into, const struct launcher_stats *from)
{
	for (int i = 0; i < EXIT_KINDS; i++)
		into->exits[i] += from->exits[i];
	into->blocks += from->blocks;
	into->event_injections += from->event_injections;
	into->cr3_loads_by_sregs += from->cr3_loads_by_sregs;
	into->detours += from->detours;
	into->page_hypercalls += from->page_hypercalls;
	into->shim_interrupts += from->shim_interrupts;
	into->entries_stored_direct += from->entries_stored_direct;
	into->frames_forgotten += from->frames_forgotten;
}

void stats_print(FILE *out, const struct launcher_stats *ls,
		 const struct core_state *st)
{
	uint64_t total = 0;
	for (int i = 0; i < EXIT_KINDS; i++)
		total += ls->exits[i];
	fprintf(out, "xenlet-stats: trap_path %s\n",
		st->trap_path == CORE_PATH_HOST ? "host" : "guest");
	fprintf(out, "xenlet-stats: tsc_khz %llu\n", (unsigned long long)ls->tsc_khz);
	fprintf(out, "xenlet-stats: timer_gap_us %llu\n",
		(unsigned long long)(st->vtime.oneshot_gap_ns / 1000));
	if (ls->calib_rounds)
		fprintf(out, "xenlet-stats: calibrate_ticks guest %llu host %llu "
			"rounds %u\n", (unsigned long long)ls->calib_guest_ticks,
			(unsigned long long)ls->calib_host_ticks, ls->calib_rounds);
	if (ls->guest_entry_ns)
		fprintf(out, "xenlet-stats: start_to_guest_us %llu\n",
			(unsigned long long)((ls->guest_entry_ns - ls->start_ns) / 1000));
	fprintf(out, "xenlet-stats: run_us %llu\n",
		(unsigned long long)((ls->end_ns - ls->start_ns) / 1000));
	fprintf(out, "xenlet-stats: vcpu_blocks %llu\n", (unsigned long long)ls->blocks);
	fprintf(out, "xenlet-stats: event_injections %llu\n",
		(unsigned long long)ls->event_injections);
	fprintf(out, "xenlet-stats: event_interrupts %llu\n",
		(unsigned long long)st->stats.event_interrupts);
	fprintf(out, "xenlet-stats: vm_exits %llu\n", (unsigned long long)total);
	for (int i = 0; i < EXIT_KINDS; i++)
		if (ls->exits[i])
			fprintf(out, "xenlet-stats: vm_exits.%s %llu\n", exit_kind_name(i),
				(unsigned long long)ls->exits[i]);
	fprintf(out, "xenlet-stats: transitions %llu\n",
		(unsigned long long)st->stats.transitions);
	uint64_t calls = st->stats.hypercalls_out_of_range;
	for (int i = 0; i < CORE_NR_HYPERCALLS; i++)
		calls += st->stats.hypercalls[i];
	fprintf(out, "xenlet-stats: hypercalls %llu\n", (unsigned long long)calls);
	for (int i = 0; i < CORE_NR_HYPERCALLS; i++)
		if (st->stats.hypercalls[i])
			fprintf(out, "xenlet-stats: hypercall.%s %llu\n",
				core_hypercall_name((uint64_t)i),
				(unsigned long long)st->stats.hypercalls[i]);
	fprintf(out, "xenlet-stats: retype_flushes %llu\n",
		(unsigned long long)st->stats.retype_flushes);
	fprintf(out, "xenlet-stats: tlb_shootdowns %llu\n",
		(unsigned long long)st->stats.tlb_shootdowns);
	fprintf(out, "xenlet-stats: cr3_loads_by_sregs %llu\n",
		(unsigned long long)ls->cr3_loads_by_sregs);
	fprintf(out, "xenlet-stats: hypercall_detours %llu\n",
		(unsigned long long)ls->detours);
	fprintf(out, "xenlet-stats: page_hypercalls %llu\n",
		(unsigned long long)ls->page_hypercalls);
	fprintf(out, "xenlet-stats: shim_interrupts %llu\n",
		(unsigned long long)ls->shim_interrupts);
	fprintf(out, "xenlet-stats: entries_stored_direct %llu\n",
		(unsigned long long)ls->entries_stored_direct);
	fprintf(out, "xenlet-stats: frames_forgotten %llu\n",
		(unsigned long long)ls->frames_forgotten);
	for (int i = 0; i < CORE_NR_VECTORS; i++)
		if (st->stats.traps[i])
			fprintf(out, "xenlet-stats: trap.%d %llu\n", i,
				(unsigned long long)st->stats.traps[i]);
	for (unsigned i = 0; i < CORE_DEPARTURE_KINDS; i++)
		if (st->departures[i])
			fprintf(out, "xenlet-stats: departure.%s %llu\n",
				core_departure_name(i),
				(unsigned long long)st->departures[i]);
}

void departures_print(FILE *out, const struct core_state *st)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < CORE_DEPARTURE_KINDS; i++)
		total += st->departures[i];
	fprintf(out, "xenlet: strict: %llu departures from Xen\n", (unsigned long long)total);
	for (unsigned i = 0; i < CORE_DEPARTURE_KINDS; i++)
		if (st->departures[i])
			fprintf(out, "xenlet: strict: %s %llu\n", core_departure_name(i),
				(unsigned long long)st->departures[i]);
}
