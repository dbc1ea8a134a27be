/*
 * The domain builder: the bootstrap layout's arithmetic checked against
 * counts made here page by page, and the state domain_build leaves in
 * guest RAM read back the way the guest (and the core) will read it,
 * through the page tables it built.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pv-shim/core/xen_abi.h"
#include <xen/vcpu.h>
#include "pv-shim/core/core.h"
#include "pv-shim/shim_abi.h"
#include "emu/build/domain_build.h"
#include "emu/build/hypercall_page.h"
#include "emu/build/domain_layout.h"
#include "emu/vcpu/platform_host.h"

#define LINUX_BASE 0xffffffff80000000ULL
#define MiB (1ULL << 20)
#define PTE_P  0x001ULL
#define PTE_RW 0x002ULL
#define PTE_US 0x004ULL
#define PTE_PS 0x080ULL
#define PTE_ADDR 0x000ffffffffff000ULL

/* ---- domain_layout_compute ----------------------------------------------- */

static struct domain_layout_input debian(uint64_t mem_mib)
{
	return (struct domain_layout_input){
		.virt_base = LINUX_BASE,
		.virt_kstart = LINUX_BASE + 16 * MiB,
		.virt_kend = LINUX_BASE + 16 * MiB + 66 * MiB,
		.nr_pages = mem_mib * MiB / PAGE_SIZE,
	};
}

