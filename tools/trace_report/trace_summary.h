/*
 * What trace-report prints, computed from a trace: totals, counts and
 * times by cause (hypercall number, trap vector, other exit kind), and
 * with guest symbols, the same per guest function and per guest RIP.
 */
#ifndef XENLET_TRACE_SUMMARY_H
#define XENLET_TRACE_SUMMARY_H

#include <stdint.h>
#include <stdio.h>
#include "tools/trace_report/symbol_map.h"
#include "tools/trace_report/trace_reader.h"

/* Causes: hypercalls 0-63 and one for larger numbers, trap vectors 0-255,
 * a guest user syscall (256) and one for other numbers, then exit kinds
 * 0-31 and one for larger. */
#define CAUSE_HYPERCALL_FIRST 0
#define CAUSE_TRAP_FIRST      65
#define CAUSE_EXIT_FIRST      (CAUSE_TRAP_FIRST + 258)
#define SUMMARY_CAUSES        (CAUSE_EXIT_FIRST + 33)

struct cause_total {
	uint64_t count, guest_ticks, host_ticks;
};

/* One aggregated key (a symbol and cause, or a RIP) and its totals. */
struct keyed_total {
	uint64_t key;
	struct cause_total t;
};

struct trace_summary {
	struct cause_total all;
	struct cause_total causes[SUMMARY_CAUSES];
	struct cause_total kinds[33]; /* by exit kind; 32: any larger */
	/* With symbols only: key = symbol index << 32 | cause (symbol index
	 * m->n: no symbol), and key = RIP. */
	struct keyed_total *by_symbol_cause, *by_rip;
	size_t nr_symbol_cause, nr_rip;
};

/* The cause index of a record. */
unsigned trace_cause_index(const struct trace_record *r);
/* "hypercall xen_version", "trap 14 #PF", "exit io_timer"... */
void trace_cause_label(unsigned cause, char *buf, size_t size);

/* m may be NULL.  0, or -1 out of memory. */
int trace_summarize(const struct trace_file *t, const struct symbol_map *m,
		    struct trace_summary *s);
void trace_summary_free(struct trace_summary *s);

/* The report, top lines per table. */
void trace_summary_print(FILE *out, const struct trace_summary *s,
			 const struct trace_file *t, const struct symbol_map *m,
			 unsigned top);

#endif
