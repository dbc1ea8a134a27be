/*
 * --trace: one struct trace_record per VM exit, kept in a per-vCPU buffer
 * and written out in large appends, so tracing adds no system call per
 * exit.  Off (no buffer) it costs one test per exit.
 */
#ifndef XENLET_TRACE_WRITER_H
#define XENLET_TRACE_WRITER_H

#include <stdint.h>
#include "emu/trace/trace_format.h"

#define TRACE_BUFFER_RECORDS 2048 /* 96 KiB per vCPU, one write each */

struct vcpu_trace {
	int fd;                    /* the trace file (shared, O_APPEND); -1: off */
	struct trace_record *buf;  /* NULL: tracing off */
	unsigned used;
	int pending;               /* cur waits for its host_ticks */
	uint64_t run_start;        /* TSC at the last KVM_RUN */
	struct trace_record cur;   /* the exit being handled */
};

static inline uint64_t trace_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Creates path (truncating it) and writes the header: an fd, or -1 with
 * errno set. */
int trace_file_open(const char *path, uint64_t tsc_khz, unsigned nr_vcpus);

/* Starts tracing vCPU vcpu into fd (fd < 0: leaves it off).  0, or -1
 * when out of memory. */
int vcpu_trace_start(struct vcpu_trace *t, int fd, unsigned vcpu);

/* Just before KVM_RUN: the previous exit's record is complete. */
void vcpu_trace_enter(struct vcpu_trace *t);

/* Just after KVM_RUN returned: a new record, filled in by what handles
 * the exit (vcpu_trace_kind, vcpu_trace_cause). */
void vcpu_trace_exited(struct vcpu_trace *t);

static inline void vcpu_trace_kind(struct vcpu_trace *t, unsigned kind)
{
	t->cur.kind = (uint16_t)kind;
}

static inline void vcpu_trace_cause(struct vcpu_trace *t, unsigned cause,
				    uint64_t code, uint64_t arg, uint64_t rip)
{
	t->cur.cause = (uint16_t)cause;
	t->cur.code = (uint16_t)(code > 0xffff ? 0xffff : code);
	t->cur.arg = arg;
	t->cur.rip = rip;
}

/* The vCPU's loop ended: its last record and buffer go out, the buffer is
 * freed. */
void vcpu_trace_stop(struct vcpu_trace *t);

#endif