static uint64_t pages(uint64_t bytes)
{
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* Distinct values of va >> shift over the pages of [start, end). */
static uint64_t distinct(uint64_t start, uint64_t end, unsigned shift)
{
	uint64_t n = 0, last = 0;
	for (uint64_t va = start; va != end; va += PAGE_SIZE)
		if (n == 0 || va >> shift != last) {
			last = va >> shift;
			n++;
		}
	return n;
}

/* Every property the layout promises, from the input alone. */
static void check_layout(const struct domain_layout_input *in, const struct domain_layout *l)
{
	ck_assert_uint_eq(l->virt_base, in->virt_base);
	ck_assert_uint_eq(l->kernel_pfn, (in->virt_kstart - in->virt_base) / PAGE_SIZE);
	ck_assert_uint_eq(l->kernel_pages, (in->virt_kend - in->virt_kstart) / PAGE_SIZE);
	ck_assert_uint_eq(l->ramdisk_pages, pages(in->ramdisk_len));
	ck_assert(l->ramdisk_mapped == (in->ramdisk_len && !in->ramdisk_unmapped));
	ck_assert_uint_eq(l->p2m_pages, pages(in->nr_pages * 8));

	/* The mapped regions, in the documented order, none overlapping. */
	struct { const char *what; uint64_t pfn, n; } r[] = {
		{ "kernel", l->kernel_pfn, l->kernel_pages },
		{ "ramdisk", l->ramdisk_pfn, l->ramdisk_mapped ? l->ramdisk_pages : 0 },
		{ "p2m", l->p2m_pfn, l->p2m_pages },
		{ "start_info", l->start_info_pfn, 1 },
		{ "xenstore", l->xenstore_pfn, 1 },
		{ "console", l->console_pfn, 1 },
		{ "page tables", l->pt_pfn, l->nr_pt_frames },
		{ "stack", l->stack_pfn, 1 },
	};
	uint64_t end = 0;
	for (unsigned i = 0; i < sizeof r / sizeof r[0]; i++) {
		if (!r[i].n)
			continue;
		ck_assert_msg(r[i].pfn >= end, "%s at pfn %#llx overlaps what is before it",
			      r[i].what, (unsigned long long)r[i].pfn);
		end = r[i].pfn + r[i].n;
	}
	ck_assert_uint_eq(l->alloc_end_pfn, end);
	ck_assert_uint_eq(l->alloc_end_pfn, l->stack_pfn + 1);

	/* Mapped up to the first 4 MiB boundary at least 512 KiB further. */
	uint64_t alloc_end_va = layout_pfn_to_va(l, l->alloc_end_pfn);
	uint64_t mapped_end_va = layout_pfn_to_va(l, l->mapped_end_pfn);
	ck_assert_uint_eq(mapped_end_va % (4 * MiB), 0);
	ck_assert_uint_ge(mapped_end_va - alloc_end_va, 512 * 1024);
	ck_assert_uint_lt(mapped_end_va - 4 * MiB, alloc_end_va + 512 * 1024);

	/* Exactly the tables needed to map [virt_base, mapped_end). */
	ck_assert_uint_eq(l->nr_l3, distinct(in->virt_base, mapped_end_va, 39));
	ck_assert_uint_eq(l->nr_l2, distinct(in->virt_base, mapped_end_va, 30));
	ck_assert_uint_eq(l->nr_l1, distinct(in->virt_base, mapped_end_va, 21));
	ck_assert_uint_eq(l->nr_pt_frames, 1 + l->nr_l3 + l->nr_l2 + l->nr_l1);

	if (in->ramdisk_len && in->ramdisk_unmapped) {
		ck_assert_uint_ge(l->ramdisk_pfn, l->mapped_end_pfn);
		ck_assert_uint_eq(l->used_end_pfn, l->ramdisk_pfn + l->ramdisk_pages);
	} else {
		ck_assert_uint_eq(l->used_end_pfn, l->mapped_end_pfn);
	}
	ck_assert_uint_le(l->used_end_pfn, in->nr_pages);
}

static int layout(const struct domain_layout_input *in, struct domain_layout *l,
		  char *err, size_t errlen)
{
	err[0] = '\0';
	int rc = domain_layout_compute(in, l, err, errlen);
	if (rc == 0)
		check_layout(in, l);
	else
		ck_assert_msg(err[0] && !strchr(err, '\n'), "no one-line reason: '%s'", err);
	return rc;
}

START_TEST(layout_debian_kernel)
{
	struct domain_layout_input in = debian(512);
	struct domain_layout l;
	char err[160];
	ck_assert_int_eq(layout(&in, &l, err, sizeof err), 0);
	ck_assert_uint_eq(l.kernel_pfn, 0x1000);
	ck_assert_uint_eq(l.nr_l3, 1);
	ck_assert_uint_eq(l.nr_l2, 1);
}
END_TEST

START_TEST(layout_ramdisk_mapped_and_not)
{
	struct domain_layout_input in = debian(512);
	in.ramdisk_len = 40 * MiB + 123;
	struct domain_layout mapped, unmapped;
	char err[160];
	ck_assert_int_eq(layout(&in, &mapped, err, sizeof err), 0);
	ck_assert(mapped.ramdisk_mapped);
	ck_assert_uint_eq(mapped.ramdisk_pfn, mapped.kernel_pfn + mapped.kernel_pages);
	ck_assert_uint_eq(mapped.p2m_pfn, mapped.ramdisk_pfn + mapped.ramdisk_pages);

	in.ramdisk_unmapped = true;
	ck_assert_int_eq(layout(&in, &unmapped, err, sizeof err), 0);
	ck_assert(!unmapped.ramdisk_mapped);
	ck_assert_uint_eq(unmapped.p2m_pfn, unmapped.kernel_pfn + unmapped.kernel_pages);
	ck_assert_uint_eq(unmapped.ramdisk_pfn, unmapped.mapped_end_pfn);
	/* An unmapped ramdisk costs no mapping. */
	ck_assert_uint_lt(unmapped.mapped_end_pfn, mapped.mapped_end_pfn);
}
END_TEST

START_TEST(layout_small_and_odd)
{
	static const struct domain_layout_input ins[] = {
		/* A one-page kernel at virt_base in 8 MiB. */
		{ LINUX_BASE, LINUX_BASE, LINUX_BASE + PAGE_SIZE, 2048, 0, false },
		/* Mapping across a 1 GiB boundary: two L2 tables. */
		{ 0xffffffffbfe00000ULL, 0xffffffffbfe00000ULL, 0xffffffffbff00000ULL,
		  8192, 5000, false },
		/* Across a 512 GiB boundary, low half: two L3 tables. */
		{ 0x0000007fffc00000ULL, 0x0000007fffc01000ULL, 0x0000007fffe00000ULL,
		  8192, 3 * PAGE_SIZE, true },
		/* virt_base not even 2 MiB aligned. */
		{ 0x0000000000401000ULL, 0x0000000000402000ULL, 0x0000000000500000ULL,
		  4096, 0, false },
		/* A big guest: 64 GiB of p2m entries need 32 L1 tables more. */
		{ LINUX_BASE, LINUX_BASE + 16 * MiB, LINUX_BASE + 82 * MiB,
		  64ULL << 18, 0, false },
	};
	for (unsigned i = 0; i < sizeof ins / sizeof ins[0]; i++) {
		struct domain_layout l;
		char err[160];
		ck_assert_msg(layout(&ins[i], &l, err, sizeof err) == 0, "input %u: %s", i, err);
	}
}
END_TEST

START_TEST(layout_sweep)
{
	/* Kernel ends page by page over a 4 MiB boundary and a half, so the
	 * bootstrap region ends at every distance from the next boundary; in a
	 * 4 GiB guest its p2m needs several L1 tables, so the table count
	 * moves the end too. */
	static const uint64_t mems[] = { 8192, 1ULL << 20 };
	for (unsigned m = 0; m < 2; m++)
		for (uint64_t kend = 16 * MiB; kend <= 20 * MiB + 512 * 1024;
		     kend += PAGE_SIZE) {
			struct domain_layout_input in = {
				LINUX_BASE, LINUX_BASE + 2 * MiB, LINUX_BASE + kend,
				mems[m], 0, false,
			};
			struct domain_layout l;
			char err[160];
			ck_assert_msg(layout(&in, &l, err, sizeof err) == 0, "%s", err);
		}
}
END_TEST

START_TEST(layout_exact_fit)
{
	/* The smallest memory that fits, found by search, fits exactly. */
	struct domain_layout_input in = debian(512);
	in.ramdisk_len = 10 * MiB;
	in.ramdisk_unmapped = _i;
	uint64_t lo = 1, hi = in.nr_pages;
	struct domain_layout l;
	char err[160];
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		in.nr_pages = mid;
		if (domain_layout_compute(&in, &l, err, sizeof err) == 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	in.nr_pages = lo;
	ck_assert_int_eq(layout(&in, &l, err, sizeof err), 0);
	ck_assert_uint_eq(l.used_end_pfn, lo);
	in.nr_pages = lo - 1;
	ck_assert_int_eq(layout(&in, &l, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "memory"), "%s", err);
}
END_TEST

START_TEST(layout_refuses)
{
	struct domain_layout_input bad[] = {
		debian(64),   /* kernel ends past memory */
		debian(83),   /* kernel fits, its bootstrap region does not */
		debian(512), debian(512), debian(512), debian(512), debian(512),
		debian(512), debian(512),
	};
	bad[2].virt_kstart += 1;
	bad[3].virt_kend += 0x800;
	bad[4].virt_base += 8;
	bad[5].virt_kend = bad[5].virt_kstart;
	bad[6].virt_kstart = bad[6].virt_kend + PAGE_SIZE;
	bad[7].virt_kstart = bad[7].virt_base - PAGE_SIZE;
	bad[8].ramdisk_len = 600 * MiB;
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct domain_layout l;
		char err[160];
		ck_assert_msg(layout(&bad[i], &l, err, sizeof err) == -1, "input %u accepted", i);
	}
}
END_TEST

START_TEST(layout_refuses_address_space_edges)
{
	struct domain_layout_input bad[] = {
		/* The bootstrap region would run past 2^64. */
		{ 0xffffffffffc00000ULL, 0xffffffffffc00000ULL, 0xffffffffffc02000ULL,
		  8192, 0, false },
		/* A 1 TiB guest's p2m does not fit above Linux's virt_base. */
		{ LINUX_BASE, LINUX_BASE + 16 * MiB, LINUX_BASE + 82 * MiB,
		  1ULL << 28, 0, false },
		/* Xen's hole, where the shim's L4 slots are. */
		{ SHIM_VIRT_BASE, SHIM_VIRT_BASE, SHIM_VIRT_BASE + MiB, 8192, 0, false },
		{ 0xffff800000000000ULL, 0xffff800000000000ULL, 0xffff800000100000ULL,
		  8192, 0, false },
		{ 0xffff87ffffc00000ULL, 0xffff87ffffc00000ULL, 0xffff87ffffc01000ULL,
		  8192, 0, false },
		/* Low half: the kernel fits below 2^47, the slack after the
		 * bootstrap region would not. */
		{ 0x00007fffffe00000ULL, 0x00007fffffe00000ULL, 0x00007fffffff0000ULL,
		  8192, 0, false },
		/* Non-canonical to start with. */
		{ 0x0000800000000000ULL, 0x0000800000000000ULL, 0x0000800000001000ULL,
		  8192, 0, false },
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct domain_layout l;
		char err[160];
		ck_assert_msg(layout(&bad[i], &l, err, sizeof err) == -1,
			      "input %u (virt_base %#llx) accepted", i,
			      (unsigned long long)bad[i].virt_base);
	}
	/* Just past the hole is the guest's, and so is the very top of the
	 * low half. */
	static const struct domain_layout_input ok[] = {
		{ 0xffff880000000000ULL, 0xffff880000000000ULL, 0xffff880000001000ULL,
		  8192, 0, false },
		{ 0x00007fffffc00000ULL, 0x00007fffffc00000ULL, 0x00007fffffc01000ULL,
		  8192, 0, false },
	};
	for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct domain_layout l;
		char err[160];
		ck_assert_msg(layout(&ok[i], &l, err, sizeof err) == 0, "%s", err);
	}
}
END_TEST

