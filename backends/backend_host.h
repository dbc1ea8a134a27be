/*
 * How dom0's backends reach the guest: the only way they do.  The
 * launcher (emu/dom0/dom0_core.c) implements it on the domain it runs; a
 * backend holds a struct backend_domain * and never touches guest memory,
 * event channels or core state any other way.
 *
 * Threads: every function may be called from any backend thread, at any
 * time while the domain exists; none blocks for long (each takes the
 * domain lock for the few checks and references it needs).
 *
 * The domain's life: until the guest runs (its shim is ready) and once it
 * has stopped, nothing is bound or granted: binds fail with -EINVAL, grant
 * gets and copies with GNTST_bad_domain, notifies do nothing; unbinds and
 * puts still succeed.  Before the launcher unmaps guest RAM (teardown,
 * after the vCPUs have stopped) every backend thread must have stopped,
 * having put every grant it holds (its addr pointers die with guest RAM)
 * and unbound its ports (those left are unbound for it).
 */
#ifndef XENLET_BACKEND_HOST_H
#define XENLET_BACKEND_HOST_H

#include <stddef.h>
#include <stdint.h>

struct backend_domain;

/* The guest's domain id (the frontends' domain). */
unsigned backend_domid(const struct backend_domain *bd);

/* ---- Event channels --------------------------------------------------- */

/*
 * Binds dom0's end to guest_port, which the guest allocated unbound for
 * dom0 (EVTCHNOP_alloc_unbound, remote_dom 0), as a backend's
 * EVTCHNOP_bind_interdomain does.  From then on each send of the guest on
 * the port writes 1 to the eventfd notify_fd.  0, or -EINVAL (no such
 * port, or not unbound for dom0), -EBUSY (dom0 already bound it).
 */
int backend_evtchn_bind(struct backend_domain *bd, uint32_t guest_port, int notify_fd);

/* Closes dom0's end: the guest's port goes back to unbound for dom0, as
 * under Xen when the backend closes its end.  No-op if not bound. */
void backend_evtchn_unbind(struct backend_domain *bd, uint32_t guest_port);

/* Sends on dom0's end: raises the guest's port (no-op if unbound since). */
void backend_evtchn_notify(struct backend_domain *bd, uint32_t guest_port);

/* ---- Grants ----------------------------------------------------------- */

/*
 * A granted page, held: addr points at it in the launcher's mapping of
 * guest RAM for as long as the grant is held.  The grant entry was read
 * once and checked; the guest cannot revoke it (GTF_reading/GTF_writing
 * are set) and the frame cannot become a page table or be freed until
 * backend_grant_put.
 */
struct backend_grant {
	uint8_t *addr;     /* the page, 4096 bytes */
	uint64_t pfn;
	uint32_t ref;
	unsigned writable; /* held for writing */
};

/* Holds n grants (refs[i], for writing if writable) all or none: 0, or
 * the first GNTST_* error (negative), nothing held then. */
int backend_grant_get(struct backend_domain *bd, unsigned n, const uint32_t *refs,
		      int writable, struct backend_grant *out);

/* Releases n grants held by backend_grant_get; each addr becomes NULL,
 * and an entry whose addr is NULL already is skipped. */
void backend_grant_put(struct backend_domain *bd, unsigned n, struct backend_grant *g);

/* Copies between a granted page (from offset off) and the backend's
 * buffer, holding the grant only for the copy (Xen's GNTTABOP_copy from
 * dom0).  off + len must stay within the page.  0 or a GNTST_* error. */
int backend_grant_copy_from(struct backend_domain *bd, uint32_t ref, uint16_t off,
			    void *dst, size_t len);
int backend_grant_copy_to(struct backend_domain *bd, uint32_t ref, uint16_t off,
			  const void *src, size_t len);

#endif
