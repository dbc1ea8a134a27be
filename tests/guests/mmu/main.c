/*
 * The PV MMU from inside a guest: builds a second address space in its
 * own memory, pins it, switches to it with NEW_BASEPTR, remaps a virtual
 * address with update_va_mapping and with mmu_update and reads the new
 * frame each time (on these hosts a store the guest did not make itself
 * would leave the old translation in place), reads its own tables
 * through a read-only L4 self-map, reads the M2P table (and tries it at
 * Xen's fixed MACH2PHYS_VIRT_START, saying whether it faults), and
 * checks that illegal updates fail with Xen's errors, balloons a frame
 * out and in again and exchanges one for a new frame.  Finally it
 * switches back, unpins, and maps the old tables writable again.  With
 * xt.bench=N it also times N single-entry mmu_updates and N NEW_BASEPTRs
 * (each to the other table) before the checks, printing for each
 *
 *     bench: <call> median_ticks=N min_ticks=N calls=N
 */
#include <stdint.h>
#include <xen/errno.h>
#include <xen/memory.h>
#include <xen/xen.h>

#include "bench.h"
#include "cmdline.h"
#include "hypercall.h"
#include "libc.h"
#include "pv_mmu.h"
#include "test.h"
#include "trap_entry.h"

const char test_title[] = "PV MMU: pin, NEW_BASEPTR, update_va_mapping, mmu_update, M2P";

/* A virtual address only the new tables map: PML4 slot 1. */
#define TEST_VA 0x0000008000000000ul
#define TEST_SLOT 1

enum { L4, L3, L2, L1, NR_TABLES };
static uint64_t tables[NR_TABLES][512] __attribute__((aligned(4096)));
static uint8_t frame_a[PAGE_SIZE] __attribute__((aligned(4096)));
static uint8_t frame_b[PAGE_SIZE] __attribute__((aligned(4096)));
static uint8_t frame_c[PAGE_SIZE] __attribute__((aligned(4096)));
static uint8_t frame_d[PAGE_SIZE] __attribute__((aligned(4096)));
static uint8_t frame_e[PAGE_SIZE] __attribute__((aligned(4096)));

#define MAX_BENCH_CALLS 20000
static uint64_t ticks[MAX_BENCH_CALLS];

/* Page-table hypercalls timed one by one on the new tables: an L1 entry
 * flipped between two frames, and the base pointer between two tables. */
static void bench_page_table_calls(uint64_t l1_maddr, uint64_t l4_mfn,
				   uint64_t boot_l4_mfn, unsigned long calls)
{
	const uint64_t to[2] = { (pfn_of(frame_b) << 12) | PTE_P | PTE_RW,
				 (pfn_of(frame_a) << 12) | PTE_P | PTE_RW };
	unsigned long wrong = 0;
	for (unsigned long i = 0; i < calls; i++) {
		uint64_t t0 = rdtsc_ordered();
		wrong += mmu_update(l1_maddr, to[i & 1], 0) != 0;
		ticks[i] = rdtsc_ordered() - t0;
	}
	check_msg(!wrong, "mmu_update: %lu of %lu calls failed", wrong, calls);
	bench_report("mmu_update", ticks, calls);
	const uint64_t mfn[2] = { boot_l4_mfn, l4_mfn };
	for (unsigned long i = 0; i < calls; i++) {
		uint64_t t0 = rdtsc_ordered();
		wrong += mmuext(MMUEXT_NEW_BASEPTR, mfn[i & 1]) != 0;
		ticks[i] = rdtsc_ordered() - t0;
	}
	check_msg(!wrong, "NEW_BASEPTR: %lu of %lu calls failed", wrong, calls);
	bench_report("new_baseptr", ticks, calls);
	/* Where the checks expect them: frame_a mapped, the new tables on. */
	require(mmu_update(l1_maddr, to[1], 0) == 0, "mmu_update back to frame_a");
	require(mmuext(MMUEXT_NEW_BASEPTR, l4_mfn) == 0, "NEW_BASEPTR to the new tables");
	check_eq(mmuext(MMUEXT_INVLPG_LOCAL, TEST_VA), 0);
}

static uint8_t read_test_va(void)
{
	return *(volatile uint8_t *)TEST_VA;
}

