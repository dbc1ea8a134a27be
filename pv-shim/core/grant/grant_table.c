/*
 * The grant table itself: where its frames and entries are, how it
 * starts, grows (GNTTABOP_setup_table) and is described (query_size,
 * get_version, get_status_frames), its version changes (set_version),
 * and which of its frames the guest's own page tables may map.  Xen's
 * common/grant_table.c for a 64-bit PV domU: errors in the hypercall's
 * return value where Xen returns them there, GNTST_* in the status field
 * where Xen puts them there.
 */
#include "pv-shim/core/grant/grant_internal.h"
#include "pv-shim/core/platform.h"

/* The hole [0xffff800000000000, 0xffff880000000000) is the hypervisor's. */
#define HOLE_END 0xffff880000000000ULL

/* Xen's INITIAL_NR_GRANT_FRAMES on x86. */
#define INITIAL_FRAMES 1

static struct grant_state *gs(struct core *c)
{
	return &c->st->grant;
}

int grant_ready(struct core *c)
{
	uint32_t v = gs(c)->version;
	return v == 1 || v == 2;
}

static uint32_t nr_frames(struct core *c)
{
	uint32_t n = gs(c)->nr_frames;
	return n < SHIM_GRANT_FRAMES ? n : SHIM_GRANT_FRAMES;
}

static uint32_t nr_status_frames(struct core *c)
{
	uint32_t n = gs(c)->nr_status_frames;
	return n < SHIM_GRANT_STATUS_FRAMES ? n : SHIM_GRANT_STATUS_FRAMES;
}

/* Xen's grant_to_status_frames: the status entries of frames v2 frames. */
static uint32_t status_frames_for(uint32_t frames)
{
	uint32_t entries = frames * (uint32_t)GRANT_V2_PER_FRAME;
	return (entries + (uint32_t)GRANT_STATUS_PER_FRAME - 1) / (uint32_t)GRANT_STATUS_PER_FRAME;
}

uint32_t grant_nr_entries(struct core *c)
{
	switch (gs(c)->version) {
	case 1:
		return nr_frames(c) * (uint32_t)GRANT_V1_PER_FRAME;
	case 2:
		return nr_frames(c) * (uint32_t)GRANT_V2_PER_FRAME;
	default:
		return 0;
	}
}

static void *frame(struct core *c, uint32_t i)
{
	return (uint8_t *)platform_shim_page(c, SHIM_OFF_GRANT) + i * GRANT_PAGE;
}

static void *status_frame(struct core *c, uint32_t i)
{
	return (uint8_t *)platform_shim_page(c, SHIM_OFF_GRANT_STATUS) + i * GRANT_PAGE;
}

volatile grant_entry_v1_t *grant_entry_v1(struct core *c, uint32_t ref)
{
	return (volatile grant_entry_v1_t *)frame(c, 0) + ref % GRANT_MAX_ENTRIES;
}

volatile grant_entry_v2_t *grant_entry_v2(struct core *c, uint32_t ref)
{
	return (volatile grant_entry_v2_t *)frame(c, 0) +
		ref % (SHIM_GRANT_FRAMES * GRANT_V2_PER_FRAME);
}

volatile uint32_t *grant_header(struct core *c, uint32_t ref)
{
	if (gs(c)->version == 2)
		return (volatile uint32_t *)&grant_entry_v2(c, ref)->hdr;
	return (volatile uint32_t *)grant_entry_v1(c, ref);
}

static volatile grant_status_t *status_entry(struct core *c, uint32_t ref)
{
	return (volatile grant_status_t *)status_frame(c, 0) +
		ref % (SHIM_GRANT_STATUS_FRAMES * GRANT_STATUS_PER_FRAME);
}

volatile uint16_t *grant_status_word(struct core *c, uint32_t ref)
{
	if (gs(c)->version == 2)
		return status_entry(c, ref);
	return &grant_entry_v1(c, ref)->flags;
}

