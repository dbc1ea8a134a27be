/*
 * Reads and writes built as Linux's blkif_queue_rw_req builds them: each
 * segment a granted page and the sectors of it that carry data
 * (first_sect..last_sect), up to BLKIF_MAX_SEGMENTS_PER_REQUEST in the
 * request itself, or in indirect pages for BLKIF_OP_INDIRECT.  A page the
 * backend only reads (a write's data, an indirect segment list) is
 * granted read-only; one it writes (a read's target), writable.  Grants
 * end when the answer is in, and must end then.
 */
#include "blkfront.h"

#include "format.h"
#include "test.h"

#define SEGS_PER_INDIRECT_PAGE (4096u / sizeof(struct blkif_request_segment))

static void grant_segs(const struct vbd *v, uint8_t op, const struct seg *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		page_grant(s[i].page, v->backend_id, op == BLKIF_OP_WRITE);
}

static void end_segs(const struct seg *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		page_end(s[i].page);
}

int vbd_rw(struct vbd *v, uint8_t op, uint64_t sector, const struct seg *s, unsigned n)
{
	require(n <= BLKIF_MAX_SEGMENTS_PER_REQUEST, "vbd_rw: %u segments", n);
	grant_segs(v, op, s, n);
	uint64_t id = ring_new_id();
	struct blkif_request *r = ring_next(v, op, id);
	r->nr_segments = (uint8_t)n;
	r->sector_number = sector;
	for (unsigned i = 0; i < n; i++)
		r->seg[i] = (struct blkif_request_segment){ page_ref(s[i].page), s[i].first,
							    s[i].last };
	int st = ring_answer(v, id, op);
	end_segs(s, n);
	return st;
}

int vbd_rw_indirect(struct vbd *v, uint8_t op, uint64_t sector, const struct seg *s,
		    unsigned n)
{
	unsigned pages = (n + SEGS_PER_INDIRECT_PAGE - 1) / SEGS_PER_INDIRECT_PAGE;
	require(pages <= INDIRECT_PAGES, "vbd_rw_indirect: %u segments", n);
	grant_segs(v, op, s, n);
	for (unsigned p = 0; p < pages; p++) {
		struct blkif_request_segment *list =
			(struct blkif_request_segment *)page_va(PG_INDIRECT0 + p);
		for (unsigned i = 0; i < SEGS_PER_INDIRECT_PAGE; i++) {
			unsigned k = p * SEGS_PER_INDIRECT_PAGE + i;
			list[i] = k < n ? (struct blkif_request_segment){ page_ref(s[k].page),
									  s[k].first, s[k].last }
					: (struct blkif_request_segment){ 0, 0, 0 };
		}
		page_grant(PG_INDIRECT0 + p, v->backend_id, true);
	}
	uint64_t id = ring_new_id();
	struct blkif_request_indirect *r =
		(struct blkif_request_indirect *)ring_next(v, BLKIF_OP_INDIRECT, id);
	r->indirect_op = op;
	/* Over the bytes where a direct request has its handle. */
	r->nr_segments = (uint16_t)n;
	r->sector_number = sector;
	r->handle = (blkif_vdev_t)v->devid;
	for (unsigned p = 0; p < pages; p++)
		r->indirect_grefs[p] = page_ref(PG_INDIRECT0 + p);
	/* Xen's blkback answers an indirect request with the operation it
	 * carries, and Linux's blkfront checks for that. */
	int st = ring_answer(v, id, op);
	end_segs(s, n);
	for (unsigned p = 0; p < pages; p++)
		page_end(PG_INDIRECT0 + p);
	return st;
}

int vbd_discard(struct vbd *v, uint64_t sector, uint64_t count)
{
	uint64_t id = ring_new_id();
	struct blkif_request_discard *r =
		(struct blkif_request_discard *)ring_next(v, BLKIF_OP_DISCARD, id);
	r->flag = 0;
	r->sector_number = sector;
	r->nr_sectors = count;
	return ring_answer(v, id, BLKIF_OP_DISCARD);
}

bool segs_hold_pattern(const struct seg *s, unsigned n, uint64_t lba)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = s[i].first; k <= s[i].last; k++)
			if (!pattern_sector_ok(page_va(s[i].page) + k * SECTOR, lba++))
				return false;
	return true;
}

void segs_fill_pattern(const struct seg *s, unsigned n, uint64_t lba)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = s[i].first; k <= s[i].last; k++)
			pattern_sector(page_va(s[i].page) + k * SECTOR, lba++);
}

void report_written(const struct vbd *v, uint64_t sector, unsigned count)
{
	printk("blkfront: %s: wrote sectors %lu count %u\n", v->name, sector, count);
}
