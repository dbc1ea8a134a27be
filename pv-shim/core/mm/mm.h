/*
 * The x86_64 PV memory model, as Xen keeps it for a PV guest: the guest
 * owns its page tables, but may change them only through hypercalls, and
 * every frame has one type at a time — a page table of some level, or
 * writable data — with a count of the references that hold it there.  A
 * frame with writable mappings cannot become a page table, a page table
 * cannot be mapped writable, and no table is in use unvalidated.
 *
 * The frame table lives in the shim region (SHIM_OFF_FRAMES), one struct
 * mm_frame per guest frame; the M2P table follows it.  Both are reached
 * through platform_shim_page(), which returns a pointer into one
 * contiguous mapping of the region in the shim and in the launcher.
 */
#ifndef XENLET_CORE_MM_H
#define XENLET_CORE_MM_H

#include <stdint.h>
#include "pv-shim/shim_abi.h"

struct core;

/* Page-table levels last: code tests a type for one with >= MM_TYPE_L1.
 * SEG_DESC is Xen's PGT_seg_desc_page, a set_gdt frame: like a table, it
 * excludes writable mappings, so only update_descriptor changes it. */
enum mm_type {
	MM_TYPE_NONE = 0,
	MM_TYPE_WRITABLE,
	MM_TYPE_SEG_DESC,
	MM_TYPE_L1, MM_TYPE_L2, MM_TYPE_L3, MM_TYPE_L4,
};

#define MM_FRAME_VALIDATED 0x01 /* every entry checked and referenced */
#define MM_FRAME_PINNED    0x02 /* MMUEXT_PIN_*: holds one type reference */
#define MM_FRAME_FREE      0x04 /* given back (decrease_reservation): not the domain's */
#define MM_FRAME_EXCHANGING 0x08 /* an input of the XENMEM_exchange chunk being done */

struct mm_frame {
	uint32_t type_count;
	/* General references beside the type's (Xen's count_info): a grant
	 * pin holds one for as long as it lasts (grant/grant_pin.c), so the
	 * frame stays the domain's while dom0 or a copy uses it, and
	 * decrease_reservation refuses a frame that has any. */
	uint32_t ref_count;
	uint8_t type;    /* enum mm_type; NONE whenever type_count is 0 */
	uint8_t flags;
	/* Set when type_count last fell to 0 (mm_tlb.c): the type it had,
	 * and the TLB clock's low byte then. */
	uint8_t last_type;
	uint8_t tlb_stamp;
	/* Linear page tables (Xen's linear_pt_count): above 0, how many
	 * entries of this table map another table of its own level; below
	 * 0, how many such entries map this one.  Never both. */
	int16_t linear_count;
	uint16_t pad;
};

_Static_assert(sizeof(struct mm_frame) == SHIM_FRAME_SIZE, "shim_abi.h's frame size");

/* Per vCPU (struct core_vcpu): a hypercall of that vCPU's that must
 * continue later. */
struct mm_vcpu {
	/* 1: the guest re-executes its `syscall` with these arguments
	 * (hypercall_from_syscall). */
	uint32_t continuation;
	/* 1 while a multicall runs a sub-call after others: the CPU-ops
	 * queue may hold their work, so running out of room is no reason
	 * to fail (the guest runs, the queue drains, the call continues). */
	uint32_t queued_before;
	uint64_t continuation_args[5];
};

/* Part of struct core_state. */
struct mm_state {
	/* 1 once mm_domain_init ran (unit tests of other parts run without a
	 * frame table).  Its size is the layout's nr_pages, never a number
	 * kept here. */
	uint32_t active;
	/* Times every running vCPU flushed its whole TLB (mm_tlb.c), and
	 * the vCPUs (bit n: vCPU n) that flushed since it last ticked. */
	uint32_t tlb_clock;
	uint32_t flushed_mask;
	uint64_t xen_l4e[3];      /* slots 257, 258, 259 of every guest L4 */
	/* Sub-operations refused with -ENOSYS, each reported once (bit n:
	 * command n; bit 63 also stands for every command past 62). */
	uint64_t enosys_memory_op, enosys_mmuext_op;
	/* Frames given back by decrease_reservation (mm_reservation.c), and
	 * where the next search for one to hand out starts. */
	uint64_t free_pages;
	uint64_t alloc_cursor;
	/* Bumped when a page-table store or a table's devalidation may
	 * make a translation cached before stale (mm_frames.c's
	 * walks_stale, guest_access.c). */
	uint64_t pt_generation;
};

/*
 * Sets up the frame table for the domain the builder made: every frame
 * untyped, then the bootstrap L4 at l4_maddr validated (its hypervisor
 * slots rewritten, m2p_l4e in slot 259), pinned, and referenced as the
 * vCPU's table, as Xen's toolstack leaves a PV domain.  Returns 0 or a
 * negative Xen errno.
 */
