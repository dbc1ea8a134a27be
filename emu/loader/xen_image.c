#include "emu/loader/set_error.h"
#include "emu/loader/xen_image.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/loader/bzimage.h"
#include "emu/loader/xen_notes.h"

#define PAGE_SIZE 4096ull

/* True if [off, off+size) lies inside a file of len bytes. */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

/* The parts of the ELF file the loader reads, validated. */
struct elf {
	const uint8_t *buf;
	size_t len;
	Elf64_Ehdr eh;
};

static int read_ehdr(struct elf *e, char *err, size_t errlen)
{
	if (e->len < EI_NIDENT)
		return set_error(err, errlen, "truncated ELF header (%zu bytes)", e->len);
	if (e->buf[EI_CLASS] == ELFCLASS32)
		return set_error(err, errlen, "32-bit kernel: 32-bit PAE PV guests are not supported yet");
	if (e->buf[EI_CLASS] != ELFCLASS64)
		return set_error(err, errlen, "bad ELF class %u", e->buf[EI_CLASS]);
	if (e->len < sizeof(e->eh))
		return set_error(err, errlen, "truncated ELF header (%zu bytes)", e->len);
	memcpy(&e->eh, e->buf, sizeof(e->eh));
	if (e->eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return set_error(err, errlen, "big-endian ELF: not an x86_64 kernel");
	if (e->eh.e_machine == EM_386)
		return set_error(err, errlen, "i386 kernel: 32-bit PAE PV guests are not supported yet");
	if (e->eh.e_machine != EM_X86_64)
		return set_error(err, errlen, "not an x86_64 kernel (ELF machine %u)", e->eh.e_machine);
	if (e->eh.e_type != ET_EXEC)
		return set_error(err, errlen, "not an executable ELF (type %u)", e->eh.e_type);
	if (e->eh.e_phnum == 0)
		return set_error(err, errlen, "ELF has no program headers");
	if (e->eh.e_phentsize != sizeof(Elf64_Phdr))
		return set_error(err, errlen, "bad ELF program header size %u", e->eh.e_phentsize);
	if (!in_file(e->eh.e_phoff, (uint64_t)e->eh.e_phnum * sizeof(Elf64_Phdr), e->len))
		return set_error(err, errlen, "truncated ELF: %u program headers at %#llx beyond the file's %#zx bytes",
			    e->eh.e_phnum, (unsigned long long)e->eh.e_phoff, e->len);
	return 0;
}

static Elf64_Phdr phdr(const struct elf *e, unsigned i)
{
	Elf64_Phdr ph;

	memcpy(&ph, e->buf + e->eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
	return ph;
}

/* Reads notes at [off, off+size) with the given alignment (0, 1: 4). */
static int read_notes(const struct elf *e, const char *what, uint64_t off,
		      uint64_t size, uint64_t align, struct xen_notes *n,
		      char *err, size_t errlen)
{
	if (!in_file(off, size, e->len))
		return set_error(err, errlen, "truncated ELF: %s at %#llx+%#llx beyond the file's %#zx bytes",
			    what, (unsigned long long)off, (unsigned long long)size, e->len);
	if (size == 0)
		return 0;
	if (off % 4)
		return set_error(err, errlen, "malformed ELF: %s at %#llx is misaligned",
			    what, (unsigned long long)off);
	return xen_notes_parse(e->buf + off, size, align == 8 ? 8 : 4, n, err, errlen);
}

static int notes_from_segments(const struct elf *e, struct xen_notes *n,
			       char *err, size_t errlen)
{
	for (unsigned i = 0; i < e->eh.e_phnum; i++) {
		Elf64_Phdr ph = phdr(e, i);

		if (ph.p_type == PT_NOTE &&
		    read_notes(e, "note segment", ph.p_offset, ph.p_filesz, ph.p_align,
			       n, err, errlen))
			return -1;
	}
	return 0;
}

/*
 * Without Xen notes in the segments, Xen looks in the note sections and then
 * for the __xen_guest section; so does this.  No section table: no notes.
 */
static int notes_from_sections(const struct elf *e, struct xen_notes *n,
			       char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = &e->eh;
	Elf64_Shdr strtab, sh;

	if (eh->e_shoff == 0 || eh->e_shnum == 0)
		return 0;
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return set_error(err, errlen, "bad ELF section header size %u", eh->e_shentsize);
	if (!in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(sh), e->len))
		return set_error(err, errlen, "truncated ELF: %u section headers at %#llx beyond the file's %#zx bytes",
			    eh->e_shnum, (unsigned long long)eh->e_shoff, e->len);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		memcpy(&sh, e->buf + eh->e_shoff + (size_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_type == SHT_NOTE &&
		    read_notes(e, "note section", sh.sh_offset, sh.sh_size, sh.sh_addralign,
			       n, err, errlen))
			return -1;
	}
	if (n->count || eh->e_shstrndx >= eh->e_shnum)
		return 0;

	memcpy(&strtab, e->buf + eh->e_shoff + (size_t)eh->e_shstrndx * sizeof(sh), sizeof(sh));
	if (!in_file(strtab.sh_offset, strtab.sh_size, e->len))
		return set_error(err, errlen, "truncated ELF: section names beyond the end of the file");
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		static const char want[] = "__xen_guest";

		memcpy(&sh, e->buf + eh->e_shoff + (size_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_name >= strtab.sh_size ||
		    strtab.sh_size - sh.sh_name < sizeof(want) ||
		    memcmp(e->buf + strtab.sh_offset + sh.sh_name, want, sizeof(want)) != 0)
			continue;
		if (!in_file(sh.sh_offset, sh.sh_size, e->len))
			return set_error(err, errlen, "truncated ELF: __xen_guest beyond the end of the file");
		return xen_notes_parse_legacy((const char *)e->buf + sh.sh_offset, sh.sh_size,
					      n, err, errlen);
	}
	return 0;
}

/* Xen's own rule: it loads images for the generic loader or for Linux, v3.0. */
static int check_notes(const struct xen_notes *n, char *err, size_t errlen)
{
	if (n->has_phys32_entry && !n->has_entry)
		return set_error(err, errlen, "PVH-only kernel (PHYS32_ENTRY but no ENTRY note): not a PV kernel");
	if (strncmp(n->loader, "generic", 7) != 0 && strncmp(n->guest_os, "linux", 5) != 0)
		return set_error(err, errlen, "kernel is for neither the generic loader nor Linux "
			    "(LOADER '%s', GUEST_OS '%s')", n->loader, n->guest_os);
	if (strncmp(n->xen_version, "xen-3.0", 7) != 0)
		return set_error(err, errlen, "kernel is built for Xen '%s', not xen-3.0", n->xen_version);
	if (n->virt_base % PAGE_SIZE)
		return set_error(err, errlen, "VIRT_BASE %#llx is not page aligned",
			    (unsigned long long)n->virt_base);
	return 0;
}

static void take_notes(struct xen_image *img, const struct xen_notes *n, uint64_t e_entry)
{
	memcpy(img->guest_os, n->guest_os, sizeof(img->guest_os));
	memcpy(img->guest_version, n->guest_version, sizeof(img->guest_version));
	memcpy(img->xen_version, n->xen_version, sizeof(img->xen_version));
	memcpy(img->loader, n->loader, sizeof(img->loader));
	memcpy(img->features, n->features, sizeof(img->features));
	img->virt_base = n->virt_base;   /* 0 when absent, as in Xen */
	/* Xen's default offset: 0 with notes, VIRT_BASE with the legacy string. */
	img->paddr_offset = n->has_paddr_offset ? n->paddr_offset
			  : n->legacy ? n->virt_base : 0;
	img->entry = n->has_entry ? n->entry : e_entry;
	img->has_hypercall_page = n->has_hypercall_page;
	img->hypercall_page = n->hypercall_page;
	img->has_init_p2m = n->has_init_p2m;
	img->init_p2m = n->init_p2m;
	img->has_hv_start_low = n->has_hv_start_low;
	img->hv_start_low = n->hv_start_low;
	img->mod_start_pfn = n->mod_start_pfn;
	img->pae_mode = n->pae_mode;
	img->legacy_xen_guest = n->legacy;
	memcpy(img->features_required, n->features_required, sizeof(img->features_required));
	memcpy(img->features_supported, n->features_supported, sizeof(img->features_supported));
	img->suspend_cancel = n->suspend_cancel;
	img->bsd_symtab = n->bsd_symtab;
	img->has_l1_mfn_valid = n->has_l1_mfn_valid;
	img->l1_mfn_valid_mask = n->l1_mfn_valid_mask;
	img->l1_mfn_valid_value = n->l1_mfn_valid_value;
	img->has_phys32_entry = n->has_phys32_entry;
	img->phys32_entry = n->phys32_entry;
}

/* Places a PT_LOAD by its p_paddr, as Xen's libelf does. */
static int place_segment(struct xen_image *img, const struct elf *e, const Elf64_Phdr *ph,
			 char *err, size_t errlen)
{
	struct xen_image_segment *s;
	uint64_t virt, last;

	if (!in_file(ph->p_offset, ph->p_filesz, e->len))
		return set_error(err, errlen, "truncated ELF: segment at file offset %#llx+%#llx beyond the file's %#zx bytes",
			    (unsigned long long)ph->p_offset, (unsigned long long)ph->p_filesz, e->len);
	if (ph->p_filesz > ph->p_memsz)
		return set_error(err, errlen, "malformed ELF: segment at paddr %#llx has more file (%#llx) than memory (%#llx)",
			    (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_filesz,
			    (unsigned long long)ph->p_memsz);
	if (ph->p_paddr < img->paddr_offset)
		return set_error(err, errlen, "segment at paddr %#llx lies below PADDR_OFFSET %#llx (before VIRT_BASE)",
			    (unsigned long long)ph->p_paddr, (unsigned long long)img->paddr_offset);
	virt = ph->p_paddr - img->paddr_offset;
	/* A page of room is kept below 2^64 so that the end rounds up safely. */
	if (img->virt_base > UINT64_MAX - PAGE_SIZE ||
	    virt > UINT64_MAX - PAGE_SIZE - img->virt_base ||
	    ph->p_memsz > UINT64_MAX - PAGE_SIZE - (virt + img->virt_base))
		return set_error(err, errlen, "segment at paddr %#llx size %#llx wraps the address space",
			    (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz);
	virt += img->virt_base;
	last = virt + ph->p_memsz - 1;
	if (!canonical(virt) || !canonical(last) || (virt >> 47) != (last >> 47))
		return set_error(err, errlen, "segment [%#llx, %#llx] is not in canonical address space",
			    (unsigned long long)virt, (unsigned long long)last);
	if (img->nr_segs == XEN_IMAGE_MAX_SEGMENTS)
		return set_error(err, errlen, "more than %d loadable segments", XEN_IMAGE_MAX_SEGMENTS);
	s = &img->seg[img->nr_segs++];
	s->virt = virt;
	s->file_offset = ph->p_offset;
	s->file_size = ph->p_filesz;
	s->mem_size = ph->p_memsz;
	return 0;
}

static int by_virt(const void *a, const void *b)
{
	const struct xen_image_segment *x = a, *y = b;

	return x->virt < y->virt ? -1 : x->virt > y->virt;
}

static const struct xen_image_segment *segment_holding(const struct xen_image *img,
						       uint64_t va, uint64_t size)
{
	for (unsigned i = 0; i < img->nr_segs; i++) {
		const struct xen_image_segment *s = &img->seg[i];

		if (va >= s->virt && va - s->virt < s->mem_size &&
		    size <= s->mem_size - (va - s->virt))
			return s;
	}
	return NULL;
}

static int place_segments(struct xen_image *img, const struct elf *e, char *err, size_t errlen)
{
	for (unsigned i = 0; i < e->eh.e_phnum; i++) {
		Elf64_Phdr ph = phdr(e, i);

		/* Xen skips PT_LOADs without R, W or X, and so do empty ones. */
		if (ph.p_type == PT_LOAD && (ph.p_flags & (PF_R | PF_W | PF_X)) && ph.p_memsz &&
		    place_segment(img, e, &ph, err, errlen))
			return -1;
	}
	if (img->nr_segs == 0)
		return set_error(err, errlen, "ELF has no loadable segment");
	qsort(img->seg, img->nr_segs, sizeof(img->seg[0]), by_virt);
	for (unsigned i = 1; i < img->nr_segs; i++) {
		const struct xen_image_segment *p = &img->seg[i - 1], *s = &img->seg[i];

		if (s->virt - p->virt < p->mem_size)
			return set_error(err, errlen, "segments overlap: [%#llx, +%#llx) and [%#llx, +%#llx)",
				    (unsigned long long)p->virt, (unsigned long long)p->mem_size,
				    (unsigned long long)s->virt, (unsigned long long)s->mem_size);
	}
	img->virt_kstart = img->seg[0].virt & ~(PAGE_SIZE - 1);
	{
		const struct xen_image_segment *last = &img->seg[img->nr_segs - 1];

		/* place_segment left a page of room below 2^64. */
		img->virt_kend = (last->virt + last->mem_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	}
	return 0;
}

static int check_addresses(struct xen_image *img, char *err, size_t errlen)
{
	if (!segment_holding(img, img->entry, 1))
		return set_error(err, errlen, "entry point %#llx is not inside a loaded segment",
			    (unsigned long long)img->entry);
	if (img->has_hypercall_page) {
		if (img->legacy_xen_guest) {
			/* The legacy value is a page number from VIRT_BASE. */
			if (img->hypercall_page > (UINT64_MAX - img->virt_base) / PAGE_SIZE)
				return set_error(err, errlen, "HYPERCALL_PAGE %#llx is out of range",
					    (unsigned long long)img->hypercall_page);
			img->hypercall_page = img->virt_base + img->hypercall_page * PAGE_SIZE;
		}
		if (img->hypercall_page % PAGE_SIZE ||
		    !segment_holding(img, img->hypercall_page, PAGE_SIZE))
			return set_error(err, errlen, "hypercall page %#llx is not an aligned page inside a loaded segment",
				    (unsigned long long)img->hypercall_page);
	}
	if (img->has_init_p2m &&
	    (img->init_p2m % PAGE_SIZE || !canonical(img->init_p2m) ||
	     (img->init_p2m >= img->virt_kstart && img->init_p2m < img->virt_kend)))
		return set_error(err, errlen, "INIT_P2M %#llx is not an aligned canonical address outside the kernel",
			    (unsigned long long)img->init_p2m);
	return 0;
}

static int parse_elf(struct xen_image *img, char *err, size_t errlen)
{
	struct elf e = { .buf = img->elf, .len = img->elf_size };
	struct xen_notes n;

	memset(&n, 0, sizeof(n));
	if (read_ehdr(&e, err, errlen) || notes_from_segments(&e, &n, err, errlen))
		return -1;
	if (n.count == 0 && notes_from_sections(&e, &n, err, errlen))
		return -1;
	if (n.count == 0)
		return set_error(err, errlen, "no Xen ELF notes or __xen_guest section: not a Xen PV kernel");
	if (check_notes(&n, err, errlen))
		return -1;
	take_notes(img, &n, e.eh.e_entry);
	if (place_segments(img, &e, err, errlen))
		return -1;
	return check_addresses(img, err, errlen);
}

/*
 * Parses the file in buf.  With take, buf is malloc'd and the image takes it
 * over (an ELF file is used as is; a bzImage is freed once decompressed),
 * which saves a copy of a large kernel.
 */
static int parse_file(struct xen_image *img, uint8_t *buf, size_t len, bool take,
		      char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	if (len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0) {
		img->elf = take ? buf : malloc(len);
		if (!img->elf)
			return set_error(err, errlen, "out of memory for a %zu-byte kernel", len);
		if (!take)
			memcpy(img->elf, buf, len);
		img->elf_size = len;
	} else {
		int r = bzimage_detect(buf, len)
			? bzimage_extract(buf, len, &img->elf, &img->elf_size, err, errlen)
			: set_error(err, errlen, "not an ELF file or a bzImage (unrecognised format)");

		if (take)
			free(buf);
		if (r)
			return -1;
		if (img->elf_size < SELFMAG || memcmp(img->elf, ELFMAG, SELFMAG) != 0) {
			xen_image_free(img);
			return set_error(err, errlen, "bzImage payload is not an ELF kernel");
		}
	}
	if (parse_elf(img, err, errlen)) {
		xen_image_free(img);
		return -1;
	}
	return 0;
}

int xen_image_parse(const uint8_t *buf, size_t len, struct xen_image *img,
		    char *err, size_t errlen)
{
	/* Without take, buf is only read. */
	return parse_file(img, (uint8_t *)buf, len, false, err, errlen);
}

int xen_image_load_file(const char *path, struct xen_image *img,
			char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd, r;

	memset(img, 0, sizeof(*img));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return set_error(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = errno;
		close(fd);
		return set_error(err, errlen, "%s: %s", path, strerror(r));
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0 || (uint64_t)st.st_size > BZIMAGE_MAX_OUTPUT) {
		close(fd);
		return set_error(err, errlen, "%s: not a kernel file (%s, %lld bytes)", path,
			    S_ISREG(st.st_mode) ? "regular file" : "not a regular file",
			    (long long)st.st_size);
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		close(fd);
		return set_error(err, errlen, "%s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? errno : 0;
			close(fd);
			free(buf);
			return set_error(err, errlen, "%s: %s", path,
				    r ? strerror(r) : "file shrank while being read");
		}
		got += (size_t)n;
	}
	close(fd);
	r = parse_file(img, buf, got, true, err, errlen);
	if (r && errlen) {
		char reason[256];

		snprintf(reason, sizeof(reason), "%s", err);
		snprintf(err, errlen, "%s: %s", path, reason);
	}
	return r;
}

int xen_image_check_fits(const struct xen_image *img, uint64_t mem_bytes,
			 char *err, size_t errlen)
{
	uint64_t need = img->virt_kend - img->virt_base;

	if (need > mem_bytes)
		return set_error(err, errlen, "kernel needs %llu KiB of guest memory (VIRT_BASE to %#llx), "
			    "guest has %llu KiB", (unsigned long long)(need >> 10),
			    (unsigned long long)img->virt_kend, (unsigned long long)(mem_bytes >> 10));
	return 0;
}

void xen_image_copy_segments(const struct xen_image *img, uint8_t *dst)
{
	uint64_t at = img->virt_kstart;

	/* Segments are sorted and disjoint; everything between them is zero. */
	for (unsigned i = 0; i < img->nr_segs; i++) {
		const struct xen_image_segment *s = &img->seg[i];
		uint8_t *p = dst + (s->virt - img->virt_kstart);

		memset(dst + (at - img->virt_kstart), 0, s->virt - at);
		memcpy(p, img->elf + s->file_offset, s->file_size);
		memset(p + s->file_size, 0, s->mem_size - s->file_size);
		at = s->virt + s->mem_size;
	}
	memset(dst + (at - img->virt_kstart), 0, img->virt_kend - at);
}

void xen_image_free(struct xen_image *img)
{
	free(img->elf);
	memset(img, 0, sizeof(*img));
}
