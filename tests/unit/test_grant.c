/*
 * Grant tables on a fake guest (domain 1) with the PV MMU on: the table
 * the builder leaves (v1, one frame, the toolstack's reserved grants to
 * dom0), every GNTTABOP a domU makes with Xen's return values and status
 * codes, version changes and what they keep, pins as dom0's backends take
 * them (flags in the guest's entry, frame and type references, a page
 * table refusing a write pin, nothing retyped under a pin, the flush a
 * retype needs asked of the vCPUs from the dom0 handle), maps and unmaps
 * through the guest's own PTEs (references moving with the PTE, a PTE
 * changed behind Xen's back refused), copies, batches and continuations,
 * the L1 validation of grant frames, add_to_physmap's refusal, and a
 * corrupted grant state that must not take the core outside its memory.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdlib.h>
#include <string.h>

#include "pv-shim/core/xen_abi.h"
#include <xen/grant_table.h>
#include <xen/memory.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/grant/grant.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/shim_abi.h"
#include "tests/unit/fake_guest.h"

#define NR_PAGES 64
#define KBASE 0xffffffff80000000ULL
#define KPAGE(i) (KBASE + (uint64_t)(i) * FG_PAGE) /* its L1 entry: index i */
#define DATA0 16          /* KPAGE(i) maps pfn DATA0 + i, writable */
#define NR_DATA 16
#define OPS_VA KPAGE(0)   /* hypercall arguments: KPAGE(0..3) */
#define LIST_VA KPAGE(4)  /* frame lists */
#define GFRAME(i) (DATA0 + 8 + (i)) /* frames the tests grant */
#define FREE_SLOT 48      /* KPAGE(48..) have no mapping: grant maps go there */
#define SPARE 40          /* pfns 40.. are unmapped */
#define L1_PFN 3          /* the L1 of KPAGE(*) */
#define SHARED_MFN (NR_PAGES + 10)
#define GRANT_MFN (NR_PAGES + 0x100)
#define STATUS_MFN (GRANT_MFN + SHIM_GRANT_FRAMES)
#define CONSOLE_PFN (DATA0 + 14)
#define STORE_PFN (DATA0 + 15)
#define M2P_L4E 0x3234567007ULL
#define RET_RIP 0xffffffff81234567ULL
#define TRAMPOLINE SHIM_VA(SHIM_OFF_TRAMPOLINE)
#define DOMID 1
#define PTE_NX (1ULL << 63)
#define GRANT_PTE_BITS (FG_P | FG_US | 0x20ULL | 0x40ULL | PTE_NX) /* P U A D NX */

static struct fake_guest g;
static uint8_t *shim;

static struct mm_frame *frame(uint64_t pfn)
{
	return mm_frame(&g.core, pfn);
}

static uint64_t *l1(void)
{
	return (uint64_t *)fake_guest_page(&g, L1_PFN);
}

static uint64_t pte_pfn(uint64_t pte)
{
	return (pte & 0x000ffffffffff000ULL) >> 12;
}

static uint64_t l1e_ptr(unsigned i)
{
	return L1_PFN * FG_PAGE + i * 8;
}

static grant_entry_v1_t *v1(uint32_t ref)
{
	return (grant_entry_v1_t *)(shim + SHIM_OFF_GRANT) + ref;
}

static grant_entry_v2_t *v2(uint32_t ref)
{
	return (grant_entry_v2_t *)(shim + SHIM_OFF_GRANT) + ref;
}

static grant_status_t *status2(uint32_t ref)
{
	return (grant_status_t *)(shim + SHIM_OFF_GRANT_STATUS) + ref;
}

static void grant1(uint32_t ref, uint16_t domid, uint32_t pfn, uint16_t flags)
{
	*v1(ref) = (grant_entry_v1_t){ .flags = flags, .domid = domid, .frame = pfn };
}

static void *ops(void)
{
	return fake_guest_page(&g, DATA0);
}

static void setup(void)
{
	fake_guest_init(&g, NR_PAGES);
	shim = calloc(1, shim_region_size(NR_PAGES));
	ck_assert_ptr_nonnull(shim);
	g.plat.shim_region = shim;
	g.core.layout.shared_info_mfn = SHARED_MFN;
	g.core.layout.grant_mfn = GRANT_MFN;
	for (int i = 0; i < NR_DATA; i++)
		fake_guest_map(&g, KPAGE(i), DATA0 + i, FG_USER_RW);
	ck_assert_uint_eq(g.next_table_pfn, 4); /* L4 0, L3 1, L2 2, L1 3 */
	ck_assert_int_eq(mm_domain_init(&g.core, 0, M2P_L4E), 0);
	evtchn_domain_init(&g.core, DOMID, 1, 2, 1);
	grant_domain_init(&g.core, DOMID, CONSOLE_PFN, STORE_PFN);
}

static void teardown(void)
{
	free(g.plat.cpu_ops);
	fake_guest_free(&g);
	free(shim);
}

static struct trap_frame call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
			      uint64_t a3)
{
	struct trap_frame f = {
		.rax = nr, .rdi = a0, .rsi = a1, .rdx = a2, .r10 = a3,
		.rcx = RET_RIP, .r11 = 0x246, .cs = SHIM_SEL_USER_CS,
		.ss = SHIM_SEL_USER_DS, .rsp = KPAGE(15), .rflags = 0x202,
		.vector = 256, .rip = TRAMPOLINE,
	};
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	return f;
}

static long hc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct trap_frame f = call(nr, a0, a1, a2, a3);
	ck_assert_uint_eq(f.rip, RET_RIP); /* no continuation */
	return (long)f.rax;
}

/* grant_table_op(cmd, OPS_VA, count) on a copy of the array given. */
static long gnt(uint64_t cmd, const void *array, size_t size, uint64_t count)
{
	memcpy(ops(), array, size);
	return hc(__HYPERVISOR_grant_table_op, cmd, OPS_VA, count, 0);
}

static long mmu1(uint64_t ptr, uint64_t val)
{
	struct mmu_update u = { ptr, val };
	memcpy(fake_guest_page(&g, DATA0 + 3), &u, sizeof u);
	return hc(__HYPERVISOR_mmu_update, KPAGE(3), 1, 0, DOMID_SELF);
}

static long ext1(unsigned cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };
	memcpy(fake_guest_page(&g, DATA0 + 3), &op, sizeof op);
	return hc(__HYPERVISOR_mmuext_op, KPAGE(3), 1, 0, DOMID_SELF);
}

static struct gnttab_map_grant_ref map1(uint64_t addr, uint32_t flags, uint32_t ref,
					uint16_t dom)
{
	struct gnttab_map_grant_ref op = { .host_addr = addr, .flags = flags, .ref = ref,
					   .dom = dom, .status = 99, .handle = 0xdead };
	ck_assert_int_eq(gnt(GNTTABOP_map_grant_ref, &op, sizeof op, 1), 0);
	memcpy(&op, ops(), sizeof op);
	return op;
}

static int16_t unmap1(uint64_t addr, uint64_t dev_bus_addr, uint32_t handle)
{
	struct gnttab_unmap_grant_ref op = { .host_addr = addr,
					     .dev_bus_addr = dev_bus_addr,
					     .handle = handle, .status = 99 };
	ck_assert_int_eq(gnt(GNTTABOP_unmap_grant_ref, &op, sizeof op, 1), 0);
	return ((struct gnttab_unmap_grant_ref *)ops())->status;
}

static int16_t copy1(struct gnttab_copy op)
{
	op.status = 99;
	ck_assert_int_eq(gnt(GNTTABOP_copy, &op, sizeof op, 1), 0);
	return ((struct gnttab_copy *)ops())->status;
}

static long set_version(uint32_t version, uint32_t *now)
{
	struct gnttab_set_version op = { version };
	long rc = gnt(GNTTABOP_set_version, &op, sizeof op, 1);
	*now = ((struct gnttab_set_version *)ops())->version;
	return rc;
}

static uint32_t get_version(void)
{
	struct gnttab_get_version op = { .dom = DOMID_SELF, .version = 99 };
	ck_assert_int_eq(gnt(GNTTABOP_get_version, &op, sizeof op, 1), 0);
	return ((struct gnttab_get_version *)ops())->version;
}

static struct gnttab_setup_table setup1(uint16_t dom, uint32_t nr, uint64_t list)
{
	struct gnttab_setup_table op = { .dom = dom, .nr_frames = nr, .status = 99 };
	op.frame_list.p = (xen_pfn_t *)(uintptr_t)list;
	ck_assert_int_eq(gnt(GNTTABOP_setup_table, &op, sizeof op, 1), 0);
	memcpy(&op, ops(), sizeof op);
	return op;
}

static xen_pfn_t *list(void)
{
	return (xen_pfn_t *)fake_guest_page(&g, DATA0 + 4);
}

static void queue_with_room(size_t room)
{
	g.plat.cpu_ops = calloc(1, SHIM_CPU_OPS_SIZE);
	g.plat.cpu_ops_count = (uint32_t)(SHIM_CPU_OPS_MAX - room);
}

