/*
 * Xen system time the way a PV kernel reads it (pvclock): the TSC, which
 * runs natively, scaled by vcpu_time_info's tsc_to_system_mul and
 * tsc_shift from the hypervisor's last stamp (tsc_timestamp, system_time).
 *
 * A guest that must not trap at all while it measures time (it spins to
 * be interrupted) reads the scale once, converts its budget to TSC ticks
 * with pvclock_ns_to_tsc, and then only runs rdtsc.
 */
#ifndef GUEST_PVCLOCK_H
#define GUEST_PVCLOCK_H

#include <stdint.h>
#include <xen/xen.h>

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* TSC ticks to nanoseconds with a vcpu_time_info's scale. */
static inline uint64_t pvclock_scale(uint64_t ticks, uint32_t mul, int8_t shift)
{
	ticks = shift < 0 ? ticks >> -shift : ticks << shift;
	return (uint64_t)(((unsigned __int128)ticks * mul) >> 32);
}

/* The inverse, for ns < 2^32 (about 4 s), so that ns << 32 fits and no
 * 128-bit division (a libgcc call) is needed. */
static inline uint64_t pvclock_ns_to_tsc(uint64_t ns, uint32_t mul, int8_t shift)
{
	uint64_t ticks = (ns << 32) / mul;
	return shift < 0 ? ticks << -shift : ticks >> shift;
}

/* System time now, retried while the hypervisor updates the record (odd
 * version, or a version that changed under the read). */
static inline uint64_t pvclock_read(const volatile struct vcpu_time_info *t)
{
	for (;;) {
		uint32_t v = t->version;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		uint64_t ns = t->system_time +
			pvclock_scale(rdtsc() - t->tsc_timestamp, t->tsc_to_system_mul,
				      t->tsc_shift);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!(v & 1) && v == t->version)
			return ns;
	}
}

#endif
