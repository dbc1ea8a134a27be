/*
 * What the core needs from where it runs.  Implemented once for the shim
 * (pv-shim/arch/x86_64/platform_shim.c) and once for the launcher and the
 * unit tests (emu/vcpu/platform_host.c).
 */
#ifndef XENLET_CORE_PLATFORM_H
#define XENLET_CORE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

struct core;

/* A pointer to [gpa, gpa+len) of guest RAM, or NULL if any of it is not
 * guest RAM.  len never crosses a page. */
void *platform_guest_ram(struct core *c, uint64_t gpa, size_t len);

/* The guest gave frames [pfn, pfn + count) back (decrease_reservation):
 * the host may take their memory back.  Their contents are undefined
 * from then on; the core zeroes a frame before handing it out again. */
void platform_discard_frames(struct core *c, uint64_t pfn, uint64_t count);

/* A pointer to a page of the shim region (offset as in shim_abi.h). */
void *platform_shim_page(struct core *c, uint64_t offset);

/* The guest's console output (already copied out of guest memory). */
void platform_console_write(struct core *c, const char *buf, size_t len);

/* The guest sent on port, bound to one of dom0's backends (the launcher's
 * console or xenstore). */
void platform_notify_backend(struct core *c, uint32_t port);

/* The guest's TSC now (what rdtsc gives guest code). */
uint64_t platform_read_tsc(struct core *c);

/* The vCPU sleeps until the core's next timer deadline
 * (vtime_next_deadline), an event from a backend, or a reason for the
 * launcher to take control; it may return early. */
void platform_block(struct core *c);

/* The core's earliest timer deadline is now deadline_ns (system time,
 * 0: none): the vCPU must be interrupted by then even if the guest never
 * traps (the launcher arms a timer; the shim tells it when it must arm an
 * earlier one). */
void platform_timer_deadline(struct core *c, uint64_t deadline_ns);

/* Hypercall nr with args returned rc: called for each one only with
 * --trace-hypercalls (CORE_TRACE_HYPERCALLS); the launcher prints it
 * (core_hypercall_trace_line), the shim hands it over with one exit. */
void platform_trace_hypercall(struct core *c, uint64_t nr, const uint64_t args[5],
			      long rc);

/* One diagnostic line for the launcher's stderr (no trailing newline). */
void platform_log(struct core *c, const char *line);

enum segment_base { SEGMENT_BASE_FS, SEGMENT_BASE_GS };

/* Sets the FS or GS base the guest runs with from its next instruction. */
void platform_set_segment_base(struct core *c, enum segment_base which,
			       uint64_t base);

/* The vCPU switches between the guest's kernel and user mode: the GS base
 * it runs with from its next instruction, and where its `syscall`s land
 * (the trampoline page's kernel entry or its exit, shim_abi.h), set
 * together as one call into KVM in the launcher. */
void platform_set_guest_mode(struct core *c, int kernel_mode, uint64_t gs_base);

/* The FS or GS base the guest runs with now.  Guest code may have changed
 * it behind the core's back: on hosts whose KVM runs CPL3 code with the
 * host's CR4 (FSGSBASE set), `wrfsbase`/`wrgsbase` work in guest user
 * mode whatever CPUID says.  It may cost a call into KVM (launcher) or an
 * emulated rdmsr (shim), so the core asks only where a stale copy would do
 * harm: leaving user mode, and rdmsr of a base. */
uint64_t platform_get_segment_base(struct core *c, enum segment_base which);

/*
 * Page-table stores, TLB flushes and CR3 loads, in order.  Inside the shim
 * they happen at once.  In the launcher the store also lands in RAM at once
 * (the core's later reads see it), and all of them are queued for the shim
 * to repeat at CPL0 before the guest runs again, because KVM on these hosts
 * only notices page-table stores made by guest code (shim_abi.h).
 * platform_cpu_ops_room() is how many more may be asked for before the
 * guest must run; a hypercall with more work makes a continuation.  Stores
 * to one page made one after another take one place together (the shim
 * stores that page's entries again, as RAM holds them).
 */
void platform_write_pte(struct core *c, uint64_t maddr, uint64_t value);
/* One entry of a table, which held old (mm_mod_entry's single-entry
 * stores); leaf: an L1 entry.  As platform_write_pte, except that in the
 * launcher no CPL0 code is needed where KVM can be made to see it another
 * way: a mapping where there was none it finds by itself at the guest's
 * next fault, and for a leaf that replaced one the launcher makes it
 * forget every translation to the old frame (platform_host.c). */
void platform_write_entry(struct core *c, uint64_t maddr, uint64_t old, uint64_t value,
			  int leaf);
void platform_invlpg(struct core *c, uint64_t va);
void platform_flush_tlb(struct core *c);
void platform_load_cr3(struct core *c, uint64_t cr3);
/* Loads LDTR with selector (0: no LDT), in order with the above. */
void platform_load_ldt(struct core *c, uint16_t selector);
size_t platform_cpu_ops_room(struct core *c);

/* Sets or clears CR0.TS, so that the guest's next x87/SSE instruction
 * raises #NM (the guest's virtual CR0.TS, fpu_taskswitch). */
void platform_set_cr0_ts(struct core *c, int set);

/* Sets or clears the vCPU's CR4.OSXSAVE (the guest's virtual one changed),
 * so that the CPU's own `cpuid` says what the core's does. */
void platform_set_cr4_osxsave(struct core *c, int set);

/*
 * SMP.  Every vCPU runs the core on the one core state, in the shim of
 * its own or in its own launcher thread; the domain lock makes one run at
 * a time (core_handle_trap takes it, and lets it go while the vCPU
 * sleeps in platform_block).  While a vCPU waits for the lock, sleeps or
 * runs guest code it still answers TLB shootdowns (platform_tlb_shootdown).
 */
void platform_lock(struct core *c);
void platform_unlock(struct core *c);

/* vcpu (not the caller) may have something to take: wake it if it sleeps
 * in platform_block; interrupt: also make it enter the core now, even
 * from guest code that never traps (an upcall became pending for it, or
 * it was taken down). */
void platform_kick_vcpu(struct core *c, unsigned vcpu, int interrupt);

/* VCPUOP_up of a vCPU that never ran: start it (its shim enters the
 * guest with core_vcpu_start_frame). */
void platform_vcpu_up(struct core *c, unsigned vcpu);

/* Flushes the whole TLB of every vCPU in mask but the caller, returning
 * once none of them can use a translation cached before the call (the
 * caller holds the domain lock; the others need not run the core for it). */
void platform_tlb_shootdown(struct core *c, uint64_t mask);

/* The CPU's own CPUID leaf (as configured for this VM) into r[eax..edx]. */
void platform_cpuid(struct core *c, uint32_t leaf, uint32_t subleaf, uint32_t r[4]);

#endif
