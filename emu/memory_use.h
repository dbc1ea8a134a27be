/*
 * What a xenlet holds in host memory, for --stats and make bench: its own
 * (heap, stacks, the binary and its libraries), the shim region's pages
 * in use (the memory Xen keeps for a domain: core state, frame table,
 * M2P, trap stacks), and the guest RAM the guest has touched.
 */
#ifndef XENLET_MEMORY_USE_H
#define XENLET_MEMORY_USE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct memory_use {
	uint64_t peak_rss_kib;      /* VmHWM: everything, guest RAM included */
	uint64_t launcher_kib;      /* RssAnon + RssFile */
	uint64_t shim_region_kib;   /* resident pages of the shim region */
	uint64_t guest_ram_kib;     /* resident pages of guest RAM */
};

/* Reads /proc/self/status and asks mincore(2) about the two regions
 * (page-aligned mappings).  0, or -1 with errno. */
int memory_use_measure(struct memory_use *m, const void *shim_region, size_t shim_bytes,
		       const void *guest_ram, size_t ram_bytes);

/* `xenlet-stats: mem.KEY N` lines, with beyond_guest_ram_kib: the
 * launcher's own and the shim region's. */
void memory_use_print(FILE *out, const struct memory_use *m);

#endif
