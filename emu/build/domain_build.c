/*
 * The domain builder: the state an x86_64 PV kernel finds at its entry
 * point when Xen's toolstack has built it.  Guest RAM here has mfn == pfn
 * (guest-physical address == machine address), so the p2m list is the
 * identity and page-table entries hold guest-physical frames.
 *
 * All page tables are written before the vCPU first runs, which is the
 * only time the launcher may store into them on these KVM hosts.
 */
#include <stdio.h>
#include <string.h>
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/shim_abi.h"
#include "emu/build/domain_build.h"
#include "emu/build/hypercall_page.h"

#define PTE_P  0x001ULL
#define PTE_RW 0x002ULL
#define PTE_US 0x004ULL
#define PTE_A  0x020ULL
#define PTE_D  0x040ULL
/* Xen's x86_64 builder gives every bootstrap entry these, user included:
 * the PV kernel runs at CPL3. */
#define PTE_GUEST (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)

static uint64_t *table_at(uint8_t *ram, uint64_t pfn)
{
	return (uint64_t *)(ram + (pfn << PAGE_SHIFT));
}

static void build_page_tables(const struct domain_build_input *in,
			      const struct domain_layout *l, uint8_t *ram)
{
	uint64_t l4 = l->pt_pfn, l3 = l4 + 1, l2 = l3 + l->nr_l3, l1 = l2 + l->nr_l2;
	uint64_t va0 = l->virt_base;
	uint64_t first_l3 = va0 >> 39, first_l2 = va0 >> 30, first_l1 = va0 >> 21;

	for (uint64_t pfn = 0; pfn < l->mapped_end_pfn; pfn++) {
		uint64_t va = layout_pfn_to_va(l, pfn);
		uint64_t l3_pfn = l3 + ((va >> 39) - first_l3);
		uint64_t l2_pfn = l2 + ((va >> 30) - first_l2);
		uint64_t l1_pfn = l1 + ((va >> 21) - first_l1);
		table_at(ram, l4)[(va >> 39) & 511] = (l3_pfn << PAGE_SHIFT) | PTE_GUEST;
		table_at(ram, l3_pfn)[(va >> 30) & 511] = (l2_pfn << PAGE_SHIFT) | PTE_GUEST;
		table_at(ram, l2_pfn)[(va >> 21) & 511] = (l1_pfn << PAGE_SHIFT) | PTE_GUEST;
		uint64_t flags = PTE_GUEST;
		if (pfn >= l->pt_pfn && pfn < l->pt_pfn + l->nr_pt_frames)
			flags &= ~PTE_RW; /* a PV guest never writes its tables */
		table_at(ram, l1_pfn)[(va >> 12) & 511] = (pfn << PAGE_SHIFT) | flags;
	}
	/* Xen's slots: the shim and its physmap, supervisor at their leaves. */
	table_at(ram, l4)[SHIM_L4_SLOT] = in->shim_l3_maddr | PTE_P | PTE_RW | PTE_US | PTE_A;
	table_at(ram, l4)[SHIM_PHYSMAP_SLOT] = in->physmap_l3_maddr | PTE_P | PTE_RW | PTE_A;
}

static int place_kernel(const struct xen_image *img, const struct domain_layout *l,
			uint8_t *ram, struct domain_build_result *out, char *err, size_t errlen)
{
	xen_image_copy_segments(img, ram + (l->kernel_pfn << PAGE_SHIFT));
	out->hypercall_page_va = out->hypercall_page_maddr = 0;
	if (!img->has_hypercall_page)
		return 0;
	uint64_t hp = img->hypercall_page;
	if ((hp & (PAGE_SIZE - 1)) || hp < img->virt_kstart ||
	    hp > img->virt_kend - PAGE_SIZE) {
		snprintf(err, errlen, "HYPERCALL_PAGE %#llx is not a page inside the "
			 "kernel", (unsigned long long)hp);
		return -1;
	}
	out->hypercall_page_va = hp;
	out->hypercall_page_maddr = (hp - l->virt_base) & ~(PAGE_SIZE - 1);
	hypercall_page_write(ram + out->hypercall_page_maddr);
	return 0;
}

static void fill_start_info(const struct domain_build_input *in,
			    const struct domain_layout *l, uint8_t *ram)
{
	struct start_info *si = (struct start_info *)(ram + (l->start_info_pfn << PAGE_SHIFT));
	snprintf(si->magic, sizeof si->magic, "xen-3.0-x86_64");
	si->nr_pages = in->nr_pages;
	si->shared_info = in->shared_info_maddr;
	si->store_mfn = l->xenstore_pfn;
	si->store_evtchn = in->store_evtchn;
	si->console.domU.mfn = l->console_pfn;
	si->console.domU.evtchn = in->console_evtchn;
	si->pt_base = layout_pfn_to_va(l, l->pt_pfn);
	si->nr_pt_frames = l->nr_pt_frames;
	si->mfn_list = layout_pfn_to_va(l, l->p2m_pfn);
	if (l->ramdisk_pages) {
		if (l->ramdisk_mapped) {
			si->mod_start = layout_pfn_to_va(l, l->ramdisk_pfn);
		} else {
			si->mod_start = l->ramdisk_pfn;
			si->flags |= SIF_MOD_START_PFN;
		}
		si->mod_len = in->ramdisk_len;
	}
	snprintf((char *)si->cmd_line, sizeof si->cmd_line, "%s",
		 in->cmdline ? in->cmdline : "");
}

int domain_build(const struct domain_build_input *in, uint8_t *ram,
		 struct domain_build_result *out, char *err, size_t errlen)
{
	const struct xen_image *img = in->image;
	struct domain_layout_input li = {
		.virt_base = img->virt_base,
		.virt_kstart = img->virt_kstart,
		.virt_kend = img->virt_kend,
		.nr_pages = in->nr_pages,
		.ramdisk_len = in->ramdisk_len,
		.ramdisk_unmapped = img->mod_start_pfn,
	};
	struct domain_layout *l = &out->layout;
	if (domain_layout_compute(&li, l, err, errlen))
		return -1;
	if (in->cmdline && strlen(in->cmdline) >= MAX_GUEST_CMDLINE) {
		snprintf(err, errlen, "command line longer than Xen's %d bytes",
			 MAX_GUEST_CMDLINE - 1);
		return -1;
	}
	if (place_kernel(img, l, ram, out, err, errlen))
		return -1;
	if (in->ramdisk_len)
		memcpy(ram + (l->ramdisk_pfn << PAGE_SHIFT), in->ramdisk, in->ramdisk_len);
	uint64_t *p2m = (uint64_t *)(ram + (l->p2m_pfn << PAGE_SHIFT));
	for (uint64_t pfn = 0; pfn < in->nr_pages; pfn++)
		p2m[pfn] = pfn;
	fill_start_info(in, l, ram);
	build_page_tables(in, l, ram);

	out->entry = img->entry;
	out->stack = layout_pfn_to_va(l, l->stack_pfn + 1);
	out->start_info_va = layout_pfn_to_va(l, l->start_info_pfn);
	out->l4_maddr = l->pt_pfn << PAGE_SHIFT;
	return 0;
}
