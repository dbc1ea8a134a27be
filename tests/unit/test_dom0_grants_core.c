/*
 * backend_host.h's grants on the core's own grant tables
 * (pv-shim/core/grant/), through dom0's real handle on a fake domain
 * (fake_domain.h), in both trap paths: grants the guest wrote into its
 * table, held and copied by a backend with the flags Xen sets in the
 * guest's entry and the frame references the core takes, all or none;
 * Xen's refusals (another domain's grant, a read-only grant for writing,
 * a page table for writing); a frame that must be flushed from every TLB
 * before it may become writable, which dom0's handle asks of every
 * running vCPU and waits for; and a domain that stops with grants held.
 * test_dom0_grants checks the launcher's side against a stand-in core.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <string.h>

#include "pv-shim/core/xen_abi.h"
#include <xen/grant_table.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/grant/grant.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/shim_abi.h"
#include "tests/unit/fake_domain.h"

#define NR_VCPUS 2
#define NR_PAGES 64
#define ARG_VA 0xffffffff80000000ULL
#define ARG_PFN 40
#define L1_PFN 3          /* the L1 fake_guest_map made for ARG_VA */
#define GFRAME(i) (20 + (i)) /* frames the guest grants */
#define CONSOLE_PFN 50
#define STORE_PFN 51
#define M2P_L4E 0x3234567007ULL
#define ANSWER_DELAY_MS 20

static struct fake_domain fx;
static struct domain *d;
static struct backend_domain *bd;

static grant_entry_v1_t *v1(uint32_t ref)
{
	return (grant_entry_v1_t *)(d->shim.region + SHIM_OFF_GRANT) + ref;
}

/* The guest grants pfn to domid (its own table, version 1). */
static void grant(uint32_t ref, uint16_t domid, uint32_t pfn, uint16_t flags)
{
	*v1(ref) = (grant_entry_v1_t){ .flags = flags, .domid = domid, .frame = pfn };
}

static struct mm_frame *frame(uint64_t pfn)
{
	return mm_frame(&fx.g.core, pfn);
}

static void setup(void)
{
	fake_domain_init(&fx, NR_VCPUS, NR_PAGES);
	d = fx.d;
	bd = fx.bd;
	fake_guest_map(&fx.g, ARG_VA, ARG_PFN, FG_USER_RW);
	ck_assert_int_eq(mm_domain_init(&fx.g.core, 0, M2P_L4E), 0);
	grant_domain_init(&fx.g.core, FD_DOMID, CONSOLE_PFN, STORE_PFN);
}

static void teardown(void)
{
	fake_domain_free(&fx);
}

