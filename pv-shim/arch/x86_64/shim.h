/* Shim-internal declarations shared by boot, trap entry and platform. */
#ifndef XENLET_SHIM_H
#define XENLET_SHIM_H

#include "pv-shim/shim_abi.h"
#include "pv-shim/core/core.h"

/* One handle per vCPU, filled by shim_boot on that vCPU. */
extern struct core shim_cores[SHIM_MAX_VCPUS];

/*
 * The handle of the vCPU the shim runs for, found from where it runs: p is
 * on the vCPU's trap or fault stack (a trap frame, a local), which the
 * launcher (initial %rsp) and the TSS (rsp0, IST1) put in its own block.
 * So every vCPU finds itself with no per-CPU register to set up.
 */
static inline struct core *shim_core_at(const void *p)
{
	/* The modulo only keeps the index inside the array: shim_boot
	 * checked its stack, and traps arrive on the stacks its TSS names. */
	return &shim_cores[shim_vcpu_of((unsigned long long)p) % SHIM_MAX_VCPUS];
}
extern volatile uint8_t shim_host_path;
extern uint64_t shim_ram_bytes;

void shim_boot(void) __attribute__((noreturn));
void shim_trap(struct trap_frame *f);
/* Guest trap path: flushes the TLB if another vCPU asked (smp.c). */
void shim_serve_flush(unsigned vcpu);
/* Host trap path: applies what the launcher queued (shim_abi.h). */
void shim_apply_queued_cpu_ops(const void *sp);

#endif