/* ---- domain_build -------------------------------------------------------- */

#define KSTART (LINUX_BASE + 2 * MiB)
#define KSIZE (MiB + 5 * PAGE_SIZE)
#define FILE_SIZE (0x80000 + 123)
#define NR_PAGES (24 * MiB / PAGE_SIZE)
#define SHARED_INFO_MADDR ((uint64_t)NR_PAGES * PAGE_SIZE + 0x102000)
#define SHIM_L3 0x123456000ULL
#define PHYSMAP_L3 0x234567000ULL

static uint8_t elf[FILE_SIZE];
static uint8_t ramdisk[3 * 4096 + 100];
static struct xen_image img;
static struct domain_build_input in;
static uint8_t *ram;
static struct domain_build_result res;
static char err[200];

static void build_setup(void)
{
	for (size_t i = 0; i < sizeof elf; i++)
		elf[i] = (uint8_t)(i * 13 + (i >> 12));
	for (size_t i = 0; i < sizeof ramdisk; i++)
		ramdisk[i] = (uint8_t)(i * 7 + 1);
	img = (struct xen_image){
		.elf = elf, .elf_size = sizeof elf,
		.virt_base = LINUX_BASE, .entry = KSTART + 0x40,
		.has_hypercall_page = true, .hypercall_page = KSTART + 0x3000,
		.nr_segs = 1,
		.seg[0] = { .virt = KSTART, .file_offset = 0, .file_size = FILE_SIZE,
			    .mem_size = KSIZE },
		.virt_kstart = KSTART, .virt_kend = KSTART + KSIZE,
	};
	in = (struct domain_build_input){
		.image = &img, .cmdline = "console=hvc0 root=/dev/xvda1 ro",
		.nr_pages = NR_PAGES, .shared_info_maddr = SHARED_INFO_MADDR,
		.shim_l3_maddr = SHIM_L3, .physmap_l3_maddr = PHYSMAP_L3,
		.store_evtchn = 1, .console_evtchn = 2,
	};
	ram = calloc(NR_PAGES, PAGE_SIZE);
	ck_assert_ptr_nonnull(ram);
	memset(&res, 0, sizeof res);
	err[0] = '\0';
}

