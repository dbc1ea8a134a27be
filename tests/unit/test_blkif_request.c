/*
 * blkif request checking: every rule of backends/blk/blkif_request.h,
 * each with the request that just passes and the one that just fails.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "backends/blk/blkif_request.h"

#define DISK_SECTORS 2048u /* 1 MiB */

static struct blkif_disk disk;
static struct blkif_checked *c; /* 32 KiB: on the heap, not the stack */

static void setup(void)
{
	disk = (struct blkif_disk){
		.sectors = DISK_SECTORS, .sector_size = 512, .flush = true,
		.barrier = true, .discard = true, .max_indirect_segments = 4096,
	};
	c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	memset(c, 0xa5, sizeof(*c)); /* stale contents must not leak through */
}

static void teardown(void)
{
	free(c);
}

static blkif_request_t rw(uint8_t op, uint64_t sector, unsigned nseg)
{
	blkif_request_t r;

	memset(&r, 0, sizeof(r));
	r.operation = op;
	r.nr_segments = (uint8_t)nseg;
	r.id = 0x1122334455667788ull;
	r.sector_number = sector;
	for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		r.seg[i] = (struct blkif_request_segment){ .gref = 100 + i, .first_sect = 0,
							   .last_sect = 7 };
	return r;
}

static blkif_request_t discard(uint64_t sector, uint64_t n, uint8_t flag)
{
	blkif_request_discard_t d;
	blkif_request_t r;

	memset(&d, 0, sizeof(d));
	d.operation = BLKIF_OP_DISCARD;
	d.flag = flag;
	d.id = 42;
	d.sector_number = sector;
	d.nr_sectors = n;
	memset(&r, 0, sizeof(r));
	memcpy(&r, &d, sizeof(d));
	return r;
}

static blkif_request_t indirect(uint8_t op, uint64_t sector, uint16_t nseg)
{
	blkif_request_indirect_t ind;
	blkif_request_t r;

	memset(&ind, 0, sizeof(ind));
	ind.operation = BLKIF_OP_INDIRECT;
	ind.indirect_op = op;
	ind.nr_segments = nseg;
	ind.id = 7;
	ind.sector_number = sector;
	for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		ind.indirect_grefs[i] = 900 + i;
	memset(&r, 0, sizeof(r));
	memcpy(&r, &ind, sizeof(ind));
	return r;
}

static int check(blkif_request_t r)
{
	return blkif_request_check(&r, &disk, c);
}

/* ---- Layout ------------------------------------------------------------ */

START_TEST(native_layout_matches_the_abi)
{
	/* The 64-bit ring slot as Xen's header fixes it. */
	ck_assert_uint_eq(sizeof(blkif_request_t), 112);
	ck_assert_uint_eq(offsetof(blkif_request_t, id), 8);
	ck_assert_uint_eq(offsetof(blkif_request_t, sector_number), 16);
	ck_assert_uint_eq(offsetof(blkif_request_t, seg), 24);
	ck_assert_uint_eq(offsetof(blkif_request_indirect_t, indirect_grefs), 28);
	ck_assert_uint_le(sizeof(blkif_request_indirect_t), sizeof(blkif_request_t));
	ck_assert_uint_le(sizeof(blkif_request_discard_t), sizeof(blkif_request_t));
	ck_assert_uint_eq(BLKIF_SEGS_PER_INDIRECT_PAGE, 512);
	ck_assert_uint_eq(BLKIF_CHECKED_MAX_SEGMENTS, 4096);
}
END_TEST

