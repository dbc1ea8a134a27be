/*
 * --trace-hypercalls' line for one hypercall, as xtrace prints them:
 * "vcpu0 mmu_update(0x7f..., 1, 0, DOMID_SELF) = 0".  Formatted by the
 * launcher in either trap path (the shim passes the raw values).
 */
#ifndef XENLET_CORE_HYPERCALL_TRACE_LINE_H
#define XENLET_CORE_HYPERCALL_TRACE_LINE_H

#include <stddef.h>
#include <stdint.h>

void core_hypercall_trace_line(char *buf, size_t size, unsigned vcpu,
			       uint64_t nr, const uint64_t args[5], long rc);

#endif
