/*
 * The Xen PV kernel loader: ELF64 images and bzImages assembled here in
 * memory (good ones and hostile ones), compressed with the same libraries
 * the loader decompresses with, plus Debian's real kernels when
 * scripts/fetch-kernel.sh has fetched them.
 *
 * `test_xen_image --write-seeds DIR` writes the fuzzer's seed corpus.
 */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <xen/elfnote.h>
#include <xen/features.h>

#include "emu/loader/xen_image.h"

#define PAGE 4096u
#define LINUX_BASE 0xffffffff80000000ull

/* ---- an ELF64 assembler ------------------------------------------------ */

/* The builders also run outside Check (for --write-seeds): plain asserts. */
#define need(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

struct note {
	const char *owner;      /* NULL: "Xen" */
	uint32_t type;
	const void *desc;
	uint32_t descsz;
};

struct seg {
	uint32_t type;          /* 0: PT_LOAD */
	uint64_t vaddr, paddr, filesz, memsz;
	bool no_flags;          /* p_flags 0 (else RWX) */
};

struct elf_spec {
	uint8_t class;          /* 0: ELFCLASS64 */
	uint16_t machine;       /* 0: EM_X86_64 */
	uint64_t entry;
	struct seg segs[20];
	unsigned nsegs;
	struct note notes[24];
	unsigned nnotes;
	unsigned note_align;    /* 0: 4 */
	bool notes_in_section;  /* SHT_NOTE section instead of a PT_NOTE */
	const char *xen_guest;  /* legacy __xen_guest section */
};

struct buf {
	uint8_t *p;
	size_t len;
};

static void put(struct buf *b, size_t at, const void *src, size_t n)
{
	memcpy(b->p + at, src, n);
}

static size_t up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

/* Lays out the notes as a linker would; returns their size. */
static size_t note_blob(const struct elf_spec *s, uint8_t *out)
{
	size_t align = s->note_align ? s->note_align : 4, off = 0;

	for (unsigned i = 0; i < s->nnotes; i++) {
		const struct note *n = &s->notes[i];
		const char *owner = n->owner ? n->owner : "Xen";
		uint32_t hdr[3] = { (uint32_t)strlen(owner) + 1, n->descsz, n->type };
		size_t desc_at = up(12 + hdr[0], align);

		if (out) {
			memcpy(out + off, hdr, 12);
			memcpy(out + off + 12, owner, hdr[0]);
			memcpy(out + off + desc_at, n->desc, n->descsz);
		}
		off += up(desc_at + n->descsz, align);
	}
	return off;
}

/* Segment i's file bytes: a pattern that tells segments and offsets apart. */
static uint8_t seg_byte(unsigned i, size_t off)
{
	return (uint8_t)(0x11 * (i + 1) + off * 7);
}

/*
 * Layout: ehdr, phdrs, notes, segment data (the last bytes of the file when
 * there are no sections, so any truncation cuts something the loader
 * needs), then shstrtab and section headers if asked for.
 */
static struct buf build_elf(const struct elf_spec *s)
{
	size_t nph = s->nsegs + (s->nnotes && !s->notes_in_section);
	size_t notes_len = note_blob(s, NULL);
	size_t off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr);
	size_t notes_at = up(off, 8), data_at = notes_at + notes_len, end;
	size_t seg_at[20];
	bool sections = s->notes_in_section || s->xen_guest;
	static const char shstr[] = "\0.notes\0__xen_guest\0.shstrtab";
	size_t guest_len = s->xen_guest ? strlen(s->xen_guest) + 1 : 0;
	size_t guest_at, shstr_at, sh_at;
	struct buf b;
	Elf64_Ehdr eh;
	unsigned ph = 0;

	end = data_at;
	for (unsigned i = 0; i < s->nsegs; i++) {
		seg_at[i] = end;
		end += s->segs[i].filesz;
	}
	guest_at = end;
	shstr_at = guest_at + guest_len;
	sh_at = up(shstr_at + sizeof(shstr), 8);
	if (sections)
		end = sh_at + 4 * sizeof(Elf64_Shdr);

	b.len = end;
	b.p = calloc(1, end);
	need(b.p);
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = s->class ? s->class : ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = s->machine ? s->machine : EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = s->entry;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)nph;
	if (sections) {
		eh.e_shoff = sh_at;
		eh.e_shentsize = sizeof(Elf64_Shdr);
		eh.e_shnum = 4;
		eh.e_shstrndx = 3;
	}
	put(&b, 0, &eh, sizeof(eh));

	for (unsigned i = 0; i < s->nsegs; i++, ph++) {
		Elf64_Phdr p = {
			.p_type = s->segs[i].type ? s->segs[i].type : PT_LOAD,
			.p_flags = s->segs[i].no_flags ? 0 : PF_R | PF_W | PF_X,
			.p_offset = seg_at[i],
			.p_vaddr = s->segs[i].vaddr,
			.p_paddr = s->segs[i].paddr,
			.p_filesz = s->segs[i].filesz,
			.p_memsz = s->segs[i].memsz,
			.p_align = PAGE,
		};

		put(&b, eh.e_phoff + ph * sizeof(p), &p, sizeof(p));
		for (size_t j = 0; j < s->segs[i].filesz; j++)
			b.p[seg_at[i] + j] = seg_byte(i, j);
	}
	if (s->nnotes && !s->notes_in_section) {
		Elf64_Phdr p = {
			.p_type = PT_NOTE, .p_flags = PF_R, .p_offset = notes_at,
			.p_filesz = notes_len, .p_memsz = notes_len,
			.p_align = s->note_align ? s->note_align : 4,
		};

		put(&b, eh.e_phoff + ph * sizeof(p), &p, sizeof(p));
	}
	note_blob(s, b.p + notes_at);

	if (sections) {
		Elf64_Shdr sh[4] = {
			[1] = { .sh_name = 1, .sh_type = SHT_NOTE, .sh_offset = notes_at,
				.sh_size = s->notes_in_section ? notes_len : 0,
				.sh_addralign = s->note_align ? s->note_align : 4 },
			[2] = { .sh_name = 8, .sh_type = SHT_PROGBITS, .sh_offset = guest_at,
				.sh_size = guest_len, .sh_addralign = 1 },
			[3] = { .sh_name = 20, .sh_type = SHT_STRTAB, .sh_offset = shstr_at,
				.sh_size = sizeof(shstr), .sh_addralign = 1 },
		};

		if (!s->xen_guest)
			sh[2].sh_name = 0;
		if (guest_len)
			put(&b, guest_at, s->xen_guest, guest_len);
		put(&b, shstr_at, shstr, sizeof(shstr));
		put(&b, sh_at, sh, sizeof(sh));
	}
	return b;
}

#define NOTE_STR(t, s) ((struct note){ NULL, XEN_ELFNOTE_##t, s, sizeof(s) })
#define NOTE_NUM(t, v) ((struct note){ NULL, XEN_ELFNOTE_##t, v, sizeof(*(v)) })

static const uint64_t linux_base = LINUX_BASE;
static const uint64_t zero64;
static const uint64_t linux_entry = LINUX_BASE + 0x1000040;
static const uint64_t linux_p2m = 0x8000000000ull;
static const uint32_t one32 = 1;
static const uint32_t linux_supported = 1u << XENFEAT_writable_page_tables |
	1u << XENFEAT_dom0 | 1u << XENFEAT_linux_rsdp_unrestricted;
