/*
 * backend_host.h's grants (emu/dom0/dom0_grants.c) against stand-ins for what
 * they stand on: the core's grant_acquire/grant_release (a small table of
 * grants, with pins counted) and dom0's domain lock.  What is checked is
 * the launcher's part, whatever the core does: every call to the core
 * under the lock, taken once per call; all or none; what was pinned
 * released on every way out; the launcher's own bounds on the frame and
 * window the core answers; copies within the page and the sub-page
 * window, checked before anything; and a domain that is not running.
 * The core's grant tables themselves are tested with the core.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdlib.h>
#include <string.h>

#include "pv-shim/core/xen_abi.h"
#include <xen/grant_table.h>
#include "pv-shim/core/grant/grant.h"
#include "emu/dom0/dom0_core.h"

#define NR_PAGES 16
#define PAGE 4096u
#define NR_REFS 16
#define BAD_REF 99
#define RO_REF 4        /* granted read-only */
#define SUB_REF 5       /* a v2 sub-page grant: [SUB_OFF, SUB_OFF + SUB_LEN) */
#define SUB_OFF 100
#define SUB_LEN 200
#define WILD_REF 6      /* the core answers a frame past guest RAM */
#define SLOPPY_REF 7    /* the core answers a sub-page window for a map */

struct fake_grant {
	int in_use, readonly, sub_page, sloppy;
	uint64_t pfn;
	unsigned pins[2]; /* [1]: for writing */
};

static struct fake_grant grants[NR_REFS];
static struct backend_domain bd;
static int locked, lock_fails;
static unsigned lock_calls, acquires;
static char *log_text;
static size_t log_len;

int dom0_core_lock(struct backend_domain *b)
{
	ck_assert_ptr_eq(b, &bd);
	lock_calls++;
	if (lock_fails)
		return -1;
	ck_assert_msg(!locked, "the domain lock taken twice");
	locked = 1;
	return 0;
}

void dom0_core_unlock(struct backend_domain *b)
{
	ck_assert_ptr_eq(b, &bd);
	ck_assert_msg(locked, "the domain lock let go of without being held");
	locked = 0;
}

int grant_acquire(struct core *c, uint16_t user_domid, uint32_t ref,
		  unsigned flags, struct grant_use *use)
{
	ck_assert_msg(locked, "grant_acquire without the domain lock");
	ck_assert_ptr_eq(c, &bd.core);
	ck_assert_uint_eq(c->dom0, 1);
	ck_assert_uint_eq(user_domid, 0);
	acquires++;
	if (ref >= NR_REFS || !grants[ref].in_use)
		return GNTST_bad_gntref;
	struct fake_grant *g = &grants[ref];
	int write = (flags & GRANT_USE_WRITE) != 0;
	if (g->readonly && write)
		return GNTST_permission_denied;
	if (g->sub_page && !(flags & GRANT_USE_COPY) && !g->sloppy)
		return GNTST_general_error;
	g->pins[write]++;
	*use = (struct grant_use){ .pfn = g->pfn, .offset = g->sub_page ? SUB_OFF : 0,
				   .length = g->sub_page ? SUB_LEN : PAGE };
	return GNTST_okay;
}

void grant_release(struct core *c, uint32_t ref, unsigned flags)
{
	ck_assert_msg(locked, "grant_release without the domain lock");
	ck_assert_ptr_eq(c, &bd.core);
	ck_assert_uint_lt(ref, NR_REFS);
	int write = (flags & GRANT_USE_WRITE) != 0;
	ck_assert_msg(grants[ref].pins[write] > 0, "ref %u released more than pinned", ref);
	grants[ref].pins[write]--;
}

static unsigned pins(uint32_t ref)
{
	return grants[ref].pins[0] + grants[ref].pins[1];
}

static unsigned all_pins(void)
{
	unsigned n = 0;
	for (uint32_t r = 0; r < NR_REFS; r++)
		n += pins(r);
	return n;
}

static uint8_t *page(uint64_t pfn)
{
	return bd.plat.ram + pfn * PAGE;
}

static void setup(void)
{
	memset(grants, 0, sizeof grants);
	for (uint32_t r = 1; r <= 7; r++)
		grants[r] = (struct fake_grant){ .in_use = 1, .pfn = 2 + r };
	grants[RO_REF].readonly = 1;
	grants[SUB_REF].sub_page = 1;
	grants[WILD_REF].pfn = NR_PAGES;
	grants[SLOPPY_REF].sub_page = grants[SLOPPY_REF].sloppy = 1;
	memset(&bd, 0, sizeof bd);
	bd.core.dom0 = 1;
	bd.core.plat = &bd.plat;
	bd.plat.ram = calloc(NR_PAGES, PAGE);
	ck_assert_ptr_nonnull(bd.plat.ram);
	bd.plat.ram_bytes = NR_PAGES * PAGE;
	bd.plat.log = open_memstream(&log_text, &log_len);
	ck_assert_ptr_nonnull(bd.plat.log);
	locked = lock_fails = 0;
	lock_calls = acquires = 0;
	for (uint64_t pfn = 0; pfn < NR_PAGES; pfn++)
		memset(page(pfn), (int)pfn, PAGE);
}