/* ---- the table a domain starts with ---------------------------------------- */

START_TEST(initial_table)
{
	ck_assert_uint_eq(get_version(), 1);
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	ck_assert_int_eq(gnt(GNTTABOP_query_size, &q, sizeof q, 1), 0);
	memcpy(&q, ops(), sizeof q);
	ck_assert_int_eq(q.status, GNTST_okay);
	ck_assert_uint_eq(q.nr_frames, 1);
	ck_assert_uint_eq(q.max_nr_frames, SHIM_GRANT_FRAMES);
	/* the toolstack's grants of the console and xenstore rings to dom0 */
	ck_assert_uint_eq(v1(GNTTAB_RESERVED_CONSOLE)->flags, GTF_permit_access);
	ck_assert_uint_eq(v1(GNTTAB_RESERVED_CONSOLE)->domid, 0);
	ck_assert_uint_eq(v1(GNTTAB_RESERVED_CONSOLE)->frame, CONSOLE_PFN);
	ck_assert_uint_eq(v1(GNTTAB_RESERVED_XENSTORE)->frame, STORE_PFN);
	ck_assert_uint_eq(v1(GNTTAB_RESERVED_XENSTORE)->domid, 0);
	ck_assert_uint_eq(v1(2)->flags, 0);
}
END_TEST

START_TEST(query_size_errors)
{
	struct gnttab_query_size q = { .dom = 0 };
	ck_assert_int_eq(gnt(GNTTABOP_query_size, &q, sizeof q, 1), 0);
	ck_assert_int_eq(((struct gnttab_query_size *)ops())->status, GNTST_permission_denied);
	q.dom = 7;
	ck_assert_int_eq(gnt(GNTTABOP_query_size, &q, sizeof q, 1), 0);
	ck_assert_int_eq(((struct gnttab_query_size *)ops())->status, GNTST_bad_domain);
	q.dom = DOMID;
	ck_assert_int_eq(gnt(GNTTABOP_query_size, &q, sizeof q, 1), 0);
	ck_assert_int_eq(((struct gnttab_query_size *)ops())->status, GNTST_okay);
	ck_assert_int_eq(gnt(GNTTABOP_query_size, &q, sizeof q, 2), -XEN_EINVAL);
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, 0x1000, 1, 0),
			 -XEN_EFAULT);
}
END_TEST

/* ---- setup_table ----------------------------------------------------------- */

START_TEST(setup_table_grows)
{
	memset(list(), 0xff, FG_PAGE);
	struct gnttab_setup_table op = setup1(DOMID_SELF, 4, LIST_VA);
	ck_assert_int_eq(op.status, GNTST_okay);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(list()[i], GRANT_MFN + i);
	ck_assert_uint_eq(list()[4], ~0ULL);
	ck_assert_uint_eq(g.st->grant.nr_frames, 4);
	/* fewer: the first frames, no shrinking; own domid works too */
	op = setup1(DOMID, 2, LIST_VA);
	ck_assert_int_eq(op.status, GNTST_okay);
	ck_assert_uint_eq(g.st->grant.nr_frames, 4);
	/* up to the maximum, not past it */
	op = setup1(DOMID_SELF, SHIM_GRANT_FRAMES, LIST_VA);
	ck_assert_int_eq(op.status, GNTST_okay);
	ck_assert_uint_eq(list()[SHIM_GRANT_FRAMES - 1], GRANT_MFN + SHIM_GRANT_FRAMES - 1);
	op = setup1(DOMID_SELF, SHIM_GRANT_FRAMES + 1, LIST_VA);
	ck_assert_int_eq(op.status, GNTST_general_error);
	op = setup1(DOMID_SELF, 0xffffffffu, LIST_VA);
	ck_assert_int_eq(op.status, GNTST_general_error);
	ck_assert_uint_eq(g.st->grant.nr_frames, SHIM_GRANT_FRAMES);
}
END_TEST

START_TEST(setup_table_errors)
{
	ck_assert_int_eq(setup1(0, 1, LIST_VA).status, GNTST_permission_denied);
	ck_assert_int_eq(setup1(9, 1, LIST_VA).status, GNTST_bad_domain);
	/* a list the guest cannot write: status, and the table still grew */
	ck_assert_int_eq(setup1(DOMID_SELF, 2, KPAGE(40)).status, GNTST_bad_virt_addr);
	ck_assert_uint_eq(g.st->grant.nr_frames, 2);
	/* a list in the hypervisor's hole or non-canonical: -EFAULT */
	struct gnttab_setup_table op = { .dom = DOMID_SELF, .nr_frames = 1 };
	op.frame_list.p = (xen_pfn_t *)(uintptr_t)0xffff808000000000ULL;
	ck_assert_int_eq(gnt(GNTTABOP_setup_table, &op, sizeof op, 1), -XEN_EFAULT);
	op.frame_list.p = (xen_pfn_t *)(uintptr_t)0x0000800000000000ULL;
	ck_assert_int_eq(gnt(GNTTABOP_setup_table, &op, sizeof op, 1), -XEN_EFAULT);
	op.frame_list.p = (xen_pfn_t *)(uintptr_t)LIST_VA;
	ck_assert_int_eq(gnt(GNTTABOP_setup_table, &op, sizeof op, 0), -XEN_EINVAL);
	ck_assert_int_eq(gnt(GNTTABOP_setup_table, &op, sizeof op, 2), -XEN_EINVAL);
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, KPAGE(41), 1, 0),
			 -XEN_EFAULT);
}
END_TEST

/* ---- the command word, unknown commands ------------------------------------- */

START_TEST(dispatch_errors)
{
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_copy, OPS_VA, 0x80000000u, 0),
			 -XEN_EINVAL);
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_copy | 0x1000, OPS_VA, 0, 0),
			 -XEN_EINVAL);
	/* upper half of cmd and count are not Xen's (unsigned int) */
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, (1ULL << 32) | GNTTABOP_copy,
			    OPS_VA, (1ULL << 32), 0), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_transfer, OPS_VA, 1, 0),
			 -XEN_ENOSYS);
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_dump_table, OPS_VA, 1, 0),
			 -XEN_ENOSYS);
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_cache_flush, OPS_VA, 1, 0),
			 -XEN_ENOSYS);
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, 99, OPS_VA, 1, 0), -XEN_ENOSYS);
	ck_assert_ptr_nonnull(strstr(fake_guest_log(&g), "grant_table_op sub-operation 4"));
	/* batched commands: an array in the hole is -EFAULT, even empty */
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref,
			    0xffff808000000000ULL, 0, 0), -XEN_EFAULT);
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, OPS_VA, 0, 0),
			 0);
	/* unreadable elements: -EFAULT at the first */
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, KPAGE(40),
			    3, 0), -XEN_EFAULT);
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_copy, KPAGE(40), 0x7fffffff,
			    0), -XEN_EFAULT);
	/* a core whose builder set up no grant table */
	g.st->grant.version = 0;
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, OPS_VA, 1, 0),
			 -XEN_ENOSYS);
}
END_TEST

/* ---- versions ----------------------------------------------------------------- */

START_TEST(set_and_get_version)
{
	uint32_t now;
	ck_assert_int_eq(set_version(3, &now), -XEN_EINVAL);
	ck_assert_uint_eq(now, 1);
	ck_assert_int_eq(set_version(0, &now), -XEN_EINVAL);
	ck_assert_int_eq(set_version(1, &now), 0);
	grant1(20, DOMID, GFRAME(0), GTF_permit_access);
	ck_assert_int_eq(set_version(2, &now), 0);
	ck_assert_uint_eq(now, 2);
	ck_assert_uint_eq(get_version(), 2);
	/* everything but the reserved entries is cleared */
	ck_assert_uint_eq(v2(20)->hdr.flags, 0);
	ck_assert_uint_eq(v2(GNTTAB_RESERVED_CONSOLE)->hdr.flags, GTF_permit_access);
	ck_assert_uint_eq(v2(GNTTAB_RESERVED_CONSOLE)->full_page.frame, CONSOLE_PFN);
	ck_assert_uint_eq(v2(GNTTAB_RESERVED_XENSTORE)->full_page.frame, STORE_PFN);
	ck_assert_uint_eq(v2(GNTTAB_RESERVED_XENSTORE)->hdr.domid, 0);
	ck_assert_uint_eq(g.st->grant.nr_status_frames, 1);
	ck_assert_int_eq(set_version(1, &now), 0);
	ck_assert_uint_eq(v1(GNTTAB_RESERVED_CONSOLE)->frame, CONSOLE_PFN);
	ck_assert_uint_eq(v1(GNTTAB_RESERVED_CONSOLE)->flags, GTF_permit_access);
	ck_assert_uint_eq(g.st->grant.nr_status_frames, 0);

	struct gnttab_get_version gv = { .dom = 0 };
	ck_assert_int_eq(gnt(GNTTABOP_get_version, &gv, sizeof gv, 1), -XEN_EPERM);
	gv.dom = 3;
	ck_assert_int_eq(gnt(GNTTABOP_get_version, &gv, sizeof gv, 1), -XEN_ESRCH);
	gv.dom = DOMID;
	ck_assert_int_eq(gnt(GNTTABOP_get_version, &gv, sizeof gv, 1), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_grant_table_op, GNTTABOP_set_version, 0x1000, 1, 0),
			 -XEN_EFAULT);
}
END_TEST