static const uint64_t l1_mfn_valid[2] = { 1, 1 };
static const uint64_t hv_start_low = 0xffff800000000000ull;
static const uint32_t phys32 = 0x1000080;
/* The way Linux writes it: .ascii, no NUL. */
static const char linux_features[] = "!writable_page_tables|pae_pgdir_above_4gb";

/* Shaped like Debian's kernel: text, data with bss, per-CPU at vaddr 0. */
static struct elf_spec linux_like(void)
{
	struct elf_spec s = {
		.entry = 0x1000000,
		.segs = {
			{ 0, LINUX_BASE + 0x1000000, 0x1000000, 0x180, 0x2000 },
			{ 0, LINUX_BASE + 0x1002000, 0x1002000, 0x60, 0x1000 },
			{ 0, 0, 0x1003000, 0x40, 0x40 },
			{ 0, LINUX_BASE + 0x1005000, 0x1005000, 0x20, 0x3000 },
		},
		.nsegs = 4,
		.notes = {
			NOTE_STR(GUEST_OS, "linux"),
			NOTE_STR(GUEST_VERSION, "2.6"),
			NOTE_STR(XEN_VERSION, "xen-3.0"),
			NOTE_NUM(VIRT_BASE, &linux_base),
			NOTE_NUM(INIT_P2M, &linux_p2m),
			NOTE_NUM(ENTRY, &linux_entry),
			{ NULL, XEN_ELFNOTE_FEATURES, linux_features, sizeof(linux_features) - 1 },
			NOTE_NUM(SUPPORTED_FEATURES, &linux_supported),
			NOTE_STR(PAE_MODE, "yes"),
			NOTE_STR(LOADER, "generic"),
			{ NULL, XEN_ELFNOTE_L1_MFN_VALID, l1_mfn_valid, sizeof(l1_mfn_valid) },
			NOTE_NUM(SUSPEND_CANCEL, &one32),
			NOTE_NUM(MOD_START_PFN, &one32),
			NOTE_NUM(HV_START_LOW, &hv_start_low),
			NOTE_NUM(PADDR_OFFSET, &zero64),
			{ "GNU", 3, "0123456789abcdefghij", 20 },
			NOTE_NUM(PHYS32_ENTRY, &phys32),
		},
		.nnotes = 17,
	};
	return s;
}

/* Removes every note of the given type. */
static void drop_note(struct elf_spec *s, uint32_t type)
{
	unsigned j = 0;

	for (unsigned i = 0; i < s->nnotes; i++)
		if (s->notes[i].owner || s->notes[i].type != type)
			s->notes[j++] = s->notes[i];
	s->nnotes = j;
}

static void set_note(struct elf_spec *s, struct note n)
{
	drop_note(s, n.type);
	s->notes[s->nnotes++] = n;
}

static int parse(const struct buf *b, struct xen_image *img, char *err)
{
	err[0] = '\0';
	return xen_image_parse(b->p, b->len, img, err, 256);
}

/* Parses a spec that must fail, with a message containing `want`. */
static void expect_fail_buf(const struct buf *b, const char *want)
{
	struct xen_image img;
	char err[256];

	ck_assert_int_eq(parse(b, &img, err), -1);
	ck_assert_msg(strstr(err, want), "error '%s' lacks '%s'", err, want);
	ck_assert_ptr_null(img.elf);
	ck_assert_int_eq(img.nr_segs, 0);
}

static void expect_fail(const struct elf_spec *s, const char *want)
{
	struct buf b = build_elf(s);

	expect_fail_buf(&b, want);
	free(b.p);
}

/* ---- compressors and a bzImage wrapper --------------------------------- */

enum comp { XZ, GZIP, ZSTD, LZ4, NR_COMP };
static const char *const comp_names[] = { "xz", "gzip", "zstd", "lz4" };

static struct buf compress_with(enum comp c, const uint8_t *in, size_t len)
{
	struct buf o = { NULL, 0 };

	switch (c) {
	case XZ: {
		/* As Linux does: the x86 BCJ filter before LZMA2. */
		lzma_options_lzma opt;
		lzma_filter f[] = {
			{ LZMA_FILTER_X86, NULL },
			{ LZMA_FILTER_LZMA2, &opt },
			{ LZMA_VLI_UNKNOWN, NULL },
		};
		size_t cap = lzma_stream_buffer_bound(len);

		need(!lzma_lzma_preset(&opt, 1));
		o.p = malloc(cap);
		need(lzma_stream_buffer_encode(f, LZMA_CHECK_CRC32, NULL, in, len,
					       o.p, &o.len, cap) == LZMA_OK);
		break;
	}
	case GZIP: {
		z_stream z;

		memset(&z, 0, sizeof(z));
		need(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
				  Z_DEFAULT_STRATEGY) == Z_OK);
		o.p = malloc(deflateBound(&z, len) + 32);
		z.next_in = (Bytef *)in;
		z.avail_in = len;
		z.next_out = o.p;
		z.avail_out = deflateBound(&z, len) + 32;
		need(deflate(&z, Z_FINISH) == Z_STREAM_END);
		o.len = z.total_out;
		deflateEnd(&z);
		break;
	}
	case ZSTD:
		o.p = malloc(ZSTD_compressBound(len));
		o.len = ZSTD_compress(o.p, ZSTD_compressBound(len), in, len, 3);
		need(!ZSTD_isError(o.len));
		break;
	case LZ4: {
		/* The legacy frame: magic, then 8 MiB blocks with their sizes. */
		const size_t block = 8 << 20;
		size_t nblocks = len / block + 1;

		o.p = malloc(4 + nblocks * (4 + LZ4_compressBound(block)));
		memcpy(o.p, "\x02\x21\x4c\x18", 4);
		o.len = 4;
		for (size_t at = 0; at < len; at += block) {
			int n = (int)(len - at < block ? len - at : block);
			int z = LZ4_compress_default((const char *)in + at, (char *)o.p + o.len + 4,
						     n, LZ4_compressBound(n));
			uint32_t zz = (uint32_t)z;

			need(z > 0);
			memcpy(o.p + o.len, &zz, 4);
			o.len += 4 + (size_t)z;
		}
		break;
	}
	default:
		need(!"unknown compression");
	}
	return o;
}

struct bz_spec {
	uint8_t setup_sects;    /* 0 means 4, as in the boot protocol */
	uint16_t version;       /* 0: 2.15 */
	uint32_t payload_offset;
	bool lie_size;          /* trailer off by one */
};