/* The kernel's own mappings of the tables: read-only while they are. */
static long protect_tables(uint64_t flags)
{
	for (int t = 0; t < NR_TABLES; t++) {
		long rc = update_va(tables[t], (pfn_of(tables[t]) << 12) | flags,
				    UVMF_INVLPG | UVMF_LOCAL);
		if (rc)
			return rc;
	}
	return 0;
}

static void build_tables(void)
{
	const uint64_t *boot_l4 = (const uint64_t *)boot_start_info->pt_base;
	memcpy(tables[L4], boot_l4, PAGE_SIZE); /* the kernel stays mapped */
	tables[L4][TEST_SLOT] = (pfn_of(tables[L3]) << 12) | PTE_P | PTE_RW;
	tables[L3][0] = (pfn_of(tables[L2]) << 12) | PTE_P | PTE_RW;
	tables[L2][0] = (pfn_of(tables[L1]) << 12) | PTE_P | PTE_RW;
	tables[L1][0] = (pfn_of(frame_a) << 12) | PTE_P | PTE_RW;
	memset(frame_a, 0xaa, PAGE_SIZE);
	memset(frame_b, 0xbb, PAGE_SIZE);
}

static void check_refusals(uint64_t l1_maddr, uint64_t l4_maddr)
{
	unsigned done = 99;
	/* a page table mapped writable, by either hypercall */
	check_eq(update_va(tables[L2], (pfn_of(tables[L2]) << 12) | PTE_P | PTE_RW, 0),
		 -XEN_EBUSY);
	check_eq(mmu_update(l1_maddr + 8, (pfn_of(tables[L4]) << 12) | PTE_P | PTE_RW,
			    &done), -XEN_EBUSY);
	check_eq(done, 0);
	/* frames that are not the guest's; cache attributes; superpages */
	check_eq(mmu_update(l1_maddr + 8, (boot_start_info->nr_pages << 12) | PTE_P, 0),
		 -XEN_EPERM);
	check_eq(mmu_update(l1_maddr + 8, (pfn_of(frame_b) << 12) | PTE_P | PTE_PCD, 0),
		 -XEN_EINVAL);
	uint64_t l2_maddr = pfn_of(tables[L2]) << 12;
	check_eq(mmu_update(l2_maddr + 8, (pfn_of(frame_b) << 12) | PTE_P | PTE_PS, 0),
		 -XEN_EINVAL);
	/* an L2 entry to data, an L4 entry to itself writable, a hypervisor
	 * slot */
	check_eq(mmu_update(l2_maddr + 8, (pfn_of(frame_b) << 12) | PTE_P, 0), -XEN_EINVAL);
	check_eq(mmu_update(l4_maddr + 2 * 8, l4_maddr | PTE_P | PTE_RW, 0), -XEN_EINVAL);
	check_eq(mmu_update(l4_maddr + 256 * 8, 0, 0), -XEN_EINVAL);
	check_eq(mmu_update(l4_maddr + 259 * 8, 0, 0), -XEN_EINVAL);
	/* a pinned table cannot be pinned again; unknown commands; others */
	check_eq(mmuext(MMUEXT_PIN_L4_TABLE, l4_maddr >> 12), -XEN_EINVAL);
	check_eq(mmuext(77, 0), -XEN_ENOSYS);
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
	check_eq(hypercall_via_syscall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1,
				       0, 0, 0), -XEN_ESRCH);
	check_eq(hypercall_via_syscall(__HYPERVISOR_mmu_update, 0x1000, 1, 0,
				       DOMID_SELF, 0), -XEN_EFAULT);
	/* a batch stops at its first error and says how far it got */
	struct mmu_update two[2] = {
		{ l1_maddr + 16, (pfn_of(frame_b) << 12) | PTE_P },
		{ l1_maddr + 24, (pfn_of(tables[L3]) << 12) | PTE_P | PTE_RW },
	};
	check_eq(hypercall_via_syscall(__HYPERVISOR_mmu_update, (unsigned long)two, 2,
				       (unsigned long)&done, DOMID_SELF, 0), -XEN_EBUSY);
	check_eq(done, 1);
	check_eq(mmu_update(l1_maddr + 16, 0, 0), 0);
}

