/*
 * blkif request checking (see blkif_request.h for the rules and why they
 * are Linux's).  Every field is read once from the caller's copy; nothing
 * here trusts a count before bounding it.
 */
#include "backends/blk/blkif_request.h"

#include <string.h>

/* Sectors of 512 bytes in one 4 KiB page: first_sect/last_sect < this. */
#define SECTORS_PER_PAGE (BLKIF_PAGE_BYTES / BLKIF_SECTOR_BYTES)

void blkif_request_fields_x86_64(const blkif_request_t *req, struct blkif_request_fields *f)
{
	memset(f, 0, sizeof(*f));
	f->operation = req->operation;
	f->id = req->id;
	/* The three request shapes share operation, id and their 64-bit
	 * alignment; the rest is read through the shape operation names. */
	switch (f->operation) {
	case BLKIF_OP_DISCARD: {
		blkif_request_discard_t d;

		memcpy(&d, req, sizeof(d));
		f->discard_flag = d.flag;
		f->sector_number = d.sector_number;
		f->nr_sectors = d.nr_sectors;
		break;
	}
	case BLKIF_OP_INDIRECT: {
		blkif_request_indirect_t ind;

		memcpy(&ind, req, sizeof(ind));
		f->indirect_op = ind.indirect_op;
		f->nr_segments = ind.nr_segments;
		f->sector_number = ind.sector_number;
		memcpy(f->indirect_grefs, ind.indirect_grefs, sizeof(f->indirect_grefs));
		break;
	}
	default:
		f->nr_segments = req->nr_segments;
		f->sector_number = req->sector_number;
		memcpy(f->seg, req->seg, sizeof(f->seg));
		break;
	}
}

/* 512-byte units per logical sector, or 0 if the disk's size is not one
 * blkif can carry (a power of two from 512 to a page). */
static unsigned units_per_sector(const struct blkif_disk *disk)
{
	uint32_t ss = disk->sector_size;

	if (ss < BLKIF_SECTOR_BYTES || ss > BLKIF_PAGE_BYTES || (ss & (ss - 1)))
		return 0;
	return ss / BLKIF_SECTOR_BYTES;
}

/* [sector, sector + n) within the disk, without overflow. */
static bool range_ok(const struct blkif_disk *disk, uint64_t sector, uint64_t n)
{
	return sector <= disk->sectors && n <= disk->sectors - sector;
}

/* One segment from the ring or an indirect page into c->seg[i]. */
static bool take_segment(struct blkif_checked *c, unsigned i,
			 const struct blkif_request_segment *s)
{
	uint8_t first = s->first_sect, last = s->last_sect;

	if (last >= SECTORS_PER_PAGE || last < first)
		return false;
	c->seg[i].gref = s->gref;
	c->seg[i].offset = (uint16_t)(first * BLKIF_SECTOR_BYTES);
	c->seg[i].len = (uint16_t)((last - first + 1) * BLKIF_SECTOR_BYTES);
	c->nr_sectors += (uint64_t)(last - first + 1);
	return true;
}

/* The checks once all segments are known: range, read-only, alignment,
 * then whether the operation is offered (Linux finds that last, when the
 * block layer refuses it). */
static int finish_rw(struct blkif_checked *c, const struct blkif_disk *disk)
{
	unsigned per = units_per_sector(disk);

	/* An empty flush or barrier touches no sector: Linux's blkback
	 * checks the range only of requests that have some (xen_vbd_translate),
	 * and Linux's blkfront sends its block layer's flush requests with
	 * whatever position they had. */
	if (c->nr_sectors == 0)
		c->sector = 0;
	if (!per || !range_ok(disk, c->sector, c->nr_sectors))
		return BLKIF_RSP_ERROR;
	if (c->op != BLKIF_OP_READ && disk->read_only)
		return BLKIF_RSP_ERROR;
	/* Whole logical sectors: Linux checks the start and each segment's
	 * length; the offset too here, because the storage may be opened
	 * O_DIRECT and then needs the memory aligned as well. */
	if (c->sector % per)
		return BLKIF_RSP_ERROR;
	for (unsigned i = 0; i < c->nr_segments; i++) {
		unsigned off = c->seg[i].offset / BLKIF_SECTOR_BYTES;
		unsigned len = c->seg[i].len / BLKIF_SECTOR_BYTES;

		if (off % per || len % per)
			return BLKIF_RSP_ERROR;
	}
	if (c->op == BLKIF_OP_FLUSH_DISKCACHE && !disk->flush)
		return BLKIF_RSP_EOPNOTSUPP;
	if (c->op == BLKIF_OP_WRITE_BARRIER && !disk->barrier)
		return BLKIF_RSP_EOPNOTSUPP;
	return BLKIF_RSP_OKAY;
}