START_TEST(status_frames)
{
	uint32_t now;
	struct gnttab_get_status_frames op = { .nr_frames = 1, .dom = DOMID_SELF };
	op.frame_list.p = (uint64_t *)(uintptr_t)LIST_VA;
	/* none under v1 */
	ck_assert_int_eq(gnt(GNTTABOP_get_status_frames, &op, sizeof op, 1), 0);
	ck_assert_int_eq(((struct gnttab_get_status_frames *)ops())->status,
			 GNTST_general_error);
	ck_assert_int_eq(set_version(2, &now), 0);
	ck_assert_int_eq(gnt(GNTTABOP_get_status_frames, &op, sizeof op, 1), 0);
	ck_assert_int_eq(((struct gnttab_get_status_frames *)ops())->status, GNTST_okay);
	ck_assert_uint_eq(list()[0], STATUS_MFN);
	/* 9 shared frames of 256 entries: 2 status frames of 2048 */
	ck_assert_int_eq(setup1(DOMID_SELF, 9, LIST_VA).status, GNTST_okay);
	ck_assert_uint_eq(g.st->grant.nr_status_frames, 2);
	op.nr_frames = 2;
	ck_assert_int_eq(gnt(GNTTABOP_get_status_frames, &op, sizeof op, 1), 0);
	ck_assert_int_eq(((struct gnttab_get_status_frames *)ops())->status, GNTST_okay);
	ck_assert_uint_eq(list()[1], STATUS_MFN + 1);
	op.nr_frames = 3;
	ck_assert_int_eq(gnt(GNTTABOP_get_status_frames, &op, sizeof op, 1), 0);
	ck_assert_int_eq(((struct gnttab_get_status_frames *)ops())->status,
			 GNTST_general_error);
	op.nr_frames = 1;
	op.dom = 0;
	ck_assert_int_eq(gnt(GNTTABOP_get_status_frames, &op, sizeof op, 1), 0);
	ck_assert_int_eq(((struct gnttab_get_status_frames *)ops())->status,
			 GNTST_permission_denied);
	op.dom = 8;
	ck_assert_int_eq(gnt(GNTTABOP_get_status_frames, &op, sizeof op, 1), 0);
	ck_assert_int_eq(((struct gnttab_get_status_frames *)ops())->status, GNTST_bad_domain);
	op.dom = DOMID_SELF;
	op.frame_list.p = (uint64_t *)(uintptr_t)KPAGE(40);
	ck_assert_int_eq(gnt(GNTTABOP_get_status_frames, &op, sizeof op, 1), 0);
	ck_assert_int_eq(((struct gnttab_get_status_frames *)ops())->status,
			 GNTST_bad_virt_addr);
	op.frame_list.p = (uint64_t *)(uintptr_t)0xffff800000001000ULL;
	ck_assert_int_eq(gnt(GNTTABOP_get_status_frames, &op, sizeof op, 1), -XEN_EFAULT);
	ck_assert_int_eq(gnt(GNTTABOP_get_status_frames, &op, sizeof op, 2), -XEN_EINVAL);
}
END_TEST

START_TEST(set_version_busy_while_pinned)
{
	uint32_t now;
	struct grant_use use;
	grant1(20, 0, GFRAME(0), GTF_permit_access);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 20, 0, &use), GNTST_okay);
	ck_assert_int_eq(set_version(2, &now), -XEN_EBUSY);
	ck_assert_uint_eq(now, 1);
	ck_assert_uint_eq(v1(20)->flags, GTF_permit_access | GTF_reading);
	grant_release(&g.core, 20, 0);
	ck_assert_uint_eq(v1(20)->flags, GTF_permit_access);

	/* a reserved grant may stay in use: its flags move to the status */
	ck_assert_int_eq(grant_acquire(&g.core, 0, GNTTAB_RESERVED_CONSOLE, GRANT_USE_WRITE,
				       &use), GNTST_okay);
	ck_assert_uint_eq(use.pfn, CONSOLE_PFN);
	ck_assert_int_eq(set_version(2, &now), 0);
	ck_assert_uint_eq(v2(GNTTAB_RESERVED_CONSOLE)->hdr.flags, GTF_permit_access);
	ck_assert_uint_eq(*status2(GNTTAB_RESERVED_CONSOLE), GTF_reading | GTF_writing);
	grant_release(&g.core, GNTTAB_RESERVED_CONSOLE, GRANT_USE_WRITE);
	ck_assert_uint_eq(*status2(GNTTAB_RESERVED_CONSOLE), 0);
	ck_assert_int_eq(grant_acquire(&g.core, 0, GNTTAB_RESERVED_CONSOLE, 0, &use),
			 GNTST_okay);
	ck_assert_int_eq(set_version(1, &now), 0);
	ck_assert_uint_eq(v1(GNTTAB_RESERVED_CONSOLE)->flags, GTF_permit_access | GTF_reading);
	grant_release(&g.core, GNTTAB_RESERVED_CONSOLE, 0);
	ck_assert_uint_eq(v1(GNTTAB_RESERVED_CONSOLE)->flags, GTF_permit_access);
	ck_assert_uint_eq(frame(CONSOLE_PFN)->ref_count, 0);
}
END_TEST

START_TEST(set_version_busy_while_status_mapped)
{
	uint32_t now;
	ck_assert_int_eq(set_version(2, &now), 0);
	/* the guest maps its status frame writable, as Linux does */
	ck_assert_int_eq(mmu1(l1e_ptr(FREE_SLOT), (STATUS_MFN << 12) | FG_USER_RW), 0);
	ck_assert_uint_eq(g.st->grant.status_maps[0], 1);
	ck_assert_int_eq(set_version(1, &now), -XEN_EBUSY);
	ck_assert_uint_eq(now, 2);
	ck_assert_int_eq(mmu1(l1e_ptr(FREE_SLOT), 0), 0);
	ck_assert_uint_eq(g.st->grant.status_maps[0], 0);
	ck_assert_int_eq(set_version(1, &now), 0);
	/* gone with v2: no mapping of it now */
	ck_assert_int_eq(mmu1(l1e_ptr(FREE_SLOT), (STATUS_MFN << 12) | FG_P), -XEN_EPERM);
}
END_TEST

START_TEST(set_version_range)
{
	uint32_t now;
	ck_assert_int_eq(set_version(2, &now), 0);
	v2(3)->hdr.flags = GTF_permit_access;
	v2(3)->hdr.domid = 0;
	v2(3)->full_page.frame = 1ULL << 32;
	ck_assert_int_eq(set_version(1, &now), -XEN_ERANGE);
	ck_assert_uint_eq(now, 2);
	v2(3)->hdr.flags = GTF_transitive;
	ck_assert_int_eq(set_version(1, &now), -XEN_ERANGE);
	/* other kinds are dropped */
	v2(3)->hdr.flags = GTF_accept_transfer;
	ck_assert_int_eq(set_version(1, &now), 0);
	ck_assert_uint_eq(v1(3)->flags, 0);
	ck_assert_uint_eq(v1(3)->frame, 0);
}
END_TEST

/* ---- the guest's own PTEs to grant frames ------------------------------------ */

START_TEST(l1_validation_of_grant_frames)
{
	uint64_t p = l1e_ptr(FREE_SLOT);
	ck_assert_int_eq(mmu1(p, (GRANT_MFN << 12) | FG_USER_RW), 0);
	ck_assert_int_eq(mmu1(p, (GRANT_MFN << 12) | FG_P), 0);
	/* frames not set up yet, the status frames under v1, past them */
	ck_assert_int_eq(mmu1(p, ((GRANT_MFN + 1) << 12) | FG_P), -XEN_EPERM);
	ck_assert_int_eq(mmu1(p, (STATUS_MFN << 12) | FG_P), -XEN_EPERM);
	ck_assert_int_eq(mmu1(p, ((STATUS_MFN + SHIM_GRANT_STATUS_FRAMES) << 12) | FG_P),
			 -XEN_EPERM);
	ck_assert_int_eq(mmu1(p, ((GRANT_MFN - 1) << 12) | FG_P), -XEN_EPERM);
	ck_assert_int_eq(setup1(DOMID_SELF, 3, LIST_VA).status, GNTST_okay);
	ck_assert_int_eq(mmu1(p, ((GRANT_MFN + 2) << 12) | FG_USER_RW), 0);
	ck_assert_int_eq(mmu1(p, ((GRANT_MFN + 3) << 12) | FG_USER_RW), -XEN_EPERM);
	/* the guest writes an entry through its mapping: the core sees it */
	ck_assert_int_eq(mmu1(p, (GRANT_MFN << 12) | FG_USER_RW), 0);
	ck_assert_int_eq(mmu1(p, 0), 0);
	/* as a table it is refused at every level */
	ck_assert_int_eq(mmu1(2 * FG_PAGE + 8 * 7, (GRANT_MFN << 12) | FG_P), -XEN_EINVAL);
}
END_TEST

