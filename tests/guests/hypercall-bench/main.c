/*
 * Times XENVER_version hypercalls, xt.calls (default 10000) through the
 * hypercall page and as many as raw syscalls, each call on its own with
 * rdtsc, and prints per path
 *
 *     bench: <path> median_ticks=N min_ticks=N calls=N
 *
 * The runner turns ticks into time with the launcher's tsc_khz.  With
 * xt.calls=0 it makes no call: a baseline for the launcher's exit and
 * transition counts.
 */
#include <stdint.h>

#include "bench.h"
#include "cmdline.h"
#include "hypercall.h"
#include "test.h"

const char test_title[] = "XENVER_version hypercall cost, page and syscall";

#define DEFAULT_CALLS 10000
#define MAX_CALLS 100000
static uint64_t ticks[MAX_CALLS];

typedef long hypercall_fn(unsigned nr, unsigned long a1, unsigned long a2,
			  unsigned long a3, unsigned long a4, unsigned long a5);

static void bench(const char *name, hypercall_fn *call, unsigned long calls)
{
	unsigned long wrong = 0;

	for (unsigned long i = 0; i < calls; i++) {
		uint64_t t0 = rdtsc_ordered();
		long rc = call(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
		ticks[i] = rdtsc_ordered() - t0;
		wrong += rc != ((4 << 16) | 17);
	}
	check_msg(!wrong, "%s: %lu of %lu calls returned the wrong version",
		  name, wrong, calls);
	if (!calls) {
		printk("bench: %s calls=0\n", name);
		return;
	}
	bench_report(name, ticks, calls);
}

void test_main(void)
{
	uint64_t calls = DEFAULT_CALLS;

	require(cmdline_u64(test_cmdline(), "xt.calls", &calls) != CMDLINE_BAD &&
		calls <= MAX_CALLS, "xt.calls is a number up to %u", MAX_CALLS);
	bench("hypercall_page", hypercall_via_page, calls);
	bench("syscall", hypercall_via_syscall, calls);
}
