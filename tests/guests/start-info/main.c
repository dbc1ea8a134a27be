/*
 * Checks every start_info field against what Xen's toolstack gives an
 * x86_64 PV domU (xg_dom_x86.c), and the layout of the bootstrap region:
 * kernel, [ramdisk], p2m list, start_info, xenstore, console, page tables,
 * boot stack, then >= 512 KiB of mapped slack up to a 4 MiB boundary.
 *
 * Command line: xt.pages=<nr_pages expected>, and for a ramdisk
 * xt.ramdisk_len=<bytes> xt.ramdisk_sum=<cksum(1) CRC>.  The whole command
 * line is echoed as "start-info: cmd_line=[...]" for the runner to compare.
 */
#include <stdint.h>
#include <xen/errno.h>
#include <xen/xen.h>

#include "cksum.h"
#include "cmdline.h"
#include "libc.h"
#include "sort.h"
#include "start-info.h"
#include "test.h"

const char test_title[] = "start_info, bootstrap layout and page tables, basic hypercalls";

/* Enough for 4 GiB of guest memory (8 MiB of bss). */
#define MAX_PAGES (4ul << 30 >> 12)
static uint64_t sorted_mfns[MAX_PAGES];
static uint8_t bss_probe[PAGE_SIZE];

static inline uint64_t page_of(uint64_t va)
{
	return (va - VIRT_BASE) / PAGE_SIZE;
}

long pfn_of_mfn(uint64_t mfn)
{
	const uint64_t *p2m = (const uint64_t *)boot_start_info->mfn_list;

	for (unsigned long i = 0; i < boot_start_info->nr_pages; i++)
		if (p2m[i] == mfn)
			return (long)i;
	return -1;
}

static void check_cmdline(void)
{
	check_msg(test_cmdline_terminated(), "cmd_line is NUL-terminated");
	const char *prefix = "start-info: cmd_line=[";
	console_write(prefix, strlen(prefix));
	console_write(test_cmdline(), strlen(test_cmdline()));
	console_write("]\n", 2);
}

static void check_memory(const struct start_info *si)
{
	uint64_t want;

	if (cmdline_u64(test_cmdline(), "xt.pages", &want) == CMDLINE_OK)
		check_eq(si->nr_pages, want);
	require(si->nr_pages > 0 && si->nr_pages <= MAX_PAGES,
		"nr_pages %lu within 1..%lu", si->nr_pages, MAX_PAGES);
	require(si->mfn_list % 8 == 0 && si->mfn_list >= VIRT_BASE &&
		page_of(si->mfn_list + si->nr_pages * 8 - 1) < si->nr_pages,
		"mfn_list 0x%lx is inside the guest's pages", si->mfn_list);

	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	unsigned long invalid = 0, dups = 0;
	for (unsigned long i = 0; i < si->nr_pages; i++) {
		sorted_mfns[i] = p2m[i];
		/* 52-bit physical addresses: an mfn has at most 40 bits. */
		if (p2m[i] >> 40)
			invalid++;
	}
	sort_u64(sorted_mfns, si->nr_pages);
	for (unsigned long i = 1; i < si->nr_pages; i++)
		if (sorted_mfns[i] == sorted_mfns[i - 1])
			dups++;
	check_msg(!invalid, "%lu mfn_list entries are not valid mfns", invalid);
	check_msg(!dups, "%lu mfn_list entries repeat another", dups);

	check_msg(si->shared_info % PAGE_SIZE == 0,
		  "shared_info 0x%lx page-aligned", si->shared_info);
	check_msg(pfn_of_mfn(si->shared_info / PAGE_SIZE) < 0,
		  "shared_info frame 0x%lx is not one of the guest's",
		  si->shared_info / PAGE_SIZE);
	check_eq(si->first_p2m_pfn, 0);
	check_eq(si->nr_p2m_frames, 0);
}

static void check_flags(const struct start_info *si)
{
	check(!(si->flags & SIF_PRIVILEGED));
	check(!(si->flags & SIF_INITDOMAIN));
	check(!(si->flags & SIF_MULTIBOOT_MOD));
	/* Our image has no MOD_START_PFN note, so mod_start must be a VA. */
	check(!(si->flags & SIF_MOD_START_PFN));
	check(!(si->flags & SIF_PM_MASK));
}

