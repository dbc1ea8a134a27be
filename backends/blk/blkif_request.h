/*
 * One blkif request, checked: what a block backend may do with a request
 * a guest put on its ring, or the status to answer it with.  Pure
 * functions, no I/O, no grant access: the caller copies the request out
 * of the shared ring first (the guest can rewrite the ring at any time),
 * and for an indirect request copies the indirect pages' segments too.
 *
 * The rules are those of Linux's xen-blkback, so a guest sees the same
 * answers as from a Linux dom0:
 *   - read/write: 1..11 segments; flush-diskcache/write-barrier: 0..11
 *     (with segments they write them after flushing, as Linux's
 *     REQ_PREFLUSH writes); each segment first_sect <= last_sect <= 7;
 *   - the sectors touched lie within the disk (no overflow); nothing but
 *     reads on a read-only disk (flushes and discards included);
 *   - the start sector and every segment's offset and length are whole
 *     logical sectors of the disk;
 *   - indirect: indirect_op is read or write, 1..max_indirect_segments
 *     segments in at most BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST pages;
 *   - discard: range and read-only as above, whole logical sectors, the
 *     secure flag honoured only if the disk offers it;
 *   - unknown operations (and indirect, flush, barrier or discard when the
 *     disk does not offer them) answer BLKIF_RSP_EOPNOTSUPP; any other
 *     failed rule BLKIF_RSP_ERROR.
 *
 * Sector units: every sector number in blkif (sector_number, nr_sectors,
 * first_sect, last_sect) counts 512-byte units, as Linux's frontends and
 * backends use them whatever the disk's logical sector size; the logical
 * size only adds the alignment rule.
 *
 * Ring layouts: blkif_request_fields is the request with the ABI's layout
 * taken away.  blkif_request_fields_x86_64 reads the native (64-bit) ring
 * slot into it; a reader for the x86_32 layout (packed ids, its own
 * offsets) would fill the same structure and share every check.
 */
#ifndef XENLET_BLKIF_REQUEST_H
#define XENLET_BLKIF_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/blkif.h>

#define BLKIF_SECTOR_BYTES 512u
#define BLKIF_PAGE_BYTES 4096u
/* Segments one indirect page holds. */
#define BLKIF_SEGS_PER_INDIRECT_PAGE \
	(BLKIF_PAGE_BYTES / sizeof(struct blkif_request_segment))
/* The most segments any request can carry: eight full indirect pages. */
#define BLKIF_CHECKED_MAX_SEGMENTS \
	(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * BLKIF_SEGS_PER_INDIRECT_PAGE)

/* blkif_request_check's answer beside BLKIF_RSP_OKAY/ERROR/EOPNOTSUPP:
 * the segments are in indirect pages the caller must copy first. */
#define BLKIF_CHECK_NEED_INDIRECT 1

/* What the backend offers for this disk (what it wrote in xenstore). */
struct blkif_disk {
	uint64_t sectors;       /* size in 512-byte units */
	uint32_t sector_size;   /* logical sector, bytes: 512..4096, power of 2 */
	bool read_only;
	bool flush;             /* feature-flush-cache */
	bool barrier;           /* feature-barrier */
	bool discard;           /* feature-discard */
	bool discard_secure;    /* discard-secure */
	/* feature-max-indirect-segments; 0: indirect requests not offered. */
	uint32_t max_indirect_segments;
};

/* A request's fields, whatever the ring's layout. */
struct blkif_request_fields {
	uint8_t operation;
	uint8_t indirect_op;    /* BLKIF_OP_INDIRECT */
	uint8_t discard_flag;   /* BLKIF_OP_DISCARD */
	uint16_t nr_segments;   /* 8 bits in direct requests, 16 in indirect */
	uint64_t id;
	uint64_t sector_number;
	uint64_t nr_sectors;    /* BLKIF_OP_DISCARD */
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
};

/* One piece of guest memory to transfer: bytes [offset, offset + len) of
 * the page granted by gref.  offset + len <= 4096, len > 0. */
struct blkif_segment {
	grant_ref_t gref;
	uint16_t offset;
	uint16_t len;
};

struct blkif_checked {
	/* Always filled, even when the request is refused: the response
	 * echoes id and response_op (for indirect requests Linux answers
	 * with the inner operation, so this is indirect_op then). */
	uint64_t id;
	uint8_t response_op;

	/* What to do: BLKIF_OP_READ, _WRITE, _FLUSH_DISKCACHE,
	 * _WRITE_BARRIER or _DISCARD (indirect requests are read or write). */
	uint8_t op;
	bool indirect;
	bool secure;            /* discard: secure erase asked and offered */
	uint64_t sector;        /* first 512-byte sector */
	uint64_t nr_sectors;    /* sectors the segments (or the discard) cover */

	/* BLKIF_CHECK_NEED_INDIRECT: these pages hold the segments. */
	unsigned nr_indirect_pages;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	bool awaiting_indirect;

	unsigned nr_segments;
	struct blkif_segment seg[BLKIF_CHECKED_MAX_SEGMENTS];
};

/* The native (x86_64) ring slot's fields.  req is the caller's copy. */
void blkif_request_fields_x86_64(const blkif_request_t *req, struct blkif_request_fields *f);

/*
 * Checks one request against the disk.  Returns BLKIF_RSP_OKAY (out is
 * complete), BLKIF_RSP_ERROR or BLKIF_RSP_EOPNOTSUPP (answer with it;
 * out->id and out->response_op are set), or BLKIF_CHECK_NEED_INDIRECT:
 * copy the segments from out->indirect_grefs[0..nr_indirect_pages) (see
 * blkif_indirect_page_bytes) and call blkif_request_check_indirect.
 */
int blkif_request_check_fields(const struct blkif_request_fields *f, const struct blkif_disk *disk,
			       struct blkif_checked *out);

/* blkif_request_fields_x86_64 then blkif_request_check_fields. */
int blkif_request_check(const blkif_request_t *req, const struct blkif_disk *disk,
			struct blkif_checked *out);

/* How many bytes at the start of indirect page `page` (0-based) hold
 * this request's segments: the caller copies exactly these, page after
 * page, into one array of out->nr_segments segments. */
size_t blkif_indirect_page_bytes(const struct blkif_checked *c, unsigned page);

/*
 * Second step of an indirect request: segs is the caller's private copy
 * of c->nr_segments segments (read once here).  Returns BLKIF_RSP_OKAY
 * (c is complete) or BLKIF_RSP_ERROR; BLKIF_RSP_ERROR also if c was not
 * waiting for its indirect segments.
 */
int blkif_request_check_indirect(struct blkif_checked *c, const struct blkif_disk *disk,
				 const struct blkif_request_segment *segs);

#endif