int mm_domain_init(struct core *c, uint64_t l4_maddr, uint64_t m2p_l4e);

/* The frame table entry for pfn, or 0 outside guest RAM, for a frame the
 * domain gave back, or without a frame table. */
struct mm_frame *mm_frame(struct core *c, uint64_t pfn);

/* The same, frames given back included (mm_reservation.c only). */
struct mm_frame *mm_frame_slot(struct core *c, uint64_t pfn);

/* memory_op's command word: the command in its low bits, the extent a
 * continued call starts from above them (Xen's MEMOP_EXTENT_SHIFT). */
#define MM_MEMOP_CMD_MASK     0x3f
#define MM_MEMOP_EXTENT_SHIFT 6

/* XENMEM_increase_reservation, decrease_reservation, populate_physmap
 * (cmd with its continuation's start extent) and the domain's page count
 * (tot_pages). */
long mm_reservation_op(struct core *c, uint64_t cmd, uint64_t arg);
uint64_t mm_tot_pages(struct core *c);

/* XENMEM_exchange(arg) (mm_exchange.c): 0 or a negative Xen errno,
 * nr_exchanged written back. */
long mm_exchange(struct core *c, uint64_t arg);

/* Sets the M2P entry of frame mfn (< nr_pages). */
void mm_set_m2p(struct core *c, uint64_t mfn, uint64_t pfn);

/*
 * Type references (Xen's get_page_type/put_page_type): taking the first
 * reference of a page-table type validates the frame as that level.
 * Returns 0 or -XEN_EINVAL (wrong type, frame being validated, not RAM)
 * or a validation error.
 */
int mm_get_type(struct core *c, uint64_t pfn, enum mm_type type);
void mm_put_type(struct core *c, uint64_t pfn);

/* General references (Xen's get_page/put_page): 0, or -XEN_EINVAL for a
 * frame outside guest RAM (or a count that would overflow). */
int mm_get_page(struct core *c, uint64_t pfn);
void mm_put_page(struct core *c, uint64_t pfn);

/*
 * The L1 table that maps va in the page tables the vCPU runs on now
 * (Xen's map_guest_l1e): 0 and *l1 its frame, or -1 if va is no guest
 * address, a level on the way is not present or a superpage, or the
 * frame reached is not an L1 table.
 */
int mm_l1_of(struct core *c, uint64_t va, uint64_t *l1);

/*
 * Replaces entry idx of validated table pfn (of level type) by val, after
 * checking and referencing what val points to and dropping what the old
 * entry held.  preserve_ad keeps the A/D bits the entry has now.
 */
int mm_mod_entry(struct core *c, uint64_t pfn, enum mm_type type,
		 unsigned idx, uint64_t val, int preserve_ad);

/*
 * dom0 (the launcher's daemons and backends) writes frame pfn for as long
 * as the domain lives: it holds a writable type reference, as xenstored's
 * and xenconsoled's foreign mappings do under Xen, so the frame can never
 * become a page table.  Returns 0 or -XEN_EINVAL (not RAM, typed otherwise).
 */
int mm_hold_for_dom0(struct core *c, uint64_t pfn);

/* A whole TLB flush of the vCPU the core runs for and a CR3 load, as the
 * core asks for them: both through here, so type changes know whether a
 * flush came since (mm_tlb.c). */
void mm_flush_tlb(struct core *c);
void mm_load_cr3(struct core *c, uint64_t cr3);

/* Whole TLB flushes of the vCPUs in mask (bit n: vCPU n) that may hold
 * translations (started, and not parked while down), the
 * caller's among them if its bit is set; MM_ALL_VCPUS: all of them. */
#define MM_ALL_VCPUS (~0ULL)
void mm_flush_tlb_mask(struct core *c, uint64_t mask);

/* invlpg of va on the running vCPUs in mask. */
void mm_invlpg_mask(struct core *c, uint64_t va, uint64_t mask);

/* The running vCPUs (bit n: vCPU n is up). */
uint64_t mm_up_vcpus(struct core *c);

/* For mm_frames.c: a frame lost its last type reference; a frame with no
 * type reference is about to take type (flushed first if need be). */
void mm_tlb_released(struct core *c, struct mm_frame *f);
void mm_tlb_retyping(struct core *c, struct mm_frame *f, enum mm_type type);

/* Asks for the current hypercall to be re-executed with args. */
void mm_continue(struct core *c, const uint64_t args[5]);

/* Reports the first -ENOSYS of each sub-operation to the launcher's log. */
void mm_note_enosys(struct core *c, uint64_t *seen, const char *hypercall,
		    uint64_t cmd);

/* Internal: a table write found no room in the CPU-ops queue; the
 * operation was undone and must be retried after the guest runs. */
#define MM_ENOROOM 0x10000

#endif
