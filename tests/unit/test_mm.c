/*
 * The PV memory model on a fake guest: the frame table the bootstrap
 * tables leave, the validation rules (flags, frames, types, hypervisor
 * slots, self references), reference counts through updates, pins and
 * base-pointer switches, PRESERVE_AD, continuations when the CPU-ops
 * queue is nearly full, hostile arguments, and memory_op.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pv-shim/core/xen_abi.h"
#include <xen/memory.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/shim_abi.h"
#include "tests/unit/fake_guest.h"

#define NR_PAGES 64
#define KBASE 0xffffffff80000000ULL
#define KPAGE(i) (KBASE + (uint64_t)(i) * FG_PAGE)
#define DATA0 16          /* KPAGE(i) maps pfn DATA0 + i, writable */
#define NR_DATA 16
#define TABLES_VA 32      /* KPAGE(TABLES_VA + k) maps table pfn k read-only */
#define SPARE 40          /* pfns 40.. are unmapped: new tables */
#define SHARED_MFN (NR_PAGES + 10)
#define XEN_SHIM_L4E 0x1234567003ULL
#define XEN_PHYSMAP_L4E 0x2234567003ULL
#define M2P_L4E 0x3234567007ULL
#define RET_RIP 0xffffffff81234567ULL
#define TRAMPOLINE 0xffff808000101000ULL
#define A_D (FG_A | FG_D)
#define FG_A 0x20ULL
#define FG_D 0x40ULL

static struct fake_guest g;
static uint8_t *shim;

static struct mm_frame *frame(uint64_t pfn)
{
	return mm_frame(&g.core, pfn);
}

static uint64_t *table(uint64_t pfn)
{
	return (uint64_t *)fake_guest_page(&g, pfn);
}

static void setup(void)
{
	fake_guest_init(&g, NR_PAGES);
	shim = calloc(1, shim_region_size(NR_PAGES));
	ck_assert_ptr_nonnull(shim);
	g.plat.shim_region = shim;
	g.core.layout.shared_info_mfn = SHARED_MFN;
	for (int i = 0; i < NR_DATA; i++)
		fake_guest_map(&g, KPAGE(i), DATA0 + i, FG_USER_RW);
	for (int k = 0; k < 4; k++)
		fake_guest_map(&g, KPAGE(TABLES_VA + k), k, FG_P | FG_US);
	ck_assert_uint_eq(g.next_table_pfn, 4); /* L4 0, L3 1, L2 2, L1 3 */
	table(0)[SHIM_L4_SLOT] = XEN_SHIM_L4E;
	table(0)[SHIM_PHYSMAP_SLOT] = XEN_PHYSMAP_L4E;
	table(0)[260] = 0x5003; /* a stray hypervisor slot: cleared */
	ck_assert_int_eq(mm_domain_init(&g.core, 0, M2P_L4E), 0);
}

static void teardown(void)
{
	free(g.plat.cpu_ops);
	fake_guest_free(&g);
	free(shim);
}

static struct trap_frame frame_for(uint64_t nr, uint64_t a0, uint64_t a1,
				   uint64_t a2, uint64_t a3)
{
	struct trap_frame f = {
		.rax = nr, .rdi = a0, .rsi = a1, .rdx = a2, .r10 = a3,
		.rcx = RET_RIP, .r11 = 0x246, .cs = SHIM_SEL_USER_CS,
		.ss = SHIM_SEL_USER_DS, .rsp = KPAGE(15), .rflags = 0x202,
		.vector = 256, .rip = TRAMPOLINE,
	};
	return f;
}

static long hc4(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct trap_frame f = frame_for(nr, a0, a1, a2, a3);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP); /* no continuation */
	return (long)f.rax;
}

/* Requests at KPAGE(0), pdone at KPAGE(1). */
static uint32_t *pdone(void)
{
	return (uint32_t *)fake_guest_page(&g, DATA0 + 1);
}

static long mmu(const struct mmu_update *r, unsigned n)
{
	memcpy(fake_guest_page(&g, DATA0), r, n * sizeof *r);
	*pdone() = 0xdead;
	return hc4(__HYPERVISOR_mmu_update, KPAGE(0), n, KPAGE(1), DOMID_SELF);
}

static long mmu1(uint64_t ptr, uint64_t val)
{
	struct mmu_update r = { ptr, val };
	return mmu(&r, 1);
}

static long ext(const struct mmuext_op *op, unsigned n)
{
	memcpy(fake_guest_page(&g, DATA0), op, n * sizeof *op);
	*pdone() = 0xdead;
	return hc4(__HYPERVISOR_mmuext_op, KPAGE(0), n, KPAGE(1), DOMID_SELF);
}

static long ext1(unsigned cmd, uint64_t arg1)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = arg1 };
	return ext(&op, 1);
}

/* The machine address of the L1 entry for KPAGE(i). */
static uint64_t l1e_ptr(unsigned i)
{
	return 3 * FG_PAGE + ((KPAGE(i) >> 12) & 511) * 8;
}

/* ---- the bootstrap tables ------------------------------------------------ */

START_TEST(bootstrap_validated)
{
	ck_assert_uint_eq(frame(0)->type, MM_TYPE_L4);
	ck_assert_uint_eq(frame(0)->type_count, 2); /* pin + the vCPU */
	ck_assert_uint_eq(frame(0)->flags, MM_FRAME_VALIDATED | MM_FRAME_PINNED);
	ck_assert_uint_eq(frame(1)->type, MM_TYPE_L3);
	ck_assert_uint_eq(frame(2)->type, MM_TYPE_L2);
	ck_assert_uint_eq(frame(3)->type, MM_TYPE_L1);
	ck_assert_uint_eq(frame(3)->type_count, 1);
	for (int i = 0; i < NR_DATA; i++) {
		ck_assert_uint_eq(frame(DATA0 + i)->type, MM_TYPE_WRITABLE);
		ck_assert_uint_eq(frame(DATA0 + i)->type_count, 1);
	}
	ck_assert_uint_eq(frame(SPARE)->type, MM_TYPE_NONE);
	ck_assert_ptr_null(frame(NR_PAGES));
	ck_assert_uint_eq(table(0)[SHIM_L4_SLOT], XEN_SHIM_L4E);
	ck_assert_uint_eq(table(0)[SHIM_PHYSMAP_SLOT], XEN_PHYSMAP_L4E);
	ck_assert_uint_eq(table(0)[SHIM_M2P_SLOT], M2P_L4E);
	ck_assert_uint_eq(table(0)[256], M2P_L4E); /* MACH2PHYS_VIRT_START too */
	ck_assert_uint_eq(table(0)[260], 0);
	ck_assert_uint_eq(g.st->vcpu[0].cr3, 0);
}
END_TEST

START_TEST(bootstrap_refused)
{
	/* A bootstrap that maps its own L1 writable cannot be validated. */
	struct fake_guest h;
	fake_guest_init(&h, NR_PAGES);
	uint8_t *s = calloc(1, shim_region_size(NR_PAGES));
	h.plat.shim_region = s;
	fake_guest_map(&h, KPAGE(0), 3, FG_USER_RW);
	ck_assert_uint_eq(h.next_table_pfn, 4);
	ck_assert_int_eq(mm_domain_init(&h.core, 0, M2P_L4E), -XEN_EBUSY);
	for (int pfn = 0; pfn < 4; pfn++) {
		ck_assert_uint_eq(mm_frame(&h.core, (uint64_t)pfn)->type, MM_TYPE_NONE);
		ck_assert_uint_eq(mm_frame(&h.core, (uint64_t)pfn)->type_count, 0);
	}
	fake_guest_free(&h);
	free(s);
}
END_TEST

/* ---- L1 updates ---------------------------------------------------------- */

START_TEST(l1_remap_moves_references)
{
	ck_assert_int_eq(mmu1(l1e_ptr(5), ((uint64_t)SPARE << 12) | FG_P | FG_RW), 0);
	ck_assert_uint_eq(*pdone(), 1);
	/* USER added: the guest kernel runs at CPL3 */
	ck_assert_uint_eq(table(3)[(KPAGE(5) >> 12) & 511],
			  ((uint64_t)SPARE << 12) | FG_P | FG_RW | FG_US);
	ck_assert_uint_eq(frame(SPARE)->type, MM_TYPE_WRITABLE);
	ck_assert_uint_eq(frame(DATA0 + 5)->type, MM_TYPE_NONE);
	/* read-only mappings take no type */
	ck_assert_int_eq(mmu1(l1e_ptr(5), ((uint64_t)SPARE << 12) | FG_P), 0);
	ck_assert_uint_eq(frame(SPARE)->type, MM_TYPE_NONE);
	/* and may map a page table */
	ck_assert_int_eq(mmu1(l1e_ptr(5), (2ULL << 12) | FG_P), 0);
	/* not-present entries hold nothing */
	ck_assert_int_eq(mmu1(l1e_ptr(5), 0x0000deadbeef000ULL), 0);
	ck_assert_uint_eq(table(3)[(KPAGE(5) >> 12) & 511], 0x0000deadbeef000ULL);
}
END_TEST

START_TEST(l1_refusals)
{
	uint64_t ptr = l1e_ptr(6), old = table(3)[(KPAGE(6) >> 12) & 511];
	/* a page table mapped writable, at any level */
	for (uint64_t pfn = 0; pfn < 4; pfn++)
		ck_assert_int_eq(mmu1(ptr, (pfn << 12) | FG_P | FG_RW), -XEN_EBUSY);
	ck_assert_uint_eq(*pdone(), 0);
	/* frames that are not the guest's */
	ck_assert_int_eq(mmu1(ptr, ((uint64_t)NR_PAGES << 12) | FG_P), -XEN_EPERM);
	ck_assert_int_eq(mmu1(ptr, 0x000ffffffffff000ULL | FG_P), -XEN_EPERM);
	/* but its shared_info page is */
	ck_assert_int_eq(mmu1(ptr, ((uint64_t)SHARED_MFN << 12) | FG_P | FG_RW), 0);
	ck_assert_int_eq(mmu1(ptr, old), 0);
	/* cache attributes and PAT: a domU without devices gets none */
	static const uint64_t bad[] = { 0x8, 0x10, 0x80 };
	for (unsigned i = 0; i < 3; i++)
		ck_assert_int_eq(mmu1(ptr, ((uint64_t)SPARE << 12) | FG_P | bad[i]),
				 -XEN_EINVAL);
	/* global, NX and software bits are fine in an L1 */
	ck_assert_int_eq(mmu1(ptr, ((uint64_t)SPARE << 12) | FG_P | 0x100 | 0xe00 |
			      0xfff0000000000000ULL), 0);
	ck_assert_int_eq(mmu1(ptr, old), 0);
	ck_assert_uint_eq(table(3)[(KPAGE(6) >> 12) & 511], old);
}
END_TEST

