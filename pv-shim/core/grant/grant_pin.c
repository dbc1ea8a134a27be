/*
 * Pins: a grant in use by a mapping, a copy or one of dom0's backends
 * (Xen's active entries, map_grant_ref's and acquire_grant_for_copy's
 * first half, release_grant_for_copy, reduce_status_for_pin).
 *
 * The guest's grant entry is shared memory its other vCPUs may be
 * writing: Xen's protocol is that the guest revokes a grant with a
 * compare-and-exchange that fails once GTF_reading/GTF_writing are set,
 * and that Xen sets them with one that fails once the guest has revoked.
 * So under v1 the header word {flags, domid} is read and updated with
 * one cmpxchg (a few retries, then the entry counts as unstable), and
 * under v2 the status flags are set first and the header read again.
 * The frame and the sub-page window are read once, when the entry is
 * first pinned, and kept in the active entry.
 */
#include "pv-shim/core/grant/grant_internal.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"

#define PIN_KINDS 4
static const uint32_t kinds[PIN_KINDS] = {
	GRANT_PIN_HOST_W, GRANT_PIN_HOST_R, GRANT_PIN_DEVICE_W, GRANT_PIN_DEVICE_R,
};
#define PIN_WRITERS (GRANT_PIN_HOST_W * 0xffu | GRANT_PIN_DEVICE_W * 0xffu)

static int is_writer(uint32_t kind)
{
	return (kind & PIN_WRITERS) != 0;
}