/* Returns the first VA past the ramdisk (or past the kernel if none). */
static uint64_t check_ramdisk(const struct start_info *si)
{
	uint64_t want_len, want_sum;
	uint64_t kernel_end = (uint64_t)_image_end;

	if (cmdline_u64(test_cmdline(), "xt.ramdisk_len", &want_len) != CMDLINE_OK) {
		check_eq(si->mod_start, 0);
		check_eq(si->mod_len, 0);
		return kernel_end;
	}
	check_eq(si->mod_len, want_len);
	require(si->mod_start == kernel_end,
		"ramdisk at 0x%lx follows the kernel (ends 0x%lx)",
		si->mod_start, kernel_end);
	require(si->mod_len <= si->nr_pages * PAGE_SIZE &&
		page_of(si->mod_start + si->mod_len) <= si->nr_pages,
		"ramdisk 0x%lx+0x%lx within memory", si->mod_start, si->mod_len);
	if (cmdline_u64(test_cmdline(), "xt.ramdisk_sum", &want_sum) == CMDLINE_OK)
		check_eq(posix_cksum((const void *)si->mod_start, si->mod_len),
			 want_sum);
	return (si->mod_start + si->mod_len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static void check_layout(const struct start_info *si, uint64_t after_ramdisk)
{
	uint64_t si_va = (uint64_t)si;
	long store_pfn = pfn_of_mfn(si->store_mfn);
	long console_pfn = pfn_of_mfn(si->console.domU.mfn);
	uint64_t p2m_end = si->mfn_list + si->nr_pages * 8;

	check_msg(store_pfn >= 0, "store_mfn 0x%lx is a guest frame", si->store_mfn);
	check_msg(console_pfn >= 0, "console mfn 0x%lx is a guest frame",
		  si->console.domU.mfn);
	check(si->store_mfn != si->console.domU.mfn);
	check(si->store_evtchn != 0);
	check(si->console.domU.evtchn != 0);

	check_eq(si->mfn_list, after_ramdisk);
	check_msg(si_va % PAGE_SIZE == 0 && si_va >= p2m_end,
		  "start_info 0x%lx page-aligned, after the p2m list (ends 0x%lx)",
		  si_va, p2m_end);
	check_eq(store_pfn, page_of(si_va) + 1);
	check_eq(console_pfn, store_pfn + 1);
	check_eq(si->pt_base, VIRT_BASE + (uint64_t)(console_pfn + 1) * PAGE_SIZE);
	check_msg(si->nr_pt_frames >= 4, "nr_pt_frames %lu >= 4 (L4..L1)",
		  si->nr_pt_frames);
	/* Xen starts %rsp at the top of the one boot-stack page. */
	check_eq(boot_rsp, si->pt_base + (si->nr_pt_frames + 1) * PAGE_SIZE);
}

void test_main(void)
{
	const struct start_info *si = boot_start_info;
	unsigned long nonzero = 0;

	for (unsigned long i = 0; i < sizeof(bss_probe); i++)
		nonzero += bss_probe[i] != 0;
	check_msg(!nonzero, "bss zero-filled (%lu bytes were not)", nonzero);

	static const char magic[] = "xen-3.0-x86_64";
	check_msg(!memcmp(si->magic, magic, sizeof(magic)),
		  "magic \"%.32s\" is xen-3.0-x86_64", (const char *)si->magic);
	printk("start-info: nr_pages=%lu shared_info=0x%lx flags=0x%x "
	       "store=0x%lx/%u console=0x%lx/%u pt_base=0x%lx nr_pt_frames=%lu "
	       "mfn_list=0x%lx mod=0x%lx+0x%lx rsp=0x%lx\n",
	       si->nr_pages, si->shared_info, si->flags, si->store_mfn,
	       si->store_evtchn, si->console.domU.mfn, si->console.domU.evtchn,
	       si->pt_base, si->nr_pt_frames, si->mfn_list, si->mod_start,
	       si->mod_len, boot_rsp);

	check_cmdline();
	check_memory(si);
	check_flags(si);
	check_layout(si, check_ramdisk(si));

	uint64_t map_end = check_pagetables();
	if (map_end) {
		/* Everything up to the boot stack, plus 512 KiB. */
		uint64_t need = boot_rsp + (512ul << 10);
		printk("start-info: mapping 0x%lx-0x%lx\n", VIRT_BASE, map_end);
		check_msg(map_end % (4ul << 20) == 0 && map_end >= need &&
			  map_end <= need + (4ul << 20),
			  "mapping ends at 0x%lx: the first 4 MiB boundary at or past "
			  "0x%lx (512 KiB past the boot stack)", map_end, need);
		check_msg((uint64_t)si + sizeof(*si) <= map_end,
			  "start_info inside the mapping");
		check_msg(boot_rsp - 1 < map_end, "boot stack inside the mapping");
	}
	check_hypercalls();
}