/* A minimal bzImage: setup header, then the payload and Linux's size word. */
static struct buf wrap_bzimage(const struct bz_spec *s, const struct buf *payload,
			       uint32_t decompressed)
{
	size_t setup = ((size_t)(s->setup_sects ? s->setup_sects : 4) + 1) * 512;
	size_t at = setup + s->payload_offset;
	uint32_t plen = payload->len + 4, off = s->payload_offset;
	uint16_t version = s->version ? s->version : 0x20f;
	uint32_t trailer = decompressed + s->lie_size;
	struct buf b;

	b.len = at + plen;
	b.p = calloc(1, b.len);
	b.p[0x1f1] = s->setup_sects;
	b.p[0x1fe] = 0x55;
	b.p[0x1ff] = 0xaa;
	memcpy(b.p + 0x202, "HdrS", 4);
	memcpy(b.p + 0x206, &version, 2);
	memcpy(b.p + 0x248, &off, 4);
	memcpy(b.p + 0x24c, &plen, 4);
	memcpy(b.p + at, payload->p, payload->len);
	memcpy(b.p + at + payload->len, &trailer, 4);
	return b;
}

static struct buf bzimage_of(enum comp c, const struct buf *elf, const struct bz_spec *s)
{
	struct buf z = compress_with(c, elf->p, elf->len);
	struct buf b = wrap_bzimage(s, &z, (uint32_t)elf->len);

	free(z.p);
	return b;
}

/* ---- good images ------------------------------------------------------- */

static void check_linux_like(const struct xen_image *img)
{
	ck_assert_str_eq(img->guest_os, "linux");
	ck_assert_str_eq(img->guest_version, "2.6");
	ck_assert_str_eq(img->xen_version, "xen-3.0");
	ck_assert_str_eq(img->loader, "generic");
	ck_assert_str_eq(img->features, linux_features);
	ck_assert_uint_eq(img->virt_base, LINUX_BASE);
	ck_assert_uint_eq(img->paddr_offset, 0);
	ck_assert_uint_eq(img->entry, linux_entry);
	ck_assert(!img->has_hypercall_page);
	ck_assert(img->has_init_p2m);
	ck_assert_uint_eq(img->init_p2m, linux_p2m);
	ck_assert(img->has_hv_start_low);
	ck_assert_uint_eq(img->hv_start_low, hv_start_low);
	ck_assert(img->mod_start_pfn);
	ck_assert(img->pae_mode);
	ck_assert(img->suspend_cancel);
	ck_assert(!img->bsd_symtab);
	ck_assert(img->has_l1_mfn_valid);
	ck_assert_uint_eq(img->l1_mfn_valid_mask, 1);
	ck_assert_uint_eq(img->l1_mfn_valid_value, 1);
	ck_assert(img->has_phys32_entry);
	ck_assert_uint_eq(img->phys32_entry, phys32);
	ck_assert(!img->legacy_xen_guest);
	ck_assert_uint_eq(img->features_required[0], 1u << XENFEAT_writable_page_tables);
	ck_assert_uint_eq(img->features_supported[0],
			  linux_supported | 1u << XENFEAT_pae_pgdir_above_4gb);
	ck_assert_uint_eq(img->nr_segs, 4);
	/* Placed by p_paddr: the per-CPU segment (vaddr 0) lands in the kernel. */
	ck_assert_uint_eq(img->seg[0].virt, LINUX_BASE + 0x1000000);
	ck_assert_uint_eq(img->seg[1].virt, LINUX_BASE + 0x1002000);
	ck_assert_uint_eq(img->seg[2].virt, LINUX_BASE + 0x1003000);
	ck_assert_uint_eq(img->seg[2].file_size, 0x40);
	ck_assert_uint_eq(img->seg[3].virt, LINUX_BASE + 0x1005000);
	ck_assert_uint_eq(img->seg[3].mem_size, 0x3000);
	ck_assert_uint_eq(img->virt_kstart, LINUX_BASE + 0x1000000);
	ck_assert_uint_eq(img->virt_kend, LINUX_BASE + 0x1008000);
}

START_TEST(t_linux_like_elf)
{
	struct elf_spec s = linux_like();
	struct buf b = build_elf(&s);
	struct xen_image img;
	char err[256];

	ck_assert_msg(parse(&b, &img, err) == 0, "%s", err);
	free(b.p);   /* the image keeps its own copy */
	check_linux_like(&img);
	ck_assert_uint_eq(img.elf_size, b.len);
	xen_image_free(&img);
	ck_assert_ptr_null(img.elf);
}
END_TEST

START_TEST(t_copy_segments)
{
	struct elf_spec s = linux_like();
	struct buf b = build_elf(&s);
	struct xen_image img;
	char err[256];
	uint8_t *dst;
	size_t span;

	ck_assert_msg(parse(&b, &img, err) == 0, "%s", err);
	span = img.virt_kend - img.virt_kstart;
	dst = malloc(span);
	memset(dst, 0xee, span);
	xen_image_copy_segments(&img, dst);
	for (size_t va = 0; va < span; va++) {
		uint8_t want = 0;

		for (unsigned i = 0; i < s.nsegs; i++) {
			/* Segment i of the spec, wherever it was placed. */
			uint64_t at = s.segs[i].paddr - 0x1000000;

			if (va >= at && va < at + s.segs[i].filesz)
				want = seg_byte(i, va - at);
		}
		ck_assert_msg(dst[va] == want, "byte %#zx: %#x, want %#x", va, dst[va], want);
	}
	free(dst);
	free(b.p);
	xen_image_free(&img);
}
END_TEST

START_TEST(t_notes_in_section)
{
	struct elf_spec s = linux_like();
	struct buf b;
	struct xen_image img;
	char err[256];

	s.notes_in_section = true;
	b = build_elf(&s);
	ck_assert_msg(parse(&b, &img, err) == 0, "%s", err);
	check_linux_like(&img);
	xen_image_free(&img);
	free(b.p);
}
END_TEST

START_TEST(t_note_align8)
{
	struct elf_spec s = linux_like();
	struct buf b;
	struct xen_image img;
	char err[256];

	s.note_align = 8;
	b = build_elf(&s);
	ck_assert_msg(parse(&b, &img, err) == 0, "%s", err);
	check_linux_like(&img);
	xen_image_free(&img);
	free(b.p);
}
END_TEST

/* Numbers may be 4 or 8 bytes; both give the same image. */
START_TEST(t_numeric_widths)
{
	static const uint32_t p2m32 = 0x40000000, entry32 = 0x1000040;
	static const uint64_t p2m64 = 0x40000000, entry64 = 0x1000040;
	static const uint16_t two = 1;
	struct xen_image wide8, narrow4;
	char err[256];

	for (int wide = 0; wide < 2; wide++) {
		struct elf_spec s = linux_like();
		struct buf b;

		drop_note(&s, XEN_ELFNOTE_VIRT_BASE);
		drop_note(&s, XEN_ELFNOTE_PHYS32_ENTRY);
		set_note(&s, wide ? NOTE_NUM(INIT_P2M, &p2m64) : NOTE_NUM(INIT_P2M, &p2m32));
		set_note(&s, wide ? NOTE_NUM(ENTRY, &entry64) : NOTE_NUM(ENTRY, &entry32));
		set_note(&s, wide ? NOTE_NUM(PADDR_OFFSET, &zero64)
				  : (struct note){ NULL, XEN_ELFNOTE_PADDR_OFFSET, &one32, 0 });
		for (unsigned i = 0; i < s.nsegs; i++)
			s.segs[i].vaddr = s.segs[i].paddr;
		if (!wide) {
			/* A zero-length number is malformed; so is a 2-byte one. */
			expect_fail(&s, "PADDR_OFFSET: 0-byte number");
			set_note(&s, (struct note){ NULL, XEN_ELFNOTE_PADDR_OFFSET, &two, 2 });
			expect_fail(&s, "PADDR_OFFSET: 2-byte number");
			drop_note(&s, XEN_ELFNOTE_PADDR_OFFSET);
		}
		b = build_elf(&s);
		ck_assert_msg(parse(&b, wide ? &wide8 : &narrow4, err) == 0, "%s", err);
		free(b.p);
	}
	ck_assert_uint_eq(wide8.init_p2m, 0x40000000);
	ck_assert_uint_eq(narrow4.init_p2m, 0x40000000);
	ck_assert_uint_eq(wide8.entry, 0x1000040);
	ck_assert_uint_eq(narrow4.entry, 0x1000040);
	/* Without VIRT_BASE and PADDR_OFFSET both default to 0: virt = paddr. */
	ck_assert_uint_eq(narrow4.virt_base, 0);
	ck_assert_uint_eq(narrow4.paddr_offset, 0);
	ck_assert_uint_eq(narrow4.seg[0].virt, 0x1000000);
	ck_assert_uint_eq(wide8.seg[2].virt, 0x1003000);
	xen_image_free(&wide8);
	xen_image_free(&narrow4);
}
END_TEST