/* Where a read-only self-map in L4 slot SELF_SLOT shows the tables: the
 * L4 at SELF_L4, and the L1 entry of any va at SELF_BASE + (va >> 9). */
#define SELF_SLOT 2
#define SELF_BASE ((uint64_t)SELF_SLOT << 39)
#define SELF_L4 (SELF_BASE | SELF_BASE >> 9 | SELF_BASE >> 18 | SELF_BASE >> 27)

static void check_linear_page_table(uint64_t l4_maddr)
{
	check_eq(mmu_update(l4_maddr + SELF_SLOT * 8, l4_maddr | PTE_P, 0), 0);
	check_eq(mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0), 0);
	const volatile uint64_t *l4 = (const volatile uint64_t *)SELF_L4;
	check_eq(l4[TEST_SLOT], tables[L4][TEST_SLOT]);
	check_eq(l4[SELF_SLOT], tables[L4][SELF_SLOT]);
	const volatile uint64_t *l1e =
		(const volatile uint64_t *)(SELF_BASE + ((TEST_VA >> 9) & 0x7ffffffff8ul));
	check_eq(*l1e, tables[L1][0]);
	check_eq(*l1e >> 12 & 0xfffffffffful, pfn_of(frame_a));
	check_eq(mmu_update(l4_maddr + SELF_SLOT * 8, 0, 0), 0);
	check_eq(mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0), 0);
	printk("mmu: a read-only L4 self-map shows the page tables\n");
}

/* Xen's fixed M2P address (PML4 slot 256), for guests that never ask
 * XENMEM_machphys_mapping.  m2p_probe(p) reads *p, or returns
 * M2P_PROBE_FAULTED if that faulted (the #PF hook resumes there). */
#define M2P_PROBE_FAULTED 0xfa017ed0f2b9ull
__asm__(".pushsection .text\n"
	TRAP_STUB(handler_pf, 14, 1)
	".global m2p_probe\n"
	"m2p_probe:\n"
	"	movq (%rdi), %rax\n"
	"	ret\n"
	".global byte_store_probe\n"
	"byte_store_probe:\n"
	"	movb %sil, (%rdi)\n"
	"	xorl %eax, %eax\n"
	"	ret\n"
	"m2p_probe_faulted:\n"
	"	movabsq $0xfa017ed0f2b9, %rax\n"
	"	ret\n"
	".popsection\n");
extern const char handler_pf[], m2p_probe_faulted[];
uint64_t m2p_probe(const volatile uint64_t *p);
/* Stores v at p: 0, or M2P_PROBE_FAULTED. */
uint64_t byte_store_probe(volatile uint8_t *p, uint8_t v);

static unsigned nr_page_faults;

static void resume_after_fault(struct trap_stack *s)
{
	nr_page_faults++;
	s->frame[trap_rip_slot(s)] = (uint64_t)m2p_probe_faulted;
}

/*
 * A mapping made read-only or taken away ends for the guest once it has
 * flushed, as on Xen.  In the host trap path KVM does not see the
 * launcher's store into the table, and is made to forget the old frame's
 * translations instead (platform_write_entry); the frame is written and
 * read first, so that KVM holds writable translations to forget.
 * Runs after check_m2p_fixed_address, whose #PF handler it uses.
 */
