/*
 * The hostile run: requests no correct frontend sends, each of which must
 * be answered, once, with BLKIF_RSP_ERROR (BLKIF_RSP_EOPNOTSUPP allowed
 * where Xen's blkback gives it: an operation it does not know) and do
 * nothing else, while the device keeps working: after each one a good
 * read of sectors 0-7 must still return the image's fill.
 *
 * "Nothing else": a refused write must not reach the image (its data is
 * a fill of 'X' aimed at sectors from BAD_ZONE, past the end, or at
 * sector 0 through wrapping arithmetic; the integration test compares
 * the whole image with what the good writes reported), and a refused
 * read must not write guest memory (its target is a canary page, with
 * the page after it watched too, or a page-table frame).
 *
 *   segments: 12 in a direct request, none in a read or write,
 *     first_sect > last_sect, last_sect 8 (past the page);
 *   ranges: past the end, from the end, wrapping past 2^64 sectors,
 *     a byte offset wrapping past 2^64;
 *   grants: a ref past the table and 0xffffffff, a ref never granted
 *     (flags 0, though frame and domid point at the canary), a ref
 *     granted to domain 7, a read into a page granted read-only, a read
 *     into a page-table frame (a pinned L1) granted writable, which Xen
 *     refuses to map writable;
 *   operations: 99 (unknown), discards past the end and wrapping (if
 *     feature-discard), BLKIF_OP_INDIRECT with one segment more
 *     than feature-max-indirect-segments, with none, and carrying a
 *     flush (or, with no indirect offered, any indirect request);
 *   the same id twice in flight: two good writes, both answered;
 *   with xt.rodisk=1, a write (and a discard, if offered) to the
 *     read-only xvdb: refused, the disk unchanged;
 *   last, req_prod 1000 past anything the ring can hold: Xen's blkback
 *     stops serving the ring (it logs "Frontend provided bogus ring
 *     requests" and answers nothing more); no response may come, the
 *     backend may stay Connected or close, the launcher must go on
 *     (xenstore still answers), and the guest ends the test there.
 */
#include "blkfront.h"

#include <xen/io/xenbus.h>

#include "evtchn.h"
#include "format.h"
#include "grant_table.h"
#include "pv_mmu.h"
#include "test.h"
#include "xenstore.h"

#define BAD_ZONE 8192
#define BAD_FILL 'X'
#define CANARY 0xc5
#define BAD_SOURCES BLKIF_MAX_SEGMENTS_PER_REQUEST /* W pages holding BAD_FILL */

static struct vbd *d;

static bool canaries_intact(void)
{
	return all_bytes(page_va(PG_CANARY), CANARY, 4096) &&
	       all_bytes(page_va(PG_CANARY_NEXT), CANARY, 4096);
}

static void still_works(const char *after)
{
	struct seg s = { PG_READ0, 0, SECTORS_PER_PAGE - 1 };
	memset(page_va(PG_READ0), 0, 4096);
	int st = vbd_rw(d, BLKIF_OP_READ, 0, &s, 1);
	bool fill = true;
	for (unsigned k = 0; k < SECTORS_PER_PAGE; k++)
		fill = fill && pattern_initial_ok(page_va(PG_READ0) + k * SECTOR, INITIAL_XVDA);
	check_msg(st == BLKIF_RSP_OKAY && fill, "after %s: a good read gives status %d%s", after,
		  st, fill ? "" : " and not the image's fill");
}

/* Answers the request queued as id, which must be refused, then checks
 * that nothing else happened. */
static void expect_refused(const char *what, uint64_t id, uint8_t op, bool unknown_op)
{
	int st = ring_answer(d, id, op);
	printk("blkfront: hostile: %s -> status %d\n", what, st);
	check_msg(st == BLKIF_RSP_ERROR || (unknown_op && st == BLKIF_RSP_EOPNOTSUPP),
		  "%s: status %d, not BLKIF_RSP_ERROR", what, st);
	check_msg(canaries_intact(), "%s: the canary pages changed", what);
	still_works(what);
}

