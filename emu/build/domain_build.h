/* Writes an x86_64 PV domain's start-of-day state into guest RAM. */
#ifndef XENLET_DOMAIN_BUILD_H
#define XENLET_DOMAIN_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include "emu/build/domain_layout.h"
#include "emu/loader/xen_image.h"

struct domain_build_input {
	const struct xen_image *image;
	const uint8_t *ramdisk;
	size_t ramdisk_len;
	const char *cmdline;
	uint64_t nr_pages;
	uint64_t shared_info_maddr;   /* machine address, outside guest RAM */
	uint64_t shim_l3_maddr;       /* for L4 slot SHIM_L4_SLOT */
	uint64_t physmap_l3_maddr;    /* for L4 slot SHIM_PHYSMAP_SLOT */
	uint32_t store_evtchn, console_evtchn;
};

struct domain_build_result {
	struct domain_layout layout;
	uint64_t entry, stack, start_info_va;
	uint64_t l4_maddr;            /* the guest's first CR3 */
	/* The kernel's hypercall page (hypercall_page.h), 0 if it has none. */
	uint64_t hypercall_page_va, hypercall_page_maddr;
};

/* ram is guest RAM (nr_pages frames, zeroed).  Returns 0 or -1 + err. */
int domain_build(const struct domain_build_input *in, uint8_t *ram,
		 struct domain_build_result *out, char *err, size_t errlen);

#endif
