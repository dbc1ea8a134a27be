/*
 * The well-behaved run: what Linux's blkfront asks of a disk, each answer
 * checked against the image's known contents.
 *
 *   1. a read of sectors 0-7: the image's initial fill;
 *   2. a one-page write of 64-71, read back into another page; the
 *      written page unchanged (the backend only reads it);
 *   3. a write of 100-102 from sectors 2-4 of a page, read back as
 *      99-103 into sectors 1-5 of another: data lands where first_sect
 *      says, and nothing else of the page is written;
 *   4. eleven segments (the most a direct request holds) of whole pages,
 *      128-215, read back whole and again with ragged segments;
 *   5. a full ring: 32 one-sector reads in flight at once, pushed
 *      together, each into its own sector of four pages;
 *   6. the disk's last sector written and read back, and a read of its
 *      last page;
 *   7. BLKIF_OP_FLUSH_DISKCACHE (no segments) if feature-flush-cache;
 *   8. BLKIF_OP_DISCARD if feature-discard, on extents the backend's
 *      discard-granularity/-alignment allow, then a read of the range.
 *      Only the statuses are checked: neither io/blkif.h nor Linux's
 *      blkfront promise what a discarded sector then reads as (Linux
 *      offers no write-zeroes or discard-zeroes-data for a Xen disk);
 *   9. an indirect write and read (BLKIF_OP_INDIRECT) of up to 32
 *      segments if feature-max-indirect-segments;
 *  10. with xt.rodisk=1, xvdb: info says VDISK_READONLY and it reads as
 *      its image's fill;
 *  11. closing xvda.
 *
 * A status may be BLKIF_RSP_EOPNOTSUPP for flush and discard even when
 * offered ("may still be returned at any time", io/blkif.h); anything
 * else must be BLKIF_RSP_OKAY.
 */
#include "blkfront.h"

#include "test.h"

#define FILL 0xee /* what a target page holds before a read */

static struct vbd *d;

static struct seg whole(unsigned page)
{
	return (struct seg){ page, 0, SECTORS_PER_PAGE - 1 };
}

static unsigned segs_sectors(const struct seg *s, unsigned n)
{
	unsigned count = 0;
	for (unsigned i = 0; i < n; i++)
		count += s[i].last - s[i].first + 1u;
	return count;
}

/* Writes the pattern of sector.. from the segments; reports it. */
static void write_pattern(const struct seg *s, unsigned n, uint64_t sector, bool indirect)
{
	segs_fill_pattern(s, n, sector);
	int st = indirect ? vbd_rw_indirect(d, BLKIF_OP_WRITE, sector, s, n)
			  : vbd_rw(d, BLKIF_OP_WRITE, sector, s, n);
	check_msg(st == BLKIF_RSP_OKAY, "write of %u segments at %lu%s: status %d", n, sector,
		  indirect ? " (indirect)" : "", st);
	if (st == BLKIF_RSP_OKAY)
		report_written(d, sector, segs_sectors(s, n));
	check_msg(segs_hold_pattern(s, n, sector), "a page written from changed");
}

/* Reads sector.. into the segments (their pages filled with FILL
 * first); the status. */
static int read_into(const struct seg *s, unsigned n, uint64_t sector, bool indirect)
{
	for (unsigned i = 0; i < n; i++)
		memset(page_va(s[i].page), FILL, 4096);
	return indirect ? vbd_rw_indirect(d, BLKIF_OP_READ, sector, s, n)
			: vbd_rw(d, BLKIF_OP_READ, sector, s, n);
}

static void read_pattern(const struct seg *s, unsigned n, uint64_t sector, bool indirect)
{
	int st = read_into(s, n, sector, indirect);
	check_msg(st == BLKIF_RSP_OKAY, "read of %u segments at %lu%s: status %d", n, sector,
		  indirect ? " (indirect)" : "", st);
	check_msg(segs_hold_pattern(s, n, sector), "read of %u segments at %lu%s: not the "
		  "written pattern", n, sector, indirect ? " (indirect)" : "");
}

static void initial_read(void)
{
	struct seg s = whole(PG_READ0);
	check_eq(read_into(&s, 1, 0, false), BLKIF_RSP_OKAY);
	for (unsigned k = 0; k < SECTORS_PER_PAGE; k++)
		check_msg(pattern_initial_ok(page_va(PG_READ0) + k * SECTOR, INITIAL_XVDA),
			  "sector %u does not hold the image's fill", k);
}

