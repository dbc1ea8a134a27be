#include "emu/loader/set_error.h"
#include "emu/loader/bzimage.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

/* Setup header fields (Documentation/arch/x86/boot.rst). */
#define HDR_SETUP_SECTS    0x1f1
#define HDR_BOOT_FLAG      0x1fe
#define HDR_MAGIC          0x202
#define HDR_VERSION        0x206
#define HDR_PAYLOAD_OFFSET 0x248
#define HDR_PAYLOAD_LENGTH 0x24c
#define HDR_END            0x250

/* The kernel's LZ4 is the legacy frame: a magic, then blocks of at most
 * 8 MiB decompressed, each preceded by its compressed size. */
#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK ((size_t)8 << 20)

/* Caps liblzma's dictionary; the kernel's XZ uses 32 MiB or less. */
#define XZ_MEMLIMIT ((uint64_t)256 << 20)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The growing output of a decompressor. */
struct out {
	uint8_t *p;
	size_t len, cap;
};

/* Makes at least `want` bytes free after len, or as many as the cap allows. */
static int reserve(struct out *o, size_t want, char *err, size_t errlen)
{
	size_t cap = o->cap ? o->cap : 64 << 10;
	uint8_t *p;

	if (o->cap - o->len >= want)
		return 0;
	if (o->cap >= BZIMAGE_MAX_OUTPUT) {
		if (o->cap > o->len)
			return 0;
		return set_error(err, errlen, "bzImage: decompressed kernel exceeds %zu MiB",
			    BZIMAGE_MAX_OUTPUT >> 20);
	}
	while (cap - o->len < want && cap < BZIMAGE_MAX_OUTPUT)
		cap = cap > BZIMAGE_MAX_OUTPUT / 2 ? BZIMAGE_MAX_OUTPUT : cap * 2;
	if (cap > BZIMAGE_MAX_OUTPUT)
		cap = BZIMAGE_MAX_OUTPUT;
	p = realloc(o->p, cap);
	if (!p)
		return set_error(err, errlen, "bzImage: out of memory for a %zu MiB kernel", cap >> 20);
	o->p = p;
	o->cap = cap;
	return 0;
}

static int unxz(const uint8_t *in, size_t inlen, struct out *o, char *err, size_t errlen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;

	if (lzma_stream_decoder(&s, XZ_MEMLIMIT, 0) != LZMA_OK)
		return set_error(err, errlen, "bzImage: cannot start the XZ decoder");
	s.next_in = in;
	s.avail_in = inlen;
	do {
		if (reserve(o, 1, err, errlen))
			goto out;
		s.next_out = o->p + o->len;
		s.avail_out = o->cap - o->len;
		r = lzma_code(&s, LZMA_FINISH);
		o->len = o->cap - s.avail_out;
	} while (r == LZMA_OK);
	switch (r) {
	case LZMA_STREAM_END:
		lzma_end(&s);
		return 0;
	case LZMA_BUF_ERROR:
		set_error(err, errlen, "bzImage: XZ payload truncated");
		break;
	case LZMA_MEMLIMIT_ERROR:
		set_error(err, errlen, "bzImage: XZ payload needs more than %llu MiB to decode",
		     (unsigned long long)(XZ_MEMLIMIT >> 20));
		break;
	case LZMA_MEM_ERROR:
		set_error(err, errlen, "bzImage: out of memory decoding XZ");
		break;
	default:
		set_error(err, errlen, "bzImage: corrupt XZ payload (liblzma error %d)", (int)r);
		break;
	}
out:
	lzma_end(&s);
	return -1;
}

