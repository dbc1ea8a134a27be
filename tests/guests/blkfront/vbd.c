/*
 * One virtual disk's xenbus handshake, in the order of Linux's
 * xen-blkfront (talk_to_blkback, blkfront_connect) against Xen's blkback
 * and io/blkif.h's state diagram:
 *
 *   the toolstack's frontend nodes: state 1, backend, backend-id,
 *   virtual-device; the backend's frontend / frontend-id name us;
 *   backend InitWait (2): it has published its transport parameters
 *   (max-ring-page-order, feature-max-indirect-segments...);
 *   a one-page ring (SHARED_RING_INIT, FRONT_RING_INIT) granted writable,
 *   a port allocated unbound for the backend's domain, ring-ref,
 *   event-channel, protocol and feature-persistent=0 written, state 3;
 *   backend Connected (4): only now are sectors, info, sector-size and
 *   the features there (Xen's blkback writes them on connecting), so they
 *   are read now; state 4.
 *
 * Closing goes as a Linux frontend going away: state 5, the backend
 * follows to Closing (or already Closed), state 6, and the backend ends
 * Closed, having unmapped the ring.  (Xen's blkback leaves Closing only
 * when the frontend is Closed, so a frontend that waited for Closed
 * before writing 6 would wait for ever.)
 */
#include "blkfront.h"

#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>
#include <xen/sched.h>

#include "evtchn.h"
#include "format.h"
#include "grant_table.h"
#include "hypercall.h"
#include "test.h"
#include "xenstore.h"

static const char *node(const char *dir, const char *name)
{
	static char path[192];
	fmt_snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

/* A number the backend may leave out: dflt then. */
static long read_or(const char *dir, const char *name, long dflt)
{
	long v = xs_read_long(node(dir, name));
	return v < 0 ? dflt : v;
}

/* Polls dir/state until it is within lo..hi, for STATE_WAIT_NS of
 * system time; the last value read (-1: none). */
static long wait_state(const char *dir, long lo, long hi)
{
	uint64_t deadline = now_ns() + STATE_WAIT_NS;
	long st;
	for (;;) {
		st = xs_read_long(node(dir, "state"));
		if ((st >= lo && st <= hi) || now_ns() >= deadline)
			return st;
		(void)HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	}
}

static void toolstack_nodes(struct vbd *v)
{
	char buf[128];
	require(xs_read(node(v->front, "backend"), v->back, sizeof v->back) > 0,
		"%s: no %s/backend (%s): run with --disk IMAGE,vdev=%s", v->name, v->front,
		v->back, v->name);
	check_eq(xs_read_long(node(v->front, "state")), XenbusStateInitialising);
	check_eq(xs_read_long(node(v->front, "virtual-device")), v->devid);
	long backend_id = xs_read_long(node(v->front, "backend-id"));
	check_eq(backend_id, 0);
	v->backend_id = (domid_t)backend_id;

	long domid = xs_read_long("domid");
	char want[64];
	fmt_snprintf(want, sizeof want, "/local/domain/%ld/%s", domid, v->front);
	int n = xs_read(node(v->back, "frontend"), buf, sizeof buf);
	check_msg(n > 0 && strcmp(buf, want) == 0, "%s: backend's frontend node is '%s', not '%s'",
		  v->name, n > 0 ? buf : "(unreadable)", want);
	check_eq(xs_read_long(node(v->back, "frontend-id")), domid);
}

static void publish_ring(struct vbd *v)
{
	blkif_sring_t *sring = (blkif_sring_t *)page_va(v->ring_page);
	memset(sring, 0, 4096);
	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&v->ring, sring, 4096);
	check_eq(RING_SIZE(&v->ring), 32);
	page_grant(v->ring_page, v->backend_id, false);
	v->port = evtchn_alloc_unbound(v->backend_id);
	check_eq(xs_printf(node(v->front, "ring-ref"), "%u", page_ref(v->ring_page)), 0);
	check_eq(xs_printf(node(v->front, "event-channel"), "%u", v->port), 0);
	check_eq(xs_write(node(v->front, "protocol"), XEN_IO_PROTO_ABI_X86_64), 0);
	/* No persistent grants: they would let the backend map every page
	 * writable, and this guest grants the pages it writes from
	 * read-only. */
	check_eq(xs_write(node(v->front, "feature-persistent"), "0"), 0);
	check_eq(xs_printf(node(v->front, "state"), "%d", XenbusStateInitialised), 0);
}

