/*
 * Grant tables, as Xen keeps them for a domU (common/grant_table.c): the
 * shared frames the guest writes its grants into, v1 or v2, the status
 * frames of v2, and the pins ("active entries") that say a grant is in
 * use by a mapping or a copy, so the guest cannot revoke it meanwhile.
 *
 * Two kinds of user reach a grant through here, always with the domain
 * lock held:
 *   - the domain itself (GNTTABOP_map_grant_ref / copy on its own grants),
 *     from a vCPU's core;
 *   - dom0's backends in the launcher, through the dom0 core handle
 *     (struct core with dom0 set: emu/dom0/dom0_core.c), which takes the same
 *     domain lock in either trap path.
 */
#ifndef XENLET_CORE_GRANT_H
#define XENLET_CORE_GRANT_H

#include <stdint.h>

struct core;

/* What a grant lets its user touch. */
struct grant_use {
	uint64_t pfn;      /* the granted frame, in guest RAM */
	uint16_t offset;   /* v2 sub-page grants: the window; else 0, 4096 */
	uint16_t length;
};

#define GRANT_USE_WRITE 0x1 /* the user writes: GTF_readonly refuses */
#define GRANT_USE_COPY  0x2 /* a copy (sub-page grants allowed), not a map */

/*
 * Pins grant ref of this domain's table for user_domid, as Xen's map and
 * copy do: the entry is read once and checked (ref in range, in use with
 * GTF_permit_access, granted to user_domid, GTF_readonly against a
 * write), GTF_reading / GTF_writing set in the guest's entry (v1) or
 * status (v2) while any pin of that kind is held, and the frame
 * referenced so it cannot be freed or retyped while the pin lasts (a
 * write pin holds a writable type reference: a page-table frame refuses
 * it).  Returns GNTST_okay (0) and fills *use, or a GNTST_* error.
 * Domain lock held.
 */
int grant_acquire(struct core *c, uint16_t user_domid, uint32_t ref,
		  unsigned flags, struct grant_use *use);

/* Drops one pin taken with the same ref and flags. Domain lock held. */
void grant_release(struct core *c, uint32_t ref, unsigned flags);

/* grant_table_op(cmd, uop, count) */
long hypercall_grant_table_op(struct core *c, const uint64_t args[5]);

/*
 * The grant table a new domain starts with, as Xen and its toolstack
 * leave it: version 1, one shared frame, no pins or map handles, and the
 * reserved entries GNTTAB_RESERVED_CONSOLE and _XENSTORE granting dom0
 * the console and xenstore rings (libxl's xc_dom_gnttab_seed).  Frames,
 * active entries and handles in the shim region are cleared.  domid is
 * the domain's own id.  Called once by the builder, before any vCPU runs.
 */
void grant_domain_init(struct core *c, uint16_t domid, uint64_t console_pfn,
		       uint64_t xenstore_pfn);

/*
 * For the L1 validation (mm_frames.c): a guest PTE maps frame mfn outside
 * guest RAM.  0 if it is a shared grant frame set up so far, or under v2
 * one of its status frames (counted: set_version refuses to drop the
 * status frames while they are mapped), both shared read-write as Xen's
 * share_xen_page_with_guest(SHARE_rw) does; else -1.  grant_frame_unmap
 * undoes one grant_frame_map of mfn.
 */
int grant_frame_map(struct core *c, uint64_t mfn);
void grant_frame_unmap(struct core *c, uint64_t mfn);

#endif