static int gunzip(const uint8_t *in, size_t inlen, struct out *o, char *err, size_t errlen)
{
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	/* 16 + window bits: expect (and check) the gzip header and trailer. */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return set_error(err, errlen, "bzImage: cannot start the gzip decoder");
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)inlen;   /* payload_length is 32-bit */
	do {
		uInt room;

		if (reserve(o, 1, err, errlen))
			goto out;
		room = o->cap - o->len > UINT_MAX ? UINT_MAX : (uInt)(o->cap - o->len);
		z.next_out = o->p + o->len;
		z.avail_out = room;
		r = inflate(&z, Z_NO_FLUSH);
		o->len += room - z.avail_out;
	} while (r == Z_OK || (r == Z_BUF_ERROR && z.avail_in > 0));
	if (r == Z_STREAM_END) {
		inflateEnd(&z);
		return 0;
	}
	if (r == Z_BUF_ERROR)
		set_error(err, errlen, "bzImage: gzip payload truncated");
	else if (r == Z_MEM_ERROR)
		set_error(err, errlen, "bzImage: out of memory decoding gzip");
	else
		set_error(err, errlen, "bzImage: corrupt gzip payload (%s)", z.msg ? z.msg : "zlib error");
out:
	inflateEnd(&z);
	return -1;
}

static int unzstd(const uint8_t *in, size_t inlen, struct out *o, char *err, size_t errlen)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, inlen, 0 };

	if (!d)
		return set_error(err, errlen, "bzImage: cannot start the zstd decoder");
	for (;;) {
		ZSTD_outBuffer ob;
		size_t r;

		if (reserve(o, 1, err, errlen))
			break;
		ob = (ZSTD_outBuffer){ o->p, o->cap, o->len };
		r = ZSTD_decompressStream(d, &ob, &ib);
		o->len = ob.pos;
		if (ZSTD_isError(r)) {
			set_error(err, errlen, "bzImage: corrupt zstd payload (%s)", ZSTD_getErrorName(r));
			break;
		}
		if (r == 0) {
			ZSTD_freeDCtx(d);
			return 0;
		}
		/* Room left and nothing more to read: the frame is cut short. */
		if (ob.pos < ob.size && ib.pos == ib.size) {
			set_error(err, errlen, "bzImage: zstd payload truncated");
			break;
		}
	}
	ZSTD_freeDCtx(d);
	return -1;
}

/* in excludes the trailing size word, so the blocks run to its end. */
static int unlz4(const uint8_t *in, size_t inlen, struct out *o, char *err, size_t errlen)
{
	size_t pos = 4;   /* the magic, already matched */

	while (pos < inlen) {
		size_t block, room;
		int r;

		if (inlen - pos < 4)
			return set_error(err, errlen, "bzImage: LZ4 payload truncated in a block header");
		block = le32(in + pos);
		pos += 4;
		if (block == LZ4_LEGACY_MAGIC)   /* concatenated frames */
			continue;
		if (block > (size_t)LZ4_compressBound((int)LZ4_LEGACY_BLOCK))
			return set_error(err, errlen, "bzImage: corrupt LZ4 payload (block of %zu bytes)",
				    block);
		if (block > inlen - pos)
			return set_error(err, errlen, "bzImage: LZ4 payload truncated");
		if (reserve(o, LZ4_LEGACY_BLOCK, err, errlen))
			return -1;
		room = o->cap - o->len;
		if (room > LZ4_LEGACY_BLOCK)
			room = LZ4_LEGACY_BLOCK;
		r = LZ4_decompress_safe((const char *)in + pos, (char *)o->p + o->len,
					(int)block, (int)room);
		if (r < 0 && room < LZ4_LEGACY_BLOCK)
			return set_error(err, errlen, "bzImage: corrupt LZ4 payload or kernel over %zu MiB",
				    BZIMAGE_MAX_OUTPUT >> 20);
		if (r < 0)
			return set_error(err, errlen, "bzImage: corrupt LZ4 payload (block at %zu)", pos);
		o->len += (size_t)r;
		pos += block;
	}
	return 0;
}

typedef int decompress_fn(const uint8_t *in, size_t inlen, struct out *o,
			  char *err, size_t errlen);