static int check_direct(const struct blkif_request_fields *f, const struct blkif_disk *disk,
			struct blkif_checked *c)
{
	bool may_be_empty = f->operation == BLKIF_OP_FLUSH_DISKCACHE ||
			    f->operation == BLKIF_OP_WRITE_BARRIER;
	unsigned n = f->nr_segments;

	c->op = f->operation;
	c->sector = f->sector_number;
	if ((n == 0 && !may_be_empty) || n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return BLKIF_RSP_ERROR;
	for (unsigned i = 0; i < n; i++)
		if (!take_segment(c, i, &f->seg[i]))
			return BLKIF_RSP_ERROR;
	c->nr_segments = n;
	return finish_rw(c, disk);
}

static int check_discard(const struct blkif_request_fields *f, const struct blkif_disk *disk,
			 struct blkif_checked *c)
{
	unsigned per = units_per_sector(disk);

	c->op = BLKIF_OP_DISCARD;
	c->sector = f->sector_number;
	c->nr_sectors = f->nr_sectors;
	if (!per || !range_ok(disk, c->sector, c->nr_sectors) || disk->read_only)
		return BLKIF_RSP_ERROR;
	if (!disk->discard)
		return BLKIF_RSP_EOPNOTSUPP;
	/* Linux's block layer refuses a misaligned discard with -EINVAL. */
	if (c->sector % per || c->nr_sectors % per)
		return BLKIF_RSP_ERROR;
	/* Other flag bits mean nothing; the secure one only if offered. */
	c->secure = (f->discard_flag & BLKIF_DISCARD_SECURE) && disk->discard_secure;
	return BLKIF_RSP_OKAY;
}

static int check_indirect_header(const struct blkif_request_fields *f,
				 const struct blkif_disk *disk, struct blkif_checked *c)
{
	unsigned n = f->nr_segments;
	unsigned pages = (unsigned)((n + BLKIF_SEGS_PER_INDIRECT_PAGE - 1) /
				    BLKIF_SEGS_PER_INDIRECT_PAGE);

	/* Not offered: as an operation the backend does not know. */
	if (disk->max_indirect_segments == 0)
		return BLKIF_RSP_EOPNOTSUPP;
	c->response_op = f->indirect_op;
	c->op = f->indirect_op;
	c->indirect = true;
	c->sector = f->sector_number;
	if (f->indirect_op != BLKIF_OP_READ && f->indirect_op != BLKIF_OP_WRITE)
		return BLKIF_RSP_ERROR;
	if (n == 0 || n > disk->max_indirect_segments ||
	    pages > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
		return BLKIF_RSP_ERROR;
	/* Known before the pages are read; saves copying them for nothing. */
	if (c->op == BLKIF_OP_WRITE && disk->read_only)
		return BLKIF_RSP_ERROR;
	c->nr_segments = n;
	c->nr_indirect_pages = pages;
	memcpy(c->indirect_grefs, f->indirect_grefs, pages * sizeof(grant_ref_t));
	c->awaiting_indirect = true;
	return BLKIF_CHECK_NEED_INDIRECT;
}

int blkif_request_check_fields(const struct blkif_request_fields *f, const struct blkif_disk *disk,
			       struct blkif_checked *out)
{
	/* Only the header: the segment array is filled as it is checked. */
	memset(out, 0, offsetof(struct blkif_checked, seg));
	out->id = f->id;
	out->response_op = f->operation;

	switch (f->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		return check_direct(f, disk, out);
	case BLKIF_OP_DISCARD:
		return check_discard(f, disk, out);
	case BLKIF_OP_INDIRECT:
		return check_indirect_header(f, disk, out);
	default:
		return BLKIF_RSP_EOPNOTSUPP;
	}
}

int blkif_request_check(const blkif_request_t *req, const struct blkif_disk *disk,
			struct blkif_checked *out)
{
	struct blkif_request_fields f;

	blkif_request_fields_x86_64(req, &f);
	return blkif_request_check_fields(&f, disk, out);
}

size_t blkif_indirect_page_bytes(const struct blkif_checked *c, unsigned page)
{
	size_t total = (size_t)c->nr_segments * sizeof(struct blkif_request_segment);
	size_t start = (size_t)page * BLKIF_PAGE_BYTES;

	if (!c->awaiting_indirect || page >= c->nr_indirect_pages || start >= total)
		return 0;
	return total - start < BLKIF_PAGE_BYTES ? total - start : BLKIF_PAGE_BYTES;
}

int blkif_request_check_indirect(struct blkif_checked *c, const struct blkif_disk *disk,
				 const struct blkif_request_segment *segs)
{
	if (!c->awaiting_indirect || c->nr_segments > BLKIF_CHECKED_MAX_SEGMENTS)
		return BLKIF_RSP_ERROR;
	c->awaiting_indirect = false;
	for (unsigned i = 0; i < c->nr_segments; i++) {
		struct blkif_request_segment s = segs[i];

		if (!take_segment(c, i, &s))
			return BLKIF_RSP_ERROR;
	}
	return finish_rw(c, disk);
}
