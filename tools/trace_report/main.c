/*
 * trace-report [-n N] TRACE [System.map|vmlinux]: what a `xenlet run
 * --trace` file says (trace_summary.h).  Both files are untrusted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tools/trace_report/trace_summary.h"

static int read_whole(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		uint8_t *more = realloc(buf, cap * 2);
		if (!more) {
			free(buf);
			buf = NULL;
			errno = ENOMEM;
			break;
		}
		buf = more;
		cap *= 2;
	}
	int bad = !buf || ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return -1;
	}
	*data = buf;
	*len = n;
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: trace-report [-n LINES] TRACE [System.map|vmlinux]\n");
}

int main(int argc, char **argv)
{
	unsigned top = 20;
	int c;
	while ((c = getopt(argc, argv, "n:h")) != -1) {
		switch (c) {
		case 'n':
			top = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		usage(stderr);
		return 2;
	}
	uint8_t *data, *sym_data = NULL;
	size_t len, sym_len = 0;
	char err[160];
	if (read_whole(argv[optind], &data, &len)) {
		fprintf(stderr, "trace-report: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	struct trace_file t;
	if (trace_open(&t, data, len, err, sizeof err)) {
		fprintf(stderr, "trace-report: %s: %s\n", argv[optind], err);
		return 1;
	}
	struct symbol_map map, *m = NULL;
	if (argc - optind == 2) {
		const char *path = argv[optind + 1];
		if (read_whole(path, &sym_data, &sym_len)) {
			fprintf(stderr, "trace-report: %s: %s\n", path, strerror(errno));
			return 1;
		}
		if (symbol_map_load(&map, sym_data, sym_len, err, sizeof err)) {
			fprintf(stderr, "trace-report: %s: %s\n", path, err);
			return 1;
		}
		m = &map;
	}
	struct trace_summary s;
	if (trace_summarize(&t, m, &s)) {
		fprintf(stderr, "trace-report: out of memory\n");
		return 1;
	}
	trace_summary_print(stdout, &s, &t, m, top);
	trace_summary_free(&s);
	if (m)
		symbol_map_free(m);
	free(sym_data);
	free(data);
	return 0;
}
