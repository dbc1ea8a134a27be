/*
 * The shim region: image, data pages and the shim's page tables, which
 * map it at SHIM_VIRT_BASE (slot 257), guest RAM at SHIM_PHYSMAP_BASE
 * (slot 258) and the M2P table read-only at SHIM_M2P_BASE (slot 259).
 * Only the trampoline page and the M2P table are user-accessible: the
 * guest's `syscall` lands in the trampoline, still at CPL3, on these hosts,
 * and the guest kernel (at CPL3 too) reads the M2P table directly.
 */
#include <stdio.h>
#include <string.h>
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/trap_frame.h"
#include "emu/build/domain_layout.h"
#include "emu/build/shim_setup.h"

/* emu/build/trampoline_head.S */
extern const uint8_t trampoline_head[SHIM_TRAMPOLINE_HEAD_SIZE];

extern const uint8_t shim_blob[], shim_blob_end[];

#define PTE_P  0x001ULL
#define PTE_RW 0x002ULL
#define PTE_US 0x004ULL
#define PTE_A  0x020ULL
#define PTE_D  0x040ULL
#define PTE_PS 0x080ULL
#define PTE_NX (1ULL << 63)

/* Page-table pages inside SHIM_OFF_PGTABLES. */
#define PT_SHIM_L3     0
#define PT_SHIM_L2     1
#define PT_SHIM_L1     2 /* six: the fixed part is 12 MiB */
#define PT_SHIM_L1S    (SHIM_OFF_FRAMES / SHIM_BIG_PAGE)
#define PT_PHYSMAP_L3  (PT_SHIM_L1 + PT_SHIM_L1S)
#define PT_PHYSMAP_L2  (PT_PHYSMAP_L3 + 1) /* one per GiB of guest RAM */
#define PT_PAGES       (SHIM_PGTABLES_SIZE / PAGE_SIZE)
#define PT_GDT_L2      (PT_PAGES - 4)
#define PT_GDT_L1      (PT_PAGES - 3) /* the 32 windows are 2 MiB */
#define PT_M2P_L3      (PT_PAGES - 2)
#define PT_M2P_L2      (PT_PAGES - 1)
#define PHYSMAP_MAX_GIB (PT_GDT_L2 - PT_PHYSMAP_L2)
/* Slot 257's one L2 maps the whole region: at most 1 GiB. */
#define REGION_MAX     (512 * SHIM_BIG_PAGE)

static uint64_t *pt_page(const struct shim_setup *s, unsigned n)
{
	return (uint64_t *)(s->region + SHIM_OFF_PGTABLES + n * PAGE_SIZE);
}

static uint64_t pt_maddr(const struct shim_setup *s, unsigned n)
{
	return s->region_gpa + SHIM_OFF_PGTABLES + n * PAGE_SIZE;
}

uint64_t shim_l3_maddr(const struct shim_setup *s)
{
	return pt_maddr(s, PT_SHIM_L3);
}

uint64_t shim_physmap_l3_maddr(const struct shim_setup *s)
{
	return pt_maddr(s, PT_PHYSMAP_L3);
}

uint64_t shim_m2p_l4e(const struct shim_setup *s)
{
	return pt_maddr(s, PT_M2P_L3) | PTE_P | PTE_RW | PTE_US | PTE_A;
}

static uint64_t region_page_flags(uint64_t off)
{
	if (off < SHIM_IMAGE_MAX)
		return PTE_P | PTE_RW | PTE_A | PTE_D; /* text and data share pages */
	if (off == SHIM_OFF_TRAMPOLINE)
		return PTE_P | PTE_US | PTE_A;          /* RX for the guest */
	return PTE_P | PTE_RW | PTE_A | PTE_D | PTE_NX;
}