START_TEST(preserve_ad)
{
	uint64_t idx = (KPAGE(7) >> 12) & 511;
	table(3)[idx] |= A_D; /* as the CPU would set them */
	uint64_t val = ((uint64_t)(DATA0 + 7) << 12) | FG_P | FG_RW | FG_US;
	struct mmu_update r = { l1e_ptr(7) | MMU_PT_UPDATE_PRESERVE_AD, val };
	ck_assert_int_eq(mmu(&r, 1), 0);
	ck_assert_uint_eq(table(3)[idx], val | A_D);
	ck_assert_int_eq(mmu1(l1e_ptr(7), val), 0);
	ck_assert_uint_eq(table(3)[idx], val);
	ck_assert_uint_eq(frame(DATA0 + 7)->type_count, 1);
}
END_TEST

START_TEST(batch_stops_at_first_error)
{
	struct mmu_update r[4] = {
		{ l1e_ptr(8), ((uint64_t)SPARE << 12) | FG_P | FG_RW },
		{ l1e_ptr(9), ((uint64_t)SPARE << 12) | FG_P | FG_RW },
		{ l1e_ptr(10), (1ULL << 12) | FG_P | FG_RW },       /* an L3 */
		{ l1e_ptr(11), ((uint64_t)SPARE << 12) | FG_P },
	};
	ck_assert_int_eq(mmu(r, 4), -XEN_EBUSY);
	ck_assert_uint_eq(*pdone(), 2);
	ck_assert_uint_eq(frame(SPARE)->type_count, 2);
	/* a frame mapped writable cannot become a table */
	ck_assert_int_eq(ext1(MMUEXT_PIN_L1_TABLE, SPARE), -XEN_EINVAL);
	ck_assert_uint_eq(frame(SPARE)->type, MM_TYPE_WRITABLE);
}
END_TEST

/* ---- upper levels -------------------------------------------------------- */

START_TEST(upper_refusals)
{
	uint64_t l2e = 2 * FG_PAGE + ((KBASE >> 21) & 511) * 8;
	uint64_t cur = table(2)[(KBASE >> 21) & 511];
	/* no superpages, no cache attributes, no global */
	ck_assert_int_eq(mmu1(l2e, cur | 0x80), -XEN_EINVAL);
	ck_assert_int_eq(mmu1(l2e, cur | 0x10), -XEN_EINVAL);
	ck_assert_int_eq(mmu1(l2e, cur | 0x100), -XEN_EINVAL);
	/* an L2 entry must point at an L1: not at data, tables of other
	 * levels, itself writable (a linear map), or outside RAM */
	ck_assert_int_eq(mmu1(l2e + 8, (2ULL << 12) | FG_P | FG_RW), -XEN_EINVAL);
	ck_assert_int_eq(mmu1(l2e + 8, (1ULL << 12) | FG_P), -XEN_EINVAL);
	ck_assert_int_eq(mmu1(l2e + 8, ((uint64_t)NR_PAGES << 12) | FG_P), -XEN_EINVAL);
	/* a frame with writable mappings cannot be an L1 */
	ck_assert_int_eq(mmu1(l2e + 8, ((uint64_t)DATA0 << 12) | FG_P), -XEN_EINVAL);
	/* the hypervisor's L4 slots */
	for (unsigned slot = 256; slot <= 271; slot++)
		ck_assert_int_eq(mmu1(slot * 8, 0), -XEN_EINVAL);
	/* L4 pointing at itself writable: a linear map must be read-only */
	ck_assert_int_eq(mmu1(5 * 8, FG_P | FG_RW), -XEN_EINVAL);
	ck_assert_uint_eq(table(0)[5], 0);
	ck_assert_uint_eq(frame(0)->type_count, 2);
	ck_assert_uint_eq(table(2)[(KBASE >> 21) & 511], cur);
}
END_TEST

/* ---- linear page tables (Xen's pv-linear-pt) ------------------------------ */

START_TEST(linear_self_map)
{
	/* An L4 mapping itself read-only: taken, no reference held. */
	ck_assert_int_eq(mmu1(5 * 8, FG_P), 0);
	ck_assert_uint_eq(table(0)[5] & ~(uint64_t)FG_US, FG_P);
	ck_assert_uint_eq(frame(0)->type_count, 2);
	ck_assert_int_eq(frame(0)->linear_count, 0);
	ck_assert_int_eq(mmu1(5 * 8, 0), 0);
	ck_assert_uint_eq(frame(0)->type_count, 2);
	/* An L2 likewise; and a new L3 holding a self-map validates. */
	uint64_t l2e = 2 * FG_PAGE + 300 * 8;
	ck_assert_int_eq(mmu1(l2e, (2ULL << 12) | FG_P), 0);
	ck_assert_uint_eq(frame(2)->type_count, 1);
	table(SPARE)[7] = ((uint64_t)SPARE << 12) | FG_P;
	ck_assert_int_eq(mmu1(6 * 8, ((uint64_t)SPARE << 12) | FG_P | FG_RW), 0);
	ck_assert_uint_eq(frame(SPARE)->type, MM_TYPE_L3);
	ck_assert_uint_eq(frame(SPARE)->type_count, 1);
	/* Gone with the last reference, nothing left held. */
	ck_assert_int_eq(mmu1(6 * 8, 0), 0);
	ck_assert_uint_eq(frame(SPARE)->type_count, 0);
	/* Writable, it makes the new table fail validation. */
	table(SPARE)[7] |= FG_RW;
	ck_assert_int_eq(mmu1(6 * 8, ((uint64_t)SPARE << 12) | FG_P | FG_RW), -XEN_EINVAL);
	ck_assert_uint_eq(frame(SPARE)->type_count, 0);
}
END_TEST

START_TEST(linear_to_another_table)
{
	/* A second validated L2 (SPARE, empty, pinned), mapped read-only by
	 * the bootstrap L2: a type reference, counted on both sides. */
	ck_assert_int_eq(ext1(MMUEXT_PIN_L2_TABLE, SPARE), 0);
	uint64_t l2e = 2 * FG_PAGE + 300 * 8;
	ck_assert_int_eq(mmu1(l2e, ((uint64_t)SPARE << 12) | FG_P), 0);
	ck_assert_uint_eq(frame(SPARE)->type_count, 2);
	ck_assert_int_eq(frame(2)->linear_count, 1);
	ck_assert_int_eq(frame(SPARE)->linear_count, -1);
	/* Refused: writable; the target mapping another linearly (it is a
	 * linear target) and the other way round. */
	ck_assert_int_eq(mmu1(l2e + 8, ((uint64_t)SPARE << 12) | FG_P | FG_RW), -XEN_EINVAL);
	ck_assert_int_eq(ext1(MMUEXT_PIN_L2_TABLE, SPARE + 1), 0);
	ck_assert_int_eq(mmu1((uint64_t)SPARE * FG_PAGE, ((uint64_t)(SPARE + 1) << 12) | FG_P),
			 -XEN_EINVAL);
	ck_assert_int_eq(mmu1((uint64_t)(SPARE + 1) * FG_PAGE, (2ULL << 12) | FG_P),
			 -XEN_EINVAL);
	/* A second linear entry from the same table to another is fine. */
	ck_assert_int_eq(mmu1(l2e + 8, ((uint64_t)(SPARE + 1) << 12) | FG_P), 0);
	ck_assert_int_eq(frame(2)->linear_count, 2);
	/* Dropped: the counts and the type reference go back. */
	ck_assert_int_eq(mmu1(l2e, 0), 0);
	ck_assert_int_eq(mmu1(l2e + 8, 0), 0);
	ck_assert_int_eq(frame(2)->linear_count, 0);
	ck_assert_int_eq(frame(SPARE)->linear_count, 0);
	ck_assert_uint_eq(frame(SPARE)->type_count, 1);
	ck_assert_int_eq(ext1(MMUEXT_UNPIN_TABLE, SPARE), 0);
	ck_assert_uint_eq(frame(SPARE)->type, MM_TYPE_NONE);
	/* A linear L4 entry to another L4, and that L4 unpinned while held:
	 * the entry keeps it an L4 until it goes. */
	ck_assert_int_eq(ext1(MMUEXT_PIN_L4_TABLE, SPARE + 2), 0);
	ck_assert_int_eq(mmu1(6 * 8, ((uint64_t)(SPARE + 2) << 12) | FG_P), 0);
	ck_assert_int_eq(ext1(MMUEXT_UNPIN_TABLE, SPARE + 2), 0);
	ck_assert_uint_eq(frame(SPARE + 2)->type, MM_TYPE_L4);
	ck_assert_int_eq(mmu1(6 * 8, 0), 0);
	ck_assert_uint_eq(frame(SPARE + 2)->type, MM_TYPE_NONE);
	ck_assert_int_eq(frame(0)->linear_count, 0);
}
END_TEST

START_TEST(new_l2_entry_validates_l1)
{
	uint64_t l1 = SPARE, l2e = 2 * FG_PAGE + (((KBASE >> 21) & 511) + 1) * 8;
	/* kernel-style entries without USER, one writable data mapping */
	table(l1)[0] = ((uint64_t)(SPARE + 1) << 12) | FG_P | FG_RW;
	table(l1)[1] = ((uint64_t)(SPARE + 2) << 12) | FG_P;
	ck_assert_int_eq(mmu1(l2e, (l1 << 12) | FG_P | FG_RW), 0);
	ck_assert_uint_eq(frame(l1)->type, MM_TYPE_L1);
	ck_assert_uint_eq(frame(l1)->flags, MM_FRAME_VALIDATED);
	ck_assert_uint_eq(table(l1)[0] & FG_US, FG_US);
	ck_assert_uint_eq(table(l1)[1] & FG_US, FG_US);
	ck_assert_uint_eq(table(2)[((KBASE >> 21) & 511) + 1] & FG_US, FG_US);
	ck_assert_uint_eq(frame(SPARE + 1)->type, MM_TYPE_WRITABLE);
	/* the L1 can no longer be mapped writable ... */
	ck_assert_int_eq(mmu1(l1e_ptr(12), (l1 << 12) | FG_P | FG_RW), -XEN_EBUSY);
	/* ... until its last reference goes: then it is data again */
	ck_assert_int_eq(mmu1(l2e, 0), 0);
	ck_assert_uint_eq(frame(l1)->type, MM_TYPE_NONE);
	ck_assert_uint_eq(frame(SPARE + 1)->type, MM_TYPE_NONE);
	ck_assert_int_eq(mmu1(l1e_ptr(12), (l1 << 12) | FG_P | FG_RW), 0);
}
END_TEST

START_TEST(invalid_child_unwinds)
{
	uint64_t l1 = SPARE, l2e = 2 * FG_PAGE + (((KBASE >> 21) & 511) + 1) * 8;
	table(l1)[0] = ((uint64_t)(SPARE + 1) << 12) | FG_P | FG_RW;
	table(l1)[1] = ((uint64_t)(SPARE + 2) << 12) | FG_P | FG_RW;
	table(l1)[2] = (3ULL << 12) | FG_P | FG_RW; /* the L1 in use: writable */
	ck_assert_int_eq(mmu1(l2e, (l1 << 12) | FG_P), -XEN_EBUSY);
	for (uint64_t pfn = SPARE; pfn < SPARE + 3; pfn++) {
		ck_assert_uint_eq(frame(pfn)->type, MM_TYPE_NONE);
		ck_assert_uint_eq(frame(pfn)->type_count, 0);
	}
	ck_assert_uint_eq(frame(3)->type_count, 1);
	ck_assert_uint_eq(table(l1)[0] & FG_US, 0); /* nothing written */
}
END_TEST

