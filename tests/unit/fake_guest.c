#include <stdlib.h>
#include <string.h>

#include "tests/unit/fake_guest.h"

#define ADDR_MASK 0x000ffffffffff000ULL

static void need(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fake_guest: %s\n", what);
		abort();
	}
}

void fake_guest_init(struct fake_guest *g, uint64_t nr_pages)
{
	memset(g, 0, sizeof *g);
	g->nr_pages = nr_pages;
	g->ram = calloc(nr_pages, FG_PAGE);
	g->st = calloc(1, sizeof *g->st);
	need(g->ram && g->st, "out of memory");
	g->next_table_pfn = 1;
	g->st->magic = CORE_STATE_MAGIC;
	g->st->vcpu[0].cr3 = 0;
	g->st->vcpu[0].kernel_mode = 1;
	g->st->vcpu[0].initialised = g->st->vcpu[0].up = g->st->vcpu[0].started = 1;
	g->plat.ram = g->ram;
	g->plat.ram_bytes = nr_pages * FG_PAGE;
	g->plat.console = open_memstream(&g->console_text, &g->console_len);
	g->plat.log = open_memstream(&g->log_text, &g->log_len);
	need(g->plat.console && g->plat.log, "open_memstream failed");
	g->core.st = g->st;
	g->core.plat = &g->plat;
	g->core.layout.nr_pages = nr_pages;
	/* One vCPU, the core runs for it: per-vCPU state is st->vcpu[0]. */
	g->core.layout.nr_vcpus = 1;
	g->core.vcpu = 0;
}

void fake_guest_free(struct fake_guest *g)
{
	fclose(g->plat.console);
	fclose(g->plat.log);
	free(g->console_text);
	free(g->log_text);
	free(g->ram);
	free(g->st);
}

uint8_t *fake_guest_page(struct fake_guest *g, uint64_t pfn)
{
	need(pfn < g->nr_pages, "pfn outside the fake guest's RAM");
	return g->ram + pfn * FG_PAGE;
}

uint64_t *fake_guest_entry(struct fake_guest *g, uint64_t va, int level)
{
	uint64_t table = g->st->vcpu[0].cr3 & ADDR_MASK;
	for (int l = 3;; l--) {
		uint64_t *entry = (uint64_t *)fake_guest_page(g, table / FG_PAGE) +
				  ((va >> (12 + 9 * l)) & 511);
		if (l == level)
			return entry;
		if (!(*entry & FG_P)) {
			need(g->next_table_pfn < g->nr_pages, "table pool exhausted");
			*entry = (g->next_table_pfn++ * FG_PAGE) | FG_USER_RW;
		}
		table = *entry & ADDR_MASK;
	}
}

void fake_guest_map(struct fake_guest *g, uint64_t va, uint64_t pfn, uint64_t flags)
{
	*fake_guest_entry(g, va, 0) = (pfn * FG_PAGE) | flags;
}

const char *fake_guest_console(struct fake_guest *g, size_t *len)
{
	fflush(g->plat.console);
	*len = g->console_len;
	return g->console_text;
}

const char *fake_guest_log(struct fake_guest *g)
{
	fflush(g->plat.log);
	return g->log_text;
}

unsigned fake_guest_log_lines(struct fake_guest *g)
{
	unsigned n = 0;
	for (const char *p = fake_guest_log(g); *p; p++)
		n += *p == '\n';
	return n;
}