static void check_narrowed_mappings(uint64_t l1_maddr)
{
	const uint64_t pte = (pfn_of(frame_a) << 12) | PTE_P;
	volatile uint8_t *va = (volatile uint8_t *)TEST_VA;
	check_eq(mmu_update(l1_maddr, pte | PTE_RW, 0), 0);
	check_eq(mmuext(MMUEXT_INVLPG_LOCAL, TEST_VA), 0);
	trap_hook = resume_after_fault;
	nr_page_faults = 0;
	check_eq(byte_store_probe(va + 7, 0x77), 0);
	check_eq(frame_a[7], 0x77);

	check_eq(mmu_update(l1_maddr, pte, 0), 0);
	check_eq(mmuext(MMUEXT_INVLPG_LOCAL, TEST_VA), 0);
	check_eq(m2p_probe((const volatile uint64_t *)TEST_VA), *(const uint64_t *)frame_a);
	check_eq(byte_store_probe(va + 7, 0x66), M2P_PROBE_FAULTED);
	check_eq(frame_a[7], 0x77);

	check_eq(mmu_update(l1_maddr, 0, 0), 0);
	check_eq(mmuext(MMUEXT_INVLPG_LOCAL, TEST_VA), 0);
	check_eq(m2p_probe((const volatile uint64_t *)TEST_VA), M2P_PROBE_FAULTED);
	check_eq(nr_page_faults, 2);
	trap_hook = 0;

	check_eq(mmu_update(l1_maddr, pte | PTE_RW, 0), 0);
	check_eq(mmuext(MMUEXT_INVLPG_LOCAL, TEST_VA), 0);
	check_eq(byte_store_probe(va + 7, 0x55), 0);
	check_eq(frame_a[7], 0x55);
	printk("mmu: mappings made read-only or taken away end at once\n");
}

static void check_m2p_fixed_address(void)
{
	static const struct trap_info table[] = {
		{ 14, 0, FLAT_KERNEL_CS, (unsigned long)handler_pf },
		{ 0, 0, 0, 0 },
	};
	require(hypercall_via_syscall(__HYPERVISOR_set_trap_table, (unsigned long)table,
				      0, 0, 0, 0) == 0, "set_trap_table");
	trap_hook = resume_after_fault;
	const volatile uint64_t *m2p = (const volatile uint64_t *)MACH2PHYS_VIRT_START;
	const uint64_t pfn = pfn_of(frame_a);
	uint64_t got = m2p_probe(&m2p[pfn]);
	if (got == M2P_PROBE_FAULTED && nr_page_faults == 1) {
		printk("mmu: M2P at MACH2PHYS_VIRT_START faults here\n");
	} else {
		check_eq(got, pfn);
		check_eq(nr_page_faults, 0);
		printk("mmu: M2P at MACH2PHYS_VIRT_START reads\n");
	}
	trap_hook = 0;
}

static void check_m2p(void)
{
	struct xen_machphys_mapping m;
	require(hypercall_via_syscall(__HYPERVISOR_memory_op, XENMEM_machphys_mapping,
				      (unsigned long)&m, 0, 0, 0) == 0,
		"XENMEM_machphys_mapping");
	const volatile uint64_t *m2p = (const volatile uint64_t *)m.v_start;
	check(m.max_mfn + 1 >= boot_start_info->nr_pages);
	check_eq(m.v_end - m.v_start, (m.max_mfn + 1) * 8);
	const uint64_t *p2m = (const uint64_t *)boot_start_info->mfn_list;
	for (uint64_t pfn = 0; pfn < boot_start_info->nr_pages; pfn += 97)
		check_eq(m2p[p2m[pfn]], pfn);
	if (m.max_mfn >= boot_start_info->nr_pages)
		check_eq(m2p[m.max_mfn], ~0ul);
	uint64_t mfn = pfn_of(frame_b);
	check_eq(mmu_update((mfn << 12) | MMU_MACHPHYS_UPDATE, 12345, 0), 0);
	check_eq(m2p[mfn], 12345);
	check_eq(mmu_update((mfn << 12) | MMU_MACHPHYS_UPDATE, mfn, 0), 0);
	check_eq(m2p[mfn], mfn);
	check_eq(mmu_update((m.max_mfn + 1) << 12 | MMU_MACHPHYS_UPDATE, 0, 0), -XEN_EINVAL);
}

static void check_memory_op(void)
{
	struct { uint64_t addr, size; uint32_t type; } __attribute__((packed)) e820[4];
	struct xen_memory_map map = { .nr_entries = 4 };
	set_xen_guest_handle(map.buffer, e820);
	check_eq(hypercall_via_syscall(__HYPERVISOR_memory_op, XENMEM_memory_map,
				       (unsigned long)&map, 0, 0, 0), 0);
	check_eq(map.nr_entries, 1);
	check_eq(e820[0].addr, 0);
	check_eq(e820[0].size, boot_start_info->nr_pages << 12);
	check_eq(e820[0].type, 1);
	domid_t self = DOMID_SELF;
	check_eq(hypercall_via_syscall(__HYPERVISOR_memory_op, XENMEM_current_reservation,
				       (unsigned long)&self, 0, 0, 0),
		 boot_start_info->nr_pages);
}

