#include "emu/loader/set_error.h"
#include "emu/loader/xen_notes.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/elfnote.h>
#include <xen/features.h>

#define FEATURE(f) [XENFEAT_##f] = #f
static const char *const feature_names[] = {
	FEATURE(writable_page_tables),
	FEATURE(writable_descriptor_tables),
	FEATURE(auto_translated_physmap),
	FEATURE(supervisor_mode_kernel),
	FEATURE(pae_pgdir_above_4gb),
	FEATURE(mmu_pt_update_preserve_ad),
	FEATURE(highmem_assist),
	FEATURE(gnttab_map_avail_bits),
	FEATURE(hvm_callback_vector),
	FEATURE(hvm_safe_pvclock),
	FEATURE(hvm_pirqs),
	FEATURE(dom0),
	FEATURE(memory_op_vnode_supported),
	FEATURE(ARM_SMCCC_supported),
	FEATURE(linux_rsdp_unrestricted),
	FEATURE(not_direct_mapped),
	FEATURE(direct_mapped),
};
#undef FEATURE

_Static_assert(sizeof(feature_names) / sizeof(feature_names[0]) <=
	       32 * XEN_IMAGE_FEATURE_WORDS, "feature bitmap too small");

#define NOTE(t) [XEN_ELFNOTE_##t] = #t
static const char *const note_names[XEN_ELFNOTE_MAX + 1] = {
	NOTE(INFO), NOTE(ENTRY), NOTE(HYPERCALL_PAGE), NOTE(VIRT_BASE),
	NOTE(PADDR_OFFSET), NOTE(XEN_VERSION), NOTE(GUEST_OS),
	NOTE(GUEST_VERSION), NOTE(LOADER), NOTE(PAE_MODE), NOTE(FEATURES),
	NOTE(BSD_SYMTAB), NOTE(HV_START_LOW), NOTE(L1_MFN_VALID),
	NOTE(SUSPEND_CANCEL), NOTE(INIT_P2M), NOTE(MOD_START_PFN),
	NOTE(SUPPORTED_FEATURES), NOTE(PHYS32_ENTRY),
};
#undef NOTE

static uint64_t le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/*
 * Copies the string up to its first NUL (or len bytes), truncated to fit,
 * with anything unprintable made '?': these strings end up in log lines.
 */
static void copy_string(char *dst, size_t dstlen, const char *src, size_t len)
{
	const char *nul = memchr(src, '\0', len);
	size_t n = nul ? (size_t)(nul - src) : len;

	if (n > dstlen - 1)
		n = dstlen - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[n] = '\0';
}

static size_t string_length(const char *s, size_t len)
{
	const char *nul = memchr(s, '\0', len);

	return nul ? (size_t)(nul - s) : len;
}

int xen_features_parse(const char *s, size_t len,
		       uint32_t required[XEN_IMAGE_FEATURE_WORDS],
		       uint32_t supported[XEN_IMAGE_FEATURE_WORDS],
		       char *err, size_t errlen)
{
	size_t end = string_length(s, len);
	size_t pos = 0;

	while (pos < end) {
		const char *tok = s + pos;
		const char *bar = memchr(tok, '|', end - pos);
		size_t toklen = bar ? (size_t)(bar - tok) : end - pos;
		bool must = toklen > 0 && tok[0] == '!';
		const char *name = tok + must;
		size_t namelen = toklen - must;
		bool known = false;

		pos += toklen + 1;
		for (unsigned i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++) {
			if (feature_names[i] && strlen(feature_names[i]) == namelen &&
			    memcmp(feature_names[i], name, namelen) == 0) {
				supported[i / 32] |= 1u << (i % 32);
				if (must)
					required[i / 32] |= 1u << (i % 32);
				known = true;
				break;
			}
		}
		if (!known && must) {
			char shown[48];

			copy_string(shown, sizeof(shown), name, namelen);
			return set_error(err, errlen, "kernel requires unknown Xen feature '%s'", shown);
		}
	}
	return 0;
}

static int number(const char *what, const uint8_t *desc, uint32_t descsz,
		  uint64_t *val, bool *has, char *err, size_t errlen)
{
	if (descsz != 4 && descsz != 8)
		return set_error(err, errlen, "malformed Xen note %s: %u-byte number (want 4 or 8)",
			    what, descsz);
	*val = le(desc, descsz);
	if (has)
		*has = true;
	return 0;
}