static void one_page(void)
{
	struct seg w = whole(PG_WRITE0), r = whole(PG_READ0);
	write_pattern(&w, 1, 64, false);
	read_pattern(&r, 1, 64, false);
}

static void partial_segments(void)
{
	memset(page_va(PG_WRITE0 + 1), 0x11, 4096);
	struct seg w = { PG_WRITE0 + 1, 2, 4 }, r = { PG_READ0 + 1, 1, 5 };
	write_pattern(&w, 1, 100, false);
	check_eq(read_into(&r, 1, 99, false), BLKIF_RSP_OKAY);
	const uint8_t *p = page_va(PG_READ0 + 1);
	check_msg(pattern_initial_ok(p + 1 * SECTOR, INITIAL_XVDA), "sector 99 changed");
	for (unsigned k = 2; k <= 4; k++)
		check_msg(pattern_sector_ok(p + k * SECTOR, 100 + k - 2),
			  "sector %u not where first_sect put it", 100 + k - 2);
	check_msg(pattern_initial_ok(p + 5 * SECTOR, INITIAL_XVDA), "sector 103 changed");
	check_msg(all_bytes(p, FILL, SECTOR) && all_bytes(p + 6 * SECTOR, FILL, 2 * SECTOR),
		  "a read wrote outside first_sect..last_sect");
}

