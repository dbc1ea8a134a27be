/*
 * grant: grant tables from inside a PV guest, as a kernel uses them.  It
 * asks the table's size and version, sets it up to two frames and maps
 * them with its own PTEs (as Linux's arch_gnttab_map_shared does), finds
 * the toolstack's console and xenstore grants in the reserved entries,
 * grants pages to itself and maps them (host mappings by linear address
 * and by PTE address, read-only and writable, in a batch), reads and
 * writes through the mappings, copies between grants and frames, and
 * checks Xen's answers to bad domains, refs, handles, addresses and a PTE
 * changed behind Xen's back.  Then the same under version 2: its status
 * frame mapped, the flags there, a sub-page grant's window, and
 * set_version refused while the status frame is mapped.  Prints
 * `grant: ...` per step.
 */
#include <stdint.h>
#include <xen/errno.h>
#include <xen/grant_table.h>
#include <xen/memory.h>

#include "hypercall.h"
#include "libc.h"
#include "pv_mmu.h"
#include "test.h"

const char test_title[] = "grant tables: setup, map, unmap, copy, versions 1 and 2";

/* xenlet's guest is domain 1; under Xen a kernel reads its id from
 * xenstore's "domid". */
#define SELF 1
#define PTE_NX (1ul << 63)

/* Pages the guest grants to itself, and windows: pages of its own image
 * whose PTEs the test points at grant frames and granted pages. */