struct grant_active *grant_active(struct core *c, uint32_t ref)
{
	return (struct grant_active *)platform_shim_page(c, SHIM_OFF_GRANT_ACTIVE) +
		ref % GRANT_MAX_ENTRIES;
}

struct grant_maptrack *grant_maptrack(struct core *c, uint32_t handle)
{
	return (struct grant_maptrack *)platform_shim_page(c, SHIM_OFF_GRANT_MAPTRACK) +
		handle % GRANT_MAPTRACK_MAX;
}

enum grant_dom grant_dom(struct core *c, uint16_t domid, int self_ok)
{
	if (domid == gs(c)->domid || (self_ok && domid == DOMID_SELF))
		return GRANT_DOM_SELF;
	return domid == 0 ? GRANT_DOM_0 : GRANT_DOM_NONE;
}

int grant_handle_okay(uint64_t va)
{
	return va < (1ULL << 47) || va >= HOLE_END;
}

static void seed(struct core *c, uint32_t ref, uint64_t pfn)
{
	volatile grant_entry_v1_t *e = grant_entry_v1(c, ref);
	e->domid = 0;
	e->frame = (uint32_t)pfn;
	e->flags = GTF_permit_access;
}

void grant_domain_init(struct core *c, uint16_t domid, uint64_t console_pfn,
		       uint64_t xenstore_pfn)
{
	core_memset(gs(c), 0, sizeof *gs(c));
	core_memset(platform_shim_page(c, SHIM_OFF_GRANT), 0,
		    SHIM_OFF_GRANT_MAPTRACK + SHIM_GRANT_MAPTRACK_SIZE - SHIM_OFF_GRANT);
	gs(c)->domid = domid;
	gs(c)->version = 1;
	gs(c)->nr_frames = INITIAL_FRAMES;
	seed(c, GNTTAB_RESERVED_CONSOLE, console_pfn);
	seed(c, GNTTAB_RESERVED_XENSTORE, xenstore_pfn);
}

/* ---- which frames the guest maps (mm_frames.c's L1 validation) -------- */

int grant_frame_map(struct core *c, uint64_t mfn)
{
	uint64_t first = c->layout.grant_mfn;
	if (!first || mfn < first || !grant_ready(c))
		return -1;
	uint64_t i = mfn - first;
	if (i < nr_frames(c))
		return 0;
	i -= SHIM_GRANT_FRAMES; /* below the status frames: wraps, refused */
	if (gs(c)->version != 2 || i >= nr_status_frames(c) ||
	    gs(c)->status_maps[i] == UINT32_MAX)
		return -1;
	gs(c)->status_maps[i]++;
	return 0;
}

void grant_frame_unmap(struct core *c, uint64_t mfn)
{
	uint64_t first = c->layout.grant_mfn;
	if (!first || mfn < first)
		return;
	uint64_t i = mfn - first - SHIM_GRANT_FRAMES;
	if (i < SHIM_GRANT_STATUS_FRAMES && gs(c)->status_maps[i])
		gs(c)->status_maps[i]--;
}

/* ---- growing the table --------------------------------------------------- */

/* v2's status frames for the shared frames there are; fresh ones zeroed,
 * as Xen allocates them cleared. */
static void populate_status(struct core *c)
{
	uint32_t want = status_frames_for(nr_frames(c));
	for (uint32_t i = nr_status_frames(c); i < want; i++)
		core_memset(status_frame(c, i), 0, GRANT_PAGE);
	gs(c)->nr_status_frames = want;
}

/* Xen's gnttab_grow_table: never shrinks; frames <= SHIM_GRANT_FRAMES. */
static void grow(struct core *c, uint32_t frames)
{
	for (uint32_t i = nr_frames(c); i < frames; i++)
		core_memset(frame(c, i), 0, GRANT_PAGE);
	if (frames > nr_frames(c))
		gs(c)->nr_frames = frames;
	if (gs(c)->version == 2)
		populate_status(c);
}

/* Writes n frame numbers from first to the guest's list: GNTST_okay, or
 * GNTST_bad_virt_addr if any did not go (the rest still go, as Xen's). */