/* Each vCPU's GDT as the CPU sees it (shim_abi.h): its copy of the
 * guest's frames, then its own page at Xen's reserved one.  Both are
 * supervisor pages, writable because the CPU writes descriptors too:
 * `ltr` marks the TSS busy, a segment load sets the accessed bit of a
 * descriptor that has it clear (in the copy, not the guest's frame). */
static void map_gdt_windows(const struct shim_setup *s)
{
	const uint64_t upper = PTE_P | PTE_RW | PTE_US | PTE_A;
	unsigned l3_index = (unsigned)((SHIM_GDT_WINDOWS - SHIM_VIRT_BASE) >> 30);
	pt_page(s, PT_SHIM_L3)[l3_index] = pt_maddr(s, PT_GDT_L2) | upper;
	pt_page(s, PT_GDT_L2)[0] = pt_maddr(s, PT_GDT_L1) | upper;
	uint64_t *l1 = pt_page(s, PT_GDT_L1);
	for (unsigned v = 0; v < s->nr_vcpus; v++) {
		uint64_t *w = l1 + v * (SHIM_GDT_WINDOW_SIZE / PAGE_SIZE);
		for (unsigned i = 0; i < SHIM_GDT_XEN_PAGE; i++)
			w[i] = (s->region_gpa + shim_off_guest_gdt(v) + i * PAGE_SIZE) |
				region_page_flags(shim_off_guest_gdt(v));
		w[SHIM_GDT_XEN_PAGE] = (s->region_gpa + shim_off_gdt(v)) |
			region_page_flags(shim_off_gdt(v));
	}
}

int shim_setup_region(const struct shim_setup *s, char *err, size_t errlen)
{
	size_t image = (size_t)(shim_blob_end - shim_blob);
	if (image > SHIM_IMAGE_MAX) {
		snprintf(err, errlen, "shim image is %zu bytes, more than its 1 MiB", image);
		return -1;
	}
	if (s->nr_vcpus < 1 || s->nr_vcpus > SHIM_MAX_VCPUS) {
		snprintf(err, errlen, "%u vCPUs: the shim region has room for 1 to %u",
			 s->nr_vcpus, SHIM_MAX_VCPUS);
		return -1;
	}
	uint64_t gib = (s->nr_pages * PAGE_SIZE + (1ULL << 30) - 1) >> 30;
	if (gib > PHYSMAP_MAX_GIB || shim_region_size(s->nr_pages) > REGION_MAX) {
		snprintf(err, errlen, "guest memory above %llu GiB is not supported",
			 (unsigned long long)((REGION_MAX - SHIM_OFF_FRAMES) /
					      (SHIM_FRAME_SIZE + SHIM_M2P_ENTRY_SIZE) >> 18));
		return -1;
	}
	memcpy(s->region, shim_blob, image);

	const uint64_t upper = PTE_P | PTE_RW | PTE_US | PTE_A;
	pt_page(s, PT_SHIM_L3)[0] = pt_maddr(s, PT_SHIM_L2) | upper;
	for (unsigned i = 0; i < PT_SHIM_L1S; i++)
		pt_page(s, PT_SHIM_L2)[i] = pt_maddr(s, PT_SHIM_L1 + i) | upper;
	uint64_t *l1 = pt_page(s, PT_SHIM_L1); /* the L1s are adjacent */
	for (uint64_t off = 0; off < SHIM_OFF_PGTABLES; off += PAGE_SIZE)
		l1[off / PAGE_SIZE] = (s->region_gpa + off) | region_page_flags(off);
	/* The blocks of the domain's vCPUs, but their guard pages; the
	 * other blocks stay unmapped (and untouched: no memory). */
	for (unsigned v = 0; v < s->nr_vcpus; v++)
		for (uint64_t off = shim_off_vcpu(v); off < shim_off_vcpu(v + 1);
		     off += PAGE_SIZE)
			if (off != shim_off_vcpu(v) + SHIM_VCPU_GUARD)
				l1[off / PAGE_SIZE] = (s->region_gpa + off) |
					region_page_flags(off);

	map_gdt_windows(s);

	/* Frame table and M2P table, for the core: supervisor, 2 MiB pages. */
	const uint64_t big = PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PS | PTE_NX;
	for (uint64_t off = SHIM_OFF_FRAMES; off < shim_region_size(s->nr_pages);
	     off += SHIM_BIG_PAGE)
		pt_page(s, PT_SHIM_L2)[off / SHIM_BIG_PAGE] = (s->region_gpa + off) | big;

	/* The M2P table again, read-only for the guest, at SHIM_M2P_BASE;
	 * frames past guest RAM translate to nothing. */
	uint64_t m2p = shim_off_m2p(s->nr_pages), m2p_size = shim_m2p_size(s->nr_pages);
	memset(s->region + m2p, 0xff, m2p_size);
	for (uint64_t pfn = 0; pfn < s->nr_pages; pfn++)
		((uint64_t *)(s->region + m2p))[pfn] = pfn;
	pt_page(s, PT_M2P_L3)[0] = pt_maddr(s, PT_M2P_L2) | upper;
	for (uint64_t off = 0; off < m2p_size; off += SHIM_BIG_PAGE)
		pt_page(s, PT_M2P_L2)[off / SHIM_BIG_PAGE] = (s->region_gpa + m2p + off) |
			PTE_P | PTE_US | PTE_A | PTE_PS | PTE_NX;

	/* Guest RAM, supervisor only, in 2 MiB pages. */
	for (uint64_t g = 0; g < gib; g++) {
		uint64_t *l2 = pt_page(s, PT_PHYSMAP_L2 + (unsigned)g);
		pt_page(s, PT_PHYSMAP_L3)[g] = pt_maddr(s, PT_PHYSMAP_L2 + (unsigned)g) |
			PTE_P | PTE_RW | PTE_A;
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t gpa = (g << 30) + (i << 21);
			if (gpa >= s->nr_pages * PAGE_SIZE)
				break;
			l2[i] = gpa | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PS | PTE_NX;
		}
	}
	return 0;
}