START_TEST(fields_read_each_shape)
{
	struct blkif_request_fields f;
	blkif_request_t r = rw(BLKIF_OP_WRITE, 9, 3);

	r.seg[2].first_sect = 2;
	blkif_request_fields_x86_64(&r, &f);
	ck_assert_uint_eq(f.operation, BLKIF_OP_WRITE);
	ck_assert_uint_eq(f.nr_segments, 3);
	ck_assert_uint_eq(f.id, 0x1122334455667788ull);
	ck_assert_uint_eq(f.sector_number, 9);
	ck_assert_uint_eq(f.seg[2].gref, 102);
	ck_assert_uint_eq(f.seg[2].first_sect, 2);

	r = discard(5, 6, BLKIF_DISCARD_SECURE);
	blkif_request_fields_x86_64(&r, &f);
	ck_assert_uint_eq(f.operation, BLKIF_OP_DISCARD);
	ck_assert_uint_eq(f.discard_flag, BLKIF_DISCARD_SECURE);
	ck_assert_uint_eq(f.id, 42);
	ck_assert_uint_eq(f.sector_number, 5);
	ck_assert_uint_eq(f.nr_sectors, 6);

	r = indirect(BLKIF_OP_READ, 16, 1000);
	blkif_request_fields_x86_64(&r, &f);
	ck_assert_uint_eq(f.operation, BLKIF_OP_INDIRECT);
	ck_assert_uint_eq(f.indirect_op, BLKIF_OP_READ);
	ck_assert_uint_eq(f.nr_segments, 1000);
	ck_assert_uint_eq(f.id, 7);
	ck_assert_uint_eq(f.sector_number, 16);
	ck_assert_uint_eq(f.indirect_grefs[7], 907);
}
END_TEST

/* ---- Read and write ---------------------------------------------------- */

