/*
 * Reading a --trace file (emu/trace/trace_format.h), which is untrusted
 * input: the header is checked, records are copied out one at a time
 * (the buffer need not be aligned) and a partial record at the end is
 * left out.  Records larger than this reader's (a later version that
 * appended fields) are read for the fields it knows.
 */
#ifndef XENLET_TRACE_READER_H
#define XENLET_TRACE_READER_H

#include <stddef.h>
#include <stdint.h>
#include "emu/trace/trace_format.h"

struct trace_file {
	const uint8_t *data;   /* the whole file, owned by the caller */
	size_t len;
	uint64_t tsc_khz;
	uint32_t nr_vcpus;
	uint32_t record_size;
	size_t nr_records;
};

/* 0, or -1 with a reason in err. */
int trace_open(struct trace_file *t, const uint8_t *data, size_t len,
	       char *err, size_t errlen);

/* Record i (< nr_records) into *r. */
void trace_record(const struct trace_file *t, size_t i, struct trace_record *r);

#endif
