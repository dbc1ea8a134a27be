/*
 * Timing hypercalls one by one in the bench guests: the TSC read after
 * every earlier instruction has finished, and one line per kind of call
 * that scripts/bench-*.sh read:
 *
 *     bench: <name> median_ticks=N min_ticks=N calls=N
 */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include <stdint.h>

static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

/* Sorts ticks[0..calls) and prints their median and minimum (calls > 0). */
void bench_report(const char *name, uint64_t *ticks, unsigned long calls);

#endif