static int apply_note(struct xen_notes *n, uint32_t type, const uint8_t *desc,
		      uint32_t descsz, char *err, size_t errlen)
{
	const char *what = type <= XEN_ELFNOTE_MAX ? note_names[type] : "?";
	const char *str = (const char *)desc;
	uint64_t v = 0;

	n->count++;
	switch (type) {
	case XEN_ELFNOTE_GUEST_OS:
		copy_string(n->guest_os, sizeof(n->guest_os), str, descsz);
		return 0;
	case XEN_ELFNOTE_GUEST_VERSION:
		copy_string(n->guest_version, sizeof(n->guest_version), str, descsz);
		return 0;
	case XEN_ELFNOTE_XEN_VERSION:
		copy_string(n->xen_version, sizeof(n->xen_version), str, descsz);
		return 0;
	case XEN_ELFNOTE_LOADER:
		copy_string(n->loader, sizeof(n->loader), str, descsz);
		return 0;
	case XEN_ELFNOTE_PAE_MODE: {
		size_t l = string_length(str, descsz);

		n->pae_mode = !(l == 2 && memcmp(str, "no", 2) == 0);
		return 0;
	}
	case XEN_ELFNOTE_BSD_SYMTAB: {
		size_t l = string_length(str, descsz);

		n->bsd_symtab = l == 3 && memcmp(str, "yes", 3) == 0;
		return 0;
	}
	case XEN_ELFNOTE_FEATURES:
		copy_string(n->features, sizeof(n->features), str, descsz);
		return xen_features_parse(str, descsz, n->features_required,
					  n->features_supported, err, errlen);
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		if (number(what, desc, descsz, &v, NULL, err, errlen))
			return -1;
		n->features_supported[0] |= (uint32_t)v;
		return 0;
	case XEN_ELFNOTE_L1_MFN_VALID:
		/* A (mask, value) pair; more pairs may follow, only the first counts. */
		if (descsz < 8 || descsz % 8)
			return set_error(err, errlen, "malformed Xen note L1_MFN_VALID: %u bytes",
				    descsz);
		{
			size_t w = descsz >= 16 ? 8 : 4;

			n->l1_mfn_valid_mask = le(desc, w);
			n->l1_mfn_valid_value = le(desc + w, w);
			n->has_l1_mfn_valid = true;
		}
		return 0;
	case XEN_ELFNOTE_ENTRY:
		return number(what, desc, descsz, &n->entry, &n->has_entry, err, errlen);
	case XEN_ELFNOTE_HYPERCALL_PAGE:
		return number(what, desc, descsz, &n->hypercall_page, &n->has_hypercall_page,
			      err, errlen);
	case XEN_ELFNOTE_VIRT_BASE:
		return number(what, desc, descsz, &n->virt_base, &n->has_virt_base, err, errlen);
	case XEN_ELFNOTE_PADDR_OFFSET:
		return number(what, desc, descsz, &n->paddr_offset, &n->has_paddr_offset,
			      err, errlen);
	case XEN_ELFNOTE_HV_START_LOW:
		return number(what, desc, descsz, &n->hv_start_low, &n->has_hv_start_low,
			      err, errlen);
	case XEN_ELFNOTE_INIT_P2M:
		return number(what, desc, descsz, &n->init_p2m, &n->has_init_p2m, err, errlen);
	case XEN_ELFNOTE_PHYS32_ENTRY:
		return number(what, desc, descsz, &n->phys32_entry, &n->has_phys32_entry,
			      err, errlen);
	case XEN_ELFNOTE_SUSPEND_CANCEL:
		if (number(what, desc, descsz, &v, NULL, err, errlen))
			return -1;
		n->suspend_cancel = v != 0;
		return 0;
	case XEN_ELFNOTE_MOD_START_PFN:
		if (number(what, desc, descsz, &v, NULL, err, errlen))
			return -1;
		n->mod_start_pfn = v != 0;
		return 0;
	default:
		/* INFO, crash and dump-core notes mean nothing to a loader. */
		return 0;
	}
}

static size_t align_up(size_t v, size_t align)
{
	return (v + align - 1) & ~(align - 1);
}

int xen_notes_parse(const uint8_t *buf, size_t len, size_t align,
		    struct xen_notes *n, char *err, size_t errlen)
{
	size_t off = 0;

	if (align != 4 && align != 8)
		return set_error(err, errlen, "malformed notes: alignment %zu (want 4 or 8)", align);
	while (off < len) {
		size_t left = len - off;
		uint32_t namesz, descsz, type;
		size_t desc_at, next;

		if (left < 12)
			return set_error(err, errlen, "malformed note at offset %zu: truncated header",
				    off);
		namesz = (uint32_t)le(buf + off, 4);
		descsz = (uint32_t)le(buf + off + 4, 4);
		type = (uint32_t)le(buf + off + 8, 4);
		/* 32-bit sizes cannot overflow these size_t sums. */
		desc_at = align_up(12 + (size_t)namesz, align);
		if (desc_at > left || (size_t)descsz > left - desc_at)
			return set_error(err, errlen,
				    "malformed note at offset %zu: name %u + desc %u bytes overrun the %zu left",
				    off, namesz, descsz, left);
		if (namesz == 4 && memcmp(buf + off + 12, "Xen", 4) == 0 &&
		    apply_note(n, type, buf + off + desc_at, descsz, err, errlen))
			return -1;
		next = align_up(desc_at + descsz, align);
		off += next < left ? next : left;
	}
	return 0;
}