static int16_t put_frame_list(struct core *c, uint64_t list, uint64_t first, uint32_t n)
{
	int16_t status = GNTST_okay;
	for (uint32_t i = 0; i < n; i++) {
		xen_pfn_t mfn = first + i;
		if (copy_to_guest(c, list + (uint64_t)i * sizeof mfn, &mfn, sizeof mfn))
			status = GNTST_bad_virt_addr;
	}
	return status;
}

/* The status a domain other than this one gets: none such, or dom0,
 * which Xen's XSM lets no domU set up or query. */
static int16_t other_domain_status(enum grant_dom d)
{
	return d == GRANT_DOM_0 ? GNTST_permission_denied : GNTST_bad_domain;
}

long grant_setup_table(struct core *c, uint64_t uop, uint32_t count)
{
	struct gnttab_setup_table op;
	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(c, &op, uop, sizeof op))
		return -XEN_EFAULT;
	uint64_t list = (uint64_t)(uintptr_t)op.frame_list.p;
	if (!grant_handle_okay(list))
		return -XEN_EFAULT;
	enum grant_dom d = grant_dom(c, op.dom, 1);
	if (d != GRANT_DOM_SELF) {
		op.status = other_domain_status(d);
	} else if (op.nr_frames > SHIM_GRANT_FRAMES) {
		op.status = GNTST_general_error;
	} else {
		grow(c, op.nr_frames);
		op.status = put_frame_list(c, list, c->layout.grant_mfn, op.nr_frames);
	}
	return copy_to_guest(c, uop + offsetof(struct gnttab_setup_table, status),
			     &op.status, sizeof op.status) ? -XEN_EFAULT : 0;
}

long grant_query_size(struct core *c, uint64_t uop, uint32_t count)
{
	struct gnttab_query_size op;
	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(c, &op, uop, sizeof op))
		return -XEN_EFAULT;
	enum grant_dom d = grant_dom(c, op.dom, 1);
	if (d != GRANT_DOM_SELF) {
		op.status = other_domain_status(d);
	} else {
		op.nr_frames = nr_frames(c);
		op.max_nr_frames = SHIM_GRANT_FRAMES;
		op.status = GNTST_okay;
	}
	return copy_to_guest(c, uop, &op, sizeof op) ? -XEN_EFAULT : 0;
}

long grant_get_version(struct core *c, uint64_t uop)
{
	struct gnttab_get_version op;
	if (copy_from_guest(c, &op, uop, sizeof op))
		return -XEN_EFAULT;
	enum grant_dom d = grant_dom(c, op.dom, 1);
	if (d != GRANT_DOM_SELF)
		return d == GRANT_DOM_0 ? -XEN_EPERM : -XEN_ESRCH;
	op.version = gs(c)->version;
	return copy_to_guest(c, uop + offsetof(struct gnttab_get_version, version),
			     &op.version, sizeof op.version) ? -XEN_EFAULT : 0;
}

long grant_get_status_frames(struct core *c, uint64_t uop, uint32_t count)
{
	struct gnttab_get_status_frames op;
	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(c, &op, uop, sizeof op))
		return -XEN_EFAULT;
	uint64_t list = (uint64_t)(uintptr_t)op.frame_list.p;
	if (!grant_handle_okay(list))
		return -XEN_EFAULT;
	enum grant_dom d = grant_dom(c, op.dom, 1);
	if (d != GRANT_DOM_SELF)
		op.status = other_domain_status(d);
	else if (op.nr_frames > nr_status_frames(c))
		op.status = GNTST_general_error; /* all of them under v1 */
	else
		op.status = put_frame_list(c, list, c->layout.grant_mfn + SHIM_GRANT_FRAMES,
					   op.nr_frames);
	return copy_to_guest(c, uop + offsetof(struct gnttab_get_status_frames, status),
			     &op.status, sizeof op.status) ? -XEN_EFAULT : 0;
}

/* ---- set_version ---------------------------------------------------------- */