/* Program headers Xen does not load: other types, no R/W/X flags, empty. */
START_TEST(t_ignored_segments)
{
	struct elf_spec s = linux_like();
	struct buf b;
	struct xen_image img;
	char err[256];

	/* Each would overlap the text segment if it were loaded. */
	s.segs[s.nsegs++] = (struct seg){ PT_LOAD, 0, 0x1000000, 0x10, 0x10, true };
	s.segs[s.nsegs++] = (struct seg){ PT_GNU_STACK, 0, 0x1000000, 0, 0x10, false };
	s.segs[s.nsegs++] = (struct seg){ PT_LOAD, 0, 0x1000000, 0, 0, false };
	b = build_elf(&s);
	ck_assert_msg(parse(&b, &img, err) == 0, "%s", err);
	check_linux_like(&img);
	xen_image_free(&img);
	free(b.p);
}
END_TEST

/* PADDR_OFFSET shifts every segment: virt = paddr - offset + base. */
START_TEST(t_paddr_offset)
{
	static const uint64_t off = 0x800000;
	struct elf_spec s = linux_like();
	struct buf b;
	struct xen_image img;
	char err[256];

	set_note(&s, NOTE_NUM(PADDR_OFFSET, &off));
	drop_note(&s, XEN_ELFNOTE_ENTRY);
	drop_note(&s, XEN_ELFNOTE_PHYS32_ENTRY);
	s.entry = LINUX_BASE + 0x800100;   /* no ENTRY note: e_entry is used */
	b = build_elf(&s);
	ck_assert_msg(parse(&b, &img, err) == 0, "%s", err);
	ck_assert_uint_eq(img.seg[0].virt, LINUX_BASE + 0x800000);
	ck_assert_uint_eq(img.seg[2].virt, LINUX_BASE + 0x803000);
	ck_assert_uint_eq(img.entry, LINUX_BASE + 0x800100);
	xen_image_free(&img);
	free(b.p);
}
END_TEST

START_TEST(t_features)
{
	static const struct {
		const char *s;
		uint32_t required, supported;
	} cases[] = {
		{ "writable_page_tables", 0, 1u << XENFEAT_writable_page_tables },
		{ "!auto_translated_physmap|hvm_callback_vector",
		  1u << XENFEAT_auto_translated_physmap,
		  1u << XENFEAT_auto_translated_physmap | 1u << XENFEAT_hvm_callback_vector },
		/* Unknown optional names and empty items are ignored. */
		{ "|no_such_feature||!dom0|", 1u << XENFEAT_dom0, 1u << XENFEAT_dom0 },
		{ "", 0, 0 },
		{ "!writable_page_tables|writable_descriptor_tables|supervisor_mode_kernel",
		  1u << XENFEAT_writable_page_tables,
		  1u << XENFEAT_writable_page_tables | 1u << XENFEAT_writable_descriptor_tables |
		  1u << XENFEAT_supervisor_mode_kernel },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct elf_spec s = linux_like();
		struct buf b;
		struct xen_image img;
		char err[256];

		drop_note(&s, XEN_ELFNOTE_SUPPORTED_FEATURES);
		set_note(&s, (struct note){ NULL, XEN_ELFNOTE_FEATURES, cases[i].s,
					    (uint32_t)strlen(cases[i].s) + 1 });
		b = build_elf(&s);
		ck_assert_msg(parse(&b, &img, err) == 0, "%s: %s", cases[i].s, err);
		ck_assert_uint_eq(img.features_required[0], cases[i].required);
		ck_assert_uint_eq(img.features_supported[0], cases[i].supported);
		ck_assert_str_eq(img.features, cases[i].s);
		xen_image_free(&img);
		free(b.p);
	}
}
END_TEST

/* Strings are cut to their fields and made printable (they reach logs). */
START_TEST(t_note_strings)
{
	struct elf_spec s = linux_like();
	struct buf b;
	struct xen_image img;
	char err[256];

	set_note(&s, NOTE_STR(GUEST_OS, "lin\nux\x01"));
	set_note(&s, NOTE_STR(GUEST_VERSION, "0123456789abcdef0123456789abcdefXYZ"));
	/* Without a NUL, the note's size ends the string. */
	set_note(&s, (struct note){ NULL, XEN_ELFNOTE_XEN_VERSION, "xen-3.0junk", 7 });
	b = build_elf(&s);
	ck_assert_msg(parse(&b, &img, err) == 0, "%s", err);
	ck_assert_str_eq(img.guest_os, "lin?ux?");
	ck_assert_str_eq(img.guest_version, "0123456789abcdef0123456789abcde");
	ck_assert_str_eq(img.xen_version, "xen-3.0");
	xen_image_free(&img);
	free(b.p);

	set_note(&s, NOTE_STR(FEATURES, "!bad\nname"));
	expect_fail(&s, "unknown Xen feature 'bad?name'");
}
END_TEST

START_TEST(t_unknown_required_feature)
{
	struct elf_spec s = linux_like();

	set_note(&s, NOTE_STR(FEATURES, "writable_page_tables|!time_travel"));
	expect_fail(&s, "unknown Xen feature 'time_travel'");
}
END_TEST

START_TEST(t_hypercall_page_note)
{
	static const uint64_t good = LINUX_BASE + 0x1001000, odd = LINUX_BASE + 0x1001008;
	static const uint64_t outside = LINUX_BASE + 0x1004000;
	struct elf_spec s = linux_like();
	struct buf b;
	struct xen_image img;
	char err[256];

	set_note(&s, NOTE_NUM(HYPERCALL_PAGE, &good));
	b = build_elf(&s);
	ck_assert_msg(parse(&b, &img, err) == 0, "%s", err);
	ck_assert(img.has_hypercall_page);
	ck_assert_uint_eq(img.hypercall_page, good);
	xen_image_free(&img);
	free(b.p);
	set_note(&s, NOTE_NUM(HYPERCALL_PAGE, &odd));
	expect_fail(&s, "hypercall page");
	/* In the gap between two segments. */
	set_note(&s, NOTE_NUM(HYPERCALL_PAGE, &outside));
	expect_fail(&s, "hypercall page");
}
END_TEST