/* A complete second address space in spare frames: L4 SPARE, L3 +1,
 * L2 +2, L1 +3, mapping KPAGE(0) and KPAGE(1) as the first does (the
 * request array and pdone) and KPAGE(2) to data frame +4 (0x77 bytes). */
static void build_second_tables(void)
{
	uint64_t l4 = SPARE;
	memset(fake_guest_page(&g, SPARE + 4), 0x77, FG_PAGE);
	table(l4)[(KBASE >> 39) & 511] = ((uint64_t)(SPARE + 1) << 12) | FG_P | FG_RW;
	table(SPARE + 1)[(KBASE >> 30) & 511] = ((uint64_t)(SPARE + 2) << 12) | FG_P | FG_RW;
	table(SPARE + 2)[(KBASE >> 21) & 511] = ((uint64_t)(SPARE + 3) << 12) | FG_P | FG_RW;
	table(SPARE + 3)[0] = ((uint64_t)DATA0 << 12) | FG_P | FG_RW;
	table(SPARE + 3)[1] = ((uint64_t)(DATA0 + 1) << 12) | FG_P | FG_RW;
	table(SPARE + 3)[2] = ((uint64_t)(SPARE + 4) << 12) | FG_P | FG_RW;
	table(l4)[256] = 0x1003;  /* guest garbage in hypervisor slots */
	table(l4)[SHIM_L4_SLOT] = 0x2003;
}

START_TEST(pin_switch_unpin)
{
	build_second_tables();
	ck_assert_int_eq(ext1(MMUEXT_PIN_L4_TABLE, SPARE), 0);
	ck_assert_uint_eq(*pdone(), 1);
	ck_assert_uint_eq(frame(SPARE)->flags, MM_FRAME_VALIDATED | MM_FRAME_PINNED);
	ck_assert_uint_eq(frame(SPARE)->type_count, 1);
	for (int k = 1; k < 4; k++)
		ck_assert_uint_eq(frame(SPARE + k)->type, MM_TYPE_L4 - k);
	ck_assert_uint_eq(table(SPARE)[256], M2P_L4E); /* MACH2PHYS_VIRT_START */
	ck_assert_uint_eq(table(SPARE)[SHIM_L4_SLOT], XEN_SHIM_L4E);
	ck_assert_uint_eq(table(SPARE)[SHIM_PHYSMAP_SLOT], XEN_PHYSMAP_L4E);
	ck_assert_uint_eq(table(SPARE)[SHIM_M2P_SLOT], M2P_L4E);
	/* pinned twice, or as another level */
	ck_assert_int_eq(ext1(MMUEXT_PIN_L4_TABLE, SPARE), -XEN_EINVAL);
	ck_assert_int_eq(ext1(MMUEXT_PIN_L3_TABLE, SPARE + 2), -XEN_EINVAL);

	ck_assert_int_eq(ext1(MMUEXT_NEW_BASEPTR, SPARE), 0);
	ck_assert_uint_eq(g.st->vcpu[0].cr3, (uint64_t)SPARE << 12);
	ck_assert_uint_eq(g.plat.cr3, (uint64_t)SPARE << 12);
	ck_assert_uint_eq(frame(SPARE)->type_count, 2);
	ck_assert_uint_eq(frame(0)->type_count, 1);
	/* the guest's view is the new one */
	uint8_t byte;
	ck_assert_int_eq(copy_from_guest(&g.core, &byte, KPAGE(2), 1), 0);
	ck_assert_uint_eq(byte, 0x77);

	/* in use, unpinned: it stays; the old one unpinned goes */
	ck_assert_int_eq(ext1(MMUEXT_UNPIN_TABLE, SPARE), 0);
	ck_assert_uint_eq(frame(SPARE)->type, MM_TYPE_L4);
	ck_assert_int_eq(ext1(MMUEXT_UNPIN_TABLE, SPARE), -XEN_EINVAL);
	ck_assert_int_eq(ext1(MMUEXT_UNPIN_TABLE, 0), 0);
	for (uint64_t pfn = 0; pfn < 4; pfn++)
		ck_assert_uint_eq(frame(pfn)->type, MM_TYPE_NONE);
	ck_assert_uint_eq(frame(DATA0 + 5)->type, MM_TYPE_NONE);
	ck_assert_uint_eq(frame(DATA0)->type_count, 1);
	/* not a table / not RAM / not validatable as an L4 */
	ck_assert_int_eq(ext1(MMUEXT_NEW_BASEPTR, NR_PAGES), -XEN_EINVAL);
	ck_assert_int_eq(ext1(MMUEXT_NEW_BASEPTR, SPARE + 1), -XEN_EINVAL);
	ck_assert_uint_eq(g.st->vcpu[0].cr3, (uint64_t)SPARE << 12);
}
END_TEST

START_TEST(user_baseptr)
{
	build_second_tables();
	ck_assert_int_eq(ext1(MMUEXT_NEW_USER_BASEPTR, SPARE), 0);
	ck_assert_uint_eq(g.st->vcpu[0].user_cr3, (uint64_t)SPARE << 12);
	ck_assert_uint_eq(frame(SPARE)->type, MM_TYPE_L4);
	ck_assert_uint_eq(g.plat.cr3, 0); /* kernel mode: not loaded */
	ck_assert_int_eq(ext1(MMUEXT_NEW_USER_BASEPTR, 0), 0);
	ck_assert_uint_eq(g.st->vcpu[0].user_cr3, 0);
	ck_assert_uint_eq(frame(SPARE)->type, MM_TYPE_NONE);
}
END_TEST

START_TEST(update_va_mapping_remaps)
{
	memset(fake_guest_page(&g, SPARE), 0x5a, FG_PAGE);
	uint64_t val = ((uint64_t)SPARE << 12) | FG_P | FG_RW;
	ck_assert_int_eq(hc4(__HYPERVISOR_update_va_mapping, KPAGE(3), val,
			     UVMF_INVLPG | UVMF_ALL, 0), 0);
	uint8_t byte;
	ck_assert_int_eq(copy_from_guest(&g.core, &byte, KPAGE(3) + 9, 1), 0);
	ck_assert_uint_eq(byte, 0x5a);
	ck_assert_uint_eq(frame(DATA0 + 3)->type, MM_TYPE_NONE);
	/* refusals: hypervisor hole, non-canonical, no L1, table writable */
	ck_assert_int_eq(hc4(__HYPERVISOR_update_va_mapping, SHIM_VIRT_BASE, val, 0, 0),
			 -XEN_EINVAL);
	ck_assert_int_eq(hc4(__HYPERVISOR_update_va_mapping, 1ULL << 47, val, 0, 0),
			 -XEN_EINVAL);
	ck_assert_int_eq(hc4(__HYPERVISOR_update_va_mapping, 0x1000, val, 0, 0),
			 -XEN_EINVAL);
	ck_assert_int_eq(hc4(__HYPERVISOR_update_va_mapping, KPAGE(3),
			     FG_P | FG_RW, 0, 0), -XEN_EBUSY);
	/* a bad vCPU mask pointer: the update is made, the flush refused */
	ck_assert_int_eq(hc4(__HYPERVISOR_update_va_mapping, KPAGE(3),
			     ((uint64_t)DATA0 + 3) << 12 | FG_P | FG_RW,
			     UVMF_TLB_FLUSH | 0x1000, 0), -XEN_EFAULT);
	ck_assert_uint_eq(frame(DATA0 + 3)->type, MM_TYPE_WRITABLE);
}
END_TEST

START_TEST(hostile_arguments)
{
	/* unreadable request arrays, huge counts */
	ck_assert_int_eq(hc4(__HYPERVISOR_mmu_update, 0x1000, 1, 0, DOMID_SELF), -XEN_EFAULT);
	ck_assert_int_eq(hc4(__HYPERVISOR_mmu_update, KPAGE(NR_DATA - 1) + FG_PAGE - 8,
			     0x7fffffff, 0, DOMID_SELF), -XEN_EFAULT);
	ck_assert_int_eq(hc4(__HYPERVISOR_mmuext_op, ~0ULL - 4, 1, 0, DOMID_SELF),
			 -XEN_EFAULT);
	/* pdone unwritable: the work is still done */
	memset(fake_guest_page(&g, DATA0), 0, FG_PAGE);
	ck_assert_int_eq(hc4(__HYPERVISOR_mmu_update, KPAGE(0), 0, 0x1000, DOMID_SELF), 0);
	/* other domains */
	ck_assert_int_eq(hc4(__HYPERVISOR_mmu_update, KPAGE(0), 1, 0, 0), -XEN_ESRCH);
	ck_assert_int_eq(hc4(__HYPERVISOR_mmu_update, KPAGE(0), 1, 0, 1), -XEN_ESRCH);
	ck_assert_int_eq(hc4(__HYPERVISOR_mmuext_op, KPAGE(0), 1, 0, DOMID_IO), -XEN_ESRCH);
	/* unknown commands; pointers outside RAM */
	ck_assert_int_eq(mmu1(l1e_ptr(4) | 3, 0), -XEN_ENOSYS);
	ck_assert_int_eq(mmu1(l1e_ptr(4) | 4, 0), -XEN_ENOSYS);
	ck_assert_int_eq(mmu1((uint64_t)NR_PAGES << 12, 0), -XEN_EINVAL);
	ck_assert_int_eq(mmu1(~7ULL, 0), -XEN_EINVAL);
	ck_assert_int_eq(ext1(99, 0), -XEN_ENOSYS);
	ck_assert_int_eq(ext1(~0u, 0), -XEN_ENOSYS);
	ck_assert_int_eq(ext1(200, 0), -XEN_ENOSYS); /* past 62: one report for all */
	ck_assert_int_eq(ext1(40, 0), -XEN_ENOSYS);
	ck_assert_int_eq(ext1(40, 0), -XEN_ENOSYS);
	ck_assert_ptr_nonnull(strstr(fake_guest_log(&g), "mmuext_op sub-operation 99 "));
	ck_assert_ptr_nonnull(strstr(fake_guest_log(&g), "mmuext_op sub-operation 40 "));
	ck_assert_uint_eq(fake_guest_log_lines(&g), 2);
	ck_assert_int_eq(ext1(MMUEXT_PIN_L1_TABLE, ~0ULL), -XEN_EINVAL);
	ck_assert_int_eq(ext1(MMUEXT_UNPIN_TABLE, ~0ULL), -XEN_EINVAL);
	ck_assert_int_eq(ext1(MMUEXT_FLUSH_CACHE, 0), -XEN_EACCES);
	ck_assert_int_eq(ext1(MMUEXT_MARK_SUPER, DATA0), -XEN_EOPNOTSUPP);
	ck_assert_int_eq(ext1(MMUEXT_UNMARK_SUPER, DATA0), -XEN_EOPNOTSUPP);
	/* a plain store into a data page is allowed */
	ck_assert_int_eq(mmu1(((uint64_t)(DATA0 + 9) << 12) + 16, 0x1122), 0);
	ck_assert_uint_eq(((uint64_t *)fake_guest_page(&g, DATA0 + 9))[2], 0x1122);
	/* flush and invlpg, including a non-canonical address */
	struct mmuext_op ops[3] = {
		{ .cmd = MMUEXT_TLB_FLUSH_ALL },
		{ .cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = 1ULL << 63 },
		{ .cmd = MMUEXT_SET_LDT, .arg1.linear_addr = 0, .arg2.nr_ents = 0 },
	};
	ck_assert_int_eq(ext(ops, 3), 0);
	ck_assert_uint_eq(*pdone(), 3);
	struct mmuext_op ldt = { .cmd = MMUEXT_SET_LDT, .arg1.linear_addr = 0x1001 };
	ck_assert_int_eq(ext(&ldt, 1), -XEN_EINVAL);
	ldt.arg1.linear_addr = 0;
	ldt.arg2.nr_ents = 8193;
	ck_assert_int_eq(ext(&ldt, 1), -XEN_EINVAL);
}
END_TEST