START_TEST(read_checked_into_segments)
{
	blkif_request_t r = rw(BLKIF_OP_READ, 10, 2);

	r.seg[1] = (struct blkif_request_segment){ .gref = 55, .first_sect = 3, .last_sect = 5 };
	ck_assert_int_eq(check(r), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(c->id, 0x1122334455667788ull);
	ck_assert_uint_eq(c->op, BLKIF_OP_READ);
	ck_assert_uint_eq(c->response_op, BLKIF_OP_READ);
	ck_assert(!c->indirect);
	ck_assert(!c->awaiting_indirect);
	ck_assert_uint_eq(c->sector, 10);
	ck_assert_uint_eq(c->nr_segments, 2);
	ck_assert_uint_eq(c->seg[0].gref, 100);
	ck_assert_uint_eq(c->seg[0].offset, 0);
	ck_assert_uint_eq(c->seg[0].len, 4096);
	ck_assert_uint_eq(c->seg[1].gref, 55);
	ck_assert_uint_eq(c->seg[1].offset, 3 * 512);
	ck_assert_uint_eq(c->seg[1].len, 3 * 512);
	ck_assert_uint_eq(c->nr_sectors, 8 + 3);
}
END_TEST

START_TEST(segment_count_bounds)
{
	ck_assert_int_eq(check(rw(BLKIF_OP_WRITE, 0, 11)), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(c->nr_segments, 11);
	ck_assert_uint_eq(c->nr_sectors, 88);
	ck_assert_int_eq(check(rw(BLKIF_OP_WRITE, 0, 12)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(rw(BLKIF_OP_READ, 0, 255)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(rw(BLKIF_OP_READ, 0, 0)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(rw(BLKIF_OP_WRITE, 0, 0)), BLKIF_RSP_ERROR);
	/* Refused requests still say what to echo. */
	ck_assert_uint_eq(c->id, 0x1122334455667788ull);
	ck_assert_uint_eq(c->response_op, BLKIF_OP_WRITE);
}
END_TEST

START_TEST(segment_sector_bounds)
{
	blkif_request_t r = rw(BLKIF_OP_READ, 0, 1);

	r.seg[0].first_sect = r.seg[0].last_sect = 7;
	ck_assert_int_eq(check(r), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(c->seg[0].offset, 3584);
	ck_assert_uint_eq(c->seg[0].len, 512);
	r.seg[0].first_sect = 0;
	r.seg[0].last_sect = 8;
	ck_assert_int_eq(check(r), BLKIF_RSP_ERROR);
	r.seg[0].first_sect = 4;
	r.seg[0].last_sect = 3;
	ck_assert_int_eq(check(r), BLKIF_RSP_ERROR);
	r.seg[0].first_sect = 255;
	r.seg[0].last_sect = 255;
	ck_assert_int_eq(check(r), BLKIF_RSP_ERROR);
	/* A bad segment after good ones. */
	r = rw(BLKIF_OP_WRITE, 0, 11);
	r.seg[10].last_sect = 9;
	ck_assert_int_eq(check(r), BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(range_within_the_disk)
{
	ck_assert_int_eq(check(rw(BLKIF_OP_READ, DISK_SECTORS - 8, 1)), BLKIF_RSP_OKAY);
	ck_assert_int_eq(check(rw(BLKIF_OP_READ, DISK_SECTORS - 7, 1)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(rw(BLKIF_OP_WRITE, DISK_SECTORS, 1)), BLKIF_RSP_ERROR);
	/* sector + length wrapping around 2^64 is not inside the disk. */
	ck_assert_int_eq(check(rw(BLKIF_OP_READ, UINT64_MAX - 3, 1)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(rw(BLKIF_OP_READ, UINT64_MAX, 11)), BLKIF_RSP_ERROR);
	disk.sectors = UINT64_MAX;
	ck_assert_int_eq(check(rw(BLKIF_OP_READ, UINT64_MAX - 8, 1)), BLKIF_RSP_OKAY);
	ck_assert_int_eq(check(rw(BLKIF_OP_READ, UINT64_MAX - 7, 1)), BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(read_only_disk_refuses_writes)
{
	disk.read_only = true;
	ck_assert_int_eq(check(rw(BLKIF_OP_READ, 0, 1)), BLKIF_RSP_OKAY);
	ck_assert_int_eq(check(rw(BLKIF_OP_WRITE, 0, 1)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(rw(BLKIF_OP_WRITE_BARRIER, 0, 0)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(discard(0, 8, 0)), BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(logical_sector_alignment)
{
	blkif_request_t r;

	disk.sector_size = 4096;
	ck_assert_int_eq(check(rw(BLKIF_OP_READ, 8, 2)), BLKIF_RSP_OKAY);
	ck_assert_int_eq(check(rw(BLKIF_OP_READ, 4, 1)), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_WRITE, 8, 1);
	r.seg[0].last_sect = 3; /* 2 KiB: half a logical sector */
	ck_assert_int_eq(check(r), BLKIF_RSP_ERROR);
	disk.sector_size = 1024;
	ck_assert_int_eq(check(r), BLKIF_RSP_OKAY);
	r.seg[0].first_sect = 1; /* 1.5 KiB from 512: misplaced in memory */
	r.seg[0].last_sect = 2;
	ck_assert_int_eq(check(r), BLKIF_RSP_ERROR);
	r.seg[0].first_sect = 2;
	r.seg[0].last_sect = 5;
	ck_assert_int_eq(check(r), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(c->seg[0].offset, 1024);
}
END_TEST

START_TEST(disk_sector_size_out_of_range_refuses_all)
{
	static const uint32_t bad[] = { 0, 256, 1000, 3072, 8192 };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		disk.sector_size = bad[i];
		ck_assert_int_eq(check(rw(BLKIF_OP_READ, 0, 1)), BLKIF_RSP_ERROR);
		ck_assert_int_eq(check(discard(0, 8, 0)), BLKIF_RSP_ERROR);
	}
}
END_TEST

/* ---- Flush and barrier ------------------------------------------------- */

START_TEST(flush_and_barrier_without_segments)
{
	ck_assert_int_eq(check(rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0)), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(c->op, BLKIF_OP_FLUSH_DISKCACHE);
	ck_assert_uint_eq(c->nr_segments, 0);
	ck_assert_uint_eq(c->nr_sectors, 0);
	ck_assert_int_eq(check(rw(BLKIF_OP_WRITE_BARRIER, 0, 0)), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(c->op, BLKIF_OP_WRITE_BARRIER);
	/* No sector touched, none checked (Linux's xen_vbd_translate looks
	 * at the range only when there are sectors): Linux's blkfront sends
	 * its block layer's empty flushes with any position. */
	ck_assert_int_eq(check(rw(BLKIF_OP_FLUSH_DISKCACHE, DISK_SECTORS, 0)), BLKIF_RSP_OKAY);
	ck_assert_int_eq(check(rw(BLKIF_OP_FLUSH_DISKCACHE, DISK_SECTORS + 1, 0)),
			 BLKIF_RSP_OKAY);
	ck_assert_int_eq(check(rw(BLKIF_OP_WRITE_BARRIER, UINT64_MAX, 0)), BLKIF_RSP_OKAY);
}
END_TEST

START_TEST(flush_with_segments_writes_them)
{
	ck_assert_int_eq(check(rw(BLKIF_OP_FLUSH_DISKCACHE, 16, 2)), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(c->nr_segments, 2);
	ck_assert_uint_eq(c->nr_sectors, 16);
	ck_assert_int_eq(check(rw(BLKIF_OP_WRITE_BARRIER, 16, 12)), BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(flush_and_barrier_not_offered)
{
	disk.flush = false;
	ck_assert_int_eq(check(rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0)), BLKIF_RSP_EOPNOTSUPP);
	ck_assert_int_eq(check(rw(BLKIF_OP_WRITE_BARRIER, 0, 0)), BLKIF_RSP_OKAY);
	disk.barrier = false;
	ck_assert_int_eq(check(rw(BLKIF_OP_WRITE_BARRIER, 0, 0)), BLKIF_RSP_EOPNOTSUPP);
	ck_assert_uint_eq(c->response_op, BLKIF_OP_WRITE_BARRIER);
	/* A malformed one is an error before it is unsupported. */
	ck_assert_int_eq(check(rw(BLKIF_OP_WRITE_BARRIER, 0, 12)), BLKIF_RSP_ERROR);
}
END_TEST

/* ---- Unknown operations ------------------------------------------------ */

START_TEST(unknown_operations_unsupported)
{
	static const uint8_t ops[] = { BLKIF_OP_RESERVED_1, 7, 8, 0x80, 0xff };

	for (unsigned i = 0; i < sizeof(ops); i++) {
		ck_assert_int_eq(check(rw(ops[i], 0, 1)), BLKIF_RSP_EOPNOTSUPP);
		ck_assert_uint_eq(c->response_op, ops[i]);
		ck_assert_uint_eq(c->id, 0x1122334455667788ull);
	}
}
END_TEST

/* ---- Discard ----------------------------------------------------------- */

START_TEST(discard_checked)
{
	ck_assert_int_eq(check(discard(8, 64, 0)), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(c->op, BLKIF_OP_DISCARD);
	ck_assert_uint_eq(c->response_op, BLKIF_OP_DISCARD);
	ck_assert_uint_eq(c->id, 42);
	ck_assert_uint_eq(c->sector, 8);
	ck_assert_uint_eq(c->nr_sectors, 64);
	ck_assert_uint_eq(c->nr_segments, 0);
	ck_assert(!c->secure);
	ck_assert_int_eq(check(discard(0, DISK_SECTORS, 0)), BLKIF_RSP_OKAY);
	ck_assert_int_eq(check(discard(DISK_SECTORS, 0, 0)), BLKIF_RSP_OKAY);
	ck_assert_int_eq(check(discard(1, DISK_SECTORS, 0)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(discard(8, UINT64_MAX - 4, 0)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(discard(UINT64_MAX, 2, 0)), BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(discard_secure_flag)
{
	ck_assert_int_eq(check(discard(0, 8, BLKIF_DISCARD_SECURE)), BLKIF_RSP_OKAY);
	ck_assert(!c->secure); /* not offered: a plain discard */
	disk.discard_secure = true;
	ck_assert_int_eq(check(discard(0, 8, BLKIF_DISCARD_SECURE)), BLKIF_RSP_OKAY);
	ck_assert(c->secure);
	ck_assert_int_eq(check(discard(0, 8, 0xfe)), BLKIF_RSP_OKAY);
	ck_assert(!c->secure);
}
END_TEST

START_TEST(discard_not_offered_or_misaligned)
{
	disk.sector_size = 4096;
	ck_assert_int_eq(check(discard(8, 16, 0)), BLKIF_RSP_OKAY);
	ck_assert_int_eq(check(discard(4, 16, 0)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(discard(8, 12, 0)), BLKIF_RSP_ERROR);
	disk.discard = false;
	ck_assert_int_eq(check(discard(8, 16, 0)), BLKIF_RSP_EOPNOTSUPP);
	/* Out of range is an error even when discard is not offered. */
	ck_assert_int_eq(check(discard(DISK_SECTORS, 8, 0)), BLKIF_RSP_ERROR);
}
END_TEST

/* ---- Indirect ---------------------------------------------------------- */

static struct blkif_request_segment *segments(unsigned n)
{
	struct blkif_request_segment *s = calloc(n, sizeof(*s));

	ck_assert_ptr_nonnull(s);
	for (unsigned i = 0; i < n; i++)
		s[i] = (struct blkif_request_segment){ .gref = 5000 + i, .first_sect = 0,
						       .last_sect = 0 };
	return s;
}

START_TEST(indirect_two_steps)
{
	struct blkif_request_segment *s = segments(600);

	ck_assert_int_eq(check(indirect(BLKIF_OP_WRITE, 100, 600)), BLKIF_CHECK_NEED_INDIRECT);
	ck_assert(c->indirect);
	ck_assert(c->awaiting_indirect);
	ck_assert_uint_eq(c->op, BLKIF_OP_WRITE);
	ck_assert_uint_eq(c->response_op, BLKIF_OP_WRITE); /* the inner op */
	ck_assert_uint_eq(c->id, 7);
	ck_assert_uint_eq(c->nr_indirect_pages, 2);
	ck_assert_uint_eq(c->indirect_grefs[0], 900);
	ck_assert_uint_eq(c->indirect_grefs[1], 901);
	ck_assert_uint_eq(c->nr_segments, 600);
	ck_assert_uint_eq(blkif_indirect_page_bytes(c, 0), 4096);
	ck_assert_uint_eq(blkif_indirect_page_bytes(c, 1), 88 * 8);
	ck_assert_uint_eq(blkif_indirect_page_bytes(c, 2), 0);

	s[599].first_sect = 1;
	s[599].last_sect = 7;
	ck_assert_int_eq(blkif_request_check_indirect(c, &disk, s), BLKIF_RSP_OKAY);
	ck_assert(!c->awaiting_indirect);
	ck_assert_uint_eq(c->nr_sectors, 599 + 7);
	ck_assert_uint_eq(c->sector, 100);
	ck_assert_uint_eq(c->seg[0].gref, 5000);
	ck_assert_uint_eq(c->seg[0].len, 512);
	ck_assert_uint_eq(c->seg[599].gref, 5599);
	ck_assert_uint_eq(c->seg[599].offset, 512);
	ck_assert_uint_eq(c->seg[599].len, 7 * 512);
	/* Only once. */
	ck_assert_int_eq(blkif_request_check_indirect(c, &disk, s), BLKIF_RSP_ERROR);
	free(s);
}
END_TEST

START_TEST(indirect_not_offered)
{
	disk.max_indirect_segments = 0;
	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, 0, 1)), BLKIF_RSP_EOPNOTSUPP);
	ck_assert_uint_eq(c->response_op, BLKIF_OP_INDIRECT);
	ck_assert(!c->awaiting_indirect);
}
END_TEST

START_TEST(indirect_inner_operation)
{
	static const uint8_t bad[] = { BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_WRITE_BARRIER,
				       BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT, 0xff };

	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, 0, 1)), BLKIF_CHECK_NEED_INDIRECT);
	for (unsigned i = 0; i < sizeof(bad); i++) {
		ck_assert_int_eq(check(indirect(bad[i], 0, 1)), BLKIF_RSP_ERROR);
		ck_assert_uint_eq(c->response_op, bad[i]);
		ck_assert(!c->awaiting_indirect);
	}
}
END_TEST

START_TEST(indirect_segment_count)
{
	disk.max_indirect_segments = 32;
	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, 0, 32)), BLKIF_CHECK_NEED_INDIRECT);
	ck_assert_uint_eq(c->nr_indirect_pages, 1);
	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, 0, 33)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, 0, 0)), BLKIF_RSP_ERROR);
	/* A backend offering more than eight pages hold is still bounded
	 * by the protocol's eight pages. */
	disk.max_indirect_segments = 65535;
	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, 0, 4096)), BLKIF_CHECK_NEED_INDIRECT);
	ck_assert_uint_eq(c->nr_indirect_pages, 8);
	ck_assert_uint_eq(blkif_indirect_page_bytes(c, 7), 4096);
	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, 0, 4097)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, 0, 65535)), BLKIF_RSP_ERROR);
	ck_assert_uint_eq(blkif_indirect_page_bytes(c, 0), 0);
}
END_TEST

START_TEST(indirect_write_on_read_only_refused_early)
{
	disk.read_only = true;
	ck_assert_int_eq(check(indirect(BLKIF_OP_WRITE, 0, 4)), BLKIF_RSP_ERROR);
	ck_assert(!c->awaiting_indirect);
	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, 0, 4)), BLKIF_CHECK_NEED_INDIRECT);
}
END_TEST

START_TEST(indirect_bad_segment_or_range)
{
	struct blkif_request_segment *s = segments(1000);

	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, 0, 1000)), BLKIF_CHECK_NEED_INDIRECT);
	s[700].last_sect = 8; /* on the second page */
	ck_assert_int_eq(blkif_request_check_indirect(c, &disk, s), BLKIF_RSP_ERROR);

	s[700].last_sect = 0;
	s[700].first_sect = 1;
	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, 0, 1000)), BLKIF_CHECK_NEED_INDIRECT);
	ck_assert_int_eq(blkif_request_check_indirect(c, &disk, s), BLKIF_RSP_ERROR);

	/* 1000 sectors from 1048: one past the disk's end. */
	s[700].first_sect = 0;
	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, DISK_SECTORS - 1000, 1000)),
			 BLKIF_CHECK_NEED_INDIRECT);
	ck_assert_int_eq(blkif_request_check_indirect(c, &disk, s), BLKIF_RSP_OKAY);
	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, DISK_SECTORS - 999, 1000)),
			 BLKIF_CHECK_NEED_INDIRECT);
	ck_assert_int_eq(blkif_request_check_indirect(c, &disk, s), BLKIF_RSP_ERROR);

	/* Alignment to the logical sector applies to indirect segments. */
	disk.sector_size = 4096;
	ck_assert_int_eq(check(indirect(BLKIF_OP_READ, 0, 1000)), BLKIF_CHECK_NEED_INDIRECT);
	ck_assert_int_eq(blkif_request_check_indirect(c, &disk, s), BLKIF_RSP_ERROR);
	free(s);
}
END_TEST