static uint8_t page_a[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t page_b[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t page_ro[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
enum { W_TABLE0, W_TABLE1, W_STATUS, W_MAP, W_MAP2, W_PTE, W_SPARE, NR_WINDOWS };
static uint8_t window[NR_WINDOWS][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static xen_pfn_t frames[4];

/* A page seen through a window: the compiler cannot know that a store
 * through one reaches the granted page, so every access is volatile. */
static volatile uint8_t *win(int w)
{
	return window[w];
}

static uint8_t peek(const uint8_t *page, unsigned i)
{
	return ((const volatile uint8_t *)page)[i];
}

static long gnttab(unsigned cmd, void *ops, unsigned count)
{
	return hypercall_via_syscall(__HYPERVISOR_grant_table_op, cmd, (unsigned long)ops,
				     count, 0, 0);
}

/* Points window w at machine frame mfn (read-write unless ro). */
static void map_window(int w, uint64_t mfn, int ro)
{
	uint64_t pte = (mfn << 12) | PTE_P | PTE_A | PTE_D | (ro ? 0 : PTE_RW);
	long rc = update_va(window[w], pte, UVMF_INVLPG | UVMF_LOCAL);
	require(rc == 0, "update_va_mapping of window %d to mfn 0x%lx: %ld", w, mfn, rc);
}

static volatile grant_entry_v1_t *v1(uint32_t ref)
{
	return (volatile grant_entry_v1_t *)window[W_TABLE0] + ref;
}

static volatile grant_entry_v2_t *v2(uint32_t ref)
{
	return (volatile grant_entry_v2_t *)window[W_TABLE0] + ref;
}

static void grant_v1(uint32_t ref, uint64_t pfn, uint16_t flags)
{
	v1(ref)->domid = SELF;
	v1(ref)->frame = (uint32_t)pfn;
	__atomic_store_n(&v1(ref)->flags, flags, __ATOMIC_RELEASE);
}

static int16_t map(uint64_t addr, uint32_t flags, uint32_t ref, uint16_t dom,
		   grant_handle_t *handle)
{
	struct gnttab_map_grant_ref op = { .host_addr = addr, .flags = flags, .ref = ref,
					   .dom = dom, .status = 99 };
	long rc = gnttab(GNTTABOP_map_grant_ref, &op, 1);
	check_eq(rc, 0);
	if (handle)
		*handle = op.handle;
	return op.status;
}

static int16_t unmap(uint64_t addr, grant_handle_t handle)
{
	struct gnttab_unmap_grant_ref op = { .host_addr = addr, .handle = handle,
					     .status = 99 };
	check_eq(gnttab(GNTTABOP_unmap_grant_ref, &op, 1), 0);
	return op.status;
}

static struct gnttab_copy copy_op(uint16_t flags, uint64_t src, uint16_t soff,
				  uint64_t dst, uint16_t doff, uint16_t len)
{
	struct gnttab_copy op = { .len = len, .flags = flags, .status = 99 };
	op.source.u.gmfn = src;
	op.source.domid = (flags & GNTCOPY_source_gref) ? SELF : DOMID_SELF;
	op.source.offset = soff;
	op.dest.u.gmfn = dst;
	op.dest.domid = (flags & GNTCOPY_dest_gref) ? SELF : DOMID_SELF;
	op.dest.offset = doff;
	return op;
}

static int16_t copy(struct gnttab_copy op)
{
	check_eq(gnttab(GNTTABOP_copy, &op, 1), 0);
	return op.status;
}

static uint32_t version(void)
{
	struct gnttab_get_version op = { .dom = DOMID_SELF };
	check_eq(gnttab(GNTTABOP_get_version, &op, 1), 0);
	return op.version;
}

static long set_version(uint32_t v)
{
	struct gnttab_set_version op = { .version = v };
	return gnttab(GNTTABOP_set_version, &op, 1);
}

static void setup_and_map_table(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	check_eq(gnttab(GNTTABOP_query_size, &q, 1), 0);
	check_eq(q.status, GNTST_okay);
	check_eq(q.nr_frames, 1);
	check_eq(q.max_nr_frames, 32);
	check_eq(version(), 1);

	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 2 };
	s.frame_list.p = frames;
	check_eq(gnttab(GNTTABOP_setup_table, &s, 1), 0);
	require(s.status == GNTST_okay, "setup_table status %d", s.status);
	check_eq(frames[1], frames[0] + 1);
	check(frames[0] >= boot_start_info->nr_pages); /* not the guest's RAM */
	map_window(W_TABLE0, frames[0], 0);
	map_window(W_TABLE1, frames[1], 0);
	printk("grant: table of 2 frames at mfn 0x%lx mapped\n", frames[0]);

	/* the toolstack's grants of the rings to dom0 */
	check_eq(v1(GNTTAB_RESERVED_CONSOLE)->flags, GTF_permit_access);
	check_eq(v1(GNTTAB_RESERVED_CONSOLE)->domid, 0);
	check_eq(v1(GNTTAB_RESERVED_CONSOLE)->frame, boot_start_info->console.domU.mfn);
	check_eq(v1(GNTTAB_RESERVED_XENSTORE)->frame, boot_start_info->store_mfn);

	/* errors */
	s.nr_frames = 33;
	check_eq(gnttab(GNTTABOP_setup_table, &s, 1), 0);
	check_eq(s.status, GNTST_general_error);
	s.nr_frames = 1;
	s.dom = 0;
	check_eq(gnttab(GNTTABOP_setup_table, &s, 1), 0);
	check_eq(s.status, GNTST_permission_denied);
	s.dom = 7;
	check_eq(gnttab(GNTTABOP_setup_table, &s, 1), 0);
	check_eq(s.status, GNTST_bad_domain);
	check_eq(gnttab(GNTTABOP_setup_table, &s, 2), -XEN_EINVAL);
	/* a frame past those set up cannot be mapped */
	check_eq(update_va(window[W_SPARE], ((frames[0] + 2) << 12) | PTE_P, 0), -XEN_EPERM);
	/* nor added to a physmap a PV guest does not have */
	struct xen_add_to_physmap x = { .domid = DOMID_SELF,
					.space = XENMAPSPACE_grant_table,
					.gpfn = pfn_of(window[W_SPARE]) };
	check_eq(hypercall_via_syscall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap,
				       (unsigned long)&x, 0, 0, 0), -XEN_EACCES);
}

static void map_and_unmap(void)
{
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		page_a[i] = (uint8_t)(i * 7);
	grant_v1(10, pfn_of(page_a), GTF_permit_access);
	/* the grant is made out to the entry's domain, by id */
	check_eq(map((uint64_t)window[W_MAP], GNTMAP_host_map, 10, DOMID_SELF, 0),
		 GNTST_bad_domain);
	check_eq(map((uint64_t)window[W_MAP], GNTMAP_host_map, 10, 0, 0), GNTST_bad_domain);
	check_eq(map((uint64_t)window[W_MAP], GNTMAP_host_map, 2000, SELF, 0), GNTST_bad_gntref);
	check_eq(map((uint64_t)window[W_MAP], 0, 10, SELF, 0), GNTST_bad_gntref);
	check_eq(map(boot_entry_maddr((uint64_t)window[W_PTE], 1) + 3,
		     GNTMAP_host_map | GNTMAP_contains_pte, 10, SELF, 0), GNTST_general_error);
	check_eq(v1(10)->flags, GTF_permit_access);

	grant_handle_t h;
	require(map((uint64_t)window[W_MAP], GNTMAP_host_map, 10, SELF, &h) == GNTST_okay,
		"map of ref 10");
	check_eq(v1(10)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	int same = 1;
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		same &= win(W_MAP)[i] == (uint8_t)(i * 7);
	check_msg(same, "the mapping shows the granted page");
	win(W_MAP)[100] = 0x5a;
	check_eq(peek(page_a, 100), 0x5a);
	printk("grant: ref 10 mapped writable, handle %u\n", h);

	/* a read-only mapping of the same grant, by its PTE's address */
	grant_handle_t h2;
	uint64_t pte = boot_entry_maddr((uint64_t)window[W_PTE], 1);
	check_eq(map(pte, GNTMAP_host_map | GNTMAP_contains_pte | GNTMAP_readonly, 10, SELF,
		     &h2), GNTST_okay);
	check_eq(win(W_PTE)[100], 0x5a);
	check(h2 != h);

	/* the PTE changed behind Xen's back: the unmap is refused */
	check_eq(update_va(window[W_MAP], (pfn_of(page_b) << 12) | PTE_P | PTE_RW,
			   UVMF_INVLPG), 0);
	check_eq(unmap((uint64_t)window[W_MAP], h), GNTST_general_error);
	check_eq(v1(10)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	check_eq(update_va(window[W_MAP], (pfn_of(page_a) << 12) | PTE_P | PTE_RW | PTE_NX,
			   UVMF_INVLPG), 0);
	check_eq(unmap((uint64_t)window[W_MAP], h), GNTST_okay);
	check_eq(unmap((uint64_t)window[W_MAP], h), GNTST_bad_handle);
	check_eq(v1(10)->flags, GTF_permit_access | GTF_reading);
	struct gnttab_unmap_grant_ref u = { .host_addr = pte, .handle = h2 };
	check_eq(gnttab(GNTTABOP_unmap_grant_ref, &u, 1), 0);
	check_eq(u.status, GNTST_okay);
	check_eq(v1(10)->flags, GTF_permit_access);
	/* with no pin left the guest can revoke it as Linux does */
	uint16_t want = GTF_permit_access;
	check(__atomic_compare_exchange_n(&v1(10)->flags, &want, 0, 0, __ATOMIC_SEQ_CST,
					  __ATOMIC_SEQ_CST));

	/* read-only grants, and a batch with one bad element */
	grant_v1(11, pfn_of(page_ro), GTF_permit_access | GTF_readonly);
	page_ro[0] = 0x77;
	grant_v1(12, pfn_of(page_a), GTF_permit_access);
	struct gnttab_map_grant_ref m[3] = {
		{ .host_addr = (uint64_t)window[W_MAP], .flags = GNTMAP_host_map | GNTMAP_readonly,
		  .ref = 11, .dom = SELF },
		{ .host_addr = (uint64_t)window[W_MAP2], .flags = GNTMAP_host_map,
		  .ref = 11, .dom = SELF },
		{ .host_addr = (uint64_t)window[W_MAP2], .flags = GNTMAP_host_map,
		  .ref = 12, .dom = SELF },
	};
	check_eq(gnttab(GNTTABOP_map_grant_ref, m, 3), 0);
	check_eq(m[0].status, GNTST_okay);
	check_eq(m[1].status, GNTST_general_error);
	check_eq(m[2].status, GNTST_okay);
	check_eq(win(W_MAP)[0], 0x77);
	check_eq(win(W_MAP2)[100], 0x5a);
	struct gnttab_unmap_grant_ref um[2] = {
		{ .host_addr = (uint64_t)window[W_MAP], .handle = m[0].handle },
		{ .host_addr = (uint64_t)window[W_MAP2], .handle = m[2].handle },
	};
	check_eq(gnttab(GNTTABOP_unmap_grant_ref, um, 2), 0);
	check_eq(um[0].status, GNTST_okay);
	check_eq(um[1].status, GNTST_okay);
	check_eq(v1(11)->flags, GTF_permit_access | GTF_readonly);
	printk("grant: maps and unmaps done\n");
}

static void copies(void)
{
	memset(page_b, 0, PAGE_SIZE);
	check_eq(copy(copy_op(0, pfn_of(page_a), 0, pfn_of(page_b), 16, 64)), GNTST_okay);
	check_eq(memcmp(page_b + 16, page_a, 64), 0);
	check_eq(copy(copy_op(GNTCOPY_source_gref | GNTCOPY_dest_gref, 12, 1000, 13, 0, 8)),
		 GNTST_general_error); /* ref 13 grants nothing */
	grant_v1(13, pfn_of(page_b), GTF_permit_access);
	check_eq(copy(copy_op(GNTCOPY_source_gref | GNTCOPY_dest_gref, 11, 0, 13, 4095, 1)),
		 GNTST_okay);
	check_eq(peek(page_b, 4095), 0x77);
	check_eq(copy(copy_op(GNTCOPY_dest_gref, pfn_of(page_a), 0, 11, 0, 1)),
		 GNTST_general_error); /* read-only grant */
	check_eq(copy(copy_op(0, pfn_of(page_a), 4000, pfn_of(page_b), 0, 97)),
		 GNTST_bad_copy_arg);
	struct gnttab_copy op = copy_op(0, pfn_of(page_a), 0, pfn_of(page_b), 0, 1);
	op.source.domid = SELF;
	check_eq(copy(op), GNTST_permission_denied);
	check_eq(copy(copy_op(0, boot_start_info->nr_pages, 0, pfn_of(page_b), 0, 1)),
		 GNTST_bad_page);
	check_eq(v1(13)->flags, GTF_permit_access);
	printk("grant: copies done\n");
}

static void version_2(void)
{
	check_eq(set_version(3), -XEN_EINVAL);
	require(set_version(2) == 0, "set_version 2");
	check_eq(version(), 2);
	/* the reserved entries are kept, the rest cleared */
	check_eq(v2(GNTTAB_RESERVED_XENSTORE)->full_page.frame, boot_start_info->store_mfn);
	check_eq(v2(10)->hdr.flags, 0);
	uint64_t status_mfn;
	struct gnttab_get_status_frames g = { .nr_frames = 1, .dom = DOMID_SELF };
	g.frame_list.p = &status_mfn;
	check_eq(gnttab(GNTTABOP_get_status_frames, &g, 1), 0);
	require(g.status == GNTST_okay, "get_status_frames status %d", g.status);
	g.nr_frames = 2; /* two v2 frames of 256 entries need one */
	check_eq(gnttab(GNTTABOP_get_status_frames, &g, 1), 0);
	check_eq(g.status, GNTST_general_error);
	map_window(W_STATUS, status_mfn, 0);
	volatile grant_status_t *status = (volatile grant_status_t *)window[W_STATUS];

	v2(20)->full_page.frame = pfn_of(page_a);
	v2(20)->hdr.domid = SELF;
	__atomic_store_n(&v2(20)->hdr.flags, GTF_permit_access, __ATOMIC_RELEASE);
	grant_handle_t h;
	require(map((uint64_t)window[W_MAP], GNTMAP_host_map, 20, SELF, &h) == GNTST_okay,
		"v2 map");
	check_eq(status[20], GTF_reading | GTF_writing);
	check_eq(v2(20)->hdr.flags, GTF_permit_access);
	check_eq(win(W_MAP)[100], 0x5a);
	check_eq(set_version(1), -XEN_EBUSY); /* pinned */
	check_eq(unmap((uint64_t)window[W_MAP], h), GNTST_okay);
	check_eq(status[20], 0);

	/* a sub-page grant: copies inside its window only, no maps */
	v2(21)->sub_page.frame = pfn_of(page_a);
	v2(21)->sub_page.page_off = 512;
	v2(21)->sub_page.length = 256;
	v2(21)->hdr.domid = SELF;
	__atomic_store_n(&v2(21)->hdr.flags, GTF_permit_access | GTF_sub_page,
			 __ATOMIC_RELEASE);
	memset(page_b, 0, PAGE_SIZE);
	check_eq(copy(copy_op(GNTCOPY_source_gref, 21, 512, pfn_of(page_b), 0, 256)),
		 GNTST_okay);
	check_eq(memcmp(page_b, page_a + 512, 256), 0);
	check_eq(copy(copy_op(GNTCOPY_source_gref, 21, 511, pfn_of(page_b), 0, 2)),
		 GNTST_general_error);
	check_eq(copy(copy_op(GNTCOPY_source_gref, 21, 700, pfn_of(page_b), 0, 69)),
		 GNTST_general_error);
	check_eq(map((uint64_t)window[W_MAP], GNTMAP_host_map | GNTMAP_readonly, 21, SELF, 0),
		 GNTST_general_error);
	check_eq(status[21], 0);

	/* back to v1 only once the status frame is no longer mapped */
	check_eq(set_version(1), -XEN_EBUSY);
	check_eq(version(), 2);
	check_eq(update_va(window[W_STATUS], 0, UVMF_INVLPG), 0);
	check_eq(set_version(1), 0);
	check_eq(version(), 1);
	check_eq(v1(GNTTAB_RESERVED_CONSOLE)->frame, boot_start_info->console.domU.mfn);
	check_eq(update_va(window[W_STATUS], (status_mfn << 12) | PTE_P, 0), -XEN_EPERM);
	printk("grant: version 2 done\n");
}

void test_main(void)
{
	setup_and_map_table();
	map_and_unmap();
	copies();
	version_2();
}