/* A v2 reserved entry v1 cannot hold: a frame past 32 bits, or transitive. */
static int v1_can_hold(struct core *c, uint32_t ref)
{
	volatile grant_entry_v2_t *e = grant_entry_v2(c, ref);
	switch (e->hdr.flags & GTF_type_mask) {
	case GTF_permit_access:
		return !(e->full_page.frame >> 32);
	case GTF_transitive:
		return 0;
	default:
		return 1;
	}
}

/* The reserved entries as v1 entries, GTF_reading/writing included. */
static void save_reserved(struct core *c, grant_entry_v1_t *saved)
{
	for (uint32_t i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
		if (gs(c)->version == 1) {
			volatile grant_entry_v1_t *e = grant_entry_v1(c, i);
			saved[i] = (grant_entry_v1_t){ e->flags, e->domid, e->frame };
			continue;
		}
		volatile grant_entry_v2_t *e = grant_entry_v2(c, i);
		uint16_t flags = e->hdr.flags;
		/* Only plain access grants survive; Xen drops the rest. */
		if ((flags & GTF_type_mask) == GTF_permit_access)
			saved[i] = (grant_entry_v1_t){
				(uint16_t)(flags | *status_entry(c, i)), e->hdr.domid,
				(uint32_t)e->full_page.frame,
			};
		else
			saved[i] = (grant_entry_v1_t){ 0, 0, 0 };
	}
}

static void restore_reserved(struct core *c, const grant_entry_v1_t *saved)
{
	const uint16_t in_use = GTF_reading | GTF_writing;
	for (uint32_t i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
		if (gs(c)->version == 1) {
			volatile grant_entry_v1_t *e = grant_entry_v1(c, i);
			e->flags = saved[i].flags;
			e->domid = saved[i].domid;
			e->frame = saved[i].frame;
			continue;
		}
		volatile grant_entry_v2_t *e = grant_entry_v2(c, i);
		*status_entry(c, i) = saved[i].flags & in_use;
		e->hdr.flags = saved[i].flags & (uint16_t)~in_use;
		e->hdr.domid = saved[i].domid;
		e->full_page.frame = saved[i].frame;
	}
}

/*
 * Xen's gnttab_set_version from the version there is to the other one:
 * -EBUSY while a grant past the reserved ones is pinned (the reserved
 * ones, the toolstack's console and xenstore grants, may stay in use);
 * to v1, -ERANGE if a reserved v2 entry does not fit v1, and -EBUSY while
 * the guest maps a status frame.  Otherwise the reserved entries are
 * kept, converted, and everything else is cleared.
 */
static long change_version(struct core *c, uint32_t to)
{
	if (gs(c)->nr_active)
		return -XEN_EBUSY;
	if (gs(c)->version == 2)
		for (uint32_t i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++)
			if (!v1_can_hold(c, i))
				return -XEN_ERANGE;
	if (to == 1)
		for (uint32_t i = 0; i < SHIM_GRANT_STATUS_FRAMES; i++)
			if (gs(c)->status_maps[i])
				return -XEN_EBUSY;
	grant_entry_v1_t saved[GNTTAB_NR_RESERVED_ENTRIES];
	save_reserved(c, saved);
	for (uint32_t i = 0; i < nr_frames(c); i++)
		core_memset(frame(c, i), 0, GRANT_PAGE);
	gs(c)->version = to;
	gs(c)->nr_status_frames = 0;
	if (to == 2)
		populate_status(c);
	restore_reserved(c, saved);
	return 0;
}

long grant_set_version(struct core *c, uint64_t uop)
{
	struct gnttab_set_version op;
	if (copy_from_guest(c, &op, uop, sizeof op))
		return -XEN_EFAULT;
	long rc = 0;
	if (op.version != 1 && op.version != 2)
		rc = -XEN_EINVAL;
	else if (op.version != gs(c)->version)
		rc = change_version(c, op.version);
	op.version = gs(c)->version;
	if (copy_to_guest(c, uop, &op, sizeof op))
		rc = -XEN_EFAULT;
	return rc;
}