static void eleven_segments(void)
{
	struct seg w[BLKIF_MAX_SEGMENTS_PER_REQUEST], r[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	for (unsigned i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		w[i] = whole(PG_WRITE0 + i);
		r[i] = whole(PG_READ0 + i);
	}
	write_pattern(w, BLKIF_MAX_SEGMENTS_PER_REQUEST, 128, false);
	read_pattern(r, BLKIF_MAX_SEGMENTS_PER_REQUEST, 128, false);
	/* Ragged: each segment starts further into its page, as a bio of
	 * unaligned buffers maps to segments. */
	for (unsigned i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		r[i] = (struct seg){ PG_READ0 + i, (uint8_t)(i * 3 % 8), 7 };
	read_pattern(r, BLKIF_MAX_SEGMENTS_PER_REQUEST, 130, false);
	for (unsigned i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		check_msg(all_bytes(page_va(r[i].page), FILL, r[i].first * SECTOR),
			  "ragged read: page %u written before first_sect %u", i, r[i].first);
}

static void full_ring(void)
{
	enum { N = 32, FIRST = 128 };
	for (unsigned p = 0; p < N / SECTORS_PER_PAGE; p++) {
		memset(page_va(PG_READ0 + p), FILL, 4096);
		page_grant(PG_READ0 + p, d->backend_id, false);
	}
	uint64_t ids[N];
	for (unsigned i = 0; i < N; i++) {
		ids[i] = ring_new_id();
		struct blkif_request *r = ring_next(d, BLKIF_OP_READ, ids[i]);
		r->nr_segments = 1;
		r->sector_number = FIRST + i;
		uint8_t slot = (uint8_t)(i % SECTORS_PER_PAGE);
		r->seg[0] = (struct blkif_request_segment){
			page_ref(PG_READ0 + i / SECTORS_PER_PAGE), slot, slot };
	}
	ring_push(d);
	struct blkif_response rsp[N];
	unsigned got = ring_collect(d, rsp, N, RESPONSE_WAIT_NS);
	check_eq(got, N);
	unsigned answered = 0, okay = 0;
	for (unsigned k = 0; k < got; k++)
		for (unsigned i = 0; i < N; i++)
			if (rsp[k].id == ids[i] && !(answered & (1u << i))) {
				answered |= 1u << i;
				okay += rsp[k].status == BLKIF_RSP_OKAY &&
					rsp[k].operation == BLKIF_OP_READ;
			}
	check_msg(answered == 0xffffffffu, "full ring: requests answered: mask 0x%x", answered);
	check_eq(okay, N);
	for (unsigned p = 0; p < N / SECTORS_PER_PAGE; p++)
		page_end(PG_READ0 + p);
	for (unsigned i = 0; i < N; i++)
		check_msg(pattern_sector_ok(page_va(PG_READ0) + i * SECTOR, FIRST + i),
			  "full ring: sector %u", FIRST + i);
}

static void last_sectors(void)
{
	uint64_t last = d->sectors - 1;
	struct seg w = { PG_WRITE0, 0, 0 }, r = { PG_READ0, 7, 7 };
	write_pattern(&w, 1, last, false);
	read_pattern(&r, 1, last, false);
	struct seg page = whole(PG_READ0);
	check_eq(read_into(&page, 1, d->sectors - SECTORS_PER_PAGE, false), BLKIF_RSP_OKAY);
	check_msg(pattern_sector_ok(page_va(PG_READ0) + 7 * SECTOR, last),
		  "last page: the last sector");
}

static void flush(void)
{
	if (!d->flush) {
		printk("blkfront: xvda: no feature-flush-cache, no flush sent\n");
		return;
	}
	uint64_t id = ring_new_id();
	(void)ring_next(d, BLKIF_OP_FLUSH_DISKCACHE, id);
	int st = ring_answer(d, id, BLKIF_OP_FLUSH_DISKCACHE);
	check_msg(st == BLKIF_RSP_OKAY || st == BLKIF_RSP_EOPNOTSUPP, "flush: status %d", st);
	printk("blkfront: xvda: flush: status %d\n", st);
}

static void discard(void)
{
	if (!d->discard) {
		printk("blkfront: xvda: no feature-discard, no discard sent\n");
		return;
	}
	/* Whole extents: granularity-sized, starting alignment bytes past a
	 * multiple of it (io/blkif.h's discard-alignment). */
	uint64_t gran = d->discard_granularity / SECTOR ? d->discard_granularity / SECTOR : 1;
	uint64_t align = d->discard_alignment / SECTOR % gran;
	uint64_t start = (4096 + gran - 1) / gran * gran + align;
	uint64_t count = (SECTORS_PER_PAGE + gran - 1) / gran * gran;
	if (start + count > d->sectors) {
		check_msg(false, "discard: granularity %u leaves no extent past 4096 on a disk of "
			  "%lu sectors", d->discard_granularity, d->sectors);
		return;
	}
	int st = vbd_discard(d, start, count);
	check_msg(st == BLKIF_RSP_OKAY || st == BLKIF_RSP_EOPNOTSUPP, "discard: status %d", st);
	printk("blkfront: xvda: discarded sectors %lu count %lu: status %d\n", start, count, st);
	struct seg s = whole(PG_READ0);
	check_eq(read_into(&s, 1, start, false), BLKIF_RSP_OKAY);
}

static void indirect(void)
{
	if (!d->max_indirect) {
		printk("blkfront: xvda: no feature-max-indirect-segments, no indirect request\n");
		return;
	}
	unsigned n = d->max_indirect < WRITE_PAGES ? d->max_indirect : WRITE_PAGES;
	struct seg w[WRITE_PAGES], r[READ_PAGES];
	for (unsigned i = 0; i < n; i++) {
		w[i] = whole(PG_WRITE0 + i);
		r[i] = whole(PG_READ0 + i);
	}
	write_pattern(w, n, 1024, true);
	read_pattern(r, n, 1024, true);
	printk("blkfront: xvda: indirect write and read of %u segments\n", n);
}

static void read_only_disk(void)
{
	static struct vbd xvdb;
	vbd_connect(&xvdb, "xvdb", XVDB, PG_RING_XVDB);
	check_msg(xvdb.info & VDISK_READONLY, "xvdb: info 0x%x lacks VDISK_READONLY", xvdb.info);
	struct seg s = whole(PG_READ0);
	memset(page_va(PG_READ0), FILL, 4096);
	check_eq(vbd_rw(&xvdb, BLKIF_OP_READ, 0, &s, 1), BLKIF_RSP_OKAY);
	for (unsigned k = 0; k < SECTORS_PER_PAGE; k++)
		check_msg(pattern_initial_ok(page_va(PG_READ0) + k * SECTOR, INITIAL_XVDB),
			  "xvdb: sector %u does not hold its image's fill", k);
	vbd_close(&xvdb);
}

void good_run(struct vbd *xvda, bool rodisk)
{
	d = xvda;
	initial_read();
	one_page();
	partial_segments();
	eleven_segments();
	full_ring();
	last_sectors();
	flush();
	discard();
	indirect();
	if (rodisk)
		read_only_disk();
	vbd_close(d);
}
