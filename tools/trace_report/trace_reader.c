/* The --trace file's header and records (trace_reader.h). */
#include <stdio.h>
#include <string.h>
#include "tools/trace_report/trace_reader.h"

/* Far above any real record; keeps offsets well inside size_t. */
#define MAX_RECORD_SIZE 4096

int trace_open(struct trace_file *t, const uint8_t *data, size_t len,
	       char *err, size_t errlen)
{
	struct trace_header h;
	if (len < sizeof h) {
		snprintf(err, errlen, "too short for a trace header (%zu bytes)", len);
		return -1;
	}
	memcpy(&h, data, sizeof h);
	if (memcmp(h.magic, TRACE_MAGIC, sizeof h.magic)) {
		snprintf(err, errlen, "not a xenlet trace (bad magic)");
		return -1;
	}
	if (h.version != TRACE_VERSION) {
		snprintf(err, errlen, "trace version %u, this reader knows %u",
			 h.version, TRACE_VERSION);
		return -1;
	}
	if (h.record_size < sizeof(struct trace_record) || h.record_size > MAX_RECORD_SIZE) {
		snprintf(err, errlen, "record size %u out of range", h.record_size);
		return -1;
	}
	if (h.tsc_khz == 0) {
		snprintf(err, errlen, "TSC rate of 0 kHz");
		return -1;
	}
	*t = (struct trace_file){
		.data = data, .len = len, .tsc_khz = h.tsc_khz,
		.nr_vcpus = h.nr_vcpus, .record_size = h.record_size,
		.nr_records = (len - sizeof h) / h.record_size,
	};
	return 0;
}

void trace_record(const struct trace_file *t, size_t i, struct trace_record *r)
{
	memcpy(r, t->data + sizeof(struct trace_header) + i * t->record_size, sizeof *r);
}