static void build_teardown(void)
{
	free(ram);
}

static int build(void)
{
	return domain_build(&in, ram, &res, err, sizeof err);
}

/* The guest's view: each level present and user, no superpages.  Returns
 * the pfn of va, or -1; flags gets the leaf entry's flags.  (Loops over
 * many pages test with `if`: each passing ck_assert costs a message to
 * Check's parent.) */
static int64_t walk(uint64_t va, uint64_t *flags)
{
	uint64_t table = res.l4_maddr;
	for (int level = 3; level >= 0; level--) {
		if (table / PAGE_SIZE >= NR_PAGES)
			return -1;
		uint64_t e = ((uint64_t *)(ram + table))[(va >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P))
			return -1;
		if (!(e & PTE_US) || (level > 0 && (!(e & PTE_RW) || (e & PTE_PS))))
			ck_abort_msg("va %#llx: level %d entry %#llx is not a user-writable table link",
				     (unsigned long long)va, level, (unsigned long long)e);
		if (level == 0)
			*flags = e & ~PTE_ADDR;
		table = e & PTE_ADDR;
	}
	return (int64_t)(table / PAGE_SIZE);
}

/* Copies len bytes at guest va out through the built tables. */
static void read_va(uint64_t va, void *dst, size_t len)
{
	uint8_t *d = dst;
	while (len) {
		size_t n = PAGE_SIZE - va % PAGE_SIZE;
		if (n > len)
			n = len;
		uint64_t flags;
		int64_t pfn = walk(va, &flags);
		ck_assert_msg(pfn >= 0, "va %#llx not mapped", (unsigned long long)va);
		memcpy(d, ram + pfn * PAGE_SIZE + va % PAGE_SIZE, n);
		d += n;
		va += n;
		len -= n;
	}
}

static const struct start_info *start_info(void)
{
	return (const struct start_info *)(ram + res.layout.start_info_pfn * PAGE_SIZE);
}

/* Every table frame reachable from the L4 (except the hypervisor's slots)
 * lies in the page-table region, once each, and they are all of it. */
static void check_table_frames(const struct domain_layout *l)
{
	bool *seen = calloc(l->nr_pt_frames, 1);
	uint64_t frames = 1, leaves = 0;
	uint64_t stack[4][512], depth_n[4] = { 0 };
	stack[3][depth_n[3]++] = l->pt_pfn;
	seen[0] = true;
	for (int level = 3; level >= 0; level--) {
		for (uint64_t t = 0; t < depth_n[level]; t++) {
			const uint64_t *table = (const uint64_t *)(ram + stack[level][t] * PAGE_SIZE);
			for (unsigned i = 0; i < 512; i++) {
				if (!(table[i] & PTE_P))
					continue;
				if (level == 3 && (i == SHIM_L4_SLOT || i == SHIM_PHYSMAP_SLOT))
					continue;
				uint64_t pfn = (table[i] & PTE_ADDR) / PAGE_SIZE;
				if (level == 0) {
					leaves++;
					continue;
				}
				if (pfn < l->pt_pfn || pfn >= l->pt_pfn + l->nr_pt_frames ||
				    seen[pfn - l->pt_pfn])
					ck_abort_msg("table %#llx outside the page-table region "
						     "or linked twice", (unsigned long long)pfn);
				seen[pfn - l->pt_pfn] = true;
				frames++;
				ck_assert_uint_lt(depth_n[level - 1], 512);
				stack[level - 1][depth_n[level - 1]++] = pfn;
			}
		}
	}
	ck_assert_uint_eq(frames, l->nr_pt_frames);
	ck_assert_uint_eq(depth_n[2], l->nr_l3);
	ck_assert_uint_eq(depth_n[1], l->nr_l2);
	ck_assert_uint_eq(depth_n[0], l->nr_l1);
	ck_assert_uint_eq(leaves, l->mapped_end_pfn);
	free(seen);
}