/* The page a bad request of op uses: a write reads the BAD_FILL pages,
 * a read would write the canary. */
static void grant_victims(uint8_t op)
{
	if (op == BLKIF_OP_WRITE)
		for (unsigned i = 0; i < BAD_SOURCES; i++)
			page_grant(PG_WRITE0 + i, d->backend_id, true);
	else
		page_grant(PG_CANARY, d->backend_id, false);
}

static void end_victims(uint8_t op)
{
	if (op == BLKIF_OP_WRITE)
		for (unsigned i = 0; i < BAD_SOURCES; i++)
			page_end(PG_WRITE0 + i);
	else
		page_end(PG_CANARY);
}

static unsigned victim(uint8_t op, unsigned i)
{
	return op == BLKIF_OP_WRITE ? PG_WRITE0 + i % BAD_SOURCES : PG_CANARY;
}

/* A read and a write with nseg segments of first..last each (only the
 * eleven a request holds are written: a twelfth would lie in the next
 * slot) from sector on. */
static void bad_shape(const char *what, uint8_t nseg, uint8_t first, uint8_t last,
		      uint64_t sector)
{
	static const uint8_t ops[] = { BLKIF_OP_WRITE, BLKIF_OP_READ };
	for (unsigned k = 0; k < 2; k++) {
		uint8_t op = ops[k];
		grant_victims(op);
		uint64_t id = ring_new_id();
		struct blkif_request *r = ring_next(d, op, id);
		r->nr_segments = nseg;
		r->sector_number = sector;
		for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
			r->seg[i] = (struct blkif_request_segment){ page_ref(victim(op, i)), first,
								    last };
		char name[96];
		fmt_snprintf(name, sizeof name, "%s %s", op == BLKIF_OP_WRITE ? "write" : "read",
			     what);
		expect_refused(name, id, op, false);
		end_victims(op);
	}
}

/* A read and a write of one whole page through ref, which the caller set
 * up (or not). */
static void bad_ref(const char *what, grant_ref_t ref)
{
	static const uint8_t ops[] = { BLKIF_OP_WRITE, BLKIF_OP_READ };
	for (unsigned k = 0; k < 2; k++) {
		uint64_t id = ring_new_id();
		struct blkif_request *r = ring_next(d, ops[k], id);
		r->nr_segments = 1;
		r->sector_number = BAD_ZONE;
		r->seg[0] = (struct blkif_request_segment){ ref, 0, SECTORS_PER_PAGE - 1 };
		char name[96];
		fmt_snprintf(name, sizeof name, "%s through %s",
			     ops[k] == BLKIF_OP_WRITE ? "write" : "read", what);
		expect_refused(name, id, ops[k], false);
	}
}

static void shapes(void)
{
	bad_shape("with 12 segments", BLKIF_MAX_SEGMENTS_PER_REQUEST + 1, 0, 7, BAD_ZONE);
	bad_shape("with no segments", 0, 0, 7, BAD_ZONE);
	bad_shape("with first_sect 5 > last_sect 3", 1, 5, 3, BAD_ZONE);
	bad_shape("with last_sect 8", 1, 0, 8, BAD_ZONE);
	bad_shape("past the end", 1, 0, 7, d->sectors - 4);
	bad_shape("from the end", 1, 0, 0, d->sectors);
	bad_shape("wrapping past 2^64 sectors", 1, 0, 7, UINT64_MAX - 3);
	bad_shape("whose byte offset wraps to 0", 1, 0, 7, 1ull << 55);
}

static uint64_t mfn_of_page(unsigned pg)
{
	return ((const uint64_t *)boot_start_info->mfn_list)[page_pfn(pg)];
}