START_TEST(backend_holds_and_copies_the_guests_grants)
{
	dom0_core_start(d, _i);
	grant(10, 0, GFRAME(0), GTF_permit_access);
	grant(11, 0, GFRAME(1), GTF_permit_access | GTF_readonly);
	memset(fx.g.ram + GFRAME(0) * FG_PAGE, 0x11, FG_PAGE);
	const uint32_t refs[2] = { 10, 11 };
	struct backend_grant g[2];
	ck_assert_int_eq(backend_grant_get(bd, 2, refs, 0, g), GNTST_okay);
	ck_assert_ptr_eq(g[0].addr, fx.g.ram + GFRAME(0) * FG_PAGE);
	ck_assert_ptr_eq(g[1].addr, fx.g.ram + GFRAME(1) * FG_PAGE);
	ck_assert_uint_eq(g[0].addr[100], 0x11);
	/* Pinned: the guest sees GTF_reading, the frames are referenced. */
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access | GTF_reading);
	ck_assert_uint_eq(v1(11)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 1);
	backend_grant_put(bd, 2, g);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access);
	ck_assert_uint_eq(v1(11)->flags, GTF_permit_access | GTF_readonly);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 0);

	/* For writing: the read-only one refuses, and the first goes back. */
	ck_assert_int_eq(backend_grant_get(bd, 2, refs, 1, g), GNTST_general_error);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 0);
	ck_assert_uint_eq(frame(GFRAME(0))->type_count, 0);
	ck_assert_int_eq(backend_grant_get(bd, 1, refs, 1, g), GNTST_okay);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	ck_assert_uint_eq(frame(GFRAME(0))->type, MM_TYPE_WRITABLE);
	backend_grant_put(bd, 1, g);
	ck_assert_uint_eq(frame(GFRAME(0))->type_count, 0);

	/* Copies, pinned for the copy only. */
	const char msg[] = "to the guest";
	char back[sizeof msg];
	ck_assert_int_eq(backend_grant_copy_to(bd, 10, 4000, msg, sizeof msg), GNTST_okay);
	ck_assert_mem_eq(fx.g.ram + GFRAME(0) * FG_PAGE + 4000, msg, sizeof msg);
	ck_assert_int_eq(backend_grant_copy_from(bd, 10, 4000, back, sizeof back), GNTST_okay);
	ck_assert_mem_eq(back, msg, sizeof msg);
	ck_assert_int_eq(backend_grant_copy_to(bd, 11, 0, msg, 1), GNTST_general_error);
	ck_assert_int_eq(backend_grant_copy_from(bd, 11, 0, back, 1), GNTST_okay);
	ck_assert_int_eq(backend_grant_copy_from(bd, 10, 4090, back, 7), GNTST_bad_copy_arg);
	ck_assert_uint_eq(v1(10)->flags, GTF_permit_access);
	ck_assert_uint_eq(v1(11)->flags, GTF_permit_access | GTF_readonly);
	ck_assert_uint_eq(frame(GFRAME(0))->ref_count, 0);
	ck_assert_uint_eq(bd->grants_held, 0);
	ck_assert_str_eq(fake_domain_dom0_log(&fx), "");
}
END_TEST

START_TEST(xens_refusals)
{
	dom0_core_start(d, _i);
	struct backend_grant g[1];
	uint8_t buf[8];
	uint32_t ref = 12;
	grant(ref, FD_DOMID, GFRAME(2), GTF_permit_access); /* not for dom0 */
	ck_assert_int_eq(backend_grant_get(bd, 1, &ref, 0, g), GNTST_general_error);
	ck_assert_int_eq(backend_grant_copy_from(bd, ref, 0, buf, 8), GNTST_general_error);
	ref = 13; /* never written */
	ck_assert_int_eq(backend_grant_get(bd, 1, &ref, 0, g), GNTST_general_error);
	ref = 100000;
	ck_assert_int_eq(backend_grant_get(bd, 1, &ref, 0, g), GNTST_bad_gntref);
	/* A page table takes a read pin, never a write one. */
	ref = 14;
	grant(ref, 0, L1_PFN, GTF_permit_access);
	ck_assert_int_eq(backend_grant_get(bd, 1, &ref, 1, g), GNTST_general_error);
	ck_assert_int_eq(backend_grant_copy_to(bd, ref, 0, buf, 8), GNTST_general_error);
	ck_assert_uint_eq(frame(L1_PFN)->type, MM_TYPE_L1);
	ck_assert_int_eq(backend_grant_get(bd, 1, &ref, 0, g), GNTST_okay);
	backend_grant_put(bd, 1, g);
	/* A frame outside guest RAM. */
	ref = 15;
	grant(ref, 0, NR_PAGES, GTF_permit_access);
	ck_assert_int_eq(backend_grant_get(bd, 1, &ref, 0, g), GNTST_bad_page);
	ck_assert_uint_eq(fx.g.st->grant.nr_active, 0);
	ck_assert_int_eq(bd->plat.failed, 0);
}
END_TEST

static int guest_path(void)
{
	return __atomic_load_n(&bd->path, __ATOMIC_SEQ_CST) == DOM0_PATH_GUEST;
}