/* Xen's _set_status_v1. */
static int set_status_v1(struct core *c, uint32_t ref, const struct grant_active *act,
			 int readonly, uint16_t type_mask, uint16_t user)
{
	volatile uint32_t *word = grant_header(c, ref);
	uint32_t old = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	for (int tries = 0;; tries++) {
		uint16_t flags = (uint16_t)old, domid = (uint16_t)(old >> 16);
		if (!act->pin && ((flags & type_mask) != GTF_permit_access || domid != user))
			return GNTST_general_error;
		uint32_t want = old | GTF_reading;
		if (!readonly) {
			if (flags & GTF_readonly)
				return GNTST_general_error;
			want |= GTF_writing;
		}
		if (__atomic_compare_exchange_n(word, &old, want, 0, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return GNTST_okay;
		if (tries == 4)
			return GNTST_general_error; /* the guest keeps changing it */
	}
}

static int v2_grantable(uint32_t header, uint16_t type_mask, int map, uint16_t user)
{
	uint16_t flags = (uint16_t)header, type = flags & type_mask;
	return (type == GTF_permit_access || (!map && type == GTF_transitive)) &&
	       (uint16_t)(header >> 16) == user;
}

/* Xen's _set_status_v2. */
static int set_status_v2(struct core *c, uint32_t ref, const struct grant_active *act,
			 int readonly, uint16_t type_mask, int map, uint16_t user)
{
	volatile uint32_t *word = grant_header(c, ref);
	volatile uint16_t *status = grant_status_word(c, ref);
	uint32_t header = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	if (!act->pin && !v2_grantable(header, type_mask, map, user))
		return GNTST_general_error;
	if (!readonly && (header & GTF_readonly))
		return GNTST_general_error;
	__atomic_fetch_or(status, readonly ? GTF_reading : GTF_reading | GTF_writing,
			  __ATOMIC_SEQ_CST);
	/* The guest may have revoked the grant meanwhile: look again. */
	header = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	if (!act->pin) {
		if (!v2_grantable(header, type_mask, map, user) ||
		    (!readonly && (header & GTF_readonly))) {
			__atomic_fetch_and(status, (uint16_t)~(GTF_reading | GTF_writing),
					   __ATOMIC_SEQ_CST);
			return GNTST_general_error;
		}
	} else if (header & GTF_readonly) {
		__atomic_fetch_and(status, (uint16_t)~GTF_writing, __ATOMIC_SEQ_CST);
		return GNTST_general_error;
	}
	return GNTST_okay;
}

/* Xen's reduce_status_for_pin: the flags say no more than the pins. */
static void reduce_status(struct core *c, uint32_t ref, const struct grant_active *act,
			  int readonly)
{
	uint16_t clear = act->pin ? 0 : GTF_reading;
	if (!readonly && !(act->pin & PIN_WRITERS))
		clear |= GTF_writing;
	if (clear && ref < grant_nr_entries(c))
		__atomic_fetch_and(grant_status_word(c, ref), (uint16_t)~clear,
				   __ATOMIC_SEQ_CST);
}

/*
 * What a grant pinned for the first time names: frame, and the window of
 * a v2 sub-page grant (what lies past the page is cut off, so users may
 * trust start + length <= 4096).  Transitive grants name another
 * domain's grant: the only domains here are this one, which Xen does not
 * let a grant name transitively, and dom0, which offers it no grants.
 */
static int read_frame(struct core *c, uint32_t ref, struct grant_active *act)
{
	uint64_t pfn;
	act->start = 0;
	act->length = GRANT_PAGE;
	act->sub_page = 0;
	if (c->st->grant.version == 1) {
		pfn = grant_entry_v1(c, ref)->frame;
	} else {
		volatile grant_entry_v2_t *e = grant_entry_v2(c, ref);
		uint16_t flags = e->hdr.flags;
		if ((flags & GTF_type_mask) == GTF_transitive)
			return GNTST_general_error;
		if (flags & GTF_sub_page) {
			pfn = e->sub_page.frame;
			uint16_t off = e->sub_page.page_off, len = e->sub_page.length;
			act->start = off < GRANT_PAGE ? off : GRANT_PAGE;
			act->length = len < GRANT_PAGE - act->start ? len
				: (uint16_t)(GRANT_PAGE - act->start);
			act->sub_page = 1;
		} else {
			pfn = e->full_page.frame;
		}
	}
	/* Xen's get_paged_frame: a frame of the granting domain's RAM. */
	if (!mm_frame(c, pfn))
		return GNTST_bad_page;
	act->frame = (uint32_t)pfn;
	return GNTST_okay;
}

static void put_refs(struct core *c, uint64_t pfn, uint32_t uses)
{
	for (int k = 0; k < PIN_KINDS; k++) {
		if (!(uses & kinds[k]))
			continue;
		if (is_writer(kinds[k]))
			mm_put_type(c, pfn);
		mm_put_page(c, pfn);
	}
}

/* One frame reference per use, and a writable type reference per
 * writable use: a page table refuses it, as Xen's get_page_type. */
static int get_refs(struct core *c, uint64_t pfn, uint32_t uses)
{
	uint32_t got = 0;
	for (int k = 0; k < PIN_KINDS; k++) {
		if (!(uses & kinds[k]))
			continue;
		if (mm_get_page(c, pfn))
			break;
		if (is_writer(kinds[k]) && mm_get_type(c, pfn, MM_TYPE_WRITABLE)) {
			mm_put_page(c, pfn);
			break;
		}
		got |= kinds[k];
	}
	if (got == uses)
		return 0;
	put_refs(c, pfn, got);
	return -1;
}

int grant_pin(struct core *c, uint16_t user, uint32_t ref, uint32_t incr, int map,
	      struct grant_use *use)
{
	if (!grant_ready(c))
		return GNTST_general_error;
	if (ref >= grant_nr_entries(c))
		return GNTST_bad_gntref;
	struct grant_active *act = grant_active(c, ref);
	int readonly = !(incr & PIN_WRITERS);
	/* One domain uses a pinned entry; no count may reach its top bit. */
	if (act->pin && (act->domid != user || (act->pin & (incr << 7)) ||
			 (map && act->sub_page)))
		return GNTST_general_error;
	if (!act->pin || (!readonly && !(act->pin & PIN_WRITERS))) {
		uint16_t type_mask = GTF_type_mask | (map ? GTF_sub_page : 0);
		int rc = c->st->grant.version == 1 ?
			set_status_v1(c, ref, act, readonly, type_mask, user) :
			set_status_v2(c, ref, act, readonly, type_mask, map, user);
		if (rc)
			return rc;
		if (!act->pin) {
			rc = read_frame(c, ref, act);
			if (rc) {
				reduce_status(c, ref, act, readonly);
				return rc;
			}
			act->domid = user;
		}
	}
	if (get_refs(c, act->frame, incr)) {
		reduce_status(c, ref, act, readonly);
		return GNTST_general_error;
	}
	if (!act->pin && ref >= GNTTAB_NR_RESERVED_ENTRIES)
		c->st->grant.nr_active++;
	act->pin += incr;
	use->pfn = act->frame;
	use->offset = act->start;
	use->length = act->length;
	return GNTST_okay;
}

void grant_unpin(struct core *c, uint32_t ref, uint32_t decr)
{
	if (ref >= GRANT_MAX_ENTRIES)
		return;
	struct grant_active *act = grant_active(c, ref);
	uint32_t held = 0;
	for (int k = 0; k < PIN_KINDS; k++)
		if ((decr & kinds[k]) && ((act->pin / kinds[k]) & 0xff))
			held |= kinds[k];
	if (!held)
		return;
	act->pin -= held;
	put_refs(c, act->frame, held);
	reduce_status(c, ref, act, !(held & PIN_WRITERS));
	if (!act->pin && ref >= GNTTAB_NR_RESERVED_ENTRIES && c->st->grant.nr_active)
		c->st->grant.nr_active--;
}

int grant_acquire(struct core *c, uint16_t user_domid, uint32_t ref,
		  unsigned flags, struct grant_use *use)
{
	uint32_t kind = (flags & GRANT_USE_WRITE) ? GRANT_PIN_HOST_W : GRANT_PIN_HOST_R;
	return grant_pin(c, user_domid, ref, kind, !(flags & GRANT_USE_COPY), use);
}

void grant_release(struct core *c, uint32_t ref, unsigned flags)
{
	grant_unpin(c, ref, (flags & GRANT_USE_WRITE) ? GRANT_PIN_HOST_W : GRANT_PIN_HOST_R);
}