/* Parses a legacy number: decimal or 0x-hex, the whole of s. */
static int legacy_number(const char *key, const char *s, size_t len, uint64_t *val,
			 char *err, size_t errlen)
{
	char buf[24], *end;

	copy_string(buf, sizeof(buf), s, len);
	errno = 0;
	if (len > 0 && len < sizeof(buf) && s[0] >= '0' && s[0] <= '9') {
		*val = strtoull(buf, &end, 0);
		if (!errno && !*end)
			return 0;
	}
	return set_error(err, errlen, "malformed __xen_guest %s: '%s' is not a number", key, buf);
}

static bool key_is(const char *key, size_t keylen, const char *want)
{
	return strlen(want) == keylen && memcmp(key, want, keylen) == 0;
}

/* The legacy keys that set a string or a number; the rest are special. */
#define LEGACY_STRING(k, f) { k, false, offsetof(struct xen_notes, f), 0 }
#define LEGACY_NUMBER(k, f) { k, true, offsetof(struct xen_notes, f), \
			      offsetof(struct xen_notes, has_##f) }
static const struct {
	const char *key;
	bool number;
	size_t field;   /* char[32] or uint64_t */
	size_t has;     /* bool, for numbers */
} legacy_keys[] = {
	LEGACY_STRING("GUEST_OS", guest_os),
	LEGACY_STRING("GUEST_VER", guest_version),
	LEGACY_STRING("GUEST_VERSION", guest_version),   /* GNU Mach's spelling */
	LEGACY_STRING("XEN_VER", xen_version),
	LEGACY_STRING("LOADER", loader),
	LEGACY_NUMBER("VIRT_BASE", virt_base),
	LEGACY_NUMBER("VIRT_ENTRY", entry),
	LEGACY_NUMBER("ELF_PADDR_OFFSET", paddr_offset),
	LEGACY_NUMBER("HYPERCALL_PAGE", hypercall_page),
};
#undef LEGACY_STRING
#undef LEGACY_NUMBER
#define SAME_SIZE(f) _Static_assert(sizeof(((struct xen_notes *)0)->f) == \
				    sizeof(((struct xen_notes *)0)->guest_os), #f)
SAME_SIZE(guest_version);
SAME_SIZE(xen_version);
SAME_SIZE(loader);
#undef SAME_SIZE

static int apply_legacy(struct xen_notes *n, const char *key, size_t keylen,
			const char *val, size_t vallen, char *err, size_t errlen)
{
	char *base = (char *)n;

	for (size_t i = 0; i < sizeof(legacy_keys) / sizeof(legacy_keys[0]); i++) {
		uint64_t v = 0;

		if (!key_is(key, keylen, legacy_keys[i].key))
			continue;
		n->count++;
		if (!legacy_keys[i].number) {
			copy_string(base + legacy_keys[i].field, sizeof(n->guest_os), val, vallen);
			return 0;
		}
		if (legacy_number(legacy_keys[i].key, val, vallen, &v, err, errlen))
			return -1;
		memcpy(base + legacy_keys[i].field, &v, sizeof(v));
		base[legacy_keys[i].has] = true;
		return 0;
	}
	if (key_is(key, keylen, "PAE")) {
		n->count++;
		n->pae_mode = (vallen >= 3 && memcmp(val, "yes", 3) == 0) ||
			      (vallen >= 7 && memcmp(val, "bimodal", 7) == 0);
	} else if (key_is(key, keylen, "BSD_SYMTAB")) {
		n->count++;
		n->bsd_symtab = true;
	} else if (key_is(key, keylen, "FEATURES")) {
		n->count++;
		copy_string(n->features, sizeof(n->features), val, vallen);
		return xen_features_parse(val, vallen, n->features_required,
					  n->features_supported, err, errlen);
	}
	/* Other keys are ignored, as Xen does. */
	return 0;
}

int xen_notes_parse_legacy(const char *s, size_t len, struct xen_notes *n,
			   char *err, size_t errlen)
{
	size_t end = string_length(s, len);
	size_t pos = 0;

	n->legacy = true;
	while (pos < end) {
		const char *item = s + pos;
		const char *comma = memchr(item, ',', end - pos);
		size_t itemlen = comma ? (size_t)(comma - item) : end - pos;
		const char *eq = memchr(item, '=', itemlen);
		size_t keylen = eq ? (size_t)(eq - item) : itemlen;
		const char *val = eq ? eq + 1 : item + itemlen;
		size_t vallen = itemlen - keylen - (eq != NULL);

		pos += itemlen + 1;
		if (apply_legacy(n, item, keylen, val, vallen, err, errlen))
			return -1;
	}
	return 0;
}