/* ---- pins, as dom0's backends take them ------------------------------------- */

START_TEST(acquire_and_release)
{
	struct grant_use use;
	grant1(10, 0, GFRAME(0), GTF_permit_access);
	uint32_t type_count = frame(GFRAME(0))->type_count; /* KPAGE(8) maps it */
	ck_assert_int_eq(grant_acquire(&g.core, 0, 10, GRANT_USE_WRITE, &use), GNTST_okay);
	ck_assert_uint_eq(use.pfn, GFRAME(0));
	ck_assert_uint_eq(use.offset, 0);
	ck_assert_uint_eq(use.length, 4096);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 1);
	ck_assert_uint_eq(frame(GFRAME(0))->type_count, type_count + 1);
	/* a read pin beside it */
	ck_assert_int_eq(grant_acquire(&g.core, 0, 10, 0, &use), GNTST_okay);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 2);
	grant_release(&g.core, 10, GRANT_USE_WRITE);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access | GTF_reading);
	ck_assert_uint_eq(frame(GFRAME(0))->type_count, type_count);
	grant_release(&g.core, 10, 0);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 0);
	/* releasing what is not held changes nothing */
	grant_release(&g.core, 10, 0);
	grant_release(&g.core, 99999, GRANT_USE_WRITE);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 0);
	ck_assert_uint_eq(g.st->grant.nr_active, 0);
}
END_TEST

START_TEST(acquire_refusals)
{
	struct grant_use use;
	ck_assert_int_eq(grant_acquire(&g.core, 0, 512, 0, &use), GNTST_bad_gntref);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 0xffffffffu, 0, &use), GNTST_bad_gntref);
	/* not in use, made out to another domain, read-only, transfer */
	ck_assert_int_eq(grant_acquire(&g.core, 0, 11, 0, &use), GNTST_general_error);
	grant1(11, DOMID, GFRAME(0), GTF_permit_access);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 11, 0, &use), GNTST_general_error);
	grant1(11, 0, GFRAME(0), GTF_permit_access | GTF_readonly);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 11, GRANT_USE_WRITE, &use),
			 GNTST_general_error);
	ck_assert_uint_eq(v1(11)->flags, GTF_permit_access | GTF_readonly);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 11, 0, &use), GNTST_okay);
	grant_release(&g.core, 11, 0);
	grant1(11, 0, GFRAME(0), GTF_accept_transfer);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 11, 0, &use), GNTST_general_error);
	/* v1 sub-page flag: a map refuses it, a copy takes the page */
	grant1(11, 0, GFRAME(0), GTF_permit_access | GTF_sub_page);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 11, 0, &use), GNTST_general_error);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 11, GRANT_USE_COPY, &use), GNTST_okay);
	grant_release(&g.core, 11, GRANT_USE_COPY);
	/* frames that are not the domain's RAM */
	grant1(12, 0, NR_PAGES, GTF_permit_access);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 12, 0, &use), GNTST_bad_page);
	ck_assert_uint_eq(v1(12)->flags, GTF_permit_access); /* GTF_reading undone */
	grant1(12, 0, GRANT_MFN, GTF_permit_access);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 12, GRANT_USE_WRITE, &use), GNTST_bad_page);
	ck_assert_uint_eq(v1(12)->flags, GTF_permit_access);
	/* a page table refuses a write pin, takes a read pin */
	grant1(13, 0, L1_PFN, GTF_permit_access);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 13, GRANT_USE_WRITE, &use),
			 GNTST_general_error);
	ck_assert_uint_eq(v1(13)->flags, GTF_permit_access);
	ck_assert_uint_eq(frame(L1_PFN)->ref_count, 0);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 13, 0, &use), GNTST_okay);
	ck_assert_uint_eq(frame(L1_PFN)->type, MM_TYPE_L1);
	grant_release(&g.core, 13, 0);
	ck_assert_uint_eq(g.st->grant.nr_active, 0);
}
END_TEST

START_TEST(one_user_and_bounded_counts)
{
	struct grant_use use;
	grant1(10, 0, GFRAME(0), GTF_permit_access);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 10, 0, &use), GNTST_okay);
	/* pinned for dom0: the guest's own use of it is refused */
	grant1(10, DOMID, GFRAME(0), GTF_permit_access | GTF_reading);
	ck_assert_int_eq(map1(KPAGE(FREE_SLOT), GNTMAP_host_map | GNTMAP_readonly, 10,
			      DOMID).status, GNTST_general_error);
	grant1(10, 0, GFRAME(0), GTF_permit_access | GTF_reading);
	/* 128 uses of a kind at most: the 129th would reach the top bit */
	for (int i = 1; i < 128; i++)
		ck_assert_int_eq(grant_acquire(&g.core, 0, 10, 0, &use), GNTST_okay);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 10, 0, &use), GNTST_general_error);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 128);
	/* the entry changed behind a pin: what was pinned stays */
	v1(10)->frame = GFRAME(3);
	ck_assert_int_eq(grant_acquire(&g.core, 0, 10, GRANT_USE_WRITE, &use), GNTST_okay);
	ck_assert_uint_eq(use.pfn, GFRAME(0));
	grant_release(&g.core, 10, GRANT_USE_WRITE);
	for (int i = 0; i < 128; i++)
		grant_release(&g.core, 10, 0);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 0);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access);
}
END_TEST

/* The dom0 handle's recorder: only shootdowns may be asked for. */
static unsigned shootdowns;
static uint64_t shootdown_mask;

static void rec_shootdown(void *opaque, uint64_t mask)
{
	(void)opaque;
	shootdowns++;
	shootdown_mask |= mask;
}

static void no_lock(void *opaque)
{
	(void)opaque;
	ck_abort_msg("the caller holds the domain lock");
}

static void no_kick(void *opaque, unsigned vcpu, int interrupt)
{
	(void)opaque, (void)vcpu, (void)interrupt;
	ck_abort_msg("acquiring a grant kicks no vCPU");
}

static void no_up(void *opaque, unsigned vcpu)
{
	(void)opaque, (void)vcpu;
	ck_abort_msg("acquiring a grant starts no vCPU");
}

START_TEST(dom0_pin_holds_off_retyping)
{
	static const struct host_smp smp = {
		.lock = no_lock, .unlock = no_lock, .kick = no_kick, .vcpu_up = no_up,
		.tlb_shootdown = rec_shootdown,
	};
	struct host_platform plat = g.plat;
	plat.smp = &smp;
	struct core d0 = g.core;
	d0.plat = &plat;
	d0.dom0 = 1;
	/* a table the guest just dropped without a flush since */
	uint64_t pfn = SPARE + 1;
	ck_assert_int_eq(ext1(MMUEXT_PIN_L1_TABLE, pfn), 0);
	ck_assert_int_eq(ext1(MMUEXT_UNPIN_TABLE, pfn), 0);
	grant1(30, 0, (uint32_t)pfn, GTF_permit_access);
	struct grant_use use;
	shootdowns = 0;
	shootdown_mask = 0;
	ck_assert_int_eq(grant_acquire(&d0, 0, 30, GRANT_USE_WRITE, &use), GNTST_okay);
	/* becoming writable needed every vCPU flushed: asked of vCPU 0 */
	ck_assert_uint_eq(shootdowns, 1);
	ck_assert_uint_eq(shootdown_mask, 1);
	ck_assert_uint_eq(frame(pfn)->type, MM_TYPE_WRITABLE);
	/* nothing retypes it meanwhile */
	ck_assert_int_eq(ext1(MMUEXT_PIN_L1_TABLE, pfn), -XEN_EINVAL);
	ck_assert_int_eq(mmu1(2 * FG_PAGE + 8 * 7, (pfn << 12) | FG_USER_RW), -XEN_EINVAL);
	grant_release(&d0, 30, GRANT_USE_WRITE);
	ck_assert_uint_eq(frame(pfn)->type_count, 0);
	ck_assert_int_eq(ext1(MMUEXT_PIN_L1_TABLE, pfn), 0);
}
END_TEST

/* ---- map and unmap --------------------------------------------------------- */

