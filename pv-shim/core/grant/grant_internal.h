/*
 * What the grant files share: the layout of the frames, active entries
 * and map handles in the shim region, the pins (grant_pin.c), and the
 * batch and continuation rules of grant_table_op (grant_op.c).
 *
 * Every index into the shim region is bounded by a constant from
 * shim_abi.h, never by a count kept in core state, so a corrupted state
 * cannot send the launcher outside the region.
 */
#ifndef XENLET_CORE_GRANT_INTERNAL_H
#define XENLET_CORE_GRANT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "pv-shim/core/xen_abi.h"
#include <xen/grant_table.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/grant/grant.h"
#include "pv-shim/shim_abi.h"

#define GRANT_PAGE 4096u
#define GRANT_V1_PER_FRAME (GRANT_PAGE / sizeof(grant_entry_v1_t))
#define GRANT_V2_PER_FRAME (GRANT_PAGE / sizeof(grant_entry_v2_t))
#define GRANT_STATUS_PER_FRAME (GRANT_PAGE / sizeof(grant_status_t))
/* v1 has the most entries: the active table has one for each. */
#define GRANT_MAX_ENTRIES (SHIM_GRANT_FRAMES * GRANT_V1_PER_FRAME)

/* Xen's GNTTABOP_CONTINUATION_ARG_SHIFT: the command is the low 12 bits. */
#define GRANT_CMD_MASK 0xfffu

/*
 * An active entry: the grant in use.  pin holds four 8-bit counts, as
 * Xen's: writable and read-only host uses (maps with GNTMAP_host_map,
 * copies, dom0's grant_acquire), writable and read-only device maps.
 * While pin is not 0 the entry belongs to domid and frame, start and
 * length are what was read from the grant when it was first pinned.
 */
struct grant_active {
	uint32_t pin;
	uint32_t frame;    /* guest RAM: nr_pages fits 32 bits (shim_abi.h) */
	uint16_t domid;
	uint16_t start;    /* the window a v2 sub-page grant allows */
	uint16_t length;
	uint8_t sub_page;  /* maps refuse a grant pinned as a sub-page */
	uint8_t pad;
};

#define GRANT_PIN_HOST_W   0x00000001u
#define GRANT_PIN_HOST_R   0x00000100u
#define GRANT_PIN_DEVICE_W 0x00010000u
#define GRANT_PIN_DEVICE_R 0x01000000u

_Static_assert(GRANT_MAX_ENTRIES * sizeof(struct grant_active) <= SHIM_GRANT_ACTIVE_SIZE,
	       "an active entry for every v1 entry");

/* A map handle (Xen's maptrack entry).  flags 0: free, and ref then
 * holds the next free handle + 1. */
struct grant_maptrack {
	uint32_t ref;
	uint16_t flags;    /* GNTMAP_* the mapping still has */
	uint16_t domid;    /* the granting domain */
};

/* Xen's default allows 1024 maptrack frames (256K handles); a domU here
 * maps only its own grants, and 6144 handles fit the room left. */
#define GRANT_MAPTRACK_MAX (SHIM_GRANT_MAPTRACK_SIZE / sizeof(struct grant_maptrack))

/* ---- grant_table.c: the table ---------------------------------------- */

/* 1 once grant_domain_init ran (version 1 or 2). */
int grant_ready(struct core *c);
/* Entries the table has now (version and frames set up). */
uint32_t grant_nr_entries(struct core *c);
/* The 32-bit {flags, domid} header of entry ref (< grant_nr_entries),
 * the same place under v1 and v2, and the entry itself. */
volatile uint32_t *grant_header(struct core *c, uint32_t ref);
volatile grant_entry_v1_t *grant_entry_v1(struct core *c, uint32_t ref);
volatile grant_entry_v2_t *grant_entry_v2(struct core *c, uint32_t ref);
/* Where GTF_reading/GTF_writing of entry ref live: its flags under v1,
 * its status entry under v2. */
volatile uint16_t *grant_status_word(struct core *c, uint32_t ref);
struct grant_active *grant_active(struct core *c, uint32_t ref);
struct grant_maptrack *grant_maptrack(struct core *c, uint32_t handle);

/* Whom a domid names from this domain: itself (DOMID_SELF only where
 * Xen's rcu_lock_domain_by_any_id takes it), dom0, or nobody. */
enum grant_dom { GRANT_DOM_SELF, GRANT_DOM_0, GRANT_DOM_NONE };
enum grant_dom grant_dom(struct core *c, uint16_t domid, int self_ok);

/* Xen's guest_handle_okay for a 64-bit PV guest: the array starts below
 * the hypervisor's hole or above it (its length is not checked). */
int grant_handle_okay(uint64_t va);

/* ---- grant_pin.c: active entries -------------------------------------- */

/*
 * Pins ref for user (incr: GRANT_PIN_* of the uses taken, at most one of
 * each kind) as Xen's map_grant_ref and acquire_grant_for_copy do, with
 * one frame reference and, for each writable kind, one writable type
 * reference per use.  map: a mapping (sub-page and transitive grants
 * refused).  GNTST_okay and *use, or a GNTST_* error with nothing held.
 */
int grant_pin(struct core *c, uint16_t user, uint32_t ref, uint32_t incr, int map,
	      struct grant_use *use);
/* Drops the uses in decr, taken by grant_pin; uses not held are ignored. */
void grant_unpin(struct core *c, uint32_t ref, uint32_t decr);

/* ---- grant_op.c: batches ---------------------------------------------- */

/* Elements one call handles at most before it continues, as Xen preempts. */
#define GRANT_BATCH_MAX 128

/* Whether a batch must stop before element i (and continue from it):
 * enough done for one call, or fewer than room places left in the
 * launcher's CPU-ops queue for its page-table stores. */
int grant_preempt(struct core *c, uint32_t i, size_t room);
/* Continues cmd at uop with count elements left. */
void grant_continue(struct core *c, uint32_t cmd, uint64_t uop, uint32_t count);

/* ---- the commands (uop, count as the guest passed them) ---------------- */

long grant_setup_table(struct core *c, uint64_t uop, uint32_t count);
long grant_query_size(struct core *c, uint64_t uop, uint32_t count);
long grant_set_version(struct core *c, uint64_t uop);
long grant_get_version(struct core *c, uint64_t uop);
long grant_get_status_frames(struct core *c, uint64_t uop, uint32_t count);
long grant_swap_refs(struct core *c, uint64_t uop, uint32_t count);
long grant_map_refs(struct core *c, uint64_t uop, uint32_t count);
long grant_unmap_refs(struct core *c, uint32_t cmd, uint64_t uop, uint32_t count);
long grant_copy(struct core *c, uint64_t uop, uint32_t count);

#endif
