/*
 * Grants for dom0's backends (backend_host.h): the core pins them
 * (grant_acquire, as Xen's map and copy do for dom0), the launcher hands
 * out its own mapping of the granted frame.  What the core answers comes
 * from state in memory the guest could reach if a check failed, so the
 * frame and window it names are checked again against the launcher's own
 * bounds before a byte is touched (docs/threat-model.md).
 */
#include <string.h>
#include "pv-shim/core/xen_abi.h"
#include <xen/grant_table.h>
#include "pv-shim/core/grant/grant.h"
#include "emu/dom0/dom0_core.h"

#define PAGE_SIZE 4096u
#define DOM0_DOMID 0

/* A frame the launcher maps, and a window inside it, or an internal
 * error: the core promised both. */
static int use_is_sane(struct backend_domain *bd, const struct grant_use *use)
{
	if (use->pfn < bd->plat.ram_bytes / PAGE_SIZE && use->offset <= PAGE_SIZE &&
	    use->length <= PAGE_SIZE - use->offset)
		return 1;
	host_platform_internal_error(&bd->plat,
				     "the core granted dom0 a frame outside guest RAM");
	return 0;
}

/* A map is of the whole page: the core refuses sub-page grants to all
 * but copies. */
static int use_is_whole_page(struct backend_domain *bd, const struct grant_use *use)
{
	if (!use_is_sane(bd, use))
		return 0;
	if (use->offset == 0 && use->length == PAGE_SIZE)
		return 1;
	host_platform_internal_error(&bd->plat, "the core granted dom0 part of a page to map");
	return 0;
}

static unsigned use_flags(int writable)
{
	return writable ? GRANT_USE_WRITE : 0;
}

int backend_grant_get(struct backend_domain *bd, unsigned n, const uint32_t *refs,
		      int writable, struct backend_grant *out)
{
	unsigned flags = use_flags(writable);
	if (dom0_core_lock(bd))
		return GNTST_bad_domain;
	int rc = GNTST_okay;
	unsigned i;
	for (i = 0; i < n; i++) {
		struct grant_use use;
		rc = grant_acquire(&bd->core, DOM0_DOMID, refs[i], flags, &use);
		if (rc == GNTST_okay && !use_is_whole_page(bd, &use)) {
			grant_release(&bd->core, refs[i], flags);
			rc = GNTST_general_error;
		}
		if (rc != GNTST_okay)
			break;
		out[i] = (struct backend_grant){
			.addr = bd->plat.ram + use.pfn * PAGE_SIZE,
			.pfn = use.pfn, .ref = refs[i], .writable = writable != 0,
		};
	}
	if (rc != GNTST_okay) {
		while (i--) {
			grant_release(&bd->core, refs[i], flags);
			out[i].addr = NULL;
		}
	} else {
		__atomic_add_fetch(&bd->grants_held, n, __ATOMIC_SEQ_CST);
	}
	dom0_core_unlock(bd);
	return rc;
}

/* Entries already put (addr NULL) are skipped, so a second put of the
 * same array releases nothing twice.  Once the domain has stopped the
 * lock may never come free (guest path) and its pins no longer matter:
 * only the count goes down. */
void backend_grant_put(struct backend_domain *bd, unsigned n, struct backend_grant *g)
{
	int locked = dom0_core_lock(bd) == 0;
	for (unsigned i = 0; i < n; i++) {
		if (!g[i].addr)
			continue;
		if (locked)
			grant_release(&bd->core, g[i].ref, use_flags(g[i].writable));
		g[i].addr = NULL;
		__atomic_sub_fetch(&bd->grants_held, 1, __ATOMIC_SEQ_CST);
	}
	if (locked)
		dom0_core_unlock(bd);
}

/* Xen's GNTTABOP_copy with one end dom0's buffer (to_guest: from src,
 * else into dst; the other is NULL): the page bounds first (GNTST_bad_copy_arg), then the
 * grant, pinned for the copy only, and the copy inside its sub-page
 * window (GNTST_general_error outside). */
static int grant_copy(struct backend_domain *bd, uint32_t ref, uint16_t off, size_t len,
		      int to_guest, void *dst, const void *src)
{
	if (off > PAGE_SIZE || len > PAGE_SIZE - off)
		return GNTST_bad_copy_arg;
	unsigned flags = GRANT_USE_COPY | use_flags(to_guest);
	if (dom0_core_lock(bd))
		return GNTST_bad_domain;
	struct grant_use use;
	int rc = grant_acquire(&bd->core, DOM0_DOMID, ref, flags, &use);
	if (rc == GNTST_okay) {
		if (!use_is_sane(bd, &use) || off < use.offset ||
		    off + len > (size_t)use.offset + use.length) {
			rc = GNTST_general_error;
		} else if (len) {
			uint8_t *page = bd->plat.ram + use.pfn * PAGE_SIZE;
			if (to_guest)
				memcpy(page + off, src, len);
			else
				memcpy(dst, page + off, len);
		}
		grant_release(&bd->core, ref, flags);
	}
	dom0_core_unlock(bd);
	return rc;
}

int backend_grant_copy_from(struct backend_domain *bd, uint32_t ref, uint16_t off,
			    void *dst, size_t len)
{
	return grant_copy(bd, ref, off, len, 0, dst, NULL);
}

int backend_grant_copy_to(struct backend_domain *bd, uint32_t ref, uint16_t off,
			  const void *src, size_t len)
{
	return grant_copy(bd, ref, off, len, 1, NULL, src);
}