/* GNU Mach's style: no notes, only the __xen_guest string. */
START_TEST(t_legacy_xen_guest)
{
	struct elf_spec s = {
		.entry = 0x40000040,
		.segs = { { 0, 0x40000000, 0x40000000, 0x3000, 0x5000 } },
		.nsegs = 1,
		.xen_guest = "GUEST_OS=GNU Mach,GUEST_VER=1.8,XEN_VER=xen-3.0,"
			     "VIRT_BASE=0x40000000,ELF_PADDR_OFFSET=0x40000000,"
			     "HYPERCALL_PAGE=0x2,LOADER=generic,PAE=yes,"
			     "FEATURES=!writable_page_tables,UNKNOWN_KEY=1,BSD_SYMTAB",
	};
	struct buf b = build_elf(&s);
	struct xen_image img;
	char err[256];

	ck_assert_msg(parse(&b, &img, err) == 0, "%s", err);
	ck_assert(img.legacy_xen_guest);
	ck_assert_str_eq(img.guest_os, "GNU Mach");
	ck_assert_str_eq(img.guest_version, "1.8");
	ck_assert_str_eq(img.xen_version, "xen-3.0");
	ck_assert_str_eq(img.loader, "generic");
	ck_assert_uint_eq(img.virt_base, 0x40000000);
	ck_assert_uint_eq(img.paddr_offset, 0x40000000);
	ck_assert_uint_eq(img.entry, 0x40000040);
	/* A page number from VIRT_BASE. */
	ck_assert(img.has_hypercall_page);
	ck_assert_uint_eq(img.hypercall_page, 0x40002000);
	ck_assert(img.pae_mode);
	ck_assert(img.bsd_symtab);
	ck_assert_uint_eq(img.features_required[0], 1u << XENFEAT_writable_page_tables);
	ck_assert_uint_eq(img.seg[0].virt, 0x40000000);
	xen_image_free(&img);
	free(b.p);

	/* The legacy default for the paddr offset is VIRT_BASE, and VIRT_ENTRY
	 * overrides e_entry. */
	s.xen_guest = "GUEST_OS=GNU Mach,GUEST_VERSION=1.3,XEN_VER=xen-3.0,"
		      "VIRT_BASE=0x40000000,LOADER=generic,VIRT_ENTRY=0x40000100";
	b = build_elf(&s);
	ck_assert_msg(parse(&b, &img, err) == 0, "%s", err);
	ck_assert_str_eq(img.guest_version, "1.3");
	ck_assert_uint_eq(img.paddr_offset, 0x40000000);
	ck_assert_uint_eq(img.entry, 0x40000100);
	ck_assert(!img.has_hypercall_page);
	xen_image_free(&img);
	free(b.p);

	s.xen_guest = "GUEST_OS=GNU Mach,XEN_VER=xen-3.0,LOADER=generic,VIRT_BASE=0x4000zz";
	expect_fail(&s, "VIRT_BASE: '0x4000zz' is not a number");
	s.xen_guest = "GUEST_OS=x,XEN_VER=xen-3.0,LOADER=generic,VIRT_BASE=-1";
	expect_fail(&s, "not a number");
	s.xen_guest = "GUEST_OS=x,XEN_VER=xen-3.0,LOADER=generic,VIRT_BASE=0x40000000,"
		      "HYPERCALL_PAGE=0xffffffffffffff";
	expect_fail(&s, "HYPERCALL_PAGE");
	s.xen_guest = "GUEST_OS=x,XEN_VER=xen-2.0,LOADER=generic";
	expect_fail(&s, "not xen-3.0");
}
END_TEST