static void teardown(void)
{
	ck_assert_msg(!locked, "the domain lock is still held");
	fclose(bd.plat.log);
	free(log_text);
	free(bd.plat.ram);
}

static const char *logged(void)
{
	fflush(bd.plat.log);
	return log_text ? log_text : "";
}

START_TEST(get_holds_every_grant_and_put_releases_them)
{
	const uint32_t refs[3] = { 1, 2, 3 };
	struct backend_grant g[3];
	ck_assert_int_eq(backend_grant_get(&bd, 3, refs, 0, g), GNTST_okay);
	ck_assert_uint_eq(lock_calls, 1); /* one hold for all of them */
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_ptr_eq(g[i].addr, page(grants[refs[i]].pfn));
		ck_assert_uint_eq(g[i].pfn, grants[refs[i]].pfn);
		ck_assert_uint_eq(g[i].ref, refs[i]);
		ck_assert_uint_eq(g[i].writable, 0);
		ck_assert_uint_eq(grants[refs[i]].pins[0], 1);
		ck_assert_uint_eq(g[i].addr[PAGE - 1], grants[refs[i]].pfn);
	}
	ck_assert_uint_eq(bd.grants_held, 3);
	backend_grant_put(&bd, 3, g);
	ck_assert_uint_eq(all_pins(), 0);
	ck_assert_uint_eq(bd.grants_held, 0);
	for (unsigned i = 0; i < 3; i++)
		ck_assert_ptr_null(g[i].addr);
	backend_grant_put(&bd, 3, g); /* put already: nothing released twice */
	ck_assert_uint_eq(bd.grants_held, 0);

	/* For writing: write pins, and the page is the guest's. */
	ck_assert_int_eq(backend_grant_get(&bd, 1, refs, 1, g), GNTST_okay);
	ck_assert_uint_eq(grants[1].pins[1], 1);
	ck_assert_uint_eq(g[0].writable, 1);
	g[0].addr[7] = 0xab;
	ck_assert_uint_eq(page(grants[1].pfn)[7], 0xab);
	backend_grant_put(&bd, 1, g);
	ck_assert_uint_eq(all_pins(), 0);
	ck_assert_int_eq(backend_grant_get(&bd, 0, refs, 0, g), GNTST_okay);
	ck_assert_str_eq(logged(), "");
}
END_TEST

START_TEST(get_is_all_or_none)
{
	const uint32_t bad_last[3] = { 1, 2, BAD_REF };
	struct backend_grant g[3];
	memset(g, 0x5a, sizeof g);
	ck_assert_int_eq(backend_grant_get(&bd, 3, bad_last, 0, g), GNTST_bad_gntref);
	ck_assert_uint_eq(all_pins(), 0);
	ck_assert_ptr_null(g[0].addr);
	ck_assert_ptr_null(g[1].addr);
	ck_assert_uint_eq(bd.grants_held, 0);

	const uint32_t ro_middle[3] = { 1, RO_REF, 2 };
	ck_assert_int_eq(backend_grant_get(&bd, 3, ro_middle, 1, g), GNTST_permission_denied);
	ck_assert_uint_eq(all_pins(), 0);
	ck_assert_uint_eq(acquires, 3 + 2); /* stopped at the refusal */
	/* Read-only is fine for reading. */
	ck_assert_int_eq(backend_grant_get(&bd, 3, ro_middle, 0, g), GNTST_okay);
	ck_assert_uint_eq(all_pins(), 3);
	backend_grant_put(&bd, 3, g);

	/* A sub-page grant is for copies only: the core says so. */
	const uint32_t sub[2] = { 1, SUB_REF };
	ck_assert_int_eq(backend_grant_get(&bd, 2, sub, 0, g), GNTST_general_error);
	ck_assert_uint_eq(all_pins(), 0);
	ck_assert_str_eq(logged(), "");
}
END_TEST

