/*
 * The binary file `xenlet run --trace FILE` writes (docs/trace-format.md):
 * a header, then fixed-size records, one per VM exit, in the order each
 * vCPU's buffer was written out (records of one vCPU are in time order;
 * vCPUs interleave in blocks).  Shared by the launcher, which writes it,
 * and tools/trace_report, which reads it (and must not trust it).
 * Little-endian, as the only host this runs on.
 */
#ifndef XENLET_TRACE_FORMAT_H
#define XENLET_TRACE_FORMAT_H

#include <stdint.h>

#define TRACE_MAGIC "XLTRACE1"
#define TRACE_VERSION 1

struct trace_header {
	char magic[8];          /* TRACE_MAGIC, no NUL */
	uint32_t version;       /* TRACE_VERSION */
	uint32_t record_size;   /* sizeof(struct trace_record) */
	uint64_t tsc_khz;       /* to turn ticks into time */
	uint32_t nr_vcpus;
	uint32_t reserved;      /* 0 */
};

/* What made the guest leave: the guest event behind the exit, when known. */
enum trace_cause {
	TRACE_CAUSE_NONE = 0,      /* no guest event known (e.g. a signal) */
	TRACE_CAUSE_HYPERCALL = 1, /* code: hypercall number, arg: its first argument */
	TRACE_CAUSE_TRAP = 2,      /* code: vector, arg: error code */
};

struct trace_record {
	uint64_t tsc;           /* host TSC when KVM_RUN returned */
	uint64_t guest_ticks;   /* TSC ticks spent in KVM_RUN before this exit */
	uint64_t host_ticks;    /* ticks in xenlet from the exit to the next KVM_RUN */
	uint64_t rip;           /* guest RIP of the cause (0: not known) */
	uint64_t arg;
	uint16_t kind;          /* enum exit_kind (emu/stats.h) */
	uint16_t vcpu;
	uint16_t cause;         /* enum trace_cause */
	uint16_t code;
};

_Static_assert(sizeof(struct trace_header) == 32, "trace header layout");
_Static_assert(sizeof(struct trace_record) == 48, "trace record layout");

#endif
