/* trace-report's tables (trace_summary.h). */
#include <stdlib.h>
#include <string.h>
#include "emu/stats.h"
#include "pv-shim/core/core.h"
#include "tools/trace_report/trace_summary.h"

unsigned trace_cause_index(const struct trace_record *r)
{
	switch (r->cause) {
	case TRACE_CAUSE_HYPERCALL:
		return CAUSE_HYPERCALL_FIRST + (r->code < CORE_NR_HYPERCALLS ? r->code
					       : CORE_NR_HYPERCALLS);
	case TRACE_CAUSE_TRAP:
		return CAUSE_TRAP_FIRST + (r->code <= CORE_VEC_SYSCALL ? r->code
					   : CORE_VEC_SYSCALL + 1);
	default:
		return CAUSE_EXIT_FIRST + (r->kind < 32 ? r->kind : 32);
	}
}

static const char *vector_name(unsigned v)
{
	static const char *const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "",
		"#TS", "#NP", "#SS", "#GP", "#PF", "", "#MF", "#AC", "#MC", "#XM",
	};
	if (v < 32)
		return names[v];
	return v == CORE_VEC_EVENT ? "event" : "";
}

void trace_cause_label(unsigned cause, char *buf, size_t size)
{
	if (cause < CAUSE_TRAP_FIRST) {
		unsigned nr = cause - CAUSE_HYPERCALL_FIRST;
		if (nr < CORE_NR_HYPERCALLS)
			snprintf(buf, size, "hypercall %s", core_hypercall_name(nr));
		else
			snprintf(buf, size, "hypercall >= %d", CORE_NR_HYPERCALLS);
	} else if (cause < CAUSE_EXIT_FIRST) {
		unsigned v = cause - CAUSE_TRAP_FIRST;
		if (v < 256)
			snprintf(buf, size, "trap %u %s", v, vector_name(v));
		else if (v == CORE_VEC_SYSCALL)
			snprintf(buf, size, "guest user syscall");
		else
			snprintf(buf, size, "trap > 256");
	} else {
		unsigned k = cause - CAUSE_EXIT_FIRST;
		if (k < 32)
			snprintf(buf, size, "exit %s", exit_kind_name(k));
		else
			snprintf(buf, size, "exit kind >= 32");
	}
	size_t n = strlen(buf); /* no trailing space after an unnamed vector */
	if (n && buf[n - 1] == ' ')
		buf[n - 1] = '\0';
}

static void add_to(struct cause_total *c, const struct trace_record *r)
{
	c->count++;
	c->guest_ticks += r->guest_ticks;
	c->host_ticks += r->host_ticks;
}

static int by_key(const void *a, const void *b)
{
	const struct keyed_total *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* Sorts a[0..n) by key and merges equal keys: the new length. */
static size_t merge_keys(struct keyed_total *a, size_t n)
{
	if (!n)
		return 0;
	qsort(a, n, sizeof *a, by_key);
	size_t out = 0;
	for (size_t i = 1; i < n; i++) {
		if (a[i].key == a[out].key) {
			a[out].t.count += a[i].t.count;
			a[out].t.guest_ticks += a[i].t.guest_ticks;
			a[out].t.host_ticks += a[i].t.host_ticks;
		} else {
			a[++out] = a[i];
		}
	}
	return out + 1;
}

int trace_summarize(const struct trace_file *t, const struct symbol_map *m,
		    struct trace_summary *s)
{
	*s = (struct trace_summary){ 0 };
	size_t n = t->nr_records;
	if (m && n) {
		s->by_symbol_cause = calloc(n, sizeof *s->by_symbol_cause);
		s->by_rip = calloc(n, sizeof *s->by_rip);
		if (!s->by_symbol_cause || !s->by_rip) {
			trace_summary_free(s);
			return -1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct trace_record r;
		trace_record(t, i, &r);
		unsigned cause = trace_cause_index(&r);
		add_to(&s->all, &r);
		add_to(&s->causes[cause], &r);
		add_to(&s->kinds[r.kind < 32 ? r.kind : 32], &r);
		if (!m)
			continue;
		long sym = r.rip ? symbol_map_find(m, r.rip) : -1;
		uint64_t symkey = sym < 0 ? m->n : (uint64_t)sym;
		s->by_symbol_cause[i].key = symkey << 32 | cause;
		add_to(&s->by_symbol_cause[i].t, &r);
		s->by_rip[i].key = r.rip;
		add_to(&s->by_rip[i].t, &r);
	}
	if (m) {
		s->nr_symbol_cause = merge_keys(s->by_symbol_cause, n);
		s->nr_rip = merge_keys(s->by_rip, n);
	}
	return 0;
}

void trace_summary_free(struct trace_summary *s)
{
	free(s->by_symbol_cause);
	free(s->by_rip);
	*s = (struct trace_summary){ 0 };
}