static void grants(void)
{
	char what[64];
	fmt_snprintf(what, sizeof what, "ref %u, past the table", grant_table_entries());
	bad_ref(what, grant_table_entries());
	bad_ref("ref 0xffffffff", 0xffffffffu);

	volatile grant_entry_v1_t *e = grant_entry(SPARE_REF(0));
	e->frame = (uint32_t)mfn_of_page(PG_CANARY);
	e->domid = d->backend_id;
	e->flags = 0;
	bad_ref("a ref never granted (flags 0)", SPARE_REF(0));
	e->frame = 0;

	grant_access(SPARE_REF(1), 7, page_pfn(PG_CANARY), false);
	bad_ref("a ref granted to domain 7", SPARE_REF(1));
	check_msg(grant_end(SPARE_REF(1)), "the grant to domain 7 is held");

	page_grant(PG_CANARY, d->backend_id, true);
	uint64_t id = ring_new_id();
	struct blkif_request *r = ring_next(d, BLKIF_OP_READ, id);
	r->nr_segments = 1;
	r->sector_number = 0;
	r->seg[0] = (struct blkif_request_segment){ page_ref(PG_CANARY), 0, 7 };
	expect_refused("read into a page granted read-only", id, BLKIF_OP_READ, false);
	page_end(PG_CANARY);
}

/* The table frame: a zeroed page, mapped read-only and pinned as an L1
 * (nothing points at it, so a wrong write could not hurt the guest). */