void shim_write_trampoline(const struct shim_setup *s, int host_path)
{
	uint8_t *t = s->region + SHIM_OFF_TRAMPOLINE;
	/* ud2 pads the page: any jump into it that is not LSTAR traps. */
	for (unsigned i = 0; i + 1 < PAGE_SIZE; i += 2) {
		t[i] = 0x0f;
		t[i + 1] = 0x0b;
	}
	memcpy(t, trampoline_head, SHIM_TRAMPOLINE_HEAD_SIZE);
	uint64_t nr_vcpus = s->nr_vcpus;
	memcpy(t + SHIM_TRAMPOLINE_NR_VCPUS, &nr_vcpus, sizeof nr_vcpus);
	if (host_path) {
		t[0] = 0xe6; /* out %al, $SHIM_PORT_HYPERCALL: exits at CPL3 */
		t[1] = SHIM_PORT_HYPERCALL;
	} else {
		/* jmp to the exit: every hypercall enters the shim there */
		t[SHIM_TRAMPOLINE_VIA_SHIM] = 0xeb;
		t[SHIM_TRAMPOLINE_VIA_SHIM + 1] = (uint8_t)-(SHIM_TRAMPOLINE_VIA_SHIM + 2);
	}
	/* Every vCPU's TSS I/O bitmap: each port denied to CPL3 but the
	 * hypercall port in the host path.  Written here only, before any
	 * vCPU runs and at READY, before any but vCPU 0 has started. */
	for (unsigned v = 0; v < s->nr_vcpus; v++) {
		uint8_t *iomap = s->region + shim_off_tss(v) + SHIM_TSS_IOMAP;
		memset(iomap, 0xff, SHIM_TSS_IOMAP_BYTES);
		if (host_path)
			iomap[SHIM_PORT_HYPERCALL / 8] &= (uint8_t)~(1u << (SHIM_PORT_HYPERCALL % 8));
	}
}