static long reservation_op(unsigned op, uint64_t *frame)
{
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };
	set_xen_guest_handle(r.extent_start, frame);
	return hypercall_via_syscall(__HYPERVISOR_memory_op, op, (unsigned long)&r, 0, 0, 0);
}

/*
 * Ballooning as Linux's driver does it: the kernel's mapping of a page
 * dropped, the frame given back, the reservation one page smaller, the
 * frame out of reach; then a frame taken again with populate_physmap,
 * zeroed, its M2P entry the pfn asked for, mapped where the old one was.
 * A frame still mapped writable is refused.
 */
static void check_balloon(void)
{
	domid_t self = DOMID_SELF;
	const long pages = (long)boot_start_info->nr_pages;
	const uint64_t pfn = pfn_of(frame_c);
	memset(frame_c, 0xcc, PAGE_SIZE);
	uint64_t frame = pfn_of(frame_b);
	check_eq(reservation_op(XENMEM_decrease_reservation, &frame), 0);
	require(update_va(frame_c, 0, UVMF_INVLPG | UVMF_LOCAL) == 0, "frame_c unmapped");
	frame = pfn;
	check_eq(reservation_op(XENMEM_decrease_reservation, &frame), 1);
	check_eq(hypercall_via_syscall(__HYPERVISOR_memory_op, XENMEM_current_reservation,
				       (unsigned long)&self, 0, 0, 0), pages - 1);
	check_eq(update_va(frame_c, (pfn << 12) | PTE_P | PTE_RW, UVMF_INVLPG | UVMF_LOCAL),
		 -XEN_EINVAL);
	check_eq(mmu_update((pfn << 12) | MMU_MACHPHYS_UPDATE, pfn, 0), -XEN_EINVAL);

	frame = pfn;
	check_eq(reservation_op(XENMEM_populate_physmap, &frame), 1);
	check_eq(hypercall_via_syscall(__HYPERVISOR_memory_op, XENMEM_current_reservation,
				       (unsigned long)&self, 0, 0, 0), pages);
	struct xen_machphys_mapping m;
	require(hypercall_via_syscall(__HYPERVISOR_memory_op, XENMEM_machphys_mapping,
				      (unsigned long)&m, 0, 0, 0) == 0,
		"XENMEM_machphys_mapping");
	check_eq(((const volatile uint64_t *)m.v_start)[frame], pfn);
	require(update_va(frame_c, (frame << 12) | PTE_P | PTE_RW, UVMF_INVLPG | UVMF_LOCAL) == 0,
		"frame_c mapped again");
	unsigned nonzero = 0;
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		nonzero += frame_c[i] != 0;
	check_eq(nonzero, 0);
	printk("mmu: balloon: a frame given back and taken again\n");
}

/*
 * XENMEM_exchange as Linux's xen_create_contiguous_region uses it: with a
 * frame given back first (frame_d's: the only free one, so the one handed
 * out), frame_e's frame is exchanged for a new one, which the out list
 * names and whose M2P entry is frame_e's pfn; the old frame is no longer
 * the domain's, the new one reads zero where frame_e was mapped.  A frame
 * still mapped writable is refused with nothing exchanged.  Finally the
 * old frame is taken back for frame_d's pfn.
 */