START_TEST(map_and_unmap_host)
{
	grant1(10, DOMID, GFRAME(0), GTF_permit_access);
	uint32_t tc = frame(GFRAME(0))->type_count;
	struct gnttab_map_grant_ref m = map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 10, DOMID);
	ck_assert_int_eq(m.status, GNTST_okay);
	ck_assert_uint_eq(m.handle, 0);
	ck_assert_uint_eq(m.dev_bus_addr, GFRAME(0) << 12);
	ck_assert_uint_eq(l1()[FREE_SLOT], (GFRAME(0) << 12) | GRANT_PTE_BITS | FG_RW);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	/* the pin's type reference and the PTE's own */
	ck_assert_uint_eq(frame(GFRAME(0))->type_count, tc + 2);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 1);
	/* handles are not reused while in use */
	struct gnttab_map_grant_ref m2 = map1(KPAGE(FREE_SLOT + 1),
					      GNTMAP_host_map | GNTMAP_readonly, 10, DOMID);
	ck_assert_int_eq(m2.status, GNTST_okay);
	ck_assert_uint_eq(m2.handle, 1);
	ck_assert_uint_eq(l1()[FREE_SLOT + 1], (GFRAME(0) << 12) | GRANT_PTE_BITS);
	ck_assert_uint_eq(frame(GFRAME(0))->type_count, tc + 2);

	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, 0), GNTST_okay);
	ck_assert_uint_eq(l1()[FREE_SLOT], 0);
	ck_assert_uint_eq(frame(GFRAME(0))->type_count, tc);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access | GTF_reading);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, 0), GNTST_bad_handle);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT + 1), 0, 1), GNTST_okay);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 0);
	/* freed handles come back */
	m = map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 10, DOMID);
	ck_assert_uint_lt(m.handle, 2);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, m.handle), GNTST_okay);
	ck_assert_uint_eq(g.st->grant.nr_active, 0);
}
END_TEST

START_TEST(map_contains_pte)
{
	grant1(10, DOMID, GFRAME(1), GTF_permit_access);
	uint64_t pte = l1e_ptr(FREE_SLOT + 2);
	uint32_t fl = GNTMAP_host_map | GNTMAP_contains_pte;
	ck_assert_int_eq(map1(pte + 1, fl, 10, DOMID).status, GNTST_general_error);
	ck_assert_int_eq(map1(pte + 4, fl, 10, DOMID).status, GNTST_general_error);
	/* not an L1 table: a data frame, a frame past RAM */
	ck_assert_int_eq(map1(GFRAME(2) << 12, fl, 10, DOMID).status, GNTST_general_error);
	ck_assert_int_eq(map1(2 * FG_PAGE, fl, 10, DOMID).status, GNTST_general_error);
	ck_assert_int_eq(map1((uint64_t)NR_PAGES << 12, fl, 10, DOMID).status,
			 GNTST_general_error);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access);
	ck_assert_uint_eq(frame(GFRAME(1))->ref_count, 0);
	struct gnttab_map_grant_ref m = map1(pte, fl | (5u << _GNTMAP_guest_avail0), 10,
					     DOMID);
	ck_assert_int_eq(m.status, GNTST_okay);
	ck_assert_uint_eq(l1()[FREE_SLOT + 2],
			  (GFRAME(1) << 12) | GRANT_PTE_BITS | FG_RW | (5ULL << 9));
	ck_assert_int_eq(unmap1(pte, 0, m.handle), GNTST_okay);
	ck_assert_uint_eq(l1()[FREE_SLOT + 2], 0);
}
END_TEST

START_TEST(map_refusals)
{
	grant1(10, DOMID, GFRAME(0), GTF_permit_access);
	ck_assert_int_eq(map1(KPAGE(FREE_SLOT), 0, 10, DOMID).status, GNTST_bad_gntref);
	ck_assert_int_eq(map1(KPAGE(FREE_SLOT), GNTMAP_readonly, 10, DOMID).status,
			 GNTST_bad_gntref);
	/* Xen finds the granter by id: not DOMID_SELF; dom0 grants nothing */
	ck_assert_int_eq(map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 10, DOMID_SELF).status,
			 GNTST_bad_domain);
	ck_assert_int_eq(map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 10, 0).status,
			 GNTST_bad_domain);
	ck_assert_int_eq(map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 10, 77).status,
			 GNTST_bad_domain);
	ck_assert_int_eq(map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 512, DOMID).status,
			 GNTST_bad_gntref);
	ck_assert_int_eq(map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 11, DOMID).status,
			 GNTST_general_error);
	/* linear addresses with no L1: unmapped, in the hole, non-canonical */
	ck_assert_int_eq(map1(0x1000, GNTMAP_host_map, 10, DOMID).status,
			 GNTST_general_error);
	ck_assert_int_eq(map1(0xffff808000001000ULL, GNTMAP_host_map, 10, DOMID).status,
			 GNTST_general_error);
	ck_assert_int_eq(map1(0x0000800000000000ULL, GNTMAP_host_map, 10, DOMID).status,
			 GNTST_general_error);
	/* read-only grant: read-only maps only */
	grant1(12, DOMID, GFRAME(2), GTF_permit_access | GTF_readonly);
	ck_assert_int_eq(map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 12, DOMID).status,
			 GNTST_general_error);
	struct gnttab_map_grant_ref m = map1(KPAGE(FREE_SLOT),
					     GNTMAP_host_map | GNTMAP_readonly, 12, DOMID);
	ck_assert_int_eq(m.status, GNTST_okay);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, m.handle), GNTST_okay);
	/* a page table: no writable map */
	grant1(13, DOMID, 2, GTF_permit_access);
	ck_assert_int_eq(map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 13, DOMID).status,
			 GNTST_general_error);
	ck_assert_uint_eq(v1(13)->flags, GTF_permit_access);
	/* nothing was left behind */
	ck_assert_uint_eq(l1()[FREE_SLOT], 0);
	ck_assert_uint_eq(g.st->grant.nr_active, 0);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 0);
	/* the failed maps returned their handles: the next is handle 0 */
	m = map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 10, DOMID);
	ck_assert_uint_eq(m.handle, 0);
}
END_TEST

START_TEST(unmap_refuses_a_changed_pte)
{
	grant1(10, DOMID, GFRAME(0), GTF_permit_access);
	struct gnttab_map_grant_ref m = map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 10, DOMID);
	ck_assert_int_eq(m.status, GNTST_okay);
	/* another frame, behind Xen's back */
	ck_assert_int_eq(mmu1(l1e_ptr(FREE_SLOT), (GFRAME(1) << 12) | FG_USER_RW), 0);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, m.handle), GNTST_general_error);
	ck_assert_uint_eq(pte_pfn(l1()[FREE_SLOT]), GFRAME(1));
	/* read-only now */
	ck_assert_int_eq(mmu1(l1e_ptr(FREE_SLOT), (GFRAME(0) << 12) | FG_P), 0);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, m.handle), GNTST_general_error);
	/* not present */
	ck_assert_int_eq(mmu1(l1e_ptr(FREE_SLOT), 0), 0);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, m.handle), GNTST_general_error);
	/* the pin stayed all along */
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 1);
	/* a host_addr of 0 unmaps nothing and says so: okay */
	ck_assert_int_eq(unmap1(0, 0, m.handle), GNTST_okay);
	/* back as the grant mapped it: the unmap goes through */
	ck_assert_int_eq(mmu1(l1e_ptr(FREE_SLOT), (GFRAME(0) << 12) | FG_USER_RW), 0);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, m.handle), GNTST_okay);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 0);
	/* handles never handed out, or far out */
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, 5), GNTST_bad_handle);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, 0xffffffffu), GNTST_bad_handle);
}
END_TEST

START_TEST(device_map)
{
	grant1(10, DOMID, GFRAME(0), GTF_permit_access);
	uint32_t tc = frame(GFRAME(0))->type_count;
	struct gnttab_map_grant_ref m = map1(0, GNTMAP_device_map, 10, DOMID);
	ck_assert_int_eq(m.status, GNTST_okay);
	ck_assert_uint_eq(m.dev_bus_addr, GFRAME(0) << 12);
	ck_assert_uint_eq(frame(GFRAME(0))->type_count, tc + 1);
	ck_assert_int_eq(unmap1(0, (GFRAME(1) << 12), m.handle), GNTST_bad_dev_addr);
	ck_assert_int_eq(unmap1(0, 0, m.handle), GNTST_okay); /* nothing asked */
	ck_assert_int_eq(unmap1(0, m.dev_bus_addr, m.handle), GNTST_okay);
	ck_assert_uint_eq(frame(GFRAME(0))->type_count, tc);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access);
	ck_assert_int_eq(unmap1(0, m.dev_bus_addr, m.handle), GNTST_bad_handle);
	/* both at once: undone one half at a time */
	m = map1(KPAGE(FREE_SLOT), GNTMAP_device_map | GNTMAP_host_map, 10, DOMID);
	ck_assert_int_eq(m.status, GNTST_okay);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 2);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, m.handle), GNTST_okay);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 1);
	ck_assert_int_eq(unmap1(0, m.dev_bus_addr, m.handle), GNTST_okay);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 0);
}
END_TEST