START_TEST(indirect_step_without_header)
{
	struct blkif_request_segment *s = segments(11);

	ck_assert_int_eq(check(rw(BLKIF_OP_READ, 0, 11)), BLKIF_RSP_OKAY);
	ck_assert_int_eq(blkif_request_check_indirect(c, &disk, s), BLKIF_RSP_ERROR);
	ck_assert_uint_eq(blkif_indirect_page_bytes(c, 0), 0);
	ck_assert_int_eq(check(rw(BLKIF_OP_READ, 0, 12)), BLKIF_RSP_ERROR);
	ck_assert_int_eq(blkif_request_check_indirect(c, &disk, s), BLKIF_RSP_ERROR);
	free(s);
}
END_TEST

static Suite *blkif_request_suite(void)
{
	Suite *s = suite_create("blkif_request");
	TCase *t = tcase_create("rules");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, native_layout_matches_the_abi);
	tcase_add_test(t, fields_read_each_shape);
	tcase_add_test(t, read_checked_into_segments);
	tcase_add_test(t, segment_count_bounds);
	tcase_add_test(t, segment_sector_bounds);
	tcase_add_test(t, range_within_the_disk);
	tcase_add_test(t, read_only_disk_refuses_writes);
	tcase_add_test(t, logical_sector_alignment);
	tcase_add_test(t, disk_sector_size_out_of_range_refuses_all);
	tcase_add_test(t, flush_and_barrier_without_segments);
	tcase_add_test(t, flush_with_segments_writes_them);
	tcase_add_test(t, flush_and_barrier_not_offered);
	tcase_add_test(t, unknown_operations_unsupported);
	tcase_add_test(t, discard_checked);
	tcase_add_test(t, discard_secure_flag);
	tcase_add_test(t, discard_not_offered_or_misaligned);
	tcase_add_test(t, indirect_two_steps);
	tcase_add_test(t, indirect_not_offered);
	tcase_add_test(t, indirect_inner_operation);
	tcase_add_test(t, indirect_segment_count);
	tcase_add_test(t, indirect_write_on_read_only_refused_early);
	tcase_add_test(t, indirect_bad_segment_or_range);
	tcase_add_test(t, indirect_step_without_header);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(blkif_request_suite());
}