static void check_exchange(void)
{
	const uint64_t pfn_d = pfn_of(frame_d), pfn_e = pfn_of(frame_e);
	uint64_t frame = pfn_d;
	require(update_va(frame_d, 0, UVMF_INVLPG | UVMF_LOCAL) == 0, "frame_d unmapped");
	check_eq(reservation_op(XENMEM_decrease_reservation, &frame), 1);
	uint64_t in = pfn_e, out = pfn_e;
	struct xen_memory_exchange x = {
		.in = { .nr_extents = 1, .domid = DOMID_SELF },
		.out = { .nr_extents = 1, .domid = DOMID_SELF },
	};
	set_xen_guest_handle(x.in.extent_start, &in);
	set_xen_guest_handle(x.out.extent_start, &out);
	memset(frame_e, 0xee, PAGE_SIZE);
	check_eq(hypercall_via_syscall(__HYPERVISOR_memory_op, XENMEM_exchange,
				       (unsigned long)&x, 0, 0, 0), -XEN_EINVAL);
	check_eq(x.nr_exchanged, 0);
	require(update_va(frame_e, 0, UVMF_INVLPG | UVMF_LOCAL) == 0, "frame_e unmapped");
	check_eq(hypercall_via_syscall(__HYPERVISOR_memory_op, XENMEM_exchange,
				       (unsigned long)&x, 0, 0, 0), 0);
	check_eq(x.nr_exchanged, 1);
	check_eq(out, pfn_d);
	struct xen_machphys_mapping m;
	require(hypercall_via_syscall(__HYPERVISOR_memory_op, XENMEM_machphys_mapping,
				      (unsigned long)&m, 0, 0, 0) == 0,
		"XENMEM_machphys_mapping");
	const volatile uint64_t *m2p = (const volatile uint64_t *)m.v_start;
	check_eq(m2p[out], pfn_e);
	check_eq(m2p[pfn_e], ~0ull);
	check_eq(update_va(frame_e, (pfn_e << 12) | PTE_P, UVMF_INVLPG | UVMF_LOCAL), -XEN_EINVAL);
	require(update_va(frame_e, (out << 12) | PTE_P | PTE_RW, UVMF_INVLPG | UVMF_LOCAL) == 0,
		"frame_e mapped to its new frame");
	unsigned nonzero = 0;
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		nonzero += frame_e[i] != 0;
	check_eq(nonzero, 0);
	frame = pfn_d;
	check_eq(reservation_op(XENMEM_populate_physmap, &frame), 1);
	check_eq(frame, pfn_e);
	check_eq(m2p[frame], pfn_d);
	require(update_va(frame_d, (frame << 12) | PTE_P | PTE_RW, UVMF_INVLPG | UVMF_LOCAL) == 0,
		"frame_d mapped again");
	printk("mmu: exchange: a frame traded for a new one, M2P and out list updated\n");
}

/*
 * The kernel's own stores to an entry of its pinned, read-only L1, as
 * Linux makes them natively (Xen emulates them on the write fault): mov,
 * xchg, and lock cmpxchg failing then succeeding.  Each new mapping is
 * read back after an INVLPG.  Leaves entry 0 mapping frame_a.
 */
static void check_direct_stores(void)
{
	volatile uint64_t *e = &tables[L1][0];
	const uint64_t to_a = (pfn_of(frame_a) << 12) | PTE_P | PTE_RW;
	const uint64_t to_b = (pfn_of(frame_b) << 12) | PTE_P | PTE_RW;

	__asm__ volatile("movq %1, (%0)" : : "r"(e), "r"(to_b) : "memory");
	check_eq(*e & PTE_ADDR, to_b & PTE_ADDR);
	check_eq(mmuext(MMUEXT_INVLPG_LOCAL, TEST_VA), 0);
	check_eq(read_test_va(), 0xbb);

	uint64_t old = to_a;
	__asm__ volatile("xchgq %0, (%1)" : "+r"(old) : "r"(e) : "memory");
	check_eq(old & PTE_ADDR, to_b & PTE_ADDR);
	check_eq(mmuext(MMUEXT_INVLPG_LOCAL, TEST_VA), 0);
	check_eq(read_test_va(), 0xa1);

	uint64_t expect = to_b; /* wrong: the entry maps frame_a */
	uint8_t zf;
	__asm__ volatile("lock cmpxchgq %3, (%2); setz %1"
			 : "+a"(expect), "=q"(zf) : "r"(e), "r"(to_b) : "memory", "cc");
	check_eq(zf, 0);
	check_eq(expect, *e);
	check_eq(read_test_va(), 0xa1);
	__asm__ volatile("lock cmpxchgq %3, (%2); setz %1"
			 : "+a"(expect), "=q"(zf) : "r"(e), "r"(to_b) : "memory", "cc");
	check_eq(zf, 1);
	check_eq(mmuext(MMUEXT_INVLPG_LOCAL, TEST_VA), 0);
	check_eq(read_test_va(), 0xbb);

	__asm__ volatile("movq %1, (%0)" : : "r"(e), "r"(to_a) : "memory");
	check_eq(mmuext(MMUEXT_INVLPG_LOCAL, TEST_VA), 0);
	check_eq(read_test_va(), 0xa1);
}