static void check_mapping(void)
{
	const struct domain_layout *l = &res.layout;
	for (uint64_t pfn = 0; pfn < l->mapped_end_pfn; pfn++) {
		uint64_t flags = 0;
		int64_t got = walk(layout_pfn_to_va(l, pfn), &flags);
		bool pt = pfn >= l->pt_pfn && pfn < l->pt_pfn + l->nr_pt_frames;
		if (got != (int64_t)pfn || !(flags & PTE_RW) != pt)
			ck_abort_msg("pfn %#llx: maps pfn %lld with flags %#llx",
				     (unsigned long long)pfn, (long long)got,
				     (unsigned long long)flags);
	}
	uint64_t flags;
	ck_assert_int_eq(walk(layout_pfn_to_va(l, l->mapped_end_pfn), &flags), -1);
	ck_assert_int_eq(walk(l->virt_base - PAGE_SIZE, &flags), -1);
	check_table_frames(l);

	const uint64_t *l4 = (const uint64_t *)(ram + res.l4_maddr);
	ck_assert_uint_eq(l4[SHIM_L4_SLOT] & PTE_ADDR, SHIM_L3);
	ck_assert_uint_ne(l4[SHIM_L4_SLOT] & PTE_P, 0);
	ck_assert_uint_eq(l4[SHIM_PHYSMAP_SLOT] & PTE_ADDR, PHYSMAP_L3);
	ck_assert_uint_ne(l4[SHIM_PHYSMAP_SLOT] & PTE_P, 0);
	/* The guest runs at CPL3: RAM seen through the physmap (its page
	 * tables included) must be out of its reach. */
	ck_assert_uint_eq(l4[SHIM_PHYSMAP_SLOT] & PTE_US, 0);
}

START_TEST(build_maps_bootstrap_region)
{
	in.ramdisk = ramdisk;
	in.ramdisk_len = sizeof ramdisk;
	ck_assert_msg(build() == 0, "%s", err);
	check_layout(&(struct domain_layout_input){
		img.virt_base, img.virt_kstart, img.virt_kend, NR_PAGES, sizeof ramdisk, false,
	}, &res.layout);
	check_mapping();
	ck_assert_uint_eq(res.l4_maddr, res.layout.pt_pfn * PAGE_SIZE);
	ck_assert_uint_eq(res.entry, img.entry);
	ck_assert_uint_eq(res.stack, layout_pfn_to_va(&res.layout, res.layout.stack_pfn + 1));
	ck_assert_uint_eq(res.start_info_va, layout_pfn_to_va(&res.layout,
							      res.layout.start_info_pfn));
}
END_TEST

START_TEST(build_places_kernel)
{
	ck_assert_msg(build() == 0, "%s", err);
	uint8_t *k = malloc(KSIZE);
	read_va(KSTART, k, KSIZE);
	uint64_t hp = img.hypercall_page - KSTART;
	for (uint64_t i = 0; i < KSIZE; i++) {
		if (i >= hp && i < hp + PAGE_SIZE)
			continue;
		if (k[i] != (i < FILE_SIZE ? elf[i] : 0))
			ck_abort_msg("kernel byte %#llx is %#x", (unsigned long long)i, k[i]);
	}
	free(k);
}
END_TEST

