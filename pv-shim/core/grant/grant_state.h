/*
 * The grant table's bookkeeping in struct core_state.  The frames the
 * guest shares, the active entries (pins) and the map handles live in
 * the shim region (shim_abi.h's SHIM_OFF_GRANT...): grant_internal.h.
 */
#ifndef XENLET_CORE_GRANT_STATE_H
#define XENLET_CORE_GRANT_STATE_H

#include <stdint.h>
#include "pv-shim/shim_abi.h"

struct grant_state {
	uint32_t version;          /* 1 or 2; 0 until grant_domain_init */
	uint32_t nr_frames;        /* shared frames set up: 1..SHIM_GRANT_FRAMES */
	uint32_t nr_status_frames; /* v2: as many as nr_frames' entries need; v1: 0 */
	/* Entries past the reserved ones that hold a pin: set_version is
	 * -EBUSY while any does (Xen scans the table; this keeps it O(1),
	 * which counts in the shim, where each instruction is emulated). */
	uint32_t nr_active;
	/* The guest's present L1 entries that map each status frame:
	 * returning to v1 is -EBUSY while any does, as Xen's
	 * gnttab_unpopulate_status_frames finds the page still referenced. */
	uint32_t status_maps[SHIM_GRANT_STATUS_FRAMES];
	/* Map handles: [0, maptrack_limit) handed out at least once; the
	 * free ones are a list through their ref fields, head + 1 here
	 * (0: empty). */
	uint32_t maptrack_limit;
	uint32_t maptrack_free;
	uint16_t domid;            /* the domain's own id */
	uint16_t pad[3];
	/* Commands refused with -ENOSYS, each reported once (mm_note_enosys). */
	uint64_t enosys_seen;
};

#endif
