/*
 * Writable page tables, as Xen gives a 64-bit PV guest: a kernel-mode
 * store into one of its L1 tables (mapped read-only) faults, and the
 * store is checked and made for the guest as an mmu_update would.
 */
#ifndef XENLET_CORE_MM_PTWR_H
#define XENLET_CORE_MM_PTWR_H

struct core;
struct trap_frame;

/*
 * The #PF in f (address in core_vcpu(c)->cr2): 0 when it was a store to an
 * L1 entry that is now made and the guest resumes after the instruction
 * (or re-executes it once the CPU-ops queue has room); nonzero when the
 * guest must get its #PF (not such a store, or an entry Xen refuses).
 */
int mm_ptwr_fault(struct core *c, struct trap_frame *f);

#endif