START_TEST(build_hypercall_page)
{
	ck_assert_msg(build() == 0, "%s", err);
	uint8_t page[PAGE_SIZE];
	read_va(img.hypercall_page, page, sizeof page);
	for (uint32_t n = 0; n < PAGE_SIZE / 32; n++) {
		const uint8_t *e = page + n * 32;
		/* `mov $n,%eax; syscall` somewhere in the entry. */
		int found = 0;
		for (unsigned at = 0; at + 7 <= 32; at++) {
			uint32_t imm;
			memcpy(&imm, e + at + 1, 4);
			if (e[at] == 0xb8 && imm == n && e[at + 5] == 0x0f && e[at + 6] == 0x05)
				found = 1;
		}
		ck_assert_msg(found, "entry %u has no mov $%u,%%eax; syscall", n, n);
		if (n == __HYPERVISOR_iret)
			continue;
		/* Called: %rcx and %r11 (which syscall clobbers) saved around it. */
		ck_assert_uint_eq(e[0], 0x51);                       /* push %rcx */
		ck_assert(e[1] == 0x41 && e[2] == 0x53);             /* push %r11 */
		ck_assert(e[10] == 0x41 && e[11] == 0x5b);           /* pop %r11 */
		ck_assert_uint_eq(e[12], 0x59);                      /* pop %rcx */
		ck_assert_uint_eq(e[13], 0xc3);                      /* ret */
	}
	/* iret is jumped to, with the guest's iret frame and a flags word on
	 * the stack; pushing %rcx, %r11 and %rax completes Xen's struct
	 * iret_context, which the hypercall reads from the stack. */
	const uint8_t *e = page + __HYPERVISOR_iret * 32;
	static const uint8_t iret_prologue[] = {
		0x51, 0x41, 0x53, 0x50, 0xb8, __HYPERVISOR_iret, 0, 0, 0, 0x0f, 0x05,
	};
	ck_assert_int_eq(memcmp(e, iret_prologue, sizeof iret_prologue), 0);
}
END_TEST

/* Runs a hypercall page entry natively with %rdi and %rsi: what it
 * returns without its gate, or -1000 when it reached the gate (an `out`
 * in a process faults: SIGSEGV). */
static sigjmp_buf at_gate;
static void gate_reached(int sig)
{
	(void)sig;
	siglongjmp(at_gate, 1);
}

static long run_entry(const uint8_t *code, long rdi, long rsi)
{
	long (*entry)(long, long);
	memcpy(&entry, &code, sizeof entry);
	struct sigaction sa = { .sa_handler = gate_reached }, old;
	sigaction(SIGSEGV, &sa, &old);
	long rc = -1000;
	if (!sigsetjmp(at_gate, 1))
		rc = entry(rdi, rsi);
	sigaction(SIGSEGV, &old, NULL);
	return rc;
}

START_TEST(hypercall_page_exits_form)
{
	uint8_t xen[PAGE_SIZE];
	hypercall_page_write(xen);
	uint8_t *page = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(page, MAP_FAILED);
	const uint32_t nr_vcpus = 3;
	hypercall_page_write_exits(page, nr_vcpus);
	for (uint32_t n = 0; n < PAGE_SIZE / 32; n++) {
		const uint8_t *e = page + n * 32;
		if (n == __HYPERVISOR_iret || n == __HYPERVISOR_multicall ||
		    n == __HYPERVISOR_update_va_mapping) {
			/* The trampoline sends these through the shim. */
			ck_assert_int_eq(memcmp(e, xen + n * 32, 32), 0);
			continue;
		}
		/* Xen's entry with `out %al,$SHIM_PORT_HYPERCALL` for `syscall`:
		 * the same length, so a continuation's rewind of %rcx by 2
		 * runs it again. */
		uint8_t want[32];
		memcpy(want, xen + n * 32, 32);
		want[8] = 0xe6;
		want[9] = SHIM_PORT_HYPERCALL;
		const uint8_t *got = e;
		if (n == __HYPERVISOR_vcpu_op)
			got = e + 17; /* after the VCPUOP_is_up answer */
		ck_assert_msg(memcmp(got, want, 14) == 0, "entry %u", n);
		ck_assert_uint_eq(got[14], 0xcc); /* int3 to the next entry */
	}
	/* vcpu_op answers VCPUOP_is_up in place for a vCPU the domain does
	 * not have, and calls Xen for the others and other operations. */
	const uint8_t *vcpu_op = page + __HYPERVISOR_vcpu_op * 32;
	ck_assert_int_eq(run_entry(vcpu_op, VCPUOP_is_up, nr_vcpus), -XEN_ENOENT);
	ck_assert_int_eq(run_entry(vcpu_op, VCPUOP_is_up, 8191), -XEN_ENOENT);
	ck_assert_int_eq(run_entry(vcpu_op, VCPUOP_is_up, -1), -XEN_ENOENT);
	ck_assert_int_eq(run_entry(vcpu_op, VCPUOP_is_up, nr_vcpus - 1), -1000);
	ck_assert_int_eq(run_entry(vcpu_op, VCPUOP_is_up, 0), -1000);
	ck_assert_int_eq(run_entry(vcpu_op, VCPUOP_up, nr_vcpus), -1000);
	ck_assert_int_eq(run_entry(page + __HYPERVISOR_xen_version * 32, 0, 0), -1000);
	munmap(page, PAGE_SIZE);
}
END_TEST