START_TEST(unmap_and_replace)
{
	grant1(10, DOMID, GFRAME(0), GTF_permit_access);
	struct gnttab_map_grant_ref m = map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 10, DOMID);
	ck_assert_int_eq(m.status, GNTST_okay);
	ck_assert_int_eq(mmu1(l1e_ptr(FREE_SLOT + 1), (GFRAME(1) << 12) | FG_USER_RW), 0);
	uint32_t tc1 = frame(GFRAME(1))->type_count;
	struct gnttab_unmap_and_replace r = { .host_addr = KPAGE(FREE_SLOT),
					      .new_addr = KPAGE(FREE_SLOT + 1),
					      .handle = m.handle, .status = 99 };
	ck_assert_int_eq(gnt(GNTTABOP_unmap_and_replace, &r, sizeof r, 1), 0);
	ck_assert_int_eq(((struct gnttab_unmap_and_replace *)ops())->status, GNTST_okay);
	/* the entry moved, with its reference */
	ck_assert_uint_eq(l1()[FREE_SLOT], (GFRAME(1) << 12) | FG_USER_RW);
	ck_assert_uint_eq(l1()[FREE_SLOT + 1], 0);
	ck_assert_uint_eq(frame(GFRAME(1))->type_count, tc1);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access);
	/* contains_pte mappings cannot be replaced */
	m = map1(l1e_ptr(FREE_SLOT + 2), GNTMAP_host_map | GNTMAP_contains_pte, 10, DOMID);
	ck_assert_int_eq(m.status, GNTST_okay);
	r = (struct gnttab_unmap_and_replace){ .host_addr = l1e_ptr(FREE_SLOT + 2),
					       .new_addr = KPAGE(FREE_SLOT), .handle = m.handle };
	ck_assert_int_eq(gnt(GNTTABOP_unmap_and_replace, &r, sizeof r, 1), 0);
	ck_assert_int_eq(((struct gnttab_unmap_and_replace *)ops())->status,
			 GNTST_general_error);
	/* replace with nothing: a plain unmap */
	r.new_addr = 0;
	ck_assert_int_eq(gnt(GNTTABOP_unmap_and_replace, &r, sizeof r, 1), 0);
	ck_assert_int_eq(((struct gnttab_unmap_and_replace *)ops())->status, GNTST_okay);
	ck_assert_uint_eq(l1()[FREE_SLOT + 2], 0);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 0);
}
END_TEST

START_TEST(unmap_flushes_before_the_pin_goes)
{
	queue_with_room(SHIM_CPU_OPS_MAX);
	grant1(10, DOMID, GFRAME(0), GTF_permit_access);
	struct gnttab_map_grant_ref m = map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 10, DOMID);
	ck_assert_int_eq(m.status, GNTST_okay);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 0); /* a map flushes nothing */
	host_cpu_ops_restart(&g.plat);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, m.handle), GNTST_okay);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 1);
	/* a device mapping has no PTE: no flush */
	m = map1(0, GNTMAP_device_map, 10, DOMID);
	host_cpu_ops_restart(&g.plat);
	ck_assert_int_eq(unmap1(0, m.dev_bus_addr, m.handle), GNTST_okay);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 0);
}
END_TEST

START_TEST(map_batch_statuses)
{
	grant1(10, DOMID, GFRAME(0), GTF_permit_access);
	grant1(11, DOMID, GFRAME(1), GTF_permit_access);
	struct gnttab_map_grant_ref m[3] = {
		{ .host_addr = KPAGE(FREE_SLOT), .flags = GNTMAP_host_map, .ref = 10, .dom = DOMID },
		{ .host_addr = KPAGE(FREE_SLOT + 1), .flags = GNTMAP_host_map, .ref = 12,
		  .dom = DOMID },
		{ .host_addr = KPAGE(FREE_SLOT + 2), .flags = GNTMAP_host_map, .ref = 11,
		  .dom = DOMID },
	};
	ck_assert_int_eq(gnt(GNTTABOP_map_grant_ref, m, sizeof m, 3), 0);
	memcpy(m, ops(), sizeof m);
	ck_assert_int_eq(m[0].status, GNTST_okay);
	ck_assert_int_eq(m[1].status, GNTST_general_error);
	ck_assert_int_eq(m[2].status, GNTST_okay);
	ck_assert_uint_eq(m[2].handle, 1);
	struct gnttab_unmap_grant_ref u[3] = {
		{ .host_addr = KPAGE(FREE_SLOT), .handle = m[0].handle },
		{ .host_addr = KPAGE(FREE_SLOT + 1), .handle = 7 },
		{ .host_addr = KPAGE(FREE_SLOT + 2), .handle = m[2].handle },
	};
	ck_assert_int_eq(gnt(GNTTABOP_unmap_grant_ref, u, sizeof u, 3), 0);
	memcpy(u, ops(), sizeof u);
	ck_assert_int_eq(u[0].status, GNTST_okay);
	ck_assert_int_eq(u[1].status, GNTST_bad_handle);
	ck_assert_int_eq(u[2].status, GNTST_okay);
	ck_assert_uint_eq(g.st->grant.nr_active, 0);
}
END_TEST

START_TEST(map_continues_when_the_queue_fills)
{
	queue_with_room(2);
	enum { N = 3 };
	struct gnttab_map_grant_ref m[N];
	for (unsigned i = 0; i < N; i++) {
		grant1(10 + i, DOMID, (uint32_t)GFRAME(i), GTF_permit_access);
		m[i] = (struct gnttab_map_grant_ref){ .host_addr = KPAGE(FREE_SLOT + i),
						      .flags = GNTMAP_host_map, .ref = 10 + i,
						      .dom = DOMID };
	}
	memcpy(ops(), m, sizeof m);
	struct trap_frame f = call(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref,
				   OPS_VA, N, 0);
	/* one store done, one place left: fewer than an element may need */
	ck_assert_uint_eq(f.rip, RET_RIP - 2);
	ck_assert_uint_eq(f.rax, __HYPERVISOR_grant_table_op);
	ck_assert_uint_eq(f.rdi, GNTTABOP_map_grant_ref);
	ck_assert_uint_eq(f.rsi, OPS_VA + sizeof m[0]);
	ck_assert_uint_eq(f.rdx, N - 1);
	ck_assert_uint_eq(pte_pfn(l1()[FREE_SLOT]), GFRAME(0));
	ck_assert_uint_eq(l1()[FREE_SLOT + 1], 0);
	host_cpu_ops_restart(&g.plat);
	f.rip = TRAMPOLINE;
	f.rcx = RET_RIP;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP);
	ck_assert_uint_eq(f.rax, 0);
	memcpy(m, ops(), sizeof m);
	for (unsigned i = 0; i < N; i++) {
		ck_assert_int_eq(m[i].status, GNTST_okay);
		ck_assert_uint_eq(pte_pfn(l1()[FREE_SLOT + i]), GFRAME(i));
	}
}
END_TEST

START_TEST(maptrack_runs_out)
{
	/* device maps (no PTE), read-only, 128 on each of 48 grants */
	enum { PER_CALL = 64 };
	struct gnttab_map_grant_ref m[PER_CALL];
	unsigned mapped = 0;
	for (uint32_t ref = 10; mapped < 6144; ref++) {
		grant1(ref, DOMID, GFRAME(ref % 4), GTF_permit_access);
		for (unsigned k = 0; k < 2; k++) {
			for (unsigned i = 0; i < PER_CALL; i++)
				m[i] = (struct gnttab_map_grant_ref){
					.flags = GNTMAP_device_map | GNTMAP_readonly,
					.ref = ref, .dom = DOMID };
			ck_assert_int_eq(gnt(GNTTABOP_map_grant_ref, m, sizeof m, PER_CALL), 0);
			memcpy(m, ops(), sizeof m);
			for (unsigned i = 0; i < PER_CALL; i++)
				ck_assert_int_eq(m[i].status, GNTST_okay);
			mapped += PER_CALL;
		}
	}
	ck_assert_uint_eq(g.st->grant.maptrack_limit, 6144);
	grant1(100, DOMID, GFRAME(0), GTF_permit_access);
	struct gnttab_map_grant_ref one = map1(0, GNTMAP_device_map, 100, DOMID);
	ck_assert_int_eq(one.status, GNTST_no_space);
	ck_assert_uint_eq(v1(100)->flags, GTF_permit_access);
	/* one handle back, one map more */
	ck_assert_int_eq(unmap1(0, GFRAME(10 % 4) << 12, 17), GNTST_okay);
	one = map1(0, GNTMAP_device_map, 100, DOMID);
	ck_assert_int_eq(one.status, GNTST_okay);
	ck_assert_uint_eq(one.handle, 17);
}
END_TEST

/* ---- copy ------------------------------------------------------------------ */

static struct gnttab_copy gmfns(uint64_t src, uint16_t so, uint64_t dst, uint16_t dof,
				uint16_t len)
{
	struct gnttab_copy op = { .len = len };
	op.source.u.gmfn = src;
	op.source.domid = DOMID_SELF;
	op.source.offset = so;
	op.dest.u.gmfn = dst;
	op.dest.domid = DOMID_SELF;
	op.dest.offset = dof;
	return op;
}