/* ---- the copies' cached walks (guest_access.c) ---------------------------- */

static uint64_t generation(void)
{
	return g.st->mm.pt_generation;
}

/*
 * A cached walk is dropped whenever an entry it may have gone through
 * loses its frame, presence or a permission, or a table stops being one;
 * a new mapping or an added permission keeps it (each copy still lands
 * where the tables say).
 */
START_TEST(cached_walks_follow_the_tables)
{
	uint8_t byte = 0x5a;
	ck_assert_int_eq(copy_to_guest(&g.core, KPAGE(5), &byte, 1), 0);
	ck_assert_uint_eq(*(uint8_t *)fake_guest_page(&g, DATA0 + 5), 0x5a);

	/* A new mapping of a page that had none: kept. */
	uint64_t before = generation();
	unsigned idx = (KPAGE(NR_DATA) >> 12) & 511;
	ck_assert_uint_eq(table(3)[idx], 0);
	ck_assert_int_eq(mmu1(l1e_ptr(NR_DATA), ((uint64_t)SPARE << 12) | FG_P | FG_RW), 0);
	ck_assert_uint_eq(generation(), before);

	/* The mapped page moves: dropped, and the copy lands in the new one. */
	ck_assert_int_eq(mmu1(l1e_ptr(5), ((uint64_t)(SPARE + 1) << 12) | FG_P | FG_RW), 0);
	ck_assert_uint_gt(generation(), before);
	byte = 0xa5;
	ck_assert_int_eq(copy_to_guest(&g.core, KPAGE(5), &byte, 1), 0);
	ck_assert_uint_eq(*(uint8_t *)fake_guest_page(&g, SPARE + 1), 0xa5);
	ck_assert_uint_eq(*(uint8_t *)fake_guest_page(&g, DATA0 + 5), 0x5a);

	/* Read-only now: dropped, and a write refused. */
	before = generation();
	ck_assert_int_eq(mmu1(l1e_ptr(5), ((uint64_t)(SPARE + 1) << 12) | FG_P), 0);
	ck_assert_uint_gt(generation(), before);
	ck_assert_int_ne(copy_to_guest(&g.core, KPAGE(5), &byte, 1), 0);
	/* Writable again: kept (a cached read-only answer only sends a
	 * write to a fresh walk), and the write goes through. */
	ck_assert_int_eq(copy_from_guest(&g.core, &byte, KPAGE(5), 1), 0);
	before = generation();
	ck_assert_int_eq(mmu1(l1e_ptr(5), ((uint64_t)(SPARE + 1) << 12) | FG_P | FG_RW), 0);
	ck_assert_uint_eq(generation(), before);
	byte = 0x3c;
	ck_assert_int_eq(copy_to_guest(&g.core, KPAGE(5), &byte, 1), 0);
	ck_assert_uint_eq(*(uint8_t *)fake_guest_page(&g, SPARE + 1), 0x3c);

	/* A table that stops being one, which the guest may then write. */
	ck_assert_int_eq(ext1(MMUEXT_PIN_L1_TABLE, SPARE + 2), 0);
	before = generation();
	ck_assert_int_eq(ext1(MMUEXT_UNPIN_TABLE, SPARE + 2), 0);
	ck_assert_uint_gt(generation(), before);
}
END_TEST

START_TEST(copy_and_clear_page)
{
	memset(fake_guest_page(&g, DATA0 + 2), 0x42, FG_PAGE);
	struct mmuext_op op = { .cmd = MMUEXT_COPY_PAGE, .arg1.mfn = SPARE,
				.arg2.src_mfn = DATA0 + 2 };
	ck_assert_int_eq(ext(&op, 1), 0);
	ck_assert_uint_eq(fake_guest_page(&g, SPARE)[4095], 0x42);
	ck_assert_uint_eq(frame(SPARE)->type, MM_TYPE_NONE);
	op.arg1.mfn = 3; /* a page table: not writable */
	ck_assert_int_eq(ext(&op, 1), -XEN_EINVAL);
	op.arg1.mfn = SPARE;
	op.arg2.src_mfn = NR_PAGES;
	ck_assert_int_eq(ext(&op, 1), -XEN_EINVAL);
	ck_assert_int_eq(ext1(MMUEXT_CLEAR_PAGE, SPARE), 0);
	ck_assert_uint_eq(fake_guest_page(&g, SPARE)[4095], 0);
	ck_assert_int_eq(ext1(MMUEXT_CLEAR_PAGE, 2), -XEN_EINVAL);
}
END_TEST

START_TEST(machphys_update)
{
	uint64_t *m2p = (uint64_t *)(shim + shim_off_m2p(NR_PAGES));
	struct mmu_update r = { ((uint64_t)7 << 12) | MMU_MACHPHYS_UPDATE, 1234 };
	ck_assert_int_eq(mmu(&r, 1), 0);
	ck_assert_uint_eq(m2p[7], 1234);
	r.ptr = ((uint64_t)NR_PAGES << 12) | MMU_MACHPHYS_UPDATE;
	ck_assert_int_eq(mmu(&r, 1), -XEN_EINVAL);
}
END_TEST

/* ---- continuations ------------------------------------------------------- */

static void queue_with_room(size_t room)
{
	g.plat.cpu_ops = calloc(1, SHIM_CPU_OPS_SIZE);
	g.plat.cpu_ops_count = (uint32_t)(SHIM_CPU_OPS_MAX - room);
}

/*
 * The launcher's way for single entries (platform_write_entry), on RAM
 * that is a shared memfd mapping as KVM's memory slot is: nothing queued
 * for the shim for a mapping where there was none, at any level, nor for
 * a leaf that replaced one, whose old frame's page is dropped from the
 * mapping instead, its data kept by the memfd; an upper-level entry that
 * replaced one is still queued.
 */
START_TEST(single_entries_stored_without_the_shim)
{
	const size_t bytes = NR_PAGES * FG_PAGE;
	int fd = memfd_create("test-mm-ram", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)bytes), 0);
	uint8_t *ram = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(ram, MAP_FAILED);
	close(fd);
	memcpy(ram, g.ram, bytes);
	uint8_t *heap = g.ram;
	g.ram = g.plat.ram = ram;
	g.plat.ram_in_kvm_slot = 1;
	queue_with_room(SHIM_CPU_OPS_MAX); /* empty, as at an exit */
	memset(fake_guest_page(&g, SPARE), 0x5a, FG_PAGE);
	const unsigned idx = (KPAGE(20) >> 12) & 511;

	ck_assert_int_eq(mmu1(l1e_ptr(20), ((uint64_t)SPARE << 12) | FG_P | FG_RW), 0);
	ck_assert_uint_eq(table(3)[idx], ((uint64_t)SPARE << 12) | FG_P | FG_RW | FG_US);
	ck_assert_uint_eq(g.plat.cpu_ops_count, 0);
	ck_assert_uint_eq(g.plat.entries_stored_direct, 1);
	ck_assert_uint_eq(g.plat.frames_forgotten, 0);

	ck_assert_int_eq(mmu1(l1e_ptr(20), ((uint64_t)(SPARE + 1) << 12) | FG_P), 0);
	ck_assert_uint_eq(g.plat.cpu_ops_count, 0);
	ck_assert_uint_eq(g.plat.frames_forgotten, 1);
	ck_assert_uint_eq(fake_guest_page(&g, SPARE)[FG_PAGE - 1], 0x5a);
	ck_assert_uint_eq(frame(SPARE)->type, MM_TYPE_NONE);

	/* the same value again: nothing to forget */
	ck_assert_int_eq(mmu1(l1e_ptr(20), ((uint64_t)(SPARE + 1) << 12) | FG_P), 0);
	ck_assert_uint_eq(g.plat.frames_forgotten, 1);

	/* shared_info, outside guest RAM: mapped directly, unmapped through
	 * the shim */
	ck_assert_int_eq(mmu1(l1e_ptr(21), ((uint64_t)SHARED_MFN << 12) | FG_P | FG_RW), 0);
	ck_assert_uint_eq(g.plat.cpu_ops_count, 0);
	ck_assert_int_eq(mmu1(l1e_ptr(21), 0), 0);
	ck_assert_uint_eq(g.plat.cpu_ops_count, 1);
	ck_assert_uint_eq(g.plat.cpu_ops->op[0].kind, SHIM_CPU_OP_RESTORE_ENTRY);
	ck_assert_uint_eq(g.plat.cpu_ops->op[0].addr, l1e_ptr(21));
	ck_assert_uint_eq(g.plat.frames_forgotten, 1);

	/* In one exit, a queued store and a later direct one to the same
	 * entry: the chain stores the entry again as RAM holds it, so the
	 * later value is what stays. */
	host_cpu_ops_restart(&g.plat);
	ck_assert_int_eq(mmu1(l1e_ptr(21), ((uint64_t)SHARED_MFN << 12) | FG_P | FG_RW), 0);
	const struct mmu_update batch[2] = {
		{ l1e_ptr(21), ((uint64_t)(SPARE + 3) << 12) | FG_P | FG_RW },
		{ l1e_ptr(21), 0 },
	};
	ck_assert_int_eq(mmu(batch, 2), 0);
	ck_assert_uint_eq(g.plat.cpu_ops_count, 1);
	ck_assert_uint_eq(g.plat.cpu_ops->op[0].kind, SHIM_CPU_OP_RESTORE_ENTRY);
	ck_assert_uint_eq(g.plat.cpu_ops->op[0].addr, l1e_ptr(21));
	ck_assert_uint_eq(table(3)[(KPAGE(21) >> 12) & 511], 0);
	ck_assert_uint_eq(frame(SPARE + 3)->type, MM_TYPE_NONE);
	ck_assert_uint_eq(g.plat.frames_forgotten, 2);

	/* an L2 entry: made present directly, taken away through the shim */
	host_cpu_ops_restart(&g.plat);
	const uint64_t l2e = 2 * FG_PAGE + 5 * 8;
	ck_assert_int_eq(mmu1(l2e, ((uint64_t)(SPARE + 2) << 12) | FG_P | FG_RW), 0);
	ck_assert_uint_eq(frame(SPARE + 2)->type, MM_TYPE_L1);
	ck_assert_uint_eq(g.plat.cpu_ops_count, 0);
	ck_assert_int_eq(mmu1(l2e, 0), 0);
	ck_assert_uint_eq(g.plat.cpu_ops_count, 1);
	ck_assert_uint_eq(g.plat.cpu_ops->op[0].kind, SHIM_CPU_OP_RESTORE_ENTRY);
	ck_assert_uint_eq(g.plat.cpu_ops->op[0].addr, l2e);
	ck_assert_uint_eq(g.plat.entries_stored_direct, 7);

	memcpy(heap, ram, bytes);
	g.ram = g.plat.ram = heap;
	munmap(ram, bytes);
}
END_TEST