START_TEST(build_start_info)
{
	in.ramdisk = ramdisk;
	in.ramdisk_len = sizeof ramdisk;
	ck_assert_msg(build() == 0, "%s", err);
	const struct domain_layout *l = &res.layout;
	struct start_info si;
	read_va(res.start_info_va, &si, sizeof si);
	ck_assert_int_eq(memcmp(&si, start_info(), sizeof si), 0);
	ck_assert_str_eq(si.magic, "xen-3.0-x86_64");
	ck_assert_uint_eq(si.nr_pages, NR_PAGES);
	ck_assert_uint_eq(si.shared_info, SHARED_INFO_MADDR);
	ck_assert_uint_eq(si.store_mfn, l->xenstore_pfn);
	ck_assert_uint_eq(si.store_evtchn, 1);
	ck_assert_uint_eq(si.console.domU.mfn, l->console_pfn);
	ck_assert_uint_eq(si.console.domU.evtchn, 2);
	ck_assert_uint_eq(si.pt_base, layout_pfn_to_va(l, l->pt_pfn));
	ck_assert_uint_eq(si.pt_base, layout_pfn_to_va(l, res.l4_maddr / PAGE_SIZE));
	ck_assert_uint_eq(si.nr_pt_frames, l->nr_pt_frames);
	ck_assert_uint_eq(si.flags & SIF_MOD_START_PFN, 0);
	ck_assert_str_eq((const char *)si.cmd_line, in.cmdline);

	/* The p2m through its virtual address: the identity. */
	uint64_t *p2m = malloc(NR_PAGES * 8);
	read_va(si.mfn_list, p2m, NR_PAGES * 8);
	for (uint64_t pfn = 0; pfn < NR_PAGES; pfn++)
		if (p2m[pfn] != pfn)
			ck_abort_msg("p2m[%#llx] = %#llx", (unsigned long long)pfn,
				     (unsigned long long)p2m[pfn]);
	free(p2m);

	/* The ramdisk through its virtual address. */
	ck_assert_uint_eq(si.mod_len, sizeof ramdisk);
	uint8_t got[sizeof ramdisk];
	read_va(si.mod_start, got, sizeof got);
	ck_assert_int_eq(memcmp(got, ramdisk, sizeof got), 0);
	ck_assert_uint_ge(si.mod_start, KSTART + KSIZE);
	ck_assert_uint_lt(si.mod_start, si.mfn_list);
}
END_TEST

START_TEST(build_unmapped_ramdisk)
{
	img.mod_start_pfn = true;
	in.ramdisk = ramdisk;
	in.ramdisk_len = sizeof ramdisk;
	ck_assert_msg(build() == 0, "%s", err);
	const struct start_info *si = start_info();
	ck_assert_uint_ne(si->flags & SIF_MOD_START_PFN, 0);
	ck_assert_uint_eq(si->mod_start, res.layout.mapped_end_pfn);
	ck_assert_uint_eq(si->mod_len, sizeof ramdisk);
	ck_assert_int_eq(memcmp(ram + si->mod_start * PAGE_SIZE, ramdisk, sizeof ramdisk), 0);
	uint64_t flags;
	ck_assert_int_eq(walk(layout_pfn_to_va(&res.layout, si->mod_start), &flags), -1);
	check_mapping();
}
END_TEST

START_TEST(build_without_ramdisk_or_cmdline)
{
	in.cmdline = NULL;
	ck_assert_msg(build() == 0, "%s", err);
	const struct start_info *si = start_info();
	ck_assert_uint_eq(si->mod_start, 0);
	ck_assert_uint_eq(si->mod_len, 0);
	ck_assert_uint_eq(si->flags & SIF_MOD_START_PFN, 0);
	ck_assert_str_eq((const char *)si->cmd_line, "");
	ck_assert_uint_eq(res.layout.p2m_pfn, res.layout.kernel_pfn + res.layout.kernel_pages);
}
END_TEST

START_TEST(build_cmdline_limit)
{
	char *line = malloc(MAX_GUEST_CMDLINE + 10);
	memset(line, 'a', MAX_GUEST_CMDLINE + 9);
	line[MAX_GUEST_CMDLINE + 9] = '\0';
	line[MAX_GUEST_CMDLINE - 1] = '\0';           /* 1023 bytes: fits */
	in.cmdline = line;
	ck_assert_msg(build() == 0, "%s", err);
	ck_assert_str_eq((const char *)start_info()->cmd_line, line);

	static const size_t too_long[] = { MAX_GUEST_CMDLINE, MAX_GUEST_CMDLINE + 9 };
	for (unsigned i = 0; i < 2; i++) {
		build_teardown();
		build_setup();
		memset(line, 'b', MAX_GUEST_CMDLINE + 9);
		line[too_long[i]] = '\0';
		in.cmdline = line;
		ck_assert_int_eq(build(), -1);
		ck_assert_ptr_nonnull(strstr(err, "command line"));
	}
	free(line);
}
END_TEST