START_TEST(t_load_file)
{
	struct elf_spec s = linux_like();
	struct buf b = build_elf(&s);
	char path[] = "/tmp/test_xen_image.XXXXXX";
	int fd = mkstemp(path);
	struct xen_image img;
	char err[256];

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b.p, b.len), (ssize_t)b.len);
	close(fd);
	ck_assert_msg(xen_image_load_file(path, &img, err, sizeof(err)) == 0, "%s", err);
	check_linux_like(&img);
	xen_image_free(&img);

	/* Errors name the file and the reason. */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, b.p, 100), 100);
	close(fd);
	ck_assert_int_eq(xen_image_load_file(path, &img, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, path) && strstr(err, "truncated"), "%s", err);
	unlink(path);
	ck_assert_int_eq(xen_image_load_file(path, &img, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, strerror(ENOENT)), "%s", err);
	ck_assert_int_eq(xen_image_load_file("/tmp", &img, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not a regular file"), "%s", err);
	ck_assert_ptr_null(img.elf);
	free(b.p);
}
END_TEST

START_TEST(t_check_fits)
{
	struct elf_spec s = linux_like();
	struct buf b = build_elf(&s);
	struct xen_image img;
	char err[256];
	uint64_t need;

	ck_assert_msg(parse(&b, &img, err) == 0, "%s", err);
	need = img.virt_kend - img.virt_base;   /* 16 MiB + 0x8000 here */
	ck_assert_int_eq(xen_image_check_fits(&img, need, err, sizeof(err)), 0);
	ck_assert_int_eq(xen_image_check_fits(&img, 1ull << 30, err, sizeof(err)), 0);
	ck_assert_int_eq(xen_image_check_fits(&img, need - 1, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "guest memory"), "%s", err);
	ck_assert_int_eq(xen_image_check_fits(&img, 8 << 20, err, sizeof(err)), -1);
	xen_image_free(&img);
	free(b.p);
}
END_TEST

/* ---- hostile images ---------------------------------------------------- */

START_TEST(t_truncated_everywhere)
{
	struct elf_spec specs[2] = { linux_like(), linux_like() };

	specs[1].notes_in_section = true;
	for (unsigned k = 0; k < 2; k++) {
		struct buf b = build_elf(&specs[k]);

		for (size_t len = 0; len < b.len; len++) {
			/* An exact-size copy, so ASan sees any read past the end. */
			uint8_t *p = malloc(len ? len : 1);
			struct xen_image img;
			char err[256] = "";

			memcpy(p, b.p, len);
			ck_assert_msg(xen_image_parse(p, len, &img, err, sizeof(err)) == -1,
				      "truncated to %zu of %zu bytes, accepted", len, b.len);
			ck_assert_msg(err[0], "no error message at %zu", len);
			free(p);
		}
		free(b.p);
	}
}
END_TEST

START_TEST(t_not_a_kernel)
{
	static const uint8_t junk[] = "this is not a kernel at all, just text";
	struct buf b = { (uint8_t *)junk, sizeof(junk) };
	struct elf_spec s = linux_like();

	expect_fail_buf(&b, "unrecognised format");
	b.len = 0;
	expect_fail_buf(&b, "unrecognised format");
	s.nnotes = 0;
	expect_fail(&s, "no Xen ELF notes");
	/* Notes of other owners are no Xen notes. */
	s.notes[s.nnotes++] = (struct note){ "GNU", XEN_ELFNOTE_ENTRY, &linux_entry, 8 };
	s.notes[s.nnotes++] = (struct note){ "Xenon", XEN_ELFNOTE_ENTRY, &linux_entry, 8 };
	expect_fail(&s, "no Xen ELF notes");
}
END_TEST

START_TEST(t_32bit)
{
	struct elf_spec s = linux_like();

	s.class = ELFCLASS32;
	expect_fail(&s, "32-bit PAE PV guests are not supported yet");
	s.class = 0;
	s.machine = EM_386;
	expect_fail(&s, "32-bit PAE PV guests are not supported yet");
	s.machine = EM_AARCH64;
	expect_fail(&s, "not an x86_64 kernel");
}
END_TEST

START_TEST(t_pvh_only)
{
	struct elf_spec s = linux_like();

	drop_note(&s, XEN_ELFNOTE_ENTRY);
	expect_fail(&s, "PVH-only");
}
END_TEST

START_TEST(t_wrong_loader)
{
	struct elf_spec s = linux_like();

	set_note(&s, NOTE_STR(GUEST_OS, "Plan9"));
	set_note(&s, NOTE_STR(LOADER, "special"));
	expect_fail(&s, "neither the generic loader nor Linux");
}
END_TEST

START_TEST(t_bad_segments)
{
	static const uint64_t low_base = 0x2000000, wrap_base = 0xfffffffffffff000ull;
	static const uint64_t odd_base = LINUX_BASE + 0x10;
	struct elf_spec s;

	s = linux_like();
	s.segs[1].paddr = 0x1001000;   /* into the first segment's bss */
	expect_fail(&s, "segments overlap");

	s = linux_like();
	s.segs[2].paddr = 0x1000100;   /* per-CPU inside text */
	expect_fail(&s, "segments overlap");

	s = linux_like();
	set_note(&s, NOTE_NUM(PADDR_OFFSET, &low_base));   /* segments below it */
	expect_fail(&s, "below PADDR_OFFSET");

	s = linux_like();
	set_note(&s, NOTE_NUM(VIRT_BASE, &wrap_base));
	expect_fail(&s, "wraps the address space");

	s = linux_like();
	set_note(&s, NOTE_NUM(VIRT_BASE, &odd_base));
	expect_fail(&s, "not page aligned");

	s = linux_like();
	s.segs[3].memsz = 0xfffffffffffff000ull;
	expect_fail(&s, "wraps the address space");

	s = linux_like();
	s.segs[3].paddr = 0x0000800000000000ull;   /* + VIRT_BASE passes 2^64 */
	expect_fail(&s, "wraps the address space");

	/* With VIRT_BASE 0, a segment running into the non-canonical hole. */
	s = linux_like();
	drop_note(&s, XEN_ELFNOTE_VIRT_BASE);
	s.segs[3].paddr = 0x00007ffffffff000ull;
	expect_fail(&s, "canonical");
	s.segs[3].paddr = 0x0000900000000000ull;
	expect_fail(&s, "canonical");

	s = linux_like();
	s.segs[0].filesz = 0x3000;   /* more file than memory */
	expect_fail(&s, "more file");

	s = linux_like();
	set_note(&s, NOTE_NUM(ENTRY, &(uint64_t){ LINUX_BASE + 0x1004000 }));   /* in a gap */
	expect_fail(&s, "entry point");

	s = linux_like();
	set_note(&s, NOTE_NUM(INIT_P2M, &(uint64_t){ LINUX_BASE + 0x1002000 }));   /* in the kernel */
	expect_fail(&s, "INIT_P2M");

	s = linux_like();
	s.nsegs = 0;
	expect_fail(&s, "no loadable segment");

	s = linux_like();
	for (unsigned i = 4; i < 17; i++)
		s.segs[s.nsegs++] = (struct seg){ 0, 0, 0x1100000 + i * PAGE, 0x10, 0x10, false };
	expect_fail(&s, "more than 16 loadable segments");
}
END_TEST

/* Byte-level corruption of fields the assembler writes correctly. */
static void corrupt_and_expect(const struct elf_spec *s, size_t at, const void *val,
			       size_t n, const char *want)
{
	struct buf b = build_elf(s);

	memcpy(b.p + at, val, n);
	expect_fail_buf(&b, want);
	free(b.p);
}

START_TEST(t_huge_offsets)
{
	struct elf_spec s = linux_like();
	const uint64_t huge = 0xfffffffffffffff0ull;
	const size_t ph0 = sizeof(Elf64_Ehdr), note_ph = ph0 + 4 * sizeof(Elf64_Phdr);

	corrupt_and_expect(&s, offsetof(Elf64_Ehdr, e_phoff), &huge, 8, "program headers");
	corrupt_and_expect(&s, offsetof(Elf64_Ehdr, e_phnum), &(uint16_t){ 0xffff }, 2,
			   "program headers");
	corrupt_and_expect(&s, offsetof(Elf64_Ehdr, e_phentsize), &(uint16_t){ 32 }, 2,
			   "program header size");
	corrupt_and_expect(&s, ph0 + offsetof(Elf64_Phdr, p_offset), &huge, 8, "truncated ELF");
	corrupt_and_expect(&s, ph0 + offsetof(Elf64_Phdr, p_filesz), &huge, 8, "truncated ELF");
	corrupt_and_expect(&s, ph0 + offsetof(Elf64_Phdr, p_paddr), &huge, 8, "wraps");
	corrupt_and_expect(&s, note_ph + offsetof(Elf64_Phdr, p_offset), &huge, 8, "note segment");
	corrupt_and_expect(&s, note_ph + offsetof(Elf64_Phdr, p_filesz), &huge, 8, "note segment");
	corrupt_and_expect(&s, note_ph + offsetof(Elf64_Phdr, p_offset), &(uint64_t){ 0x102 }, 8,
			   "misaligned");

	/* Section tables, when notes are looked for there. */
	s.notes_in_section = true;
	{
		struct buf b = build_elf(&s);
		Elf64_Ehdr eh;

		memcpy(&eh, b.p, sizeof(eh));
		free(b.p);
		corrupt_and_expect(&s, offsetof(Elf64_Ehdr, e_shoff), &huge, 8, "section headers");
		corrupt_and_expect(&s, offsetof(Elf64_Ehdr, e_shentsize), &(uint16_t){ 40 }, 2,
				   "section header size");
		corrupt_and_expect(&s, eh.e_shoff + sizeof(Elf64_Shdr) +
				   offsetof(Elf64_Shdr, sh_offset), &huge, 8, "note section");
		corrupt_and_expect(&s, eh.e_shoff + sizeof(Elf64_Shdr) +
				   offsetof(Elf64_Shdr, sh_size), &huge, 8, "note section");
	}
	s.notes_in_section = false;
	s.nnotes = 0;
	s.xen_guest = "GUEST_OS=linux,XEN_VER=xen-3.0";
	{
		struct buf b = build_elf(&s);
		Elf64_Ehdr eh;

		memcpy(&eh, b.p, sizeof(eh));
		free(b.p);
		corrupt_and_expect(&s, eh.e_shoff + 3 * sizeof(Elf64_Shdr) +
				   offsetof(Elf64_Shdr, sh_offset), &huge, 8, "section names");
		corrupt_and_expect(&s, eh.e_shoff + 2 * sizeof(Elf64_Shdr) +
				   offsetof(Elf64_Shdr, sh_size), &huge, 8, "__xen_guest");
		/* A section name index past the string table: no __xen_guest. */
		corrupt_and_expect(&s, eh.e_shoff + 2 * sizeof(Elf64_Shdr) +
				   offsetof(Elf64_Shdr, sh_name), &(uint32_t){ 0xfffffff0 }, 4,
				   "no Xen ELF notes");
	}
}
END_TEST

START_TEST(t_malformed_notes)
{
	struct elf_spec s = linux_like();
	struct buf b = build_elf(&s);
	Elf64_Phdr note_ph;
	size_t note_ph_at = sizeof(Elf64_Ehdr) + 4 * sizeof(Elf64_Phdr);

	memcpy(&note_ph, b.p + note_ph_at, sizeof(note_ph));
	free(b.p);
	/* The first note's namesz, then descsz, at their extremes. */
	corrupt_and_expect(&s, note_ph.p_offset, &(uint32_t){ 0xffffffff }, 4, "overrun");
	corrupt_and_expect(&s, note_ph.p_offset + 4, &(uint32_t){ 0xffffffff }, 4, "overrun");
	corrupt_and_expect(&s, note_ph.p_offset + 4, &(uint32_t){ 0xfffffffd }, 4, "overrun");
	/* A segment too short for a note header. */
	corrupt_and_expect(&s, note_ph_at + offsetof(Elf64_Phdr, p_filesz), &(uint64_t){ 10 },
			   8, "truncated header");
	/* The segment ends inside the last note. */
	corrupt_and_expect(&s, note_ph_at + offsetof(Elf64_Phdr, p_filesz),
			   &(uint64_t){ note_ph.p_filesz - 6 }, 8, "overrun");

	set_note(&s, (struct note){ NULL, XEN_ELFNOTE_L1_MFN_VALID, "abc", 3 });
	expect_fail(&s, "L1_MFN_VALID");
	drop_note(&s, XEN_ELFNOTE_L1_MFN_VALID);
	set_note(&s, (struct note){ NULL, XEN_ELFNOTE_INIT_P2M, "abcdefgh1", 9 });
	expect_fail(&s, "INIT_P2M: 9-byte number");
}
END_TEST

/* ---- bzImages ---------------------------------------------------------- */

START_TEST(t_bzimage_each_compression)
{
	struct elf_spec s = linux_like();
	struct buf elf = build_elf(&s);
	static const struct bz_spec layouts[] = {
		{ 0, 0, 0, false },          /* setup_sects 0 means 4 */
		{ 27, 0, 0x2c4, false },     /* like Debian's: 27 sectors, an offset */
		{ 1, 0x208, 17, false },     /* the oldest protocol with the fields */
	};

	for (enum comp c = 0; c < NR_COMP; c++) {
		for (unsigned l = 0; l < sizeof(layouts) / sizeof(layouts[0]); l++) {
			struct buf bz = bzimage_of(c, &elf, &layouts[l]);
			struct xen_image img;
			char err[256];

			ck_assert_msg(parse(&bz, &img, err) == 0, "%s layout %u: %s",
				      comp_names[c], l, err);
			check_linux_like(&img);
			ck_assert_uint_eq(img.elf_size, elf.len);
			ck_assert_mem_eq(img.elf, elf.p, elf.len);
			xen_image_free(&img);
			free(bz.p);
		}
	}
	free(elf.p);
}
END_TEST

/* LZ4's 8 MiB blocks and the output buffer's growth, with a 9 MiB ELF. */
START_TEST(t_bzimage_large)
{
	struct elf_spec s = linux_like();
	struct buf elf, bz;
	struct xen_image img;
	char err[256];

	s.segs[3].filesz = s.segs[3].memsz = 9 << 20;
	elf = build_elf(&s);
	for (enum comp c = 0; c < NR_COMP; c++) {
		bz = bzimage_of(c, &elf, &(struct bz_spec){ 0 });
		ck_assert_msg(parse(&bz, &img, err) == 0, "%s: %s", comp_names[c], err);
		ck_assert_uint_eq(img.elf_size, elf.len);
		ck_assert_mem_eq(img.elf, elf.p, elf.len);
		xen_image_free(&img);
		free(bz.p);
	}
	/* A trailer that understates the size makes the buffer grow, then fails. */
	bz = bzimage_of(ZSTD, &elf, &(struct bz_spec){ 0 });
	memset(bz.p + bz.len - 4, 0, 4);
	expect_fail_buf(&bz, "but the image says 0");
	free(bz.p);
	free(elf.p);
}
END_TEST

START_TEST(t_bzimage_hostile)
{
	struct elf_spec s = linux_like();
	struct buf elf = build_elf(&s), z, bz;
	static const struct {
		const char *payload;
		size_t len;
		const char *want;
	} bad[] = {
		{ "BZh91AY&SY\x01\x02\x03\x04", 14, "bzip2-compressed kernels are not supported" },
		{ "\x5d\x00\x00\x80\x00\xff\xff\xff", 8, "LZMA-compressed" },
		{ "\x89LZO\x00\x0d\x0a\x1a", 8, "LZO-compressed" },
		{ "\x1f\x8b\x08\x00garbage-garbage-garbage", 27, "gzip" },
		{ "\xfd" "7zXZ\x00garbage-garbage-garbage", 29, "XZ" },
		{ "\x28\xb5\x2f\xfdgarbage-garbage-garbage", 27, "zstd" },
		{ "\x02\x21\x4c\x18\x10\x00\x00\x00garbage-garbage-", 24, "LZ4" },
		{ "\x02\x21\x4c\x18\xff\xff\xff\x7fgarbage-garbage-", 24, "corrupt LZ4" },
		{ "PK\x03\x04zipzipzip", 13, "unrecognised payload compression" },
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf p = { (uint8_t *)bad[i].payload, bad[i].len };

		bz = wrap_bzimage(&(struct bz_spec){ 0 }, &p, 1000);
		expect_fail_buf(&bz, bad[i].want);
		free(bz.p);
	}

	/* Header problems. */
	bz = bzimage_of(GZIP, &elf, &(struct bz_spec){ .version = 0x207 });
	expect_fail_buf(&bz, "boot protocol 2.07 is too old");
	free(bz.p);
	bz = bzimage_of(GZIP, &elf, &(struct bz_spec){ 0 });
	bz.p[0x1fe] = 0;
	expect_fail_buf(&bz, "boot flag");
	memcpy(bz.p + 0x24c, &(uint32_t){ 0xffffffff }, 4);
	bz.p[0x1fe] = 0x55;
	expect_fail_buf(&bz, "beyond the file");
	memcpy(bz.p + 0x24c, &(uint32_t){ 5 }, 4);
	expect_fail_buf(&bz, "too short");
	memcpy(bz.p + 0x248, &(uint32_t){ 0xfffffff0 }, 4);
	expect_fail_buf(&bz, "beyond the file");
	free(bz.p);

	/* A trailer that disagrees with the data. */
	for (enum comp c = 0; c < NR_COMP; c++) {
		bz = bzimage_of(c, &elf, &(struct bz_spec){ .lie_size = true });
		expect_fail_buf(&bz, "but the image says");
		free(bz.p);
	}

	/* A well-compressed payload that is not an ELF. */
	z = compress_with(XZ, (const uint8_t *)"just some text, no ELF", 22);
	bz = wrap_bzimage(&(struct bz_spec){ 0 }, &z, 22);
	expect_fail_buf(&bz, "payload is not an ELF");
	free(bz.p);
	free(z.p);

	/* Every compression, truncated anywhere in the payload (in 7-byte steps,
	 * and at each of the last 16 bytes), with the lengths fixed up to match:
	 * the decoders must see the end of their input. */
	for (enum comp c = 0; c < NR_COMP; c++) {
		struct buf full;

		z = compress_with(c, elf.p, elf.len);
		full = wrap_bzimage(&(struct bz_spec){ 0 }, &z, (uint32_t)elf.len);
		for (size_t cut = 1; cut < z.len; cut += cut + 16 < z.len ? 7 : 1) {
			struct buf part = { z.p, z.len - cut };

			bz = wrap_bzimage(&(struct bz_spec){ 0 }, &part, (uint32_t)elf.len);
			expect_fail_buf(&bz, "");
			free(bz.p);
		}
		/* And the whole file cut short, header lengths untouched. */
		for (size_t len = 0; len < full.len; len += len < 0x300 ? 1 : 13) {
			struct buf cutb = { malloc(len ? len : 1), len };

			memcpy(cutb.p, full.p, len);
			expect_fail_buf(&cutb, "");
			free(cutb.p);
		}
		free(full.p);
		free(z.p);
	}
	free(elf.p);
}
END_TEST

/* ---- Debian's kernels, if fetched -------------------------------------- */

static void real_kernel(const char *path, const char *what)
{
	struct xen_image img;
	char err[256];
	struct timespec t0, t1;
	bool entry_in = false;

	if (access(path, R_OK) != 0) {
		printf("skip: %s not present (run scripts/fetch-kernel.sh%s)\n", path,
		       strcmp(what, "LZ4") == 0 ? " cloud" : "");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_msg(xen_image_load_file(path, &img, err, sizeof(err)) == 0, "%s", err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s (%s): %zu-byte ELF, %u segments, entry %#llx, parsed in %.0f ms\n",
	       path, what, img.elf_size, img.nr_segs, (unsigned long long)img.entry,
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	ck_assert_str_eq(img.guest_os, "linux");
	ck_assert_str_eq(img.xen_version, "xen-3.0");
	ck_assert_uint_eq(img.virt_base, LINUX_BASE);
	ck_assert_uint_eq(img.paddr_offset, 0);
	ck_assert(!img.has_hypercall_page);
	ck_assert(img.has_init_p2m);
	ck_assert_uint_eq(img.init_p2m, 0x8000000000ull);
	ck_assert(img.mod_start_pfn);
	ck_assert(img.features_required[0] & 1u << XENFEAT_writable_page_tables);
	ck_assert_uint_ge(img.nr_segs, 2);
	ck_assert_uint_eq(img.seg[0].virt, LINUX_BASE + 0x1000000);
	for (unsigned i = 0; i < img.nr_segs; i++)
		entry_in |= img.entry >= img.seg[i].virt &&
			    img.entry < img.seg[i].virt + img.seg[i].mem_size;
	ck_assert(entry_in);
	ck_assert_int_eq(xen_image_check_fits(&img, 128 << 20, err, sizeof(err)), 0);
	xen_image_free(&img);
}

START_TEST(t_debian_kernel)
{
	real_kernel("kernels/vmlinuz-amd64", "XZ");
}
END_TEST

START_TEST(t_debian_cloud_kernel)
{
	real_kernel("kernels/vmlinuz-cloud-amd64", "LZ4");
}
END_TEST

/* ---- seeds for the fuzzer ---------------------------------------------- */

static void write_file(const char *dir, const char *name, const struct buf *b)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b->p, 1, b->len, f) != b->len || fclose(f)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static int write_seeds(const char *dir)
{
	struct elf_spec s = linux_like();
	struct elf_spec legacy = {
		.entry = 0x40000040,
		.segs = { { 0, 0x40000000, 0x40000000, 0x40, 0x3000 } },
		.nsegs = 1,
		.xen_guest = "GUEST_OS=GNU Mach,XEN_VER=xen-3.0,VIRT_BASE=0x40000000,"
			     "HYPERCALL_PAGE=0x2,LOADER=generic",
	};
	struct buf elf = build_elf(&s), b;
	char name[64];

	write_file(dir, "pv-elf", &elf);
	s.notes_in_section = true;
	b = build_elf(&s);
	write_file(dir, "pv-elf-note-section", &b);
	free(b.p);
	b = build_elf(&legacy);
	write_file(dir, "pv-elf-xen-guest", &b);
	free(b.p);
	for (enum comp c = 0; c < NR_COMP; c++) {
		b = bzimage_of(c, &elf, &(struct bz_spec){ .setup_sects = 1 });
		snprintf(name, sizeof(name), "bzimage-%s", comp_names[c]);
		write_file(dir, name, &b);
		free(b.p);
	}
	free(elf.p);
	return 0;
}

int main(int argc, char **argv)
{
	Suite *s;
	TCase *good, *bad, *bz, *real;
	SRunner *sr;
	int failed;

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	s = suite_create("xen_image");
	good = tcase_create("good");
	bad = tcase_create("hostile");
	bz = tcase_create("bzimage");
	real = tcase_create("debian");

	tcase_add_test(good, t_linux_like_elf);
	tcase_add_test(good, t_copy_segments);
	tcase_add_test(good, t_notes_in_section);
	tcase_add_test(good, t_note_align8);
	tcase_add_test(good, t_numeric_widths);
	tcase_add_test(good, t_paddr_offset);
	tcase_add_test(good, t_ignored_segments);
	tcase_add_test(good, t_features);
	tcase_add_test(good, t_note_strings);
	tcase_add_test(good, t_hypercall_page_note);
	tcase_add_test(good, t_legacy_xen_guest);
	tcase_add_test(good, t_load_file);
	tcase_add_test(good, t_check_fits);
	tcase_add_test(bad, t_truncated_everywhere);
	tcase_add_test(bad, t_not_a_kernel);
	tcase_add_test(bad, t_32bit);
	tcase_add_test(bad, t_pvh_only);
	tcase_add_test(bad, t_wrong_loader);
	tcase_add_test(bad, t_unknown_required_feature);
	tcase_add_test(bad, t_bad_segments);
	tcase_add_test(bad, t_huge_offsets);
	tcase_add_test(bad, t_malformed_notes);
	tcase_add_test(bz, t_bzimage_each_compression);
	tcase_add_test(bz, t_bzimage_large);
	tcase_add_test(bz, t_bzimage_hostile);
	tcase_add_test(real, t_debian_kernel);
	tcase_add_test(real, t_debian_cloud_kernel);
	tcase_set_timeout(bz, 120);
	tcase_set_timeout(real, 120);
	suite_add_tcase(s, good);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, bz);
	suite_add_tcase(s, real);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