START_TEST(copy_between_frames_and_grants)
{
	uint8_t *a = fake_guest_page(&g, GFRAME(0)), *b = fake_guest_page(&g, GFRAME(1));
	for (int i = 0; i < 4096; i++)
		a[i] = (uint8_t)i;
	memset(b, 0, 4096);
	ck_assert_int_eq(copy1(gmfns(GFRAME(0), 100, GFRAME(1), 200, 300)), GNTST_okay);
	ck_assert_int_eq(memcmp(b + 200, a + 100, 300), 0);
	ck_assert_uint_eq(b[199], 0);
	ck_assert_uint_eq(b[500], 0);
	/* by grant on both sides, the grants made out to this domain */
	grant1(10, DOMID, GFRAME(0), GTF_permit_access | GTF_readonly);
	grant1(11, DOMID, GFRAME(1), GTF_permit_access);
	struct gnttab_copy op = gmfns(0, 0, 0, 4000, 96);
	op.flags = GNTCOPY_source_gref | GNTCOPY_dest_gref;
	op.source.u.ref = 10;
	op.source.domid = DOMID;
	op.dest.u.ref = 11;
	ck_assert_int_eq(copy1(op), GNTST_okay);
	ck_assert_int_eq(memcmp(b + 4000, a, 96), 0);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access | GTF_readonly);
	ck_assert_uint_eq(v1(11)->flags, GTF_permit_access);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 0);
	/* a read-only grant is no destination */
	op.dest.u.ref = 10;
	ck_assert_int_eq(copy1(op), GNTST_general_error);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access | GTF_readonly);
	/* overlapping, in one frame: as memmove */
	ck_assert_int_eq(copy1(gmfns(GFRAME(0), 0, GFRAME(0), 1, 1000)), GNTST_okay);
	for (int i = 1; i <= 1000; i++)
		ck_assert_uint_eq(a[i], (uint8_t)(i - 1));
	ck_assert_int_eq(copy1(gmfns(GFRAME(0), 1, GFRAME(0), 0, 1000)), GNTST_okay);
	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(a[i], (uint8_t)i);
}
END_TEST

START_TEST(copy_refusals)
{
	struct gnttab_copy op = gmfns(GFRAME(0), 0, GFRAME(1), 0, 16);
	/* frames only with DOMID_SELF, not even the own id */
	op.source.domid = DOMID;
	ck_assert_int_eq(copy1(op), GNTST_permission_denied);
	op.source.domid = 0;
	ck_assert_int_eq(copy1(op), GNTST_permission_denied);
	op = gmfns(GFRAME(0), 0, GFRAME(1), 0, 16);
	op.flags = GNTCOPY_dest_gref;
	op.dest.domid = 33;
	ck_assert_int_eq(copy1(op), GNTST_bad_domain);
	op.dest.domid = 0; /* dom0 exists, but grants this domain nothing */
	ck_assert_int_eq(copy1(op), GNTST_bad_domain);
	/* frames outside RAM; a page table as destination */
	ck_assert_int_eq(copy1(gmfns(NR_PAGES, 0, GFRAME(1), 0, 1)), GNTST_bad_page);
	ck_assert_int_eq(copy1(gmfns(GFRAME(0), 0, GRANT_MFN, 0, 1)), GNTST_bad_page);
	ck_assert_int_eq(copy1(gmfns(GFRAME(0), 0, L1_PFN, 0, 1)), GNTST_general_error);
	ck_assert_int_eq(copy1(gmfns(L1_PFN, 0, GFRAME(0), 0, 8)), GNTST_okay);
	ck_assert_uint_eq(frame(L1_PFN)->type, MM_TYPE_L1);
	/* crossing the page */
	ck_assert_int_eq(copy1(gmfns(GFRAME(0), 4000, GFRAME(1), 0, 97)), GNTST_bad_copy_arg);
	ck_assert_int_eq(copy1(gmfns(GFRAME(0), 0, GFRAME(1), 0xffff, 1)), GNTST_bad_copy_arg);
	ck_assert_int_eq(copy1(gmfns(GFRAME(0), 0, GFRAME(1), 0, 0xffff)), GNTST_bad_copy_arg);
	/* a bad ref, and a ref the other side's error comes first for */
	op = gmfns(0, 0, GFRAME(1), 0, 16);
	op.flags = GNTCOPY_source_gref;
	op.source.u.ref = 600;
	op.source.domid = DOMID;
	ck_assert_int_eq(copy1(op), GNTST_bad_gntref);
	op.dest.domid = 5;
	ck_assert_int_eq(copy1(op), GNTST_permission_denied);
	/* a grant to someone else */
	grant1(10, 0, GFRAME(0), GTF_permit_access);
	op = gmfns(0, 0, GFRAME(1), 0, 16);
	op.flags = GNTCOPY_source_gref;
	op.source.u.ref = 10;
	ck_assert_int_eq(copy1(op), GNTST_general_error);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access);
}
END_TEST

START_TEST(copy_sub_page_v2)
{
	uint32_t now;
	ck_assert_int_eq(set_version(2, &now), 0);
	v2(10)->sub_page.frame = GFRAME(0);
	v2(10)->sub_page.page_off = 1000;
	v2(10)->sub_page.length = 100;
	v2(10)->hdr.domid = DOMID;
	v2(10)->hdr.flags = GTF_permit_access | GTF_sub_page;
	struct gnttab_copy op = gmfns(0, 1000, GFRAME(1), 0, 100);
	op.flags = GNTCOPY_source_gref;
	op.source.u.ref = 10;
	ck_assert_int_eq(copy1(op), GNTST_okay);
	ck_assert_uint_eq(*status2(10), 0);
	op.source.offset = 999;
	ck_assert_int_eq(copy1(op), GNTST_general_error);
	op.source.offset = 1001;
	ck_assert_int_eq(copy1(op), GNTST_general_error);
	op.source.offset = 1050;
	op.len = 50;
	ck_assert_int_eq(copy1(op), GNTST_okay);
	/* a window past the page: what lies past it is cut off */
	v2(10)->sub_page.page_off = 4000;
	v2(10)->sub_page.length = 0xffff;
	struct grant_use use;
	ck_assert_int_eq(grant_acquire(&g.core, DOMID, 10, GRANT_USE_COPY, &use), GNTST_okay);
	ck_assert_uint_eq(use.offset, 4000);
	ck_assert_uint_eq(use.length, 96);
	ck_assert_uint_eq(*status2(10), GTF_reading);
	ck_assert_uint_eq(v2(10)->hdr.flags, GTF_permit_access | GTF_sub_page);
	/* no map of a sub-page grant, nor of one pinned as one */
	ck_assert_int_eq(map1(KPAGE(FREE_SLOT), GNTMAP_host_map | GNTMAP_readonly, 10,
			      DOMID).status, GNTST_general_error);
	grant_release(&g.core, 10, GRANT_USE_COPY);
	ck_assert_uint_eq(*status2(10), 0);
	/* v2 full page: map works, the status word carries the flags */
	v2(11)->full_page.frame = GFRAME(2);
	v2(11)->hdr.domid = DOMID;
	v2(11)->hdr.flags = GTF_permit_access;
	struct gnttab_map_grant_ref m = map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 11, DOMID);
	ck_assert_int_eq(m.status, GNTST_okay);
	ck_assert_uint_eq(*status2(11), GTF_reading | GTF_writing);
	ck_assert_uint_eq(v2(11)->hdr.flags, GTF_permit_access);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, m.handle), GNTST_okay);
	ck_assert_uint_eq(*status2(11), 0);
	/* transitive grants: never granted here */
	v2(12)->transitive.trans_domid = DOMID;
	v2(12)->transitive.gref = 11;
	v2(12)->hdr.domid = DOMID;
	v2(12)->hdr.flags = GTF_transitive;
	op.source.u.ref = 12;
	op.source.offset = 0;
	ck_assert_int_eq(copy1(op), GNTST_general_error);
	ck_assert_uint_eq(*status2(12), 0);
	/* ref past v2's entries (256 per frame) */
	op.source.u.ref = 256;
	ck_assert_int_eq(copy1(op), GNTST_bad_gntref);
}
END_TEST

START_TEST(copy_long_batch_continues)
{
	enum { N = 200 };
	struct gnttab_copy *c = calloc(N, sizeof *c);
	for (unsigned i = 0; i < N; i++)
		c[i] = gmfns(GFRAME(0), (uint16_t)i, GFRAME(1), (uint16_t)i, 1);
	ck_assert_uint_le(N * sizeof *c, 4 * FG_PAGE);
	memcpy(ops(), c, N * sizeof *c);
	struct trap_frame f = call(__HYPERVISOR_grant_table_op, GNTTABOP_copy, OPS_VA, N, 0);
	ck_assert_uint_eq(f.rip, RET_RIP - 2);
	ck_assert_uint_eq(f.rsi, OPS_VA + 128 * sizeof *c);
	ck_assert_uint_eq(f.rdx, N - 128);
	f.rip = TRAMPOLINE;
	f.rcx = RET_RIP;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP);
	ck_assert_uint_eq(f.rax, 0);
	memcpy(c, ops(), N * sizeof *c);
	for (unsigned i = 0; i < N; i++)
		ck_assert_int_eq(c[i].status, GNTST_okay);
	free(c);
}
END_TEST

