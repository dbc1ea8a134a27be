/*
 * trace-report's inputs as any bytes: a --trace file, and a System.map or
 * ELF file of guest symbols.  The readers must answer or refuse, never
 * read past either buffer; symbols come out sorted with NUL-ended names,
 * and a lookup names a symbol at or below the address.
 *
 * Input: 2 bytes of trace length (little-endian), the trace, then the
 * symbol file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_input.h"
#include "tools/trace_report/trace_summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_map(const struct symbol_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		if (!m->syms[i].name || !m->syms[i].name[0])
			abort();
		if (i && m->syms[i - 1].addr > m->syms[i].addr)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink)
		sink = fopen("/dev/null", "w");
	struct input in = { data, size };
	uint8_t len_bytes[2];
	take(&in, len_bytes, sizeof len_bytes);
	size_t trace_len = (size_t)len_bytes[0] | (size_t)len_bytes[1] << 8;
	if (trace_len > in.n)
		trace_len = in.n;
	size_t sym_len = in.n - trace_len;
	/* Exact copies, so that a read past either is caught. */
	uint8_t *trace = malloc(trace_len ? trace_len : 1);
	uint8_t *syms = malloc(sym_len ? sym_len : 1);
	if (!trace || !syms)
		abort();
	memcpy(trace, in.p, trace_len);
	memcpy(syms, in.p + trace_len, sym_len);

	char err[160];
	struct symbol_map map, *m = NULL;
	if (symbol_map_load(&map, syms, sym_len, err, sizeof err) == 0) {
		m = &map;
		check_map(m);
		for (size_t i = 0; i < trace_len / 8; i++) {
			uint64_t addr;
			memcpy(&addr, trace + i * 8, sizeof addr);
			long s = symbol_map_find(m, addr);
			if (s >= 0 && ((size_t)s >= m->n || m->syms[s].addr > addr))
				abort();
		}
	}
	struct trace_file t;
	if (trace_open(&t, trace, trace_len, err, sizeof err) == 0) {
		struct trace_summary s;
		if (trace_summarize(&t, m, &s) == 0) {
			if (s.all.count != t.nr_records)
				abort();
			trace_summary_print(sink, &s, &t, m, 5);
			trace_summary_free(&s);
		}
	}
	if (m)
		symbol_map_free(m);
	free(trace);
	free(syms);
	return 0;
}