void test_main(void)
{
	const uint64_t boot_l4_mfn = pfn_of((const void *)boot_start_info->pt_base);
	build_tables();
	uint64_t l4_maddr = pfn_of(tables[L4]) << 12, l1_maddr = pfn_of(tables[L1]) << 12;

	/* Still mapped writable: cannot become a table. */
	check_eq(mmuext(MMUEXT_PIN_L1_TABLE, l1_maddr >> 12), -XEN_EINVAL);
	require(protect_tables(PTE_P) == 0, "tables mapped read-only");
	require(mmuext(MMUEXT_PIN_L4_TABLE, l4_maddr >> 12) == 0, "PIN_L4_TABLE");
	/* USER added to what the guest wrote: the kernel runs at CPL3 */
	check_eq(tables[L1][0] & PTE_US, PTE_US);
	check_eq(tables[L4][TEST_SLOT] & PTE_US, PTE_US);

	require(mmuext(MMUEXT_NEW_BASEPTR, l4_maddr >> 12) == 0, "NEW_BASEPTR");
	printk("mmu: running on the new tables\n");
	uint64_t calls = 0;
	require(cmdline_u64(test_cmdline(), "xt.bench", &calls) != CMDLINE_BAD &&
		calls <= MAX_BENCH_CALLS, "xt.bench is a number up to %u", MAX_BENCH_CALLS);
	if (calls)
		bench_page_table_calls(l1_maddr, l4_maddr >> 12, boot_l4_mfn, calls);
	check_eq(read_test_va(), 0xaa);

	/* update_va_mapping: the new frame must show at once */
	check_eq(update_va((void *)TEST_VA, (pfn_of(frame_b) << 12) | PTE_P | PTE_RW,
			   UVMF_INVLPG | UVMF_LOCAL), 0);
	check_eq(read_test_va(), 0xbb);
	*(volatile uint8_t *)(TEST_VA + 5) = 0x5b;
	check_eq(frame_b[5], 0x5b);

	/* mmu_update, then an explicit flush */
	unsigned done = 0;
	check_eq(mmu_update(l1_maddr, (pfn_of(frame_a) << 12) | PTE_P | PTE_RW, &done), 0);
	check_eq(done, 1);
	check_eq(mmuext(MMUEXT_INVLPG_LOCAL, TEST_VA), 0);
	check_eq(read_test_va(), 0xaa);

	/* PRESERVE_AD keeps the bits the CPU set */
	(void)read_test_va();
	*(volatile uint8_t *)TEST_VA = 0xa1;
	uint64_t before = tables[L1][0];
	check_eq(mmu_update(l1_maddr | MMU_PT_UPDATE_PRESERVE_AD,
			    (pfn_of(frame_a) << 12) | PTE_P | PTE_RW, 0), 0);
	check_eq(tables[L1][0] & (PTE_A | PTE_D), before & (PTE_A | PTE_D));
	check_eq(mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0), 0);
	check_eq(read_test_va(), 0xa1);

	check_direct_stores();
	check_refusals(l1_maddr, l4_maddr);
	check_linear_page_table(l4_maddr);
	check_m2p();
	check_m2p_fixed_address();
	check_narrowed_mappings(l1_maddr);
	check_memory_op();
	check_balloon();
	check_exchange();

	/* Back to the builder's tables; the new ones, unpinned, are data. */
	require(mmuext(MMUEXT_NEW_BASEPTR, boot_l4_mfn) == 0, "NEW_BASEPTR back");
	check_eq(mmuext(MMUEXT_UNPIN_TABLE, l4_maddr >> 12), 0);
	check_eq(mmuext(MMUEXT_UNPIN_TABLE, l4_maddr >> 12), -XEN_EINVAL);
	check_eq(protect_tables(PTE_P | PTE_RW), 0);
	tables[L1][3] = 0x1234000; /* writable again */
	check_eq(tables[L1][3], 0x1234000);
}