START_TEST(swap)
{
	grant1(10, DOMID, GFRAME(0), GTF_permit_access);
	grant1(11, 0, GFRAME(1), GTF_permit_access | GTF_readonly);
	struct gnttab_swap_grant_ref s[3] = { { 10, 11, 99 }, { 10, 512, 99 }, { 10, 10, 99 } };
	ck_assert_int_eq(gnt(GNTTABOP_swap_grant_ref, s, sizeof s, 3), 0);
	memcpy(s, ops(), sizeof s);
	ck_assert_int_eq(s[0].status, GNTST_okay);
	ck_assert_int_eq(s[1].status, GNTST_bad_gntref);
	ck_assert_int_eq(s[2].status, GNTST_okay);
	ck_assert_uint_eq(v1(10)->frame, GFRAME(1));
	ck_assert_uint_eq(v1(11)->domid, DOMID);
	struct grant_use use;
	ck_assert_int_eq(grant_acquire(&g.core, 0, 10, 0, &use), GNTST_okay);
	s[0] = (struct gnttab_swap_grant_ref){ 11, 10, 99 };
	ck_assert_int_eq(gnt(GNTTABOP_swap_grant_ref, s, sizeof s[0], 1), 0);
	ck_assert_int_eq(((struct gnttab_swap_grant_ref *)ops())->status, GNTST_eagain);
	grant_release(&g.core, 10, 0);
}
END_TEST

/* ---- add_to_physmap ------------------------------------------------------------ */

START_TEST(add_to_physmap_refused)
{
	struct xen_add_to_physmap *x = ops();
	*x = (struct xen_add_to_physmap){ .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
					  .idx = 0, .gpfn = GFRAME(0) };
	ck_assert_int_eq(hc(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, OPS_VA, 0, 0),
			 -XEN_EACCES);
	x->idx = XENMAPIDX_grant_table_status;
	ck_assert_int_eq(hc(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, OPS_VA, 0, 0),
			 -XEN_EACCES);
	x->domid = 0;
	ck_assert_int_eq(hc(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, OPS_VA, 0, 0),
			 -XEN_EACCES);
	x->domid = 4;
	ck_assert_int_eq(hc(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, OPS_VA, 0, 0),
			 -XEN_ESRCH);
	x->space = XENMAPSPACE_gmfn_foreign;
	ck_assert_int_eq(hc(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, OPS_VA, 0, 0),
			 -XEN_ENOSYS);
	ck_assert_int_eq(hc(__HYPERVISOR_memory_op,
			    XENMEM_add_to_physmap | (0x10000ULL << 6), OPS_VA, 0, 0), -XEN_EDOM);
	ck_assert_int_eq(hc(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, KPAGE(40), 0, 0),
			 -XEN_EFAULT);
	struct xen_add_to_physmap_batch *b = ops();
	*b = (struct xen_add_to_physmap_batch){ .domid = DOMID_SELF,
						.space = XENMAPSPACE_grant_table, .size = 1 };
	ck_assert_int_eq(hc(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, OPS_VA, 0, 0),
			 -XEN_EACCES);
	b->space = XENMAPSPACE_gmfn_range;
	ck_assert_int_eq(hc(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, OPS_VA, 0, 0),
			 -XEN_EOPNOTSUPP);
	/* the guest's frame was left alone */
	ck_assert_uint_eq(frame(GFRAME(0))->type, MM_TYPE_WRITABLE);
}
END_TEST

/* ---- hostile state -------------------------------------------------------------- */

START_TEST(corrupted_state_stays_inside)
{
	/* counts and lists as a broken or hostile core state might hold them:
	 * the core must stay inside the shim region (ASan watches) */
	uint32_t now;
	ck_assert_int_eq(set_version(2, &now), 0);
	struct grant_state *gs = &g.st->grant;
	gs->nr_frames = 0xffffffffu;
	gs->nr_status_frames = 0xffffffffu;
	gs->maptrack_limit = 0xffffffffu;
	gs->maptrack_free = 0x7fffffffu;
	v2(10)->full_page.frame = GFRAME(0);
	v2(10)->hdr.domid = DOMID;
	v2(10)->hdr.flags = GTF_permit_access;
	struct gnttab_map_grant_ref m = map1(KPAGE(FREE_SLOT), GNTMAP_host_map, 10, DOMID);
	ck_assert_int_eq(m.status, GNTST_no_space);
	ck_assert_int_eq(unmap1(KPAGE(FREE_SLOT), 0, 0x7ffffffe), GNTST_bad_handle);
	struct grant_use use;
	uint32_t last = SHIM_GRANT_FRAMES * 256 - 1;
	ck_assert_int_eq(grant_acquire(&g.core, 0, last, 0, &use), GNTST_general_error);
	ck_assert_int_eq(grant_acquire(&g.core, 0, last + 1, 0, &use), GNTST_bad_gntref);
	grant_release(&g.core, last, 0);
	ck_assert_int_eq(mmu1(l1e_ptr(FREE_SLOT), ((STATUS_MFN + 3) << 12) | FG_P), 0);
	ck_assert_int_eq(mmu1(l1e_ptr(FREE_SLOT), ((STATUS_MFN + 4) << 12) | FG_P), -XEN_EPERM);
	ck_assert_int_eq(mmu1(l1e_ptr(FREE_SLOT), 0), 0);
	ck_assert_int_eq(setup1(DOMID_SELF, 40, LIST_VA).status, GNTST_general_error);
	struct gnttab_get_status_frames sf = { .nr_frames = 5, .dom = DOMID_SELF };
	sf.frame_list.p = (uint64_t *)(uintptr_t)LIST_VA;
	ck_assert_int_eq(gnt(GNTTABOP_get_status_frames, &sf, sizeof sf, 1), 0);
	ck_assert_int_eq(((struct gnttab_get_status_frames *)ops())->status,
			 GNTST_general_error);
	/* a free list pointing at a handle in use, or past the limit */
	gs->maptrack_limit = 1;
	gs->maptrack_free = 0;
	m = map1(0, GNTMAP_device_map, 10, DOMID);
	ck_assert_int_eq(m.status, GNTST_okay);
	ck_assert_uint_eq(m.handle, 1);
	gs->maptrack_free = m.handle + 1;
	struct gnttab_map_grant_ref m2 = map1(0, GNTMAP_device_map, 10, DOMID);
	ck_assert_int_eq(m2.status, GNTST_okay);
	ck_assert_uint_ne(m2.handle, m.handle);
	gs->maptrack_free = 1000;
	m2 = map1(0, GNTMAP_device_map, 10, DOMID);
	ck_assert_int_eq(m2.status, GNTST_okay);
	ck_assert_uint_eq(m2.handle, 3);
	/* a handle whose ref is past the table: refused, not followed */
	((uint32_t *)(shim + SHIM_OFF_GRANT_MAPTRACK))[2 * m2.handle] = 0x7fffffffu;
	ck_assert_int_eq(unmap1(0, GFRAME(0) << 12, m2.handle), GNTST_bad_handle);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grant");
	TCase *t = tcase_create("grant");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, initial_table);
	tcase_add_test(t, query_size_errors);
	tcase_add_test(t, setup_table_grows);
	tcase_add_test(t, setup_table_errors);
	tcase_add_test(t, dispatch_errors);
	tcase_add_test(t, set_and_get_version);
	tcase_add_test(t, status_frames);
	tcase_add_test(t, set_version_busy_while_pinned);
	tcase_add_test(t, set_version_busy_while_status_mapped);
	tcase_add_test(t, set_version_range);
	tcase_add_test(t, l1_validation_of_grant_frames);
	tcase_add_test(t, acquire_and_release);
	tcase_add_test(t, acquire_refusals);
	tcase_add_test(t, one_user_and_bounded_counts);
	tcase_add_test(t, dom0_pin_holds_off_retyping);
	tcase_add_test(t, map_and_unmap_host);
	tcase_add_test(t, map_contains_pte);
	tcase_add_test(t, map_refusals);
	tcase_add_test(t, unmap_refuses_a_changed_pte);
	tcase_add_test(t, device_map);
	tcase_add_test(t, unmap_and_replace);
	tcase_add_test(t, unmap_flushes_before_the_pin_goes);
	tcase_add_test(t, map_batch_statuses);
	tcase_add_test(t, map_continues_when_the_queue_fills);
	tcase_add_test(t, maptrack_runs_out);
	tcase_add_test(t, copy_between_frames_and_grants);
	tcase_add_test(t, copy_refusals);
	tcase_add_test(t, copy_sub_page_v2);
	tcase_add_test(t, copy_long_batch_continues);
	tcase_add_test(t, swap);
	tcase_add_test(t, add_to_physmap_refused);
	tcase_add_test(t, corrupted_state_stays_inside);
	suite_add_tcase(s, t);
	return check_run(s);
}
