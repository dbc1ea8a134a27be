/* trace-report's output: totals, then tables sorted by count and by
 * time (trace_summary.h). */
#include <stdlib.h>
#include <string.h>
#include "tools/trace_report/trace_summary.h"

static double ms(const struct trace_file *t, uint64_t ticks)
{
	return (double)ticks / (double)t->tsc_khz;
}

static int by_count(const void *a, const void *b)
{
	const struct keyed_total *x = a, *y = b;
	if (x->t.count != y->t.count)
		return x->t.count > y->t.count ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int by_host_time(const void *a, const void *b)
{
	const struct keyed_total *x = a, *y = b;
	if (x->t.host_ticks != y->t.host_ticks)
		return x->t.host_ticks > y->t.host_ticks ? -1 : 1;
	return by_count(a, b);
}

static void line(FILE *out, const struct trace_file *t, const struct cause_total *c,
		 const char *label)
{
	fprintf(out, "  %10llu %12.3f %12.3f  %s\n", (unsigned long long)c->count,
		ms(t, c->guest_ticks), ms(t, c->host_ticks), label);
}

static void header(FILE *out, const char *title)
{
	fprintf(out, "\n%s\n  %10s %12s %12s  %s\n", title, "exits", "guest_ms",
		"xenlet_ms", "what");
}

static void symbol_label(const struct symbol_map *m, uint64_t sym, char *buf, size_t size)
{
	snprintf(buf, size, "%s", sym < m->n ? m->syms[sym].name : "(no symbol)");
}

static void rip_label(const struct symbol_map *m, uint64_t rip, char *buf, size_t size)
{
	long s = symbol_map_find(m, rip);
	if (!rip)
		snprintf(buf, size, "(rip not known)");
	else if (s < 0)
		snprintf(buf, size, "%#llx", (unsigned long long)rip);
	else
		snprintf(buf, size, "%#llx %s+%#llx", (unsigned long long)rip,
			 m->syms[s].name, (unsigned long long)(rip - m->syms[s].addr));
}

/* Prints the top entries of a (copied, then sorted by cmp). */
static void table(FILE *out, const struct trace_file *t, const char *title,
		  struct keyed_total *a, size_t n, unsigned top,
		  int (*cmp)(const void *, const void *),
		  void (*label)(const struct symbol_map *, uint64_t, char *, size_t),
		  const struct symbol_map *m)
{
	header(out, title);
	qsort(a, n, sizeof *a, cmp);
	for (size_t i = 0; i < n && i < top; i++) {
		char what[640];
		label(m, a[i].key, what, sizeof what);
		line(out, t, &a[i].t, what);
	}
}

static void cause_key_label(const struct symbol_map *m, uint64_t key, char *buf,
			    size_t size)
{
	(void)m;
	trace_cause_label((unsigned)key, buf, size);
}

static void symbol_cause_label(const struct symbol_map *m, uint64_t key, char *buf,
			       size_t size)
{
	char sym[520], cause[64];
	symbol_label(m, key >> 32, sym, sizeof sym);
	trace_cause_label((unsigned)(key & 0xffffffff), cause, sizeof cause);
	snprintf(buf, size, "%s: %s", sym, cause);
}

/* Per symbol alone: the (symbol, cause) totals summed over causes. */
static size_t by_symbol(const struct trace_summary *s, struct keyed_total *a)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nr_symbol_cause; i++) {
		uint64_t sym = s->by_symbol_cause[i].key >> 32;
		const struct cause_total *c = &s->by_symbol_cause[i].t;
		if (n && a[n - 1].key == sym) { /* sorted by key: symbols are runs */
			a[n - 1].t.count += c->count;
			a[n - 1].t.guest_ticks += c->guest_ticks;
			a[n - 1].t.host_ticks += c->host_ticks;
		} else {
			a[n++] = (struct keyed_total){ .key = sym, .t = *c };
		}
	}
	return n;
}

void trace_summary_print(FILE *out, const struct trace_summary *s,
			 const struct trace_file *t, const struct symbol_map *m,
			 unsigned top)
{
	fprintf(out, "trace: %llu exits on %u vCPU(s), guest %.3f ms, xenlet %.3f ms "
		"(TSC %llu kHz)\n", (unsigned long long)s->all.count, t->nr_vcpus,
		ms(t, s->all.guest_ticks), ms(t, s->all.host_ticks),
		(unsigned long long)t->tsc_khz);
	fprintf(out, "guest_ms: time in the guest before the exit; xenlet_ms: "
		"time from the exit to the next entry\n");
	struct keyed_total causes[SUMMARY_CAUSES];
	size_t n = 0;
	for (unsigned c = 0; c < SUMMARY_CAUSES; c++)
		if (s->causes[c].count)
			causes[n++] = (struct keyed_total){ .key = c, .t = s->causes[c] };
	table(out, t, "by cause, most exits first:", causes, n, top, by_count,
	      cause_key_label, m);
	table(out, t, "by cause, most xenlet time first:", causes, n, top,
	      by_host_time, cause_key_label, m);
	n = 0;
	for (unsigned k = 0; k < 33; k++)
		if (s->kinds[k].count)
			causes[n++] = (struct keyed_total){ .key = CAUSE_EXIT_FIRST + k,
							    .t = s->kinds[k] };
	table(out, t, "by exit kind, most exits first:", causes, n, top, by_count,
	      cause_key_label, m);
	if (!m)
		return;
	size_t nk = s->nr_symbol_cause > s->nr_rip ? s->nr_symbol_cause : s->nr_rip;
	struct keyed_total *a = calloc(nk ? nk : 1, sizeof *a);
	if (!a) {
		fprintf(out, "\n(out of memory for the symbol tables)\n");
		return;
	}
	n = by_symbol(s, a);
	table(out, t, "by guest function, most exits first:", a, n, top, by_count,
	      symbol_label, m);
	n = by_symbol(s, a);
	table(out, t, "by guest function, most xenlet time first:", a, n, top,
	      by_host_time, symbol_label, m);
	if (s->nr_symbol_cause) /* else by_symbol_cause may be NULL */
		memcpy(a, s->by_symbol_cause, s->nr_symbol_cause * sizeof *a);
	table(out, t, "by guest function and cause, most exits first:", a,
	      s->nr_symbol_cause, top, by_count, symbol_cause_label, m);
	if (s->nr_rip)
		memcpy(a, s->by_rip, s->nr_rip * sizeof *a);
	table(out, t, "by guest RIP, most exits first:", a, s->nr_rip, top, by_count,
	      rip_label, m);
	free(a);
}