static uint32_t asked(unsigned n)
{
	return guest_path() ? fake_domain_smp(&fx)->flush_req[n] : d->vcpu[n].flush_req;
}

static uint32_t answered(unsigned n)
{
	return guest_path() ? fake_domain_smp(&fx)->flush_done[n] : d->vcpu[n].flush_done;
}

/* The guest dropped a page table with no flush since: before it may be
 * written through a backend's pin, every running vCPU flushes, asked by
 * dom0's handle, which waits for each. */
START_TEST(a_retyped_frame_is_flushed_from_every_vcpu_first)
{
	dom0_core_start(d, _i);
	for (unsigned n = 0; n < NR_VCPUS; n++)
		fake_domain_answer_flushes(&fx, n, ANSWER_DELAY_MS);
	uint32_t ref = 20;
	grant(ref, 0, GFRAME(3), GTF_permit_access);
	struct mm_frame *f = frame(GFRAME(3));
	f->last_type = MM_TYPE_L1;
	f->tlb_stamp = (uint8_t)fx.g.st->mm.tlb_clock;
	struct backend_grant g[1];
	ck_assert_int_eq(backend_grant_get(bd, 1, &ref, 1, g), GNTST_okay);
	for (unsigned n = 0; n < NR_VCPUS; n++) {
		ck_assert_uint_eq(asked(n), 1);
		ck_assert_uint_eq(answered(n), 1);
	}
	ck_assert_uint_eq(fx.g.st->stats.retype_flushes, 1);
	ck_assert_uint_eq(f->type, MM_TYPE_WRITABLE);
	backend_grant_put(bd, 1, g);
	/* Writable again, right after: no flush needed. */
	ck_assert_int_eq(backend_grant_get(bd, 1, &ref, 1, g), GNTST_okay);
	ck_assert_uint_eq(asked(0), 1);
	backend_grant_put(bd, 1, g);
	ck_assert_int_eq(bd->plat.failed, 0);
	ck_assert_int_eq(d->stopping, 0);
}
END_TEST

/* The domain stops while a backend holds a grant: the put still ends the
 * backend's hold (the guest's pins no longer matter), and one still held
 * at teardown is reported. */
START_TEST(the_domain_stops_with_grants_held)
{
	dom0_core_start(d, _i);
	const uint32_t refs[2] = { 21, 22 };
	grant(21, 0, GFRAME(4), GTF_permit_access);
	grant(22, 0, GFRAME(5), GTF_permit_access);
	struct backend_grant g[2];
	ck_assert_int_eq(backend_grant_get(bd, 2, refs, 0, g), GNTST_okay);
	domain_stop(d, 0);
	uint8_t buf[4];
	ck_assert_int_eq(backend_grant_copy_from(bd, 21, 0, buf, 4), GNTST_bad_domain);
	struct backend_grant h[1];
	ck_assert_int_eq(backend_grant_get(bd, 1, refs, 0, h), GNTST_bad_domain);
	backend_grant_put(bd, 1, g);
	ck_assert_uint_eq(bd->grants_held, 1);
	dom0_core_destroy(d);
	ck_assert_ptr_nonnull(strstr(fake_domain_dom0_log(&fx),
				     "backends still hold 1 grants"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dom0_grants_core");
	TCase *t = tcase_create("grants");
	tcase_set_timeout(t, 20);
	tcase_add_checked_fixture(t, setup, teardown);
	/* _i: 0 the guest trap path, 1 the host trap path */
	tcase_add_loop_test(t, backend_holds_and_copies_the_guests_grants, 0, 2);
	tcase_add_loop_test(t, xens_refusals, 0, 2);
	tcase_add_loop_test(t, a_retyped_frame_is_flushed_from_every_vcpu_first, 0, 2);
	tcase_add_loop_test(t, the_domain_stops_with_grants_held, 0, 2);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
