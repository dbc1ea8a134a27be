/*
 * A Xen PV kernel image, read from an ELF64 file or a bzImage, with its Xen
 * ELF notes (or legacy __xen_guest string) decoded and checked.
 *
 * Addresses follow Xen's libelf: a PT_LOAD segment is placed by its p_paddr,
 * at virtual address p_paddr - paddr_offset + virt_base.  (Linux's per-CPU
 * segment has p_vaddr 0 but a p_paddr inside the kernel.)
 */
#ifndef XENLET_XEN_IMAGE_H
#define XENLET_XEN_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XEN_IMAGE_MAX_SEGMENTS 16
#define XEN_IMAGE_FEATURE_WORDS 1   /* XENFEAT_NR_SUBMAPS */

struct xen_image_segment {
	uint64_t virt;        /* where it is mapped in the guest */
	uint64_t file_offset; /* into xen_image.elf */
	uint64_t file_size;
	uint64_t mem_size;    /* >= file_size; the rest is zeroed */
};

struct xen_image {
	uint8_t *elf;         /* the (decompressed) ELF file, owned */
	size_t elf_size;

	/* Xen notes.  has_* says whether the note (or legacy key) was present. */
	char guest_os[32];
	char guest_version[32];
	char xen_version[32];
	char loader[32];
	char features[256];          /* FEATURES string as given */
	uint64_t virt_base;
	uint64_t paddr_offset;
	uint64_t entry;              /* virtual */
	uint64_t hypercall_page;     /* virtual; valid if has_hypercall_page */
	uint64_t init_p2m;           /* virtual; valid if has_init_p2m */
	uint64_t hv_start_low;       /* valid if has_hv_start_low */
	bool has_hypercall_page, has_init_p2m, has_hv_start_low;
	bool mod_start_pfn;          /* MOD_START_PFN note says 1 */
	bool pae_mode;               /* PAE_MODE note present ("yes"/"bimodal"...) */
	bool legacy_xen_guest;       /* notes came from the __xen_guest section */
	/* FEATURES/SUPPORTED_FEATURES decoded to XENFEAT_* bitmaps */
	uint32_t features_required[XEN_IMAGE_FEATURE_WORDS];
	uint32_t features_supported[XEN_IMAGE_FEATURE_WORDS];

	struct xen_image_segment seg[XEN_IMAGE_MAX_SEGMENTS];
	unsigned nr_segs;
	uint64_t virt_kstart;        /* lowest segment start (page aligned down) */
	uint64_t virt_kend;          /* highest segment end (page aligned up) */

	/* Further notes, decoded for completeness. */
	bool suspend_cancel;         /* SUSPEND_CANCEL note says 1 */
	bool bsd_symtab;             /* BSD_SYMTAB "yes": wants its symbols loaded
					after the kernel (xenlet does not) */
	bool has_l1_mfn_valid;       /* L1_MFN_VALID: PTE bits (mask, value) */
	uint64_t l1_mfn_valid_mask, l1_mfn_valid_value;
	bool has_phys32_entry;       /* the kernel can also boot as PVH */
	uint64_t phys32_entry;       /* physical */
};

/*
 * Reads and parses the kernel at path.  On failure returns -1, leaves img
 * empty (nothing to free) and writes one line naming the reason to err.
 */
int xen_image_load_file(const char *path, struct xen_image *img,
			char *err, size_t errlen);

/* Same, from a buffer holding the file (ELF or bzImage); buf is not kept. */
int xen_image_parse(const uint8_t *buf, size_t len, struct xen_image *img,
		    char *err, size_t errlen);

/* Checks the kernel fits in mem_bytes of guest RAM (counted from virt_base). */
int xen_image_check_fits(const struct xen_image *img, uint64_t mem_bytes,
			 char *err, size_t errlen);

/* Copies segment contents (zero-filling the bss) into dst, which holds the
 * range [virt_kstart, virt_kend). */
void xen_image_copy_segments(const struct xen_image *img, uint8_t *dst);

void xen_image_free(struct xen_image *img);

#endif