static const struct {
	const char *name;
	uint8_t magic[6];
	size_t magiclen;
	decompress_fn *fn;   /* NULL: recognised but not supported */
} formats[] = {
	{ "XZ",    { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6, unxz },
	{ "gzip",  { 0x1f, 0x8b },                     2, gunzip },
	{ "zstd",  { 0x28, 0xb5, 0x2f, 0xfd },         4, unzstd },
	{ "LZ4",   { 0x02, 0x21, 0x4c, 0x18 },         4, unlz4 },
	{ "bzip2", { 'B', 'Z', 'h' },                  3, NULL },
	{ "LZMA",  { 0x5d, 0x00, 0x00 },               3, NULL },
	{ "LZO",   { 0x89, 'L', 'Z', 'O' },            4, NULL },
};

bool bzimage_detect(const uint8_t *buf, size_t len)
{
	return len >= HDR_MAGIC + 4 && memcmp(buf + HDR_MAGIC, "HdrS", 4) == 0;
}

int bzimage_extract(const uint8_t *buf, size_t len, uint8_t **out, size_t *outlen,
		    char *err, size_t errlen)
{
	size_t setup, start, plen, i;
	unsigned version;
	uint32_t want;
	struct out o = { NULL, 0, 0 };

	*out = NULL;
	*outlen = 0;
	if (!bzimage_detect(buf, len))
		return set_error(err, errlen, "not a bzImage (no HdrS signature)");
	if (len < HDR_END)
		return set_error(err, errlen, "bzImage: truncated setup header (%zu bytes)", len);
	if (buf[HDR_BOOT_FLAG] != 0x55 || buf[HDR_BOOT_FLAG + 1] != 0xaa)
		return set_error(err, errlen, "not a bzImage (no 0xAA55 boot flag)");
	version = buf[HDR_VERSION] | buf[HDR_VERSION + 1] << 8;
	if (version < 0x208)
		return set_error(err, errlen,
			    "bzImage: boot protocol %u.%02u is too old (2.08 gives the payload's place)",
			    version >> 8, version & 0xff);
	setup = ((size_t)(buf[HDR_SETUP_SECTS] ? buf[HDR_SETUP_SECTS] : 4) + 1) * 512;
	start = setup + le32(buf + HDR_PAYLOAD_OFFSET);
	plen = le32(buf + HDR_PAYLOAD_LENGTH);
	if (start > len || plen > len - start)
		return set_error(err, errlen,
			    "bzImage: truncated: payload [%#zx, +%#zx) beyond the file's %#zx bytes",
			    start, plen, len);
	/* The payload ends with the decompressed size; the data needs a magic. */
	if (plen < 4 + 4)
		return set_error(err, errlen, "bzImage: payload of %zu bytes is too short", plen);
	buf += start;
	want = le32(buf + plen - 4);
	plen -= 4;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].magiclen <= plen &&
		    memcmp(buf, formats[i].magic, formats[i].magiclen) == 0)
			break;
	if (i == sizeof(formats) / sizeof(formats[0]))
		return set_error(err, errlen,
			    "bzImage: unrecognised payload compression (magic %02x %02x %02x %02x)",
			    buf[0], buf[1], buf[2], buf[3]);
	if (!formats[i].fn)
		return set_error(err, errlen, "bzImage: %s-compressed kernels are not supported "
			    "(XZ, gzip, zstd and LZ4 are)", formats[i].name);

	/* Start with the size the trailer promises; grow if it lied. */
	if (reserve(&o, want ? want : 1, err, errlen))
		return -1;
	if (formats[i].fn(buf, plen, &o, err, errlen)) {
		free(o.p);
		return -1;
	}
	if (o.len != want) {
		free(o.p);
		return set_error(err, errlen,
			    "bzImage: %s payload gave %zu bytes but the image says %u "
			    "(truncated or corrupt)", formats[i].name, o.len, want);
	}
	*out = o.p;
	*outlen = o.len;
	return 0;
}