START_TEST(copies_within_the_page_and_the_window)
{
	uint8_t buf[PAGE];
	ck_assert_int_eq(backend_grant_copy_from(&bd, 1, 10, buf, 100), GNTST_okay);
	for (unsigned i = 0; i < 100; i++)
		ck_assert_uint_eq(buf[i], grants[1].pfn);
	memset(buf, 0xcd, sizeof buf);
	ck_assert_int_eq(backend_grant_copy_to(&bd, 2, PAGE - 16, buf, 16), GNTST_okay);
	ck_assert_uint_eq(page(grants[2].pfn)[PAGE - 1], 0xcd);
	ck_assert_uint_eq(page(grants[2].pfn)[PAGE - 17], grants[2].pfn);
	ck_assert_int_eq(backend_grant_copy_from(&bd, 2, 0, buf, PAGE), GNTST_okay);
	ck_assert_int_eq(backend_grant_copy_from(&bd, 2, PAGE, buf, 0), GNTST_okay);
	ck_assert_uint_eq(all_pins(), 0); /* held for the copy only */
	ck_assert_uint_eq(lock_calls, 4);

	/* Past the page: refused before the lock or the grant. */
	ck_assert_int_eq(backend_grant_copy_from(&bd, 1, PAGE - 10, buf, 11), GNTST_bad_copy_arg);
	ck_assert_int_eq(backend_grant_copy_to(&bd, 1, 0, buf, PAGE + 1), GNTST_bad_copy_arg);
	ck_assert_int_eq(backend_grant_copy_to(&bd, 1, 0xffff, buf, 1), GNTST_bad_copy_arg);
	ck_assert_int_eq(backend_grant_copy_from(&bd, 1, 1, buf, (size_t)-1), GNTST_bad_copy_arg);
	ck_assert_uint_eq(lock_calls, 4);

	/* The grant's own refusals. */
	ck_assert_int_eq(backend_grant_copy_to(&bd, RO_REF, 0, buf, 1), GNTST_permission_denied);
	ck_assert_int_eq(backend_grant_copy_from(&bd, RO_REF, 0, buf, 1), GNTST_okay);
	ck_assert_int_eq(backend_grant_copy_from(&bd, BAD_REF, 0, buf, 1), GNTST_bad_gntref);

	/* A sub-page grant: inside its window only (Xen's copy). */
	ck_assert_int_eq(backend_grant_copy_from(&bd, SUB_REF, SUB_OFF, buf, SUB_LEN), GNTST_okay);
	ck_assert_int_eq(backend_grant_copy_to(&bd, SUB_REF, SUB_OFF + 50, buf, 10), GNTST_okay);
	ck_assert_int_eq(backend_grant_copy_from(&bd, SUB_REF, SUB_OFF - 1, buf, 2),
			 GNTST_general_error);
	ck_assert_int_eq(backend_grant_copy_to(&bd, SUB_REF, SUB_OFF, buf, SUB_LEN + 1),
			 GNTST_general_error);
	ck_assert_uint_eq(page(grants[SUB_REF].pfn)[SUB_OFF], grants[SUB_REF].pfn);
	ck_assert_uint_eq(all_pins(), 0);
	ck_assert_str_eq(logged(), "");
}
END_TEST

START_TEST(nothing_while_the_domain_is_not_running)
{
	const uint32_t refs[2] = { 1, 2 };
	struct backend_grant g[2];
	ck_assert_int_eq(backend_grant_get(&bd, 2, refs, 1, g), GNTST_okay);
	lock_fails = 1;
	struct backend_grant h[2];
	uint8_t buf[8];
	ck_assert_int_eq(backend_grant_get(&bd, 2, refs, 0, h), GNTST_bad_domain);
	ck_assert_int_eq(backend_grant_copy_from(&bd, 1, 0, buf, 8), GNTST_bad_domain);
	ck_assert_int_eq(backend_grant_copy_to(&bd, 1, 0, buf, 8), GNTST_bad_domain);
	ck_assert_uint_eq(acquires, 2);
	/* The guest is gone: its pins stay, the backend's hold ends. */
	backend_grant_put(&bd, 2, g);
	ck_assert_uint_eq(all_pins(), 2);
	ck_assert_uint_eq(bd.grants_held, 0);
	ck_assert_ptr_null(g[0].addr);
	ck_assert_ptr_null(g[1].addr);
}
END_TEST

/* What the core answers is checked against the launcher's own bounds:
 * nothing outside guest RAM is handed out, the pin goes back, and the
 * domain ends as an internal error. */
START_TEST(a_wrong_answer_from_the_core_is_an_internal_error)
{
	const uint32_t wild[2] = { 1, WILD_REF };
	struct backend_grant g[2];
	uint8_t buf[8];
	ck_assert_int_eq(backend_grant_get(&bd, 2, wild, 0, g), GNTST_general_error);
	ck_assert_uint_eq(all_pins(), 0);
	ck_assert_ptr_null(g[0].addr);
	ck_assert_int_eq(bd.plat.failed, 1);
	ck_assert_ptr_nonnull(strstr(logged(), "internal error: the core granted dom0 a frame outside guest RAM"));
	ck_assert_int_eq(backend_grant_copy_from(&bd, WILD_REF, 0, buf, 8), GNTST_general_error);
	ck_assert_uint_eq(all_pins(), 0);

	const uint32_t sloppy[1] = { SLOPPY_REF };
	ck_assert_int_eq(backend_grant_get(&bd, 1, sloppy, 0, g), GNTST_general_error);
	ck_assert_uint_eq(all_pins(), 0);
	ck_assert_ptr_nonnull(strstr(logged(), "part of a page to map"));
	ck_assert_uint_eq(bd.grants_held, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dom0_grants");
	TCase *t = tcase_create("grants");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, get_holds_every_grant_and_put_releases_them);
	tcase_add_test(t, get_is_all_or_none);
	tcase_add_test(t, copies_within_the_page_and_the_window);
	tcase_add_test(t, nothing_while_the_domain_is_not_running);
	tcase_add_test(t, a_wrong_answer_from_the_core_is_an_internal_error);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
