/*
 * Memory the store engine needs per 10,000 nodes, laid out like guests'
 * homes (/local/domain/<d>/data/key<k> with short values), both as the
 * engine accounts it and as the heap grew. Prints figures, never fails on
 * them.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xenstore/store.h"

#define KEYS_PER_DOMAIN 100

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	struct xs_store *s = xs_store_new(NULL, NULL);
	struct xs_store_stats base, full;
	size_t heap_base, heap_full, nodes;
	double t0, secs;
	char path[64], val[16];

	if (!s) {
		fprintf(stderr, "bench-store-memory: out of memory\n");
		return 1;
	}
	xs_store_stats(s, &base);
	heap_base = mallinfo2().uordblks;
	t0 = now();
	for (int i = 0; i < 10000; i++) {
		snprintf(path, sizeof(path), "/local/domain/%d/data/key%d",
			 i / KEYS_PER_DOMAIN + 1, i % KEYS_PER_DOMAIN);
		snprintf(val, sizeof(val), "value-%d", i);
		if (xs_store_write(s, 0, 0, path, val, strlen(val))) {
			fprintf(stderr, "bench-store-memory: write %s failed\n",
				path);
			return 1;
		}
	}
	secs = now() - t0;
	xs_store_stats(s, &full);
	heap_full = mallinfo2().uordblks;
	nodes = full.nodes - base.nodes;

	printf("store: %zu nodes written (10000 leaves + parents) in %.3f s\n",
	       nodes, secs);
	printf("store: engine-accounted bytes per 10000 nodes: %zu\n",
	       (full.bytes - base.bytes) * 10000 / nodes);
	printf("store: heap bytes per 10000 nodes (with malloc overhead): %zu\n",
	       (heap_full - heap_base) * 10000 / nodes);
	xs_store_free(s);
	return 0;
}