/* SET_LDT: the guest's descriptors, checked and fixed up, copied into
 * the vCPU's GDT page, the LDT descriptor naming them, LDTR queued. */
START_TEST(set_ldt_copies_checked_descriptors)
{
	queue_with_room(8);
	uint64_t *table = (uint64_t *)fake_guest_page(&g, DATA0 + 6);
	table[0] = 0;
	table[1] = 0x00cff2000000ffffULL; /* DPL 3 data */
	table[2] = 0x00cf92000000ffffULL; /* DPL 0 data: made DPL 3 */
	table[3] = 0x0000ec00e0080000ULL; /* call gate to Xen's ring 0: refused */
	table[4] = 0x00cff2000000ffffULL; /* past nr_ents */
	struct mmuext_op ldt = { .cmd = MMUEXT_SET_LDT, .arg1.linear_addr = KPAGE(6),
				 .arg2.nr_ents = 4 };
	ck_assert_int_eq(ext(&ldt, 1), 0);
	const uint64_t *gdt = (const uint64_t *)(shim + shim_off_gdt(0));
	const uint64_t *copy = gdt + SHIM_GDT_LDT_FIRST;
	ck_assert_uint_eq(copy[0], 0);
	ck_assert_uint_eq(copy[1], 0x00cff2000000ffffULL);
	ck_assert_uint_eq(copy[2], 0x00cff2000000ffffULL);
	ck_assert_uint_eq(copy[3], 0);
	ck_assert_uint_eq(copy[4], 0);
	ck_assert_uint_eq(table[2], 0x00cf92000000ffffULL); /* the guest's untouched */
	/* An LDT descriptor: base the copy in the vCPU's GDT window, limit 4
	 * entries, type 2, present. */
	uint64_t base = shim_gdt_window(0) + SHIM_GDT_XEN_PAGE * 0x1000 +
			SHIM_GDT_LDT_FIRST * 8;
	uint64_t d = gdt[SHIM_GDT_OWN_INDEX(SHIM_SEL_LDT)];
	ck_assert_uint_eq(d & 0xffff, 4 * 8 - 1);
	ck_assert_uint_eq((d >> 40) & 0xff, 0x82);
	ck_assert_uint_eq(((d >> 16) & 0xffffff) | ((d >> 56) << 24) |
			  (gdt[SHIM_GDT_OWN_INDEX(SHIM_SEL_LDT) + 1] << 32), base);
	ck_assert_uint_eq(g.plat.cpu_ops->op[g.plat.cpu_ops_count - 1].kind,
			  SHIM_CPU_OP_LOAD_LDT);
	ck_assert_uint_eq(g.plat.cpu_ops->op[g.plat.cpu_ops_count - 1].value, SHIM_SEL_LDT);

	/* A smaller one clears what the old one left; none unloads it. */
	ldt.arg2.nr_ents = 1;
	ck_assert_int_eq(ext(&ldt, 1), 0);
	ck_assert_uint_eq(copy[0], 0);
	ck_assert_uint_eq(copy[1], 0);
	ck_assert_uint_eq(copy[2], 0);
	ldt.arg2.nr_ents = 0;
	ck_assert_int_eq(ext(&ldt, 1), 0);
	ck_assert_uint_eq(g.plat.cpu_ops->op[g.plat.cpu_ops_count - 1].value, 0);
	uint32_t queued = g.plat.cpu_ops_count;
	ck_assert_int_eq(ext(&ldt, 1), 0); /* none again: nothing to do */
	ck_assert_uint_eq(g.plat.cpu_ops_count, queued);
	/* An unreadable table: installed with nothing present in it. */
	ldt.arg1.linear_addr = 0x7000000000ULL;
	ldt.arg2.nr_ents = 2;
	ck_assert_int_eq(ext(&ldt, 1), 0);
	ck_assert_uint_eq(copy[1], 0);
	/* More than the copy holds: not supported here. */
	ldt.arg2.nr_ents = SHIM_LDT_MAX + 1;
	ck_assert_int_eq(ext(&ldt, 1), -XEN_ENOSYS);
	ck_assert_uint_eq(g.st->departures[DEPARTURE_LDT_TOO_LARGE], 1); /* Xen takes 8192 */
}
END_TEST

START_TEST(continuation_when_queue_fills)
{
	queue_with_room(4);
	struct mmu_update r[6];
	for (unsigned i = 0; i < 6; i++) {
		/* different pages: no two stores merge in the queue */
		r[i].ptr = ((uint64_t)(DATA0 + 4 + i) << 12) | MMU_NORMAL_PT_UPDATE;
		r[i].val = i;
	}
	for (unsigned i = 0; i < 3; i++) {
		r[i].ptr = (i == 0 ? 3 : 0) * FG_PAGE; /* table stores: queued */
		r[i].val = i == 0 ? table(3)[0] : 0;
	}
	r[1].ptr = 3 * FG_PAGE + 20 * 8;
	r[1].val = ((uint64_t)SPARE << 12) | FG_P;
	r[2].ptr = 0 * FG_PAGE + 8;
	r[2].val = 0;
	memcpy(fake_guest_page(&g, DATA0), r, sizeof r);
	*pdone() = 0;
	struct trap_frame f = frame_for(__HYPERVISOR_mmu_update, KPAGE(0), 6,
					KPAGE(1), DOMID_SELF);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	/* room 4, a reserve of 4 kept: one request done, then continue */
	ck_assert_uint_eq(f.rip, RET_RIP - 2);
	ck_assert_uint_eq(f.rax, __HYPERVISOR_mmu_update);
	ck_assert_uint_eq(f.rdi, KPAGE(0) + 16);
	ck_assert_uint_eq(f.rsi, 5 | 0x80000000u);
	ck_assert_uint_eq(f.rdx, KPAGE(1));
	ck_assert_uint_eq(f.r10, DOMID_SELF);
	ck_assert_uint_eq(*pdone(), 1);
	/* the guest ran, the queue drained: the rest completes */
	host_cpu_ops_restart(&g.plat);
	f.rip = TRAMPOLINE;
	f.rcx = RET_RIP;
	f.vector = 256;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP);
	ck_assert_uint_eq(f.rax, 0);
	ck_assert_uint_eq(*pdone(), 6);
	ck_assert_uint_eq(table(3)[20], ((uint64_t)SPARE << 12) | FG_P | FG_US);
	ck_assert_uint_eq(((uint64_t *)fake_guest_page(&g, DATA0 + 9))[0], 5);
}
END_TEST

START_TEST(long_batch_continues)
{
	/* 600 flushes: one call does 512, then continues with the rest */
	struct mmuext_op *ops = (struct mmuext_op *)fake_guest_page(&g, DATA0 + 4);
	enum { N = 600 };
	for (int i = 0; i < N; i++) {
		struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL,
					.arg1.linear_addr = KPAGE(i % NR_DATA) };
		memcpy((uint8_t *)ops + i * sizeof op, &op, sizeof op);
	}
	ck_assert_uint_le(N * sizeof *ops, 4 * FG_PAGE); /* KPAGE(4..7) */
	*pdone() = 0;
	struct trap_frame f = frame_for(__HYPERVISOR_mmuext_op, KPAGE(4), N,
					KPAGE(1), DOMID_SELF);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP - 2);
	ck_assert_uint_eq(f.rdi, KPAGE(4) + 512 * sizeof *ops);
	ck_assert_uint_eq(f.rsi, (N - 512) | 0x80000000u);
	ck_assert_uint_eq(*pdone(), 512);
	f.rip = TRAMPOLINE;
	f.rcx = RET_RIP;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP);
	ck_assert_uint_eq(f.rax, 0);
	ck_assert_uint_eq(*pdone(), N);
}
END_TEST

START_TEST(validation_without_room_is_undone)
{
	/* An L4 tree of five fresh tables, each needing stores (no USER
	 * yet; the L4 has stray hypervisor slots): five queue places, one
	 * per table, since stores to one page in a row share a place. */
	build_second_tables();
	table(SPARE + 2)[1] = ((uint64_t)(SPARE + 5) << 12) | FG_P | FG_RW;
	table(SPARE + 5)[7] = ((uint64_t)(SPARE + 6) << 12) | FG_P;
	queue_with_room(0);
	ck_assert_int_eq(ext1(MMUEXT_PIN_L4_TABLE, SPARE), -XEN_ENOMEM);
	ck_assert_uint_eq(g.plat.cpu_ops_count, SHIM_CPU_OPS_MAX);

	/* A flush first (a flag, no place), then the pin runs out of room on
	 * its last table: all of it is undone, and the call continues there. */
	struct mmuext_op ops[2] = {
		{ .cmd = MMUEXT_TLB_FLUSH_LOCAL },
		{ .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = SPARE },
	};
	g.plat.cpu_ops_count = (uint32_t)(SHIM_CPU_OPS_MAX - 4);
	memcpy(fake_guest_page(&g, DATA0), ops, sizeof ops);
	struct trap_frame f = frame_for(__HYPERVISOR_mmuext_op, KPAGE(0), 2, 0, DOMID_SELF);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP - 2);
	ck_assert_uint_eq(f.rdi, KPAGE(0) + sizeof ops[0]);
	ck_assert_uint_eq(f.rsi, 1 | 0x80000000u);
	for (uint64_t pfn = SPARE; pfn <= SPARE + 5; pfn++) {
		ck_assert_uint_eq(frame(pfn)->type, MM_TYPE_NONE);
		ck_assert_uint_eq(frame(pfn)->type_count, 0);
	}
	ck_assert_uint_eq(frame(DATA0)->type_count, 1);

	/* drained: the pin completes; the four tables validated before
	 * keep their stores, so only the L4's remain: one restore */
	host_cpu_ops_restart(&g.plat);
	f.rip = TRAMPOLINE;
	f.rcx = RET_RIP;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP);
	ck_assert_uint_eq(f.rax, 0);
	ck_assert_uint_eq(frame(SPARE)->flags, MM_FRAME_VALIDATED | MM_FRAME_PINNED);
	ck_assert_uint_eq(frame(SPARE + 5)->type, MM_TYPE_L1);
	ck_assert_uint_eq(g.plat.cpu_ops->count, 1);
	ck_assert_uint_eq(g.plat.cpu_ops->op[0].kind, SHIM_CPU_OP_RESTORE_PAGE);
	ck_assert_uint_eq(g.plat.cpu_ops->op[0].addr, (uint64_t)SPARE << 12);
	ck_assert_uint_eq(table(SPARE)[256], M2P_L4E); /* MACH2PHYS_VIRT_START */
	ck_assert_uint_eq(table(SPARE + 5)[7] & FG_US, FG_US);
}
END_TEST

