/*
 * Decoding of what a PV kernel tells its loader: the "Xen" ELF notes
 * (types in xen/elfnote.h) or, in older images, the legacy __xen_guest
 * string "KEY=value,KEY=value".  Values are recorded as given; defaults and
 * the checks that need the rest of the ELF file are xen_image.c's business.
 */
#ifndef XENLET_XEN_NOTES_H
#define XENLET_XEN_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/loader/xen_image.h"

struct xen_notes {
	unsigned count;               /* Xen notes (or legacy keys) seen */
	bool legacy;                  /* values came from __xen_guest */

	char guest_os[32];            /* strings are truncated to fit */
	char guest_version[32];
	char xen_version[32];
	char loader[32];
	char features[256];

	bool has_entry, has_hypercall_page, has_virt_base, has_paddr_offset;
	bool has_init_p2m, has_hv_start_low, has_phys32_entry;
	bool has_l1_mfn_valid;
	uint64_t entry;
	uint64_t hypercall_page;      /* legacy: a page number from virt_base */
	uint64_t virt_base;
	uint64_t paddr_offset;
	uint64_t init_p2m;
	uint64_t hv_start_low;
	uint64_t phys32_entry;
	uint64_t l1_mfn_valid_mask, l1_mfn_valid_value;

	bool pae_mode, mod_start_pfn, suspend_cancel, bsd_symtab;
	uint32_t features_required[XEN_IMAGE_FEATURE_WORDS];
	uint32_t features_supported[XEN_IMAGE_FEATURE_WORDS];
};

/*
 * Walks the notes in [buf, buf+len) (a PT_NOTE segment or SHT_NOTE section
 * whose entries are padded to align, 4 or 8) and records the Xen ones in n.
 * Notes of other owners are skipped.  Returns -1 with a one-line reason on a
 * malformed note.
 */
int xen_notes_parse(const uint8_t *buf, size_t len, size_t align,
		    struct xen_notes *n, char *err, size_t errlen);

/* Records the legacy __xen_guest string s (len bytes, NUL not required). */
int xen_notes_parse_legacy(const char *s, size_t len, struct xen_notes *n,
			   char *err, size_t errlen);

/*
 * Decodes a FEATURES string ("name|!name|...", '!' = required) into XENFEAT_*
 * bitmaps (a required feature is also supported).  Unknown optional names
 * are ignored; an unknown required one is an error.
 */
int xen_features_parse(const char *s, size_t len,
		       uint32_t required[XEN_IMAGE_FEATURE_WORDS],
		       uint32_t supported[XEN_IMAGE_FEATURE_WORDS],
		       char *err, size_t errlen);

#endif