static void read_properties(struct vbd *v)
{
	long sectors = xs_read_long(node(v->back, "sectors"));
	long sector_size = xs_read_long(node(v->back, "sector-size"));
	long info = xs_read_long(node(v->back, "info"));
	require(sectors > 0 && sector_size > 0 && info >= 0,
		"%s: backend's sectors %ld, sector-size %ld, info %ld", v->name, sectors,
		sector_size, info);
	v->sectors = (uint64_t)sectors;
	v->sector_size = (uint32_t)sector_size;
	v->info = (uint32_t)info;
	/* 512 unless the frontend offers feature-large-sector-size, which
	 * this one does not (io/blkif.h). */
	check_eq(v->sector_size, SECTOR);
	v->flush = read_or(v->back, "feature-flush-cache", 0) == 1;
	v->discard = read_or(v->back, "feature-discard", 0) == 1;
	v->discard_granularity = (uint32_t)read_or(v->back, "discard-granularity", SECTOR);
	v->discard_alignment = (uint32_t)read_or(v->back, "discard-alignment", 0);
	v->max_indirect = (uint32_t)read_or(v->back, "feature-max-indirect-segments", 0);
}

void vbd_connect(struct vbd *v, const char *name, uint32_t devid, unsigned ring_page)
{
	*v = (struct vbd){ .name = name, .devid = devid, .ring_page = ring_page };
	fmt_snprintf(v->front, sizeof v->front, "device/vbd/%u", devid);
	toolstack_nodes(v);

	long st = wait_state(v->back, XenbusStateInitWait, XenbusStateInitWait);
	require(st == XenbusStateInitWait, "%s: backend state %ld, not InitWait", name, st);
	/* One page and one queue, whatever the backend offers: the defaults,
	 * so neither ring-page-order nor multi-queue-num-queues is written. */
	printk("blkfront: %s: backend %s in InitWait, max-ring-page-order %ld, "
	       "multi-queue-max-queues %ld\n", name, v->back,
	       read_or(v->back, "max-ring-page-order", 0),
	       read_or(v->back, "multi-queue-max-queues", 1));
	publish_ring(v);

	st = wait_state(v->back, XenbusStateConnected, XenbusStateConnected);
	require(st == XenbusStateConnected, "%s: backend state %ld, not Connected", name, st);
	read_properties(v);
	check_eq(xs_printf(node(v->front, "state"), "%d", XenbusStateConnected), 0);
	printk("blkfront: %s connected: sectors %lu sector-size %u info 0x%x flush %d "
	       "discard %d (granularity %u alignment %u) max-indirect %u ring-ref %u port %u\n",
	       name, v->sectors, v->sector_size, v->info, v->flush, v->discard,
	       v->discard_granularity, v->discard_alignment, v->max_indirect,
	       page_ref(ring_page), v->port);
}

void vbd_close(struct vbd *v)
{
	check_eq(xs_printf(node(v->front, "state"), "%d", XenbusStateClosing), 0);
	long st = wait_state(v->back, XenbusStateClosing, XenbusStateClosed);
	check_msg(st == XenbusStateClosing || st == XenbusStateClosed,
		  "%s: backend state %ld after the frontend's Closing", v->name, st);
	check_eq(xs_printf(node(v->front, "state"), "%d", XenbusStateClosed), 0);
	st = wait_state(v->back, XenbusStateClosed, XenbusStateClosed);
	check_msg(st == XenbusStateClosed, "%s: backend state %ld after the frontend's Closed",
		  v->name, st);
	/* Closed: the backend has let go of the ring. */
	page_end(v->ring_page);
	struct evtchn_close cl = { .port = v->port };
	check_eq(evtchn_op(EVTCHNOP_close, &cl), 0);
	ring_check_events(v);
	printk("blkfront: %s closed\n", v->name);
}