START_TEST(build_hypercall_page_placement)
{
	/* The last page of the kernel is a page of the kernel. */
	img.hypercall_page = img.virt_kend - PAGE_SIZE;
	ck_assert_msg(build() == 0, "%s", err);
	uint8_t page[PAGE_SIZE];
	read_va(img.hypercall_page, page, sizeof page);
	ck_assert_uint_eq(page[32], 0x51);

	const uint64_t bad[] = {
		KSTART - PAGE_SIZE, KSTART + KSIZE, KSTART + 0x3001, KSTART + KSIZE - 1,
		0, ~0ULL & ~(PAGE_SIZE - 1), res.start_info_va,
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		build_teardown();
		build_setup();
		img.hypercall_page = bad[i];
		ck_assert_msg(build() == -1, "HYPERCALL_PAGE %#llx accepted",
			      (unsigned long long)bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "HYPERCALL_PAGE"));
	}
	/* Without the note nothing is written there. */
	build_teardown();
	build_setup();
	img.has_hypercall_page = false;
	ck_assert_msg(build() == 0, "%s", err);
	read_va(KSTART + 0x3000, page, sizeof page);
	ck_assert_int_eq(memcmp(page, elf + 0x3000, sizeof page), 0);
}
END_TEST

START_TEST(build_refuses_small_memory)
{
	/* The kernel fits in 4 MiB, and so does its mapping, with no room to
	 * spare: one page less is too little. */
	in.nr_pages = 4 * MiB / PAGE_SIZE;
	ck_assert_msg(build() == 0, "%s", err);
	build_teardown();
	build_setup();
	in.nr_pages = 4 * MiB / PAGE_SIZE - 1;
	ck_assert_int_eq(build(), -1);
	ck_assert_ptr_nonnull(strstr(err, "memory"));
}
END_TEST

/* The core, walking the tables built here, reads what the guest reads and
 * may not write what the guest may not. */
START_TEST(build_seen_by_core)
{
	ck_assert_msg(build() == 0, "%s", err);
	struct core_state *st = calloc(1, sizeof *st);
	struct host_platform plat = {
		.ram = ram, .ram_bytes = NR_PAGES * PAGE_SIZE,
	};
	st->vcpu[0].cr3 = res.l4_maddr;
	st->vcpu[0].kernel_mode = 1;
	st->vcpu[0].initialised = st->vcpu[0].up = st->vcpu[0].started = 1;
	struct core c = { .st = st, .plat = &plat, .layout = { .nr_pages = NR_PAGES,
									       .nr_vcpus = 1 } };

	struct start_info si;
	ck_assert_int_eq(copy_from_guest(&c, &si, res.start_info_va, sizeof si), 0);
	ck_assert_int_eq(memcmp(&si, start_info(), sizeof si), 0);
	uint64_t word = 0;
	ck_assert_int_eq(copy_from_guest(&c, &word, si.pt_base, 8), 0);
	ck_assert_int_eq(copy_to_guest(&c, si.pt_base, &word, 8), -1);
	ck_assert_int_eq(copy_to_guest(&c, res.stack - 8, &word, 8), 0);
	/* The shim's slot is no guest memory, whatever its L3 says. */
	ck_assert_int_eq(copy_from_guest(&c, &word, SHIM_VIRT_BASE, 8), -1);
	free(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("domain_build");
	TCase *tc = tcase_create("layout");
	tcase_add_test(tc, layout_debian_kernel);
	tcase_add_test(tc, layout_ramdisk_mapped_and_not);
	tcase_add_test(tc, layout_small_and_odd);
	tcase_add_test(tc, layout_sweep);
	tcase_add_loop_test(tc, layout_exact_fit, 0, 2);
	tcase_add_test(tc, layout_refuses);
	tcase_add_test(tc, layout_refuses_address_space_edges);
	suite_add_tcase(s, tc);

	tc = tcase_create("build");
	tcase_add_checked_fixture(tc, build_setup, build_teardown);
	tcase_add_test(tc, build_maps_bootstrap_region);
	tcase_add_test(tc, build_places_kernel);
	tcase_add_test(tc, build_hypercall_page);
	tcase_add_test(tc, hypercall_page_exits_form);
	tcase_add_test(tc, build_start_info);
	tcase_add_test(tc, build_unmapped_ramdisk);
	tcase_add_test(tc, build_without_ramdisk_or_cmdline);
	tcase_add_test(tc, build_cmdline_limit);
	tcase_add_test(tc, build_hypercall_page_placement);
	tcase_add_test(tc, build_refuses_small_memory);
	tcase_add_test(tc, build_seen_by_core);
	suite_add_tcase(s, tc);
	return check_run(s);
}
