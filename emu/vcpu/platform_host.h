/* The core's platform when it runs in the launcher (and in unit tests). */
#ifndef XENLET_PLATFORM_HOST_H
#define XENLET_PLATFORM_HOST_H

#include <stdint.h>
#include <stdio.h>
#include <linux/kvm.h>
#include "emu/vcpu/cpu_ops_chain.h"

struct kvm_vcpu;

/* The launcher's SMP services for one vCPU (vcpu_smp.c); opaque is its
 * struct vcpu.  As platform.h's platform_lock ... platform_tlb_shootdown. */
struct host_smp {
	void (*lock)(void *opaque);
	void (*unlock)(void *opaque);
	void (*kick)(void *opaque, unsigned vcpu, int interrupt);
	void (*vcpu_up)(void *opaque, unsigned vcpu);
	void (*tlb_shootdown)(void *opaque, uint64_t mask);
};

struct host_platform {
	uint8_t *ram;          /* guest RAM mapping */
	uint64_t ram_bytes;
	/* ram is a shared mapping of a memfd, the one KVM's memory slot
	 * uses: platform_write_entry may drop pages from it (0 in unit tests
	 * on heap RAM, where that would lose their contents). */
	int ram_in_kvm_slot;
	/* platform_write_entry's: stores made without the shim, and frames
	 * dropped from the slot's mapping for them. */
	uint64_t entries_stored_direct, frames_forgotten;
	FILE *console;         /* guest console output */
	/* The launcher's: also gives that output to the attached console
	 * client (dom0_console.c); NULL in tests. */
	void (*console_copy)(void *opaque, const char *buf, size_t len);
	void *console_copy_opaque;
	FILE *log;             /* launcher diagnostics */
	struct kvm_vcpu *kvm;  /* NULL in unit tests: no CPU to update */
	/* Unit tests: the "CPU's" FS and GS bases (enum segment_base), which
	 * a test may change as guest code's wrfsbase/wrgsbase would. */
	uint64_t seg_base[2];
	/* The guest mode platform_set_guest_mode last set: where the vCPU's
	 * `syscall`s land (LSTAR). */
	int guest_kernel_mode;
	const struct kvm_cpuid2 *cpuid; /* the vCPU's CPUID table */
	/* Where page-table stores and TLB/CR3 operations are queued for the
	 * shim (shim_abi.h); NULL in unit tests, where RAM is all there is. */
	struct shim_cpu_ops *cpu_ops;
	/* The queue's length, whether a TLB flush is due, and the last entry,
	 * as the launcher wrote them: it writes that page and never reads it
	 * back, so nothing the guest could plant there steers its stores. */
	uint32_t cpu_ops_count;
	uint32_t cpu_ops_cr3_loads; /* how many of them are CR3 loads */
	int cpu_ops_flush;
	uint64_t cpu_ops_last_kind, cpu_ops_last_addr;
	/* The queue's first entries, which the chain is made of
	 * (cpu_ops_chain.h); a longer queue is applied from the page. */
	struct shim_cpu_op chain_ops[CPU_OPS_CHAIN_MAX_OPS];
	/* A hypercall that reached the launcher at CPL3 and returns through
	 * the shim (the trampoline's detour): where it returns to. */
	int detour_pending;
	uint64_t detour_rip, detour_rflags, detour_cs, detour_ss;
	uint64_t cr3;          /* the last CR3 load queued */
	int cr0_ts;            /* the CR0.TS last asked for */
	int cr4_osxsave;       /* the CR4.OSXSAVE last asked for */
	uint8_t *shim_region;  /* the shim region (unit tests: a buffer) */
	int failed;            /* a KVM call failed: stop as internal error */
	/* A send on a port bound to dom0 (unit tests: NULL, or a recorder). */
	void (*notify_backend)(void *opaque, uint32_t port);
	void *notify_opaque;
	/* SCHEDOP_block's sleep; NULL: no sleep. */
	void (*block)(void *opaque);
	void *block_opaque;
	/* NULL in unit tests: one vCPU, nothing to lock, kick or start. */
	const struct host_smp *smp;
	void *smp_opaque;
	/* The guest's TSC is the host's plus this; unit tests set fake_tsc. */
	int64_t tsc_offset;
	const uint64_t *fake_tsc;
};

/* Something the core or the launcher cannot go on with: one line on the
 * log, and p->failed, which ends the domain as an internal error. */
void host_platform_internal_error(struct host_platform *p, const char *what);

/* A new exit: the shim applied whatever was queued before it (the chain
 * the vCPU resumed in made it before any guest instruction), so the queue
 * starts empty. */
void host_cpu_ops_restart(struct host_platform *p);

/* Whether this exit queued anything the shim must apply before the guest
 * runs again. */
int host_cpu_ops_pending(const struct host_platform *p);

/* For an exit at CPL3 (a hypercall): if the queue holds CR3 loads and
 * nothing else, loads the last through the vCPU's special registers
 * (kvm_vcpu_set_sregs) instead of the shim and
 * empties the queue (1); 0 if the shim must apply it; -1 if KVM failed. */
int host_cpu_ops_load_cr3_only(struct host_platform *p);

#endif