/* ---- multicall ----------------------------------------------------------- */

static struct multicall_entry *mc_entries(void)
{
	return (struct multicall_entry *)fake_guest_page(&g, DATA0 + 2);
}

START_TEST(multicall_results)
{
	struct multicall_entry *e = mc_entries();
	e[0] = (struct multicall_entry){ .op = __HYPERVISOR_update_va_mapping,
		.args = { KPAGE(3), ((uint64_t)SPARE << 12) | FG_P | FG_RW, UVMF_INVLPG } };
	e[1] = (struct multicall_entry){ .op = __HYPERVISOR_update_va_mapping,
		.args = { KPAGE(4), FG_P | FG_RW } };       /* the L4, writable */
	e[2] = (struct multicall_entry){ .op = 999 };
	e[3] = (struct multicall_entry){ .op = __HYPERVISOR_multicall,
		.args = { KPAGE(2), 1 } };
	e[4] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version };
	for (int i = 0; i < 5; i++)
		e[i].result = 0xdead;
	ck_assert_int_eq(hc4(__HYPERVISOR_multicall, KPAGE(2), 5, 0, 0), 0);
	ck_assert_int_eq((long)e[0].result, 0);
	ck_assert_int_eq((long)e[1].result, -XEN_EBUSY);
	ck_assert_int_eq((long)e[2].result, -XEN_ENOSYS);
	ck_assert_int_eq((long)e[3].result, -XEN_EINVAL);
	ck_assert_int_eq((long)e[4].result, (4 << 16) | 17);
	ck_assert_uint_eq(frame(SPARE)->type, MM_TYPE_WRITABLE);
	/* an unreadable list, or one running off the mapped pages */
	ck_assert_int_eq(hc4(__HYPERVISOR_multicall, 0x1000, 1, 0, 0), -XEN_EFAULT);
	ck_assert_int_eq(hc4(__HYPERVISOR_multicall, KPAGE(NR_DATA - 1), 0xffffffff, 0, 0),
			 -XEN_EFAULT);
	ck_assert_int_eq(hc4(__HYPERVISOR_multicall, KPAGE(2), 0, 0, 0), 0);
}
END_TEST

START_TEST(multicall_long_batch_continues)
{
	/* 600 entries over KPAGE(4..13): 512 run, then the call continues */
	enum { N = 600 };
	struct multicall_entry *e = (struct multicall_entry *)fake_guest_page(&g, DATA0 + 4);
	ck_assert_uint_le(N * sizeof *e, 10 * FG_PAGE);
	for (int i = 0; i < N; i++)
		e[i] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version,
						 .result = 0xdead };
	struct trap_frame f = frame_for(__HYPERVISOR_multicall, KPAGE(4), N, 0, 0);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP - 2);
	ck_assert_uint_eq(f.rdi, KPAGE(4) + 512 * sizeof *e);
	ck_assert_uint_eq(f.rsi, N - 512);
	ck_assert_int_eq((long)e[511].result, (4 << 16) | 17);
	ck_assert_uint_eq(e[512].result, 0xdead);
	f.rip = TRAMPOLINE;
	f.rcx = RET_RIP;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP);
	ck_assert_int_eq((long)e[N - 1].result, (4 << 16) | 17);
}
END_TEST

START_TEST(multicall_continues_a_sub_call)
{
	queue_with_room(5);
	struct multicall_entry *e = mc_entries();
	/* two remaps (2 ops each), then an mmu_update of two L1 entries:
	 * the queue fills inside the mmu_update, after its first request */
	e[0] = (struct multicall_entry){ .op = __HYPERVISOR_update_va_mapping,
		.args = { KPAGE(3), ((uint64_t)SPARE << 12) | FG_P | FG_RW, UVMF_INVLPG } };
	e[1] = (struct multicall_entry){ .op = __HYPERVISOR_update_va_mapping,
		.args = { KPAGE(4), ((uint64_t)(SPARE + 1) << 12) | FG_P, UVMF_INVLPG } };
	struct mmu_update r[2] = {
		{ l1e_ptr(20), ((uint64_t)(SPARE + 2) << 12) | FG_P },
		{ l1e_ptr(21), ((uint64_t)(SPARE + 3) << 12) | FG_P },
	};
	/* the requests through KPAGE(5): KPAGE(3) is remapped by e[0] */
	memcpy(fake_guest_page(&g, DATA0 + 5), r, sizeof r);
	e[2] = (struct multicall_entry){ .op = __HYPERVISOR_mmu_update,
		.args = { KPAGE(5), 2, 0, DOMID_SELF } };
	struct trap_frame f = frame_for(__HYPERVISOR_multicall, KPAGE(2), 3, 0, 0);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP - 2);
	ck_assert_uint_eq(f.rax, __HYPERVISOR_multicall);
	ck_assert_uint_eq(f.rdi, KPAGE(2) + 2 * sizeof *e);
	ck_assert_uint_eq(f.rsi, 1);
	ck_assert_int_eq((long)e[0].result, 0);
	ck_assert_int_eq((long)e[1].result, 0);
	/* the sub-call's own continuation, stored in its entry */
	ck_assert_uint_eq(e[2].args[0], KPAGE(5) + sizeof r[0]);
	ck_assert_uint_eq(e[2].args[1], 1 | 0x80000000u);
	ck_assert_uint_eq(table(3)[20] >> 12, SPARE + 2);
	ck_assert_uint_eq(table(3)[21], 0);
	/* drained: the rest runs */
	host_cpu_ops_restart(&g.plat);
	f.rip = TRAMPOLINE;
	f.rcx = RET_RIP;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP);
	ck_assert_int_eq((long)f.rax, 0);
	ck_assert_int_eq((long)e[2].result, 0);
	ck_assert_uint_eq(table(3)[20] >> 12, SPARE + 2);
	ck_assert_uint_eq(table(3)[21] >> 12, SPARE + 3);
}
END_TEST

/* ---- memory_op ----------------------------------------------------------- */

START_TEST(memory_op_basics)
{
	struct xen_machphys_mapping *m = (void *)fake_guest_page(&g, DATA0 + 2);
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_machphys_mapping,
			     KPAGE(2), 0, 0), 0);
	uint64_t entries = shim_m2p_size(NR_PAGES) / 8;
	ck_assert_uint_eq(m->v_start, SHIM_M2P_BASE);
	ck_assert_uint_eq(m->v_end, SHIM_M2P_BASE + entries * 8);
	ck_assert_uint_eq(m->max_mfn, entries - 1);

	struct xen_memory_map *map = (void *)fake_guest_page(&g, DATA0 + 3);
	map->nr_entries = 8;
	map->buffer.p = (void *)(uintptr_t)KPAGE(4);
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_memory_map, KPAGE(3), 0, 0), 0);
	ck_assert_uint_eq(map->nr_entries, 1);
	uint64_t *e = (uint64_t *)fake_guest_page(&g, DATA0 + 4);
	ck_assert_uint_eq(e[0], 0);
	ck_assert_uint_eq(e[1], NR_PAGES * FG_PAGE);
	ck_assert_uint_eq(*(uint32_t *)&e[2], 1);
	map->nr_entries = 0;
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_memory_map, KPAGE(3), 0, 0),
			 -XEN_EINVAL);
	map->nr_entries = 1;
	map->buffer.p = (void *)0x1000;
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_memory_map, KPAGE(3), 0, 0),
			 -XEN_EFAULT);

	domid_t *dom = (void *)fake_guest_page(&g, DATA0 + 5);
	*dom = DOMID_SELF;
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_current_reservation,
			     KPAGE(5), 0, 0), NR_PAGES);
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_maximum_reservation,
			     KPAGE(5), 0, 0), NR_PAGES);
	*dom = 3;
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_maximum_reservation,
			     KPAGE(5), 0, 0), -XEN_ESRCH);
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_maximum_ram_page, 0, 0, 0),
			 NR_PAGES);
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_machphys_mapping, 0x1000, 0, 0),
			 -XEN_EFAULT);
	/* refused sub-operations are reported once each */
	unsigned lines = fake_guest_log_lines(&g);
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, 40, 0, 0, 0), -XEN_ENOSYS);
		ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, 40 | (5 << 6), 0, 0, 0),
				 -XEN_ENOSYS);
		ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_machphys_mfn_list,
				     0, 0, 0), -XEN_ENOSYS);
	}
	ck_assert_uint_eq(fake_guest_log_lines(&g), lines + 2);
	ck_assert_ptr_nonnull(strstr(fake_guest_log(&g), "memory_op sub-operation 40 "));
}
END_TEST

/* ---- ballooning ---------------------------------------------------------- */

/* A reservation at KPAGE(2) whose extent list is at KPAGE(3). */
static long reservation_op(unsigned op, uint64_t nr_extents, unsigned order,
			   uint64_t start)
{
	struct xen_memory_reservation *r = (void *)fake_guest_page(&g, DATA0 + 2);
	memset(r, 0, sizeof *r);
	r->extent_start.p = (xen_pfn_t *)(uintptr_t)KPAGE(3);
	r->nr_extents = nr_extents;
	r->extent_order = order;
	r->domid = DOMID_SELF;
	return hc4(__HYPERVISOR_memory_op, op | (start << 6), KPAGE(2), 0, 0);
}

static uint64_t *extents(void)
{
	return (uint64_t *)fake_guest_page(&g, DATA0 + 3);
}

static uint64_t m2p(uint64_t mfn)
{
	return ((uint64_t *)(shim + shim_off_m2p(NR_PAGES)))[mfn];
}

static long current_pages(void)
{
	domid_t *dom = (void *)fake_guest_page(&g, DATA0 + 5);
	*dom = DOMID_SELF;
	return hc4(__HYPERVISOR_memory_op, XENMEM_current_reservation, KPAGE(5), 0, 0);
}

