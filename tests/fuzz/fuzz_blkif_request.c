/* libFuzzer target: blkif request checking against any ring slot, any
 * disk and any indirect page contents.  Whatever it accepts must be safe
 * to do: within the disk, within the pages, nothing but reads on a
 * read-only disk, only what the disk offers; anything else aborts.
 *
 * Input: 16 bytes of disk (sectors, sector-size choice, feature bits,
 * indirect maximum, a raw sector size), the 112-byte ring slot, then the indirect
 * segments (zeros past the end). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/blk/blkif_request.h"
#include "tests/fuzz/fuzz_input.h"

static struct blkif_checked checked;
static struct blkif_request_segment indirect_segs[BLKIF_CHECKED_MAX_SEGMENTS];

static void take_disk(struct input *in, struct blkif_disk *d)
{
	/* Mostly sizes blkif can carry; now and then any 32-bit value. */
	static const uint32_t sizes[] = { 512, 1024, 2048, 4096 };
	uint64_t sectors;
	uint32_t raw_size;
	uint8_t pick, bits;
	uint16_t max_ind;

	take(in, &sectors, sizeof(sectors));
	take(in, &pick, 1);
	take(in, &bits, 1);
	take(in, &max_ind, sizeof(max_ind));
	take(in, &raw_size, sizeof(raw_size));
	memset(d, 0, sizeof(*d));
	d->sectors = sectors;
	d->sector_size = pick & 0x80 ? raw_size : sizes[pick & 3];
	d->read_only = bits & 1;
	d->flush = bits & 2;
	d->barrier = bits & 4;
	d->discard = bits & 8;
	d->discard_secure = bits & 16;
	d->max_indirect_segments = max_ind;
}

static void check_accepted(const struct blkif_disk *d, const struct blkif_checked *c)
{
	uint64_t sectors = 0;
	uint32_t ss = d->sector_size;

	if (c->awaiting_indirect)
		abort();
	if (c->sector > d->sectors || c->nr_sectors > d->sectors - c->sector)
		abort();
	if (d->read_only && c->op != BLKIF_OP_READ)
		abort();
	if (ss < 512 || ss > 4096 || (ss & (ss - 1)) || (c->sector * 512) % ss)
		abort();
	switch (c->op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (c->nr_segments == 0)
			abort();
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (!d->flush || c->indirect)
			abort();
		break;
	case BLKIF_OP_WRITE_BARRIER:
		if (!d->barrier || c->indirect)
			abort();
		break;
	case BLKIF_OP_DISCARD:
		if (!d->discard || c->nr_segments || c->indirect || (c->secure && !d->discard_secure) ||
		    (c->nr_sectors * 512) % ss)
			abort();
		return;
	default:
		abort();
	}
	if (c->indirect ? c->nr_segments > d->max_indirect_segments ||
				  c->nr_segments > BLKIF_CHECKED_MAX_SEGMENTS
			: c->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		abort();
	for (unsigned i = 0; i < c->nr_segments; i++) {
		const struct blkif_segment *s = &c->seg[i];

		if (!s->len || s->offset + s->len > 4096 || s->offset % ss || s->len % ss)
			abort();
		sectors += s->len / 512;
	}
	if (sectors != c->nr_sectors)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct blkif_disk disk;
	blkif_request_t req;
	int rc;

	take_disk(&in, &disk);
	take(&in, &req, sizeof(req));
	rc = blkif_request_check(&req, &disk, &checked);
	if (rc == BLKIF_CHECK_NEED_INDIRECT) {
		size_t total = 0;

		if (checked.nr_indirect_pages < 1 ||
		    checked.nr_indirect_pages > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST ||
		    checked.nr_segments > BLKIF_CHECKED_MAX_SEGMENTS)
			abort();
		for (unsigned p = 0; p < checked.nr_indirect_pages; p++)
			total += blkif_indirect_page_bytes(&checked, p);
		if (total != checked.nr_segments * sizeof(struct blkif_request_segment))
			abort();
		take(&in, indirect_segs, total);
		rc = blkif_request_check_indirect(&checked, &disk, indirect_segs);
	}
	if (rc == BLKIF_RSP_OKAY)
		check_accepted(&disk, &checked);
	else if (rc != BLKIF_RSP_ERROR && rc != BLKIF_RSP_EOPNOTSUPP)
		abort();
	if (checked.id != req.id)
		abort();
	return 0;
}
