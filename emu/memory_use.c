/* The launcher's memory, from the kernel's accounting of this process. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "emu/memory_use.h"

/* Pages of [addr, addr + bytes) in memory, in KiB. */
static int resident_kib(const void *addr, size_t bytes, uint64_t *kib)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (bytes + page - 1) / page;
	unsigned char *in_core = malloc(pages ? pages : 1);
	if (!in_core)
		return -1;
	if (mincore((void *)addr, bytes, in_core) < 0) {
		int e = errno;
		free(in_core);
		errno = e;
		return -1;
	}
	uint64_t n = 0;
	for (size_t i = 0; i < pages; i++)
		n += in_core[i] & 1;
	free(in_core);
	*kib = n * (page / 1024);
	return 0;
}

/* The "Key:   N kB" lines of /proc/self/status it needs, in one read. */
static int read_status(struct memory_use *m)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	uint64_t anon = 0, file = 0;
	unsigned found = 0;
	char line[256];
	while (fgets(line, sizeof line, f)) {
		unsigned long long kib;
		if (sscanf(line, "VmHWM: %llu kB", &kib) == 1) {
			m->peak_rss_kib = kib;
			found |= 1;
		} else if (sscanf(line, "RssAnon: %llu kB", &kib) == 1) {
			anon = kib;
			found |= 2;
		} else if (sscanf(line, "RssFile: %llu kB", &kib) == 1) {
			file = kib;
			found |= 4;
		}
	}
	fclose(f);
	if (found != 7) {
		errno = ENOENT;
		return -1;
	}
	m->launcher_kib = anon + file;
	return 0;
}

int memory_use_measure(struct memory_use *m, const void *shim_region, size_t shim_bytes,
		       const void *guest_ram, size_t ram_bytes)
{
	if (read_status(m) ||
	    resident_kib(shim_region, shim_bytes, &m->shim_region_kib) ||
	    resident_kib(guest_ram, ram_bytes, &m->guest_ram_kib))
		return -1;
	return 0;
}

void memory_use_print(FILE *out, const struct memory_use *m)
{
	fprintf(out, "xenlet-stats: mem.peak_rss_kib %llu\n", (unsigned long long)m->peak_rss_kib);
	fprintf(out, "xenlet-stats: mem.launcher_kib %llu\n", (unsigned long long)m->launcher_kib);
	fprintf(out, "xenlet-stats: mem.shim_region_kib %llu\n",
		(unsigned long long)m->shim_region_kib);
	fprintf(out, "xenlet-stats: mem.guest_ram_kib %llu\n", (unsigned long long)m->guest_ram_kib);
	fprintf(out, "xenlet-stats: mem.beyond_guest_ram_kib %llu\n",
		(unsigned long long)(m->launcher_kib + m->shim_region_kib));
}