static void read_into_page_table(void)
{
	uint8_t *va = page_va(PG_TABLE);
	uint64_t mfn = mfn_of_page(PG_TABLE);
	memset(va, 0, 4096);
	check_eq(update_va(va, (mfn << 12) | PTE_P | PTE_A, UVMF_INVLPG), 0);
	long rc = mmuext(MMUEXT_PIN_L1_TABLE, mfn);
	require(rc == 0, "pinning pool page %u as an L1: %ld", PG_TABLE, rc);

	page_grant(PG_TABLE, d->backend_id, false);
	uint64_t id = ring_new_id();
	struct blkif_request *r = ring_next(d, BLKIF_OP_READ, id);
	r->nr_segments = 1;
	r->sector_number = 0;
	r->seg[0] = (struct blkif_request_segment){ page_ref(PG_TABLE), 0, 7 };
	expect_refused("read into a page-table frame granted writable", id, BLKIF_OP_READ,
		       false);
	page_end(PG_TABLE);
	check_msg(all_bytes(va, 0, 4096), "the page-table frame changed");

	check_eq(mmuext(MMUEXT_UNPIN_TABLE, mfn), 0);
	check_eq(update_va(va, (mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG), 0);
}

/* An indirect write of nseg segments (all the same BAD_FILL page) in as
 * many indirect pages as they need, at most eight. */
static void bad_indirect(const char *what, uint8_t indirect_op, uint32_t nseg, bool unknown_op)
{
	const unsigned per_page = 4096 / sizeof(struct blkif_request_segment);
	unsigned pages = (nseg + per_page - 1) / per_page;
	if (pages > INDIRECT_PAGES)
		pages = INDIRECT_PAGES;
	page_grant(PG_WRITE0, d->backend_id, true);
	for (unsigned p = 0; p < pages; p++) {
		struct blkif_request_segment *list =
			(struct blkif_request_segment *)page_va(PG_INDIRECT0 + p);
		for (unsigned i = 0; i < per_page; i++)
			list[i] = (struct blkif_request_segment){ page_ref(PG_WRITE0), 0, 7 };
		page_grant(PG_INDIRECT0 + p, d->backend_id, true);
	}
	uint64_t id = ring_new_id();
	struct blkif_request_indirect *r =
		(struct blkif_request_indirect *)ring_next(d, BLKIF_OP_INDIRECT, id);
	r->indirect_op = indirect_op;
	r->nr_segments = (uint16_t)nseg; /* over where ring_next put a handle */
	r->sector_number = BAD_ZONE;
	r->handle = (blkif_vdev_t)d->devid;
	for (unsigned p = 0; p < pages; p++)
		r->indirect_grefs[p] = page_ref(PG_INDIRECT0 + p);
	/* A backend that knows indirect requests answers with the operation
	 * inside; one that does not, with the one it did not know. */
	expect_refused(what, id, unknown_op ? BLKIF_OP_INDIRECT : indirect_op, unknown_op);
	page_end(PG_WRITE0);
	for (unsigned p = 0; p < pages; p++)
		page_end(PG_INDIRECT0 + p);
}

static void operations(void)
{
	page_grant(PG_CANARY, d->backend_id, false);
	uint64_t id = ring_new_id();
	struct blkif_request *r = ring_next(d, 99, id);
	r->nr_segments = 1;
	r->sector_number = BAD_ZONE;
	r->seg[0] = (struct blkif_request_segment){ page_ref(PG_CANARY), 0, 7 };
	expect_refused("operation 99", id, 99, true);
	page_end(PG_CANARY);

	if (d->discard) {
		int st = vbd_discard(d, d->sectors - 4, 8);
		printk("blkfront: hostile: discard past the end -> status %d\n", st);
		check_msg(st == BLKIF_RSP_ERROR, "discard past the end: status %d", st);
		st = vbd_discard(d, UINT64_MAX - 3, 8);
		printk("blkfront: hostile: discard wrapping past 2^64 -> status %d\n", st);
		check_msg(st == BLKIF_RSP_ERROR, "discard wrapping past 2^64: status %d", st);
		still_works("the bad discards");
	}

	if (!d->max_indirect) {
		bad_indirect("an indirect write where none is offered", BLKIF_OP_WRITE, 1, true);
		return;
	}
	char what[80];
	fmt_snprintf(what, sizeof what, "an indirect write of %u segments (%u offered)",
		     d->max_indirect + 1, d->max_indirect);
	bad_indirect(what, BLKIF_OP_WRITE, d->max_indirect + 1, false);
	bad_indirect("an indirect write of no segments", BLKIF_OP_WRITE, 0, false);
	bad_indirect("an indirect flush", BLKIF_OP_FLUSH_DISKCACHE, 1, false);
}

static void duplicate_ids(void)
{
	enum { FIRST = 520 };
	struct seg w[2] = { { PG_WRITE0 + BAD_SOURCES, 0, 7 }, { PG_WRITE0 + BAD_SOURCES + 1, 0, 7 } };
	segs_fill_pattern(w, 2, FIRST);
	uint64_t id = ring_new_id();
	for (unsigned i = 0; i < 2; i++) {
		page_grant(w[i].page, d->backend_id, true);
		struct blkif_request *r = ring_next(d, BLKIF_OP_WRITE, id);
		r->nr_segments = 1;
		r->sector_number = FIRST + i * SECTORS_PER_PAGE;
		r->seg[0] = (struct blkif_request_segment){ page_ref(w[i].page), 0, 7 };
	}
	ring_push(d);
	struct blkif_response rsp[2];
	unsigned got = ring_collect(d, rsp, 2, RESPONSE_WAIT_NS);
	printk("blkfront: hostile: two writes with id 0x%lx in flight -> %u responses\n", id, got);
	check_eq(got, 2);
	for (unsigned i = 0; i < got; i++) {
		check_eq(rsp[i].id, id);
		check_eq(rsp[i].status, BLKIF_RSP_OKAY);
	}
	for (unsigned i = 0; i < 2; i++)
		page_end(w[i].page);
	if (got == 2 && rsp[0].status == BLKIF_RSP_OKAY && rsp[1].status == BLKIF_RSP_OKAY)
		report_written(d, FIRST, 2 * SECTORS_PER_PAGE);
	struct seg r[2] = { { PG_READ0, 0, 7 }, { PG_READ0 + 1, 0, 7 } };
	check_eq(vbd_rw(d, BLKIF_OP_READ, FIRST, r, 2), BLKIF_RSP_OKAY);
	check_msg(segs_hold_pattern(r, 2, FIRST), "the two writes with one id: not on disk");
}

static void read_only_disk(void)
{
	static struct vbd xvdb;
	vbd_connect(&xvdb, "xvdb", XVDB, PG_RING_XVDB);
	check_msg(xvdb.info & VDISK_READONLY, "xvdb: info 0x%x lacks VDISK_READONLY", xvdb.info);
	struct seg w = { PG_WRITE0, 0, 7 }, r = { PG_READ0, 0, 7 };
	int st = vbd_rw(&xvdb, BLKIF_OP_WRITE, 0, &w, 1);
	printk("blkfront: hostile: write to the read-only xvdb -> status %d\n", st);
	check_msg(st == BLKIF_RSP_ERROR, "write to the read-only xvdb: status %d", st);
	if (xvdb.discard) {
		st = vbd_discard(&xvdb, 0, SECTORS_PER_PAGE);
		printk("blkfront: hostile: discard on the read-only xvdb -> status %d\n", st);
		check_msg(st == BLKIF_RSP_ERROR, "discard on the read-only xvdb: status %d", st);
	}
	memset(page_va(PG_READ0), 0, 4096);
	check_eq(vbd_rw(&xvdb, BLKIF_OP_READ, 0, &r, 1), BLKIF_RSP_OKAY);
	for (unsigned k = 0; k < SECTORS_PER_PAGE; k++)
		check_msg(pattern_initial_ok(page_va(PG_READ0) + k * SECTOR, INITIAL_XVDB),
			  "xvdb: sector %u changed", k);
	vbd_close(&xvdb);
}

static void good_write(uint64_t sector)
{
	struct seg w = { PG_WRITE0 + BAD_SOURCES + 2, 0, 7 }, r = { PG_READ0, 0, 7 };
	segs_fill_pattern(&w, 1, sector);
	int st = vbd_rw(d, BLKIF_OP_WRITE, sector, &w, 1);
	check_msg(st == BLKIF_RSP_OKAY, "good write at %lu after the attacks: status %d", sector,
		  st);
	if (st == BLKIF_RSP_OKAY)
		report_written(d, sector, SECTORS_PER_PAGE);
	check_eq(vbd_rw(d, BLKIF_OP_READ, sector, &r, 1), BLKIF_RSP_OKAY);
	check_msg(segs_hold_pattern(&r, 1, sector), "good write at %lu: not read back", sector);
}

static void impossible_req_prod(void)
{
	ring_check_events(d);
	RING_IDX rsp_prod = d->ring.sring->rsp_prod;
	xen_wmb();
	d->ring.sring->req_prod = d->ring.req_prod_pvt + 1000;
	xen_mb();
	check_eq(evtchn_send(d->port), 0);
	struct blkif_response r = { 0 };
	unsigned got = ring_collect(d, &r, 1, 1000 * MS);
	char state[96];
	fmt_snprintf(state, sizeof state, "%s/state", d->back);
	long st = xs_read_long(state);
	printk("blkfront: hostile: req_prod 1000 ahead -> %u responses in 1 s, backend state "
	       "%ld\n", got, st);
	check_msg(got == 0, "responses to requests that cannot exist (first: id 0x%lx status %d)",
		  r.id, r.status);
	check_eq(d->ring.sring->rsp_prod, rsp_prod);
	check_msg(st >= XenbusStateConnected && st <= XenbusStateClosed,
		  "backend state %ld after the bogus ring", st);
	char domid[16];
	check_msg(xs_read("domid", domid, sizeof domid) > 0, "xenstore no longer answers");
}

void hostile_run(struct vbd *xvda, bool rodisk)
{
	d = xvda;
	for (unsigned i = 0; i < BAD_SOURCES; i++)
		memset(page_va(PG_WRITE0 + i), BAD_FILL, 4096);
	memset(page_va(PG_CANARY), CANARY, 4096);
	memset(page_va(PG_CANARY_NEXT), CANARY, 4096);
	still_works("connecting");
	shapes();
	grants();
	read_into_page_table();
	operations();
	duplicate_ids();
	if (rodisk)
		read_only_disk();
	good_write(600);
	impossible_req_prod();
}