START_TEST(balloon_down_and_up)
{
	/* given back: the frame stops being the domain's */
	extents()[0] = SPARE + 5;
	memset(fake_guest_page(&g, SPARE + 5), 0xa5, FG_PAGE);
	ck_assert_int_eq(reservation_op(XENMEM_decrease_reservation, 1, 0, 0), 1);
	ck_assert_int_eq(current_pages(), NR_PAGES - 1);
	ck_assert_ptr_null(frame(SPARE + 5));
	ck_assert_uint_eq(m2p(SPARE + 5), ~0ULL);
	ck_assert_int_eq(reservation_op(XENMEM_decrease_reservation, 1, 0, 0), 0);
	/* nothing may reach it: mapped, M2P, pinned, granted */
	ck_assert_int_eq(mmu1(l1e_ptr(5), ((uint64_t)(SPARE + 5) << 12) | FG_P), -XEN_EINVAL);
	ck_assert_int_eq(mmu1(((uint64_t)(SPARE + 5) << 12) | MMU_MACHPHYS_UPDATE, 7),
			 -XEN_EINVAL);
	ck_assert_int_eq(ext1(MMUEXT_PIN_L1_TABLE, SPARE + 5), -XEN_EINVAL);
	ck_assert_int_eq(mm_get_page(&g.core, SPARE + 5), -XEN_EINVAL);
	/* taken again, zeroed, with the M2P entry the guest asked for */
	extents()[0] = 1234;
	ck_assert_int_eq(reservation_op(XENMEM_populate_physmap, 1, 0, 0), 1);
	ck_assert_uint_eq(extents()[0], SPARE + 5);
	ck_assert_uint_eq(m2p(SPARE + 5), 1234);
	ck_assert_ptr_nonnull(frame(SPARE + 5));
	for (unsigned i = 0; i < FG_PAGE; i++)
		ck_assert_uint_eq(fake_guest_page(&g, SPARE + 5)[i], 0);
	ck_assert_int_eq(current_pages(), NR_PAGES);
	/* none left to hand out */
	ck_assert_int_eq(reservation_op(XENMEM_increase_reservation, 1, 0, 0), 0);
	ck_assert_int_eq(reservation_op(XENMEM_populate_physmap, 1, 0, 0), 0);
	ck_assert_int_eq(mmu1(l1e_ptr(5), ((uint64_t)(SPARE + 5) << 12) | FG_P), 0);
}
END_TEST

START_TEST(balloon_extents)
{
	/* an order-1 extent, then the second list entry only (start 1) */
	extents()[0] = SPARE + 8;
	extents()[1] = SPARE + 12;
	ck_assert_int_eq(reservation_op(XENMEM_decrease_reservation, 2, 1, 1), 2);
	ck_assert_int_eq(current_pages(), NR_PAGES - 2);
	ck_assert_ptr_nonnull(frame(SPARE + 8));
	ck_assert_ptr_null(frame(SPARE + 13));
	ck_assert_int_eq(reservation_op(XENMEM_decrease_reservation, 1, 1, 0), 1);
	ck_assert_int_eq(current_pages(), NR_PAGES - 4);
	/* increase_reservation: aligned runs back, M2P left to the guest */
	ck_assert_int_eq(reservation_op(XENMEM_increase_reservation, 2, 1, 0), 2);
	ck_assert_uint_eq(extents()[0] % 2, 0);
	ck_assert_uint_eq(extents()[1] % 2, 0);
	ck_assert_uint_ne(extents()[0], extents()[1]);
	ck_assert(extents()[0] == SPARE + 8 || extents()[0] == SPARE + 12);
	ck_assert(extents()[1] == SPARE + 8 || extents()[1] == SPARE + 12);
	ck_assert_uint_eq(m2p(SPARE + 9), ~0ULL);
	ck_assert_int_eq(current_pages(), NR_PAGES);
	/* Xen's refusals: the start extent back */
	ck_assert_int_eq(reservation_op(XENMEM_decrease_reservation, 1, 10, 0), 0);
	ck_assert_int_eq(reservation_op(XENMEM_decrease_reservation, 3, 0, 3), 3);
	ck_assert_int_eq(reservation_op(XENMEM_decrease_reservation, 1ULL << 26, 0, 0), 0);
	struct xen_memory_reservation *r = (void *)fake_guest_page(&g, DATA0 + 2);
	extents()[0] = SPARE + 5;
	r->domid = 0;
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_decrease_reservation,
			     KPAGE(2), 0, 0), 0);
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_decrease_reservation,
			     0x1000, 0, 0), -XEN_EFAULT);
	ck_assert_int_eq(current_pages(), NR_PAGES);
}
END_TEST

/* ---- XENMEM_exchange -------------------------------------------------------- */

/* An exchange at KPAGE(2): in list at KPAGE(3), out list at KPAGE(4). */
static struct xen_memory_exchange *exchange_arg(uint64_t in_nr, unsigned in_order,
						uint64_t out_nr, unsigned out_order)
{
	struct xen_memory_exchange *x = (void *)fake_guest_page(&g, DATA0 + 2);
	memset(x, 0, sizeof *x);
	x->in.extent_start.p = (xen_pfn_t *)(uintptr_t)KPAGE(3);
	x->in.nr_extents = in_nr;
	x->in.extent_order = in_order;
	x->in.domid = DOMID_SELF;
	x->out.extent_start.p = (xen_pfn_t *)(uintptr_t)KPAGE(4);
	x->out.nr_extents = out_nr;
	x->out.extent_order = out_order;
	x->out.domid = DOMID_SELF;
	return x;
}

static long exchange(void)
{
	return hc4(__HYPERVISOR_memory_op, XENMEM_exchange, KPAGE(2), 0, 0);
}

static uint64_t *out_list(void)
{
	return (uint64_t *)fake_guest_page(&g, DATA0 + 4);
}

/* Frames first, to have a pool: SPARE + 16..23 given back. */
static void pool_of_eight(void)
{
	extents()[0] = SPARE + 16;
	ck_assert_int_eq(reservation_op(XENMEM_decrease_reservation, 1, 3, 0), 1);
	ck_assert_int_eq(current_pages(), NR_PAGES - 8);
}

START_TEST(exchange_frames)
{
	pool_of_eight();
	/* Two single frames for one order-1 extent: the new frames are
	 * free ones, their M2P the pfns asked for; the old ones go. */
	struct xen_memory_exchange *x = exchange_arg(2, 0, 1, 1);
	extents()[0] = SPARE + 3;
	extents()[1] = SPARE + 9;
	out_list()[0] = 700;
	memset(fake_guest_page(&g, SPARE + 16), 0x77, FG_PAGE);
	ck_assert_int_eq(exchange(), 0);
	ck_assert_uint_eq(x->nr_exchanged, 2);
	uint64_t mfn = out_list()[0];
	ck_assert_uint_eq(mfn % 2, 0);
	ck_assert(mfn >= SPARE + 16 && mfn < SPARE + 24);
	ck_assert_uint_eq(m2p(mfn), 700);
	ck_assert_uint_eq(m2p(mfn + 1), 701);
	ck_assert_ptr_nonnull(frame(mfn));
	ck_assert_uint_eq(fake_guest_page(&g, mfn)[0], 0);
	ck_assert_ptr_null(frame(SPARE + 3));
	ck_assert_ptr_null(frame(SPARE + 9));
	ck_assert_uint_eq(m2p(SPARE + 3), ~0ULL);
	ck_assert_int_eq(current_pages(), NR_PAGES - 8);
	/* One order-1 extent for two single frames, each aligned anywhere. */
	x = exchange_arg(1, 1, 2, 0);
	extents()[0] = mfn;
	out_list()[0] = 800;
	out_list()[1] = 900;
	ck_assert_int_eq(exchange(), 0);
	ck_assert_uint_eq(x->nr_exchanged, 1);
	ck_assert_uint_ne(out_list()[0], out_list()[1]);
	ck_assert_uint_eq(m2p(out_list()[0]), 800);
	ck_assert_uint_eq(m2p(out_list()[1]), 900);
	ck_assert_ptr_null(frame(mfn));
	ck_assert_uint_ne(out_list()[0], mfn);
	ck_assert_uint_ne(out_list()[1], mfn + 1);
	/* Done already: nothing, 0. */
	ck_assert_int_eq(exchange(), 0);
}
END_TEST

START_TEST(exchange_refusals)
{
	/* No free frames at all: -ENOMEM, nothing exchanged, the input
	 * frames still the domain's; a departure (Xen has free memory). */
	struct xen_memory_exchange *x = exchange_arg(1, 0, 1, 0);
	extents()[0] = SPARE + 3;
	ck_assert_int_eq(exchange(), -XEN_ENOMEM);
	ck_assert_uint_eq(g.st->departures[DEPARTURE_EXCHANGE_SHORT], 1);
	ck_assert_uint_eq(x->nr_exchanged, 0);
	ck_assert_ptr_nonnull(frame(SPARE + 3));
	ck_assert_uint_eq(frame(SPARE + 3)->flags, 0);
	pool_of_eight();
	/* Xen's checks: order past 9 (-EPERM), sizes that differ, done
	 * more than asked, other domains, an exact NUMA node, a start
	 * extent in the command. */
	exchange_arg(1, 10, 1, 10);
	ck_assert_int_eq(exchange(), -XEN_EPERM);
	exchange_arg(2, 0, 1, 0);
	ck_assert_int_eq(exchange(), -XEN_EINVAL);
	x = exchange_arg(1, 0, 1, 0);
	x->nr_exchanged = 2;
	ck_assert_int_eq(exchange(), -XEN_EINVAL);
	x = exchange_arg(1, 0, 1, 0);
	x->out.domid = 0;
	ck_assert_int_eq(exchange(), -XEN_EINVAL);
	g.st->evtchn.domid = 1; /* a domU, as the launcher builds it */
	x = exchange_arg(1, 0, 1, 0);
	x->in.domid = x->out.domid = 0;
	ck_assert_int_eq(exchange(), -XEN_EPERM);
	x->in.domid = x->out.domid = 77;
	ck_assert_int_eq(exchange(), -XEN_ESRCH);
	x = exchange_arg(1, 0, 1, 0);
	x->out.mem_flags = XENMEMF_exact_node(0);
	ck_assert_int_eq(exchange(), -XEN_EINVAL);
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_exchange | (1 << 6), KPAGE(2), 0, 0),
			 -XEN_EINVAL);
	/* Frames that are not the domain's to give: in use (a page table,
	 * writable, given back, outside RAM), or one frame twice. */
	const uint64_t in_use[] = { 3, DATA0 + 4, SPARE + 16, NR_PAGES };
	for (unsigned i = 0; i < sizeof in_use / sizeof in_use[0]; i++) {
		x = exchange_arg(1, 0, 1, 0);
		extents()[0] = in_use[i];
		ck_assert_int_eq(exchange(), -XEN_EINVAL);
		ck_assert_uint_eq(x->nr_exchanged, 0);
	}
	x = exchange_arg(2, 0, 1, 1);
	extents()[0] = SPARE + 3;
	extents()[1] = SPARE + 3;
	ck_assert_int_eq(exchange(), -XEN_EINVAL);
	ck_assert_uint_eq(frame(SPARE + 3)->flags, 0);
	/* A failed chunk after a good one: nr_exchanged says one. */
	x = exchange_arg(2, 0, 2, 0);
	extents()[0] = SPARE + 3;
	extents()[1] = 3;
	ck_assert_int_eq(exchange(), -XEN_EINVAL);
	ck_assert_uint_eq(x->nr_exchanged, 1);
	ck_assert_ptr_null(frame(SPARE + 3));
	ck_assert_int_eq(current_pages(), NR_PAGES - 8);
	/* An address limit no free frame meets: -ENOMEM. */
	x = exchange_arg(1, 0, 1, 0);
	extents()[0] = SPARE + 4;
	x->out.mem_flags = XENMEMF_address_bits(12 + 5); /* frames below 32 */
	ck_assert_int_eq(exchange(), -XEN_ENOMEM);
	ck_assert_ptr_nonnull(frame(SPARE + 4));
}
END_TEST

