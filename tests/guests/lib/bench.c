/* The bench guests' report line (bench.h). */
#include "bench.h"
#include "sort.h"
#include "test.h"

void bench_report(const char *name, uint64_t *ticks, unsigned long calls)
{
	sort_u64(ticks, calls);
	printk("bench: %s median_ticks=%lu min_ticks=%lu calls=%lu\n", name,
	       ticks[calls / 2], ticks[0], calls);
}
