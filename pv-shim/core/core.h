/*
 * The hypercall and trap core: portable C without libc, built into the
 * shim (freestanding, runs at CPL0 in the guest) and into the launcher and
 * unit tests (hosted).  Both run it on the same struct core_state.
 */
#ifndef XENLET_CORE_H
#define XENLET_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pv-shim/core/core_state.h"

/*
 * What the core takes as given about the domain: fixed when it was built
 * and kept by whoever runs the core in memory of its own (the launcher's
 * struct domain, the shim's image), never read back from struct
 * core_state.  The core state sits in memory the guest could reach if any
 * check failed, so every bound that keeps the launcher inside guest RAM
 * and the shim region comes from here (docs/threat-model.md).
 */
struct core_layout {
	uint64_t nr_pages;           /* guest RAM: mfn == pfn, [0, nr_pages) */
	uint64_t shared_info_mfn;    /* outside guest RAM, in the shim region */
	/* The first of the grant table's shared frames, then its status
	 * frames (shim_abi.h's SHIM_OFF_GRANT...), outside guest RAM too;
	 * 0: the domain has no grant frames to map (unit tests). */
	uint64_t grant_mfn;
	uint64_t syscall_trampoline; /* virtual address LSTAR points at */
	/* The XCR0 guest CPL3 code runs with (0: XSAVE not offered) and the
	 * sizes of its XSAVE area, standard and compacted: the only XCR0 the
	 * guest may set, and what the CPUID policy describes. */
	uint64_t xcr0;
	uint32_t xsave_size, xsavec_size;
	uint32_t nr_vcpus;           /* vCPUs of the domain, <= CORE_MAX_VCPUS */
};

/* One executor's handle: the shim's for one vCPU, or the launcher's for
 * that vCPU's thread.  Every vCPU runs the core on the same core_state. */
/* A trap's copies touch few pages (the kernel stack, the runstate area,
 * a hypercall's argument), so few walks are kept. */
#define CORE_WALK_CACHE 4

struct core {
	struct core_state *st;
	void *plat;             /* the platform's own context (per vCPU) */
	struct core_layout layout;
	unsigned vcpu;          /* the vCPU it runs for, < layout.nr_vcpus */
	/* 1: dom0's handle (the launcher's backends, emu/dom0/dom0_core.c): it
	 * runs for no vCPU, so nothing per-vCPU is its own (vcpu is 0 only
	 * to stay in range); it may only call what says dom0 may. */
	unsigned dom0;
	/* The trap frame of the guest hypercall being run (0 outside one,
	 * and for dom0): an iret inside a multicall replaces it, as Xen's
	 * iret rewrites the guest's registers, and sets frame_replaced so
	 * that nothing returns to the multicall's caller. */
	struct trap_frame *frame;
	unsigned frame_replaced;
	/* An iret's entry to user mode, not yet made (traps_mode.c): set
	 * only while one trap is handled. */
	unsigned user_entry_deferred;
	/* The last guest pages the executor's copies walked to
	 * (guest_access.c): good while st->mm.pt_generation stays. */
	struct core_walk_cache {
		uint64_t generation, cr3, vpage, gpage;
		unsigned valid, writable;
	} walk[CORE_WALK_CACHE];
	unsigned walk_next;     /* the entry the next walk replaces */
};

enum core_action {
	CORE_RESUME, /* return to the guest with the (updated) frame */
	CORE_STOP,   /* the domain is finished; st->stop_reason says why */
};

/*
 * The state of the vCPU the core runs for: the only way the core reaches
 * per-vCPU state, so none of it is vCPU 0's by accident.  Whoever makes a
 * struct core sets vcpu below layout.nr_vcpus (the launcher from its
 * config, the shim from its stack) and core_handle_trap checks it again;
 * the mask only keeps a broken index inside the array, at one instruction
 * (the shim's run emulated, instruction by instruction, on these hosts).
 */
static inline struct core_vcpu *core_vcpu(struct core *c)
{
	_Static_assert((CORE_MAX_VCPUS & (CORE_MAX_VCPUS - 1)) == 0, "power of 2");
	return &c->st->vcpu[c->vcpu % CORE_MAX_VCPUS];
}

/* x86-64 canonical address: bits 63..47 all equal. */
static inline int core_is_canonical(uint64_t va)
{
	uint64_t top = va >> 47;
	return top == 0 || top == 0x1ffff;
}

/* Handles one guest trap or hypercall described by f, updating f. */
enum core_action core_handle_trap(struct core *c, struct trap_frame *f);

/* Runs hypercall nr with args; returns the value for %rax.  Not counted. */
long core_hypercall(struct core *c, uint64_t nr, const uint64_t args[5]);

/* Where hypercall f's stub returns to when it is a stub that saved %rcx
 * and %r11 under it (the hypercall page's, Linux's); else f->rcx, the
 * address past its `syscall` (hypercall_caller.c).  For the trace. */
uint64_t core_hypercall_caller(struct core *c, const struct trap_frame *f);

/* Name of hypercall nr for messages ("hypercall#nn" style if unknown). */
const char *core_hypercall_name(uint64_t nr);

/* Ends the domain because of a guest fault; message says what happened
 * (unless it has ended already: the first reason stays). */
void core_stop_fault(struct core *c, const struct trap_frame *f,
		     const char *message);

/* Guest memory through the guest's page tables (copy, never reference). */
int copy_from_guest(struct core *c, void *dst, uint64_t va, size_t len);
/* The bytes of the instruction a trap came from, through the page tables
 * of the guest mode it ran in (user mode: NEW_USER_BASEPTR's). */
int copy_insn_from_guest(struct core *c, void *dst, uint64_t va, size_t len);
int copy_to_guest(struct core *c, uint64_t va, const void *src, size_t len);

/* Minimal formatted output: %s %c %d %u %x %lx %lu %ld %llx %p, '#' and width. */
size_t core_format(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Byte copies come from the platform: libc's in the launcher, one
 * `rep movsb`/`rep stosb` in the shim, where every CPL0 instruction is
 * emulated and a byte loop costs a microsecond a byte. */
void core_memcpy(void *dst, const void *src, size_t n);
void core_memset(void *dst, int c, size_t n);

#endif