/* A continued exchange resumes at nr_exchanged (Xen writes its progress
 * there before it continues): the extents before it are not touched. */
START_TEST(exchange_resumes_at_nr_exchanged)
{
	pool_of_eight();
	struct xen_memory_exchange *x = exchange_arg(2, 0, 2, 0);
	x->nr_exchanged = 1;
	extents()[0] = 3;             /* a page table: would be refused */
	extents()[1] = SPARE + 5;
	out_list()[0] = 0x5a;
	out_list()[1] = 600;
	ck_assert_int_eq(exchange(), 0);
	ck_assert_uint_eq(x->nr_exchanged, 2);
	ck_assert_uint_eq(out_list()[0], 0x5a);
	ck_assert_ptr_null(frame(SPARE + 5));
	ck_assert_uint_eq(m2p(out_list()[1]), 600);
	ck_assert_uint_eq(frame(3)->type, MM_TYPE_L1);
}
END_TEST

/* A frame in use is never given back: writable, a page table, pinned,
 * held by dom0, pinned by a grant. */
START_TEST(balloon_refuses_frames_in_use)
{
	const uint64_t in_use[] = { DATA0 + 4, 3, 0, SPARE + 1, SPARE + 2, NR_PAGES,
				    SHARED_MFN };
	ck_assert_int_eq(ext1(MMUEXT_PIN_L1_TABLE, SPARE + 1), 0);
	ck_assert_int_eq(mm_get_page(&g.core, SPARE + 2), 0);
	for (unsigned i = 0; i < sizeof in_use / sizeof in_use[0]; i++) {
		extents()[0] = in_use[i];
		ck_assert_int_eq(reservation_op(XENMEM_decrease_reservation, 1, 0, 0), 0);
	}
	ck_assert_int_eq(mm_hold_for_dom0(&g.core, SPARE + 3), 0);
	extents()[0] = SPARE + 3;
	ck_assert_int_eq(reservation_op(XENMEM_decrease_reservation, 1, 0, 0), 0);
	ck_assert_int_eq(current_pages(), NR_PAGES);
	/* a list that stops at a frame in use gives back those before it */
	extents()[0] = SPARE + 6;
	extents()[1] = SPARE + 3;
	extents()[2] = SPARE + 7;
	ck_assert_int_eq(reservation_op(XENMEM_decrease_reservation, 3, 0, 0), 1);
	ck_assert_int_eq(current_pages(), NR_PAGES - 1);
	/* Xen would free each in-use frame once its last user let go: a
	 * departure each time (frames outside RAM are no departure) */
	ck_assert_uint_eq(g.st->departures[DEPARTURE_FRAME_KEPT], 7);
}
END_TEST

/* ---- isolation: dom0's pages, type changes ------------------------------ */

/* A frame dom0 writes (a ring) can never become a page table, even once
 * the guest has dropped every mapping of its own: that is what let a
 * guest pin its xenstore ring as an L1 and have the daemon fill it. */
START_TEST(dom0_frame_never_a_table)
{
	const uint64_t ring = DATA0 + 3;
	ck_assert_int_eq(mm_hold_for_dom0(&g.core, ring), 0);
	ck_assert_uint_eq(frame(ring)->type, MM_TYPE_WRITABLE);
	ck_assert_uint_eq(frame(ring)->type_count, 2); /* the guest's mapping too */
	ck_assert_int_eq(mmu1(l1e_ptr(3), 0), 0);
	ck_assert_uint_eq(frame(ring)->type_count, 1);
	memset(fake_guest_page(&g, ring), 0, FG_PAGE); /* would validate as any level */

	for (unsigned cmd = MMUEXT_PIN_L1_TABLE; cmd <= MMUEXT_PIN_L4_TABLE; cmd++)
		ck_assert_int_eq(ext1(cmd, ring), -XEN_EINVAL);
	ck_assert_int_eq(ext1(MMUEXT_NEW_BASEPTR, ring), -XEN_EINVAL);
	ck_assert_int_eq(ext1(MMUEXT_NEW_USER_BASEPTR, ring), -XEN_EINVAL);
	/* hooked under a live L2 (pfn 2), it would become an L1 */
	ck_assert_int_eq(mmu1(2 * FG_PAGE + 100 * 8, (ring << 12) | FG_USER_RW),
			 -XEN_EINVAL);
	ck_assert_uint_eq(table(2)[100], 0);
	ck_assert_uint_eq(frame(ring)->type, MM_TYPE_WRITABLE);
	ck_assert_uint_eq(frame(ring)->type_count, 1);
	/* the guest may still map its ring, read-write */
	ck_assert_int_eq(mmu1(l1e_ptr(3), (ring << 12) | FG_USER_RW), 0);
	ck_assert_uint_eq(frame(ring)->type_count, 2);

	/* dom0 holds only plain RAM that is not a table */
	ck_assert_int_eq(mm_hold_for_dom0(&g.core, 3), -XEN_EINVAL); /* an L1 */
	ck_assert_int_eq(mm_hold_for_dom0(&g.core, NR_PAGES), -XEN_EINVAL);
	ck_assert_int_eq(mm_hold_for_dom0(&g.core, SHARED_MFN), -XEN_EINVAL);
}
END_TEST

/* A frame whose mappings may still be in the TLB is flushed before it
 * takes another type, and only then (mm_tlb.c). */
START_TEST(retype_flushes_stale_mappings)
{
	const uint64_t pfn = DATA0 + 5;
	memset(fake_guest_page(&g, pfn), 0, FG_PAGE);
	/* writable mapping dropped without a flush, then pinned as an L1 */
	ck_assert_int_eq(mmu1(l1e_ptr(5), 0), 0);
	host_cpu_ops_restart(&g.plat);
	ck_assert_int_eq(ext1(MMUEXT_PIN_L1_TABLE, pfn), 0);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 1);
	ck_assert_uint_eq(g.st->stats.retype_flushes, 1);

	/* unpinned, then a flush of the guest's own: the table's old
	 * translations are gone, so mapping it writable needs none */
	ck_assert_int_eq(ext1(MMUEXT_UNPIN_TABLE, pfn), 0);
	ck_assert_int_eq(ext1(MMUEXT_TLB_FLUSH_LOCAL, 0), 0);
	host_cpu_ops_restart(&g.plat);
	ck_assert_int_eq(mmu1(l1e_ptr(5), (pfn << 12) | FG_USER_RW), 0);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 0);
	ck_assert_uint_eq(g.st->stats.retype_flushes, 1);

	/* writable again after writable: the same type, no flush */
	ck_assert_int_eq(mmu1(l1e_ptr(5), 0), 0);
	ck_assert_int_eq(mmu1(l1e_ptr(5), (pfn << 12) | FG_USER_RW), 0);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 0);

	/* a table made writable with no flush since it was released: the
	 * CPU may still walk through it */
	ck_assert_int_eq(mmu1(l1e_ptr(5), 0), 0);
	ck_assert_int_eq(ext1(MMUEXT_PIN_L1_TABLE, pfn), 0);
	ck_assert_uint_eq(g.st->stats.retype_flushes, 2);
	ck_assert_int_eq(ext1(MMUEXT_UNPIN_TABLE, pfn), 0);
	host_cpu_ops_restart(&g.plat);
	ck_assert_int_eq(mmu1(l1e_ptr(5), (pfn << 12) | FG_USER_RW), 0);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 1);
	ck_assert_uint_eq(g.st->stats.retype_flushes, 3);

	/* a CR3 load is a whole flush too (no global pages) */
	build_second_tables();
	ck_assert_int_eq(mmu1(l1e_ptr(5), 0), 0);
	ck_assert_int_eq(ext1(MMUEXT_NEW_BASEPTR, SPARE), 0);
	ck_assert_int_eq(ext1(MMUEXT_PIN_L1_TABLE, pfn), 0);
	ck_assert_uint_eq(g.st->stats.retype_flushes, 3);
}
END_TEST

START_TEST(without_frame_table)
{
	/* The core without a frame table (other unit tests, fuzzing). */
	g.st->mm.active = 0;
	ck_assert_int_eq(mmu1(l1e_ptr(1), 0), -XEN_ENOSYS);
	ck_assert_int_eq(ext1(MMUEXT_TLB_FLUSH_LOCAL, 0), -XEN_ENOSYS);
	ck_assert_int_eq(hc4(__HYPERVISOR_update_va_mapping, KPAGE(1), 0, 0, 0), -XEN_ENOSYS);
	ck_assert_int_eq(hc4(__HYPERVISOR_memory_op, XENMEM_maximum_ram_page, 0, 0, 0),
			 -XEN_ENOSYS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mm");
	TCase *t = tcase_create("mm");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, bootstrap_validated);
	tcase_add_test(t, bootstrap_refused);
	tcase_add_test(t, l1_remap_moves_references);
	tcase_add_test(t, single_entries_stored_without_the_shim);
	tcase_add_test(t, l1_refusals);
	tcase_add_test(t, preserve_ad);
	tcase_add_test(t, batch_stops_at_first_error);
	tcase_add_test(t, upper_refusals);
	tcase_add_test(t, exchange_frames);
	tcase_add_test(t, exchange_refusals);
	tcase_add_test(t, exchange_resumes_at_nr_exchanged);
	tcase_add_test(t, linear_self_map);
	tcase_add_test(t, linear_to_another_table);
	tcase_add_test(t, new_l2_entry_validates_l1);
	tcase_add_test(t, invalid_child_unwinds);
	tcase_add_test(t, pin_switch_unpin);
	tcase_add_test(t, user_baseptr);
	tcase_add_test(t, update_va_mapping_remaps);
	tcase_add_test(t, hostile_arguments);
	tcase_add_test(t, cached_walks_follow_the_tables);
	tcase_add_test(t, copy_and_clear_page);
	tcase_add_test(t, set_ldt_copies_checked_descriptors);
	tcase_add_test(t, machphys_update);
	tcase_add_test(t, continuation_when_queue_fills);
	tcase_add_test(t, long_batch_continues);
	tcase_add_test(t, validation_without_room_is_undone);
	tcase_add_test(t, multicall_results);
	tcase_add_test(t, multicall_long_batch_continues);
	tcase_add_test(t, multicall_continues_a_sub_call);
	tcase_add_test(t, memory_op_basics);
	tcase_add_test(t, balloon_down_and_up);
	tcase_add_test(t, balloon_extents);
	tcase_add_test(t, balloon_refuses_frames_in_use);
	tcase_add_test(t, dom0_frame_never_a_table);
	tcase_add_test(t, retype_flushes_stale_mappings);
	tcase_add_test(t, without_frame_table);
	suite_add_tcase(s, t);
	return check_run(s);
}
