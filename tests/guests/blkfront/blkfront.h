/* Shared by the blkfront guest's parts: the xenbus handshake (vbd.c), the
 * request ring (ring.c), its pages and their grants (pages.c), the sector
 * patterns (pattern.c) and the two runs (good.c, hostile.c). */
#ifndef BLKFRONT_H
#define BLKFRONT_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

/* io/ring.h's barriers, as x86 needs them between the two ends: only a
 * store followed by a load needs a fence; the rest must only keep the
 * compiler from reordering. */
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
/* io/ring.h's macros also use size_t and memset. */
#include <stddef.h>
#include "libc.h"
#include <xen/io/blkif.h>

#define MS 1000000ull
#define SECTOR 512u
#define SECTORS_PER_PAGE 8u
#define XVDA 51712u /* 202 << 8: xl's number for xvda */
#define XVDB 51728u /* 202 << 8 | 1 << 4 */
#define RESPONSE_WAIT_NS (10000 * MS)
#define STATE_WAIT_NS (10000 * MS)

extern struct shared_info *shared;
uint64_t now_ns(void);

/* ---- pages.c: the guest pages the runs lend to the backend, each with a
 * grant ref of its own (pool page i is ref GNTTAB_NR_RESERVED_ENTRIES + i;
 * the refs after the pool are spares for hand-written entries). */
#define WRITE_PAGES 32
#define READ_PAGES 32
#define INDIRECT_PAGES BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST
enum pool_page {
	PG_RING_XVDA,
	PG_RING_XVDB,
	PG_WRITE0,                            /* sources of writes */
	PG_READ0 = PG_WRITE0 + WRITE_PAGES,  /* targets of reads */
	PG_INDIRECT0 = PG_READ0 + READ_PAGES, /* indirect segment lists */
	PG_CANARY = PG_INDIRECT0 + INDIRECT_PAGES,
	PG_CANARY_NEXT, /* catches a transfer running past the canary page */
	PG_TABLE,       /* made a pinned L1 by the hostile run */
	POOL_PAGES
};
#define SPARE_REF(n) (GNTTAB_NR_RESERVED_ENTRIES + POOL_PAGES + (n))

uint8_t *page_va(unsigned pg);
uint64_t page_pfn(unsigned pg);
grant_ref_t page_ref(unsigned pg);
/* Grants page pg to domid (read-only if asked). */
void page_grant(unsigned pg, domid_t domid, bool readonly);
/* Revokes its grant, checking that nobody holds it any more (a backend
 * must have let go of every page of a request when it answers it). */
void page_end(unsigned pg);

/* ---- pattern.c: what the sectors hold.  The images start filled with a
 * 16-byte unit (the integration test writes them with `yes`); a sector
 * the guest writes holds 16 lines "lba %08x line %02x xenlet-blk\n". */
#define INITIAL_XVDA "xenlet-initial.\n"
#define INITIAL_XVDB "xenlet-readonly\n"
void pattern_sector(uint8_t *dst, uint64_t lba);
bool pattern_sector_ok(const uint8_t *src, uint64_t lba);
bool pattern_initial_ok(const uint8_t *src, const char *unit);
bool all_bytes(const uint8_t *p, uint8_t value, unsigned len);

/* ---- vbd.c: one virtual disk, connected as Linux's xen-blkfront does. */
struct vbd {
	const char *name;
	uint32_t devid;
	char front[32];  /* device/vbd/<devid> */
	char back[128];  /* the backend's directory */
	domid_t backend_id;
	unsigned ring_page;
	blkif_front_ring_t ring;
	evtchn_port_t port;
	uint64_t sectors;
	uint32_t sector_size, info;
	bool flush, discard;
	uint32_t discard_granularity, discard_alignment; /* bytes */
	uint32_t max_indirect; /* 0: no indirect requests */
	unsigned silent_answers; /* responses that came without an event */
};

/* The handshake up to Connected; ends the test if it cannot be made. */
void vbd_connect(struct vbd *v, const char *name, uint32_t devid, unsigned ring_page);
/* Closing, then Closed, as a frontend that goes away. */
void vbd_close(struct vbd *v);

/* ---- ring.c: requests and their responses. */
#define NO_ANSWER 0x7fff /* not a BLKIF_RSP_*: no response in time */

uint64_t ring_new_id(void);
/* The next free request slot, zeroed, with operation, id and handle
 * filled in; it goes to the backend at the next ring_push. */
struct blkif_request *ring_next(struct vbd *v, uint8_t op, uint64_t id);
/* Publishes the queued requests and notifies if the backend asked. */
void ring_push(struct vbd *v);
/* Takes up to want responses, waiting at most ns for them all; the
 * number taken. */
unsigned ring_collect(struct vbd *v, struct blkif_response *out, unsigned want, uint64_t ns);
/* Pushes, then takes the one response expected, checking it echoes id
 * and op (Linux's blkfront refuses a response that does not); its status
 * or NO_ANSWER. */
int ring_answer(struct vbd *v, uint64_t id, uint8_t op);
/* Checks that every response so far came with the event rsp_event asked
 * for. */
void ring_check_events(const struct vbd *v);

/* ---- Requests the runs build from segments of pool pages. */
struct seg {
	unsigned page;
	uint8_t first, last; /* sectors within the page, inclusive */
};

/* One direct read or write of the segments' sectors from sector on: the
 * pages granted (read-only for a write, as the backend only reads them),
 * the request answered, the grants ended.  The status or NO_ANSWER. */
int vbd_rw(struct vbd *v, uint8_t op, uint64_t sector, const struct seg *s, unsigned n);
/* The same as one BLKIF_OP_INDIRECT request, its segment list in
 * indirect pages granted read-only. */
int vbd_rw_indirect(struct vbd *v, uint8_t op, uint64_t sector, const struct seg *s,
		    unsigned n);
/* BLKIF_OP_DISCARD of count sectors from sector on (no secure erase):
 * the status or NO_ANSWER. */
int vbd_discard(struct vbd *v, uint64_t sector, uint64_t count);
/* The segments' bytes hold the written pattern of consecutive sectors
 * from lba on. */
bool segs_hold_pattern(const struct seg *s, unsigned n, uint64_t lba);
void segs_fill_pattern(const struct seg *s, unsigned n, uint64_t lba);
/* Says on the console which sectors now hold the written pattern, for
 * the integration test's look at the image. */
void report_written(const struct vbd *v, uint64_t sector, unsigned count);

/* ---- The runs. */
void good_run(struct vbd *xvda, bool rodisk);
void hostile_run(struct vbd *xvda, bool rodisk);

#endif
