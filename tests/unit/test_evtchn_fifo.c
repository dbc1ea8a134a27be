/*
 * FIFO event channels on a fake guest with the PV memory model on:
 * init_control's checks in Xen's order, expand_array, priorities and
 * FIFO order within one, masking and unmask re-queueing, close while
 * linked, events pending before the switch, dom0's events from other
 * threads, hostile control blocks and LINK fields, and the writable type
 * references the control block and event-array pages hold until
 * EVTCHNOP_reset.  The guest side is a consumer like Linux's, bounded so
 * a broken queue fails the test instead of hanging it.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdlib.h>
#include <string.h>

#include "pv-shim/core/xen_abi.h"
#include <xen/event_channel.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/shim_abi.h"
#include "tests/unit/fake_guest.h"

#define NR_PAGES 64
#define KBASE 0xffffffff80000000ULL
#define ARG_VA KBASE
#define ARG_PFN 40
#define CB_PFN 41      /* the control block's page, mapped writable */
#define ARRAY_PFN 42   /* the event array's page */
#define SPARE_PFN 43
#define CB_OFFSET 64
/* The last 8-byte aligned offset where the control block fits. */
#define LAST_OFFSET ((FG_PAGE - sizeof(struct evtchn_fifo_control_block)) & ~7ULL)
#define M2P_L4E 0x3234567007ULL
#define DOMID 1
#define STORE 1
#define CONSOLE 2
#define F(bit) (1u << (bit))

static struct fake_guest g;
static uint8_t *shim;

static void notify_nothing(void *opaque, uint32_t port)
{
	(void)opaque;
	(void)port;
}

static void setup_offering(int offer_fifo)
{
	fake_guest_init(&g, NR_PAGES);
	shim = calloc(1, shim_region_size(NR_PAGES));
	ck_assert_ptr_nonnull(shim);
	g.plat.shim_region = shim;
	g.plat.notify_backend = notify_nothing;
	g.core.layout.shared_info_mfn = NR_PAGES + 10;
	for (uint64_t pfn = ARG_PFN; pfn <= SPARE_PFN; pfn++)
		fake_guest_map(&g, ARG_VA + (pfn - ARG_PFN) * FG_PAGE, pfn, FG_USER_RW);
	ck_assert_int_eq(mm_domain_init(&g.core, 0, M2P_L4E), 0);
	evtchn_domain_init(&g.core, DOMID, STORE, CONSOLE, offer_fifo);
	g.st->vcpu[0].traps.event.address = 0xffffffff81000000ULL;
	core_vcpu_info(&g.core)->evtchn_upcall_mask = 0;
}

static void setup(void)
{
	setup_offering(1);
}

static void teardown(void)
{
	fake_guest_free(&g);
	free(shim);
}

static long op(int cmd, void *arg, size_t len)
{
	ck_assert_int_eq(copy_to_guest(&g.core, ARG_VA, arg, len), 0);
	const uint64_t args[5] = { (uint64_t)cmd, ARG_VA, 0, 0, 0 };
	long rc = core_hypercall(&g.core, __HYPERVISOR_event_channel_op, args);
	ck_assert_int_eq(copy_from_guest(&g.core, arg, ARG_VA, len), 0);
	return rc;
}

static long init_control(uint64_t gfn, uint32_t offset, uint32_t vcpu)
{
	struct evtchn_init_control a = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu };
	long rc = op(EVTCHNOP_init_control, &a, sizeof a);
	if (rc == 0)
		ck_assert_uint_eq(a.link_bits, EVTCHN_FIFO_LINK_BITS);
	return rc;
}

static long expand(uint64_t gfn)
{
	struct evtchn_expand_array a = { .array_gfn = gfn };
	return op(EVTCHNOP_expand_array, &a, sizeof a);
}

static long set_priority(uint32_t port, uint32_t priority)
{
	struct evtchn_set_priority a = { .port = port, .priority = priority };
	return op(EVTCHNOP_set_priority, &a, sizeof a);
}

static long unmask(uint32_t port)
{
	struct evtchn_unmask a = { .port = port };
	return op(EVTCHNOP_unmask, &a, sizeof a);
}

static long close_port(uint32_t port)
{
	struct evtchn_close a = { .port = port };
	return op(EVTCHNOP_close, &a, sizeof a);
}

static uint32_t bind_ipi(void)
{
	struct evtchn_bind_ipi a = { .vcpu = 0 };
	ck_assert_int_eq(op(EVTCHNOP_bind_ipi, &a, sizeof a), 0);
	return a.port;
}

static struct evtchn_fifo_control_block *cb(void)
{
	return (void *)(fake_guest_page(&g, CB_PFN) + CB_OFFSET);
}

static event_word_t *word(uint32_t port)
{
	return (event_word_t *)fake_guest_page(&g, ARRAY_PFN) + port;
}

static struct vcpu_info *vi(void)
{
	return core_vcpu_info(&g.core);
}

static uint32_t type_count(uint64_t pfn)
{
	return mm_frame(&g.core, pfn)->type_count;
}

/* FIFO on, as Linux does it: control block, then a page with every
 * event masked. */
static void go_fifo(void)
{
	ck_assert_int_eq(init_control(CB_PFN, CB_OFFSET, 0), 0);
	for (unsigned i = 0; i < FG_PAGE / 4; i++)
		*word(i) = F(EVTCHN_FIFO_MASKED);
	ck_assert_int_eq(expand(ARRAY_PFN), 0);
}

/*
 * The guest's side, as Linux's: takes READY, then for the most urgent
 * ready queue walks from HEAD, unlinking each event and handling it if
 * pending and unmasked.  At most max steps, so a cycle ends the walk.
 * Returns how many events it handled, their ports in out[].
 */
static unsigned consume(uint32_t *out, unsigned max)
{
	unsigned n = 0, steps = 0;
	uint32_t ready = __atomic_exchange_n(&cb()->ready, 0, __ATOMIC_SEQ_CST);
	while (ready && steps < max) {
		unsigned q = (unsigned)__builtin_ctz(ready);
		uint32_t port = cb()->head[q];
		for (; steps < max; steps++) {
			ck_assert_uint_lt(port, FG_PAGE / 4);
			event_word_t w = __atomic_load_n(word(port), __ATOMIC_SEQ_CST);
			event_word_t to;
			do
				to = w & ~(F(EVTCHN_FIFO_LINKED) | EVTCHN_FIFO_LINK_MASK);
			while (!__atomic_compare_exchange_n(word(port), &w, to, 0,
							    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
			if ((w & F(EVTCHN_FIFO_PENDING)) && !(w & F(EVTCHN_FIFO_MASKED))) {
				__atomic_fetch_and(word(port), ~F(EVTCHN_FIFO_PENDING),
						   __ATOMIC_SEQ_CST);
				out[n++] = port;
			}
			port = w & EVTCHN_FIFO_LINK_MASK;
			if (!port)
				break;
		}
		ready &= ~(1u << q);
		ready |= __atomic_exchange_n(&cb()->ready, 0, __ATOMIC_SEQ_CST);
	}
	return n;
}

START_TEST(init_control_checks_in_xens_order)
{
	uint32_t before = type_count(CB_PFN);
	/* The vCPU first, then the offset, then the frame. */
	ck_assert_int_eq(init_control(NR_PAGES + 5, 4093, 1), -XEN_ENOENT);
	ck_assert_int_eq(init_control(NR_PAGES + 5, 4093, EVTCHN_NR_VCPUS), -XEN_ENOENT);
	ck_assert_int_eq(init_control(NR_PAGES + 5, LAST_OFFSET + 8, 0), -XEN_EINVAL);
	ck_assert_int_eq(init_control(CB_PFN, LAST_OFFSET + 8, 0), -XEN_EINVAL); /* crosses */
	ck_assert_int_eq(init_control(CB_PFN, 4, 0), -XEN_EINVAL);           /* misaligned */
	ck_assert_int_eq(init_control(NR_PAGES + 5, 0, 0), -XEN_EINVAL);     /* not RAM */
	ck_assert_int_eq(init_control(~0ULL, 0, 0), -XEN_EINVAL);
	ck_assert_int_eq(init_control(1, 0, 0), -XEN_EINVAL);                /* a page table */
	ck_assert_uint_eq(mm_frame(&g.core, 1)->type, MM_TYPE_L3);
	/* None of that switched anything: still 2-level. */
	ck_assert_int_eq(expand(ARRAY_PFN), -XEN_EOPNOTSUPP);
	ck_assert_int_eq(set_priority(CONSOLE, 3), -XEN_ENOSYS);
	ck_assert_int_eq(set_priority(EVTCHN_NR_PORTS, 3), -XEN_EINVAL);
	ck_assert_int_eq(evtchn_set_pending(&g.core, CONSOLE), 1);
	ck_assert_uint_eq(core_shared_info(&g.core)->evtchn_pending[0], 1u << CONSOLE);
	ck_assert_uint_eq(type_count(CB_PFN), before);

	/* The page's last aligned place is good too. */
	ck_assert_int_eq(init_control(CB_PFN, LAST_OFFSET, 0), 0);
	ck_assert_uint_eq(type_count(CB_PFN), before + 1);
	ck_assert_uint_eq(mm_frame(&g.core, CB_PFN)->type, MM_TYPE_WRITABLE);
	ck_assert_int_eq(init_control(CB_PFN, 0, 0), -XEN_EINVAL); /* once only */
	ck_assert_int_eq(init_control(SPARE_PFN, 4, 0), -XEN_EINVAL);
	ck_assert_uint_eq(type_count(CB_PFN), before + 1);
	ck_assert_uint_eq(type_count(SPARE_PFN), 1);
}
END_TEST

START_TEST(expand_array_takes_one_page_of_ram_the_guest_may_write)
{
	ck_assert_int_eq(init_control(CB_PFN, CB_OFFSET, 0), 0);
	ck_assert_int_eq(expand(NR_PAGES), -XEN_EINVAL);
	ck_assert_int_eq(expand(2), -XEN_EINVAL); /* the L2 */
	uint32_t before = type_count(ARRAY_PFN);
	ck_assert_int_eq(expand(ARRAY_PFN), 0);
	ck_assert_uint_eq(type_count(ARRAY_PFN), before + 1);
	/* One page covers every port: Xen's limit for this many. */
	ck_assert_int_eq(expand(SPARE_PFN), -XEN_ENOSPC);
	ck_assert_uint_eq(type_count(SPARE_PFN), 1);
	/* Held writable, so the guest cannot make it a table. */
	ck_assert_int_eq(mm_get_type(&g.core, ARRAY_PFN, MM_TYPE_L1), -XEN_EINVAL);
	ck_assert_int_eq(mm_get_type(&g.core, CB_PFN, MM_TYPE_L1), -XEN_EINVAL);
}
END_TEST

START_TEST(pending_before_init_control_is_queued)
{
	ck_assert_int_eq(evtchn_set_pending(&g.core, CONSOLE), 1);
	vi()->evtchn_upcall_pending = 0;
	go_fifo();
	/* Raised again on its masked word: pending, not linked yet. */
	ck_assert_uint_eq(*word(CONSOLE), F(EVTCHN_FIFO_MASKED) | F(EVTCHN_FIFO_PENDING));
	ck_assert_uint_eq(*word(STORE), F(EVTCHN_FIFO_MASKED));
	ck_assert_uint_eq(cb()->ready, 0);
	ck_assert_uint_eq(vi()->evtchn_upcall_pending, 0);
	ck_assert_int_eq(unmask(CONSOLE), 0);
	ck_assert_uint_eq(*word(CONSOLE), F(EVTCHN_FIFO_PENDING) | F(EVTCHN_FIFO_LINKED));
	ck_assert_uint_eq(cb()->head[EVTCHN_FIFO_PRIORITY_DEFAULT], CONSOLE);
	ck_assert_uint_eq(cb()->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
	ck_assert_uint_eq(vi()->evtchn_upcall_pending, 1);
	ck_assert_int_eq(traps_event_upcall_due(&g.core), 1);
	uint32_t got[8];
	ck_assert_uint_eq(consume(got, 8), 1);
	ck_assert_uint_eq(got[0], CONSOLE);
	ck_assert_uint_eq(*word(CONSOLE), 0);
}
END_TEST

START_TEST(higher_priority_first_same_priority_in_order)
{
	go_fifo();
	uint32_t a = bind_ipi(), b = bind_ipi(), c = bind_ipi(), d = bind_ipi();
	for (uint32_t p = a; p <= d; p++)
		*word(p) = 0; /* unmasked */
	ck_assert_int_eq(set_priority(b, 3), 0);
	ck_assert_int_eq(set_priority(d, EVTCHN_FIFO_PRIORITY_MIN), 0);
	ck_assert_int_eq(set_priority(a, EVTCHN_FIFO_PRIORITY_MIN + 1), -XEN_EINVAL);
	ck_assert_int_eq(set_priority(0, 3), -XEN_EINVAL);
	ck_assert_int_eq(evtchn_set_pending(&g.core, d), 1);
	ck_assert_int_eq(evtchn_set_pending(&g.core, c), 1);
	ck_assert_int_eq(evtchn_set_pending(&g.core, a), 0); /* behind c */
	ck_assert_int_eq(evtchn_set_pending(&g.core, b), 1);
	ck_assert_int_eq(evtchn_set_pending(&g.core, a), 0); /* linked: not twice */
	ck_assert_uint_eq(*word(c) & EVTCHN_FIFO_LINK_MASK, a);
	ck_assert_uint_eq(*word(a) & EVTCHN_FIFO_LINK_MASK, 0);
	uint32_t got[8];
	ck_assert_uint_eq(consume(got, 8), 4);
	ck_assert_uint_eq(got[0], b);
	ck_assert_uint_eq(got[1], c);
	ck_assert_uint_eq(got[2], a);
	ck_assert_uint_eq(got[3], d);
	/* Queues consumed to their end take a new HEAD. */
	ck_assert_int_eq(evtchn_set_pending(&g.core, a), 1);
	ck_assert_uint_eq(cb()->head[EVTCHN_FIFO_PRIORITY_DEFAULT], a);
	/* A new priority applies from the next link; the old queue whose
	 * tail a was is not chained behind it. */
	ck_assert_uint_eq(consume(got, 8), 1);
	ck_assert_int_eq(set_priority(a, 3), 0);
	ck_assert_int_eq(evtchn_set_pending(&g.core, a), 1);
	ck_assert_uint_eq(cb()->head[3], a);
	ck_assert_int_eq(evtchn_set_pending(&g.core, c), 1);
	ck_assert_uint_eq(cb()->head[EVTCHN_FIFO_PRIORITY_DEFAULT], c);
	ck_assert_uint_eq(*word(a) & EVTCHN_FIFO_LINK_MASK, 0);
}
END_TEST

START_TEST(masked_events_wait_for_unmask)
{
	go_fifo();
	uint32_t p = bind_ipi();
	struct evtchn_send s = { .port = p };
	ck_assert_int_eq(op(EVTCHNOP_send, &s, sizeof s), 0);
	ck_assert_uint_eq(*word(p), F(EVTCHN_FIFO_MASKED) | F(EVTCHN_FIFO_PENDING));
	ck_assert_uint_eq(cb()->ready, 0);
	ck_assert_int_eq(evtchn_is_pending(&g.core, p), 1);
	ck_assert_int_eq(unmask(p), 0);
	ck_assert_uint_eq(*word(p), F(EVTCHN_FIFO_PENDING) | F(EVTCHN_FIFO_LINKED));
	ck_assert_int_eq(unmask(p), 0); /* linked already: once */
	ck_assert_int_eq(unmask(EVTCHN_NR_PORTS), -XEN_EINVAL);
	/* Masked again while linked: the guest skips it, a later unmask
	 * brings it back. */
	__atomic_fetch_or(word(p), F(EVTCHN_FIFO_MASKED), __ATOMIC_SEQ_CST);
	uint32_t got[8];
	ck_assert_uint_eq(consume(got, 8), 0);
	ck_assert_int_eq(unmask(p), 0);
	ck_assert_uint_eq(consume(got, 8), 1);
	ck_assert_uint_eq(got[0], p);
	/* Not pending: unmask links nothing. */
	ck_assert_int_eq(unmask(p), 0);
	ck_assert_uint_eq(*word(p), 0);
}
END_TEST

START_TEST(closed_while_linked_stays_until_consumed)
{
	go_fifo();
	uint32_t p = bind_ipi();
	*word(p) = 0;
	ck_assert_int_eq(evtchn_set_pending(&g.core, p), 1);
	ck_assert_int_eq(close_port(p), 0);
	ck_assert_uint_eq(*word(p), F(EVTCHN_FIFO_LINKED));
	ck_assert_int_eq(evtchn_is_pending(&g.core, p), 0);
	/* Still on the queue: not handed out again. */
	uint32_t q = bind_ipi();
	ck_assert_uint_ne(q, p);
	uint32_t got[8];
	ck_assert_uint_eq(consume(got, 8), 0); /* skipped: not pending */
	ck_assert_int_eq(close_port(q), 0);
	ck_assert_uint_eq(bind_ipi(), p);
}
END_TEST

START_TEST(dom0_events_wait_for_the_core)
{
	go_fifo();
	*word(STORE) = 0;
	vi()->evtchn_upcall_pending = 0;
	ck_assert_int_eq(evtchn_raise_from_dom0(&g.core, STORE), 1);
	/* Nothing in guest memory yet: the launcher's thread wrote none. */
	ck_assert_uint_eq(*word(STORE), 0);
	ck_assert_int_eq(evtchn_dom0_raised_any(&g.core), 1);
	ck_assert_int_eq(traps_event_upcall_due(&g.core), 1);
	ck_assert_int_eq(evtchn_raise_from_dom0(&g.core, 0), 0);
	ck_assert_int_eq(evtchn_raise_from_dom0(&g.core, EVTCHN_NR_PORTS), 0);
	evtchn_take_dom0_raised(&g.core);
	ck_assert_int_eq(evtchn_dom0_raised_any(&g.core), 0);
	ck_assert_uint_eq(*word(STORE), F(EVTCHN_FIFO_PENDING) | F(EVTCHN_FIFO_LINKED));
	ck_assert_uint_eq(vi()->evtchn_upcall_pending, 1);
	/* A port the guest closed meanwhile is no longer dom0's. */
	ck_assert_int_eq(close_port(CONSOLE), 0);
	*word(CONSOLE) = 0;
	ck_assert_int_eq(evtchn_raise_from_dom0(&g.core, CONSOLE), 1);
	evtchn_take_dom0_raised(&g.core);
	ck_assert_uint_eq(*word(CONSOLE), 0);
}
END_TEST

START_TEST(hostile_links_and_control_blocks)
{
	go_fifo();
	uint32_t a = bind_ipi(), b = bind_ipi(), c = bind_ipi();
	for (uint32_t p = a; p <= c; p++)
		*word(p) = 0;
	ck_assert_int_eq(evtchn_set_pending(&g.core, a), 1);
	/* The guest points a's LINK at itself and at ports out of range:
	 * the core writes LINK fields and HEADs, never follows them. */
	*word(a) |= a;
	ck_assert_int_eq(evtchn_set_pending(&g.core, b), 0);
	ck_assert_uint_eq(*word(a) & EVTCHN_FIFO_LINK_MASK, b);
	*word(b) |= EVTCHN_FIFO_LINK_MASK;
	ck_assert_int_eq(evtchn_set_pending(&g.core, c), 0);
	ck_assert_uint_eq(*word(b) & EVTCHN_FIFO_LINK_MASK, c);
	*word(c) |= a; /* a cycle a -> b -> c -> a */
	uint32_t got[16];
	ck_assert_uint_eq(consume(got, 16), 3); /* bounded walk */
	/* Every word LINKED and BUSY, HEADs and READY garbage. */
	for (unsigned i = 0; i < FG_PAGE / 4; i++)
		*word(i) = F(EVTCHN_FIFO_LINKED) | F(EVTCHN_FIFO_BUSY) | EVTCHN_FIFO_LINK_MASK;
	memset(cb()->head, 0xff, sizeof cb()->head);
	cb()->ready = ~0u;
	for (uint32_t p = 1; p < EVTCHN_NR_PORTS; p++) {
		ck_assert_int_eq(evtchn_set_pending(&g.core, p), 0);
		ck_assert_int_eq(unmask(p), 0);
	}
	/* Unlinked again: the stale tails are not followed into garbage. */
	for (unsigned i = 0; i < FG_PAGE / 4; i++)
		*word(i) = EVTCHN_FIFO_LINK_MASK;
	cb()->ready = 0;
	ck_assert_int_eq(evtchn_set_pending(&g.core, b), 1);
	ck_assert_uint_eq(cb()->head[EVTCHN_FIFO_PRIORITY_DEFAULT], b);
	/* Core state the guest cannot reach, corrupted anyway: tails,
	 * priorities and a port's last queue out of range stay inside the
	 * arrays. */
	for (unsigned q = 0; q < EVTCHN_NR_PRIORITIES; q++)
		g.st->evtchn.fifo.vcpu[0].tail[q] = 0xffffffffu - q;
	g.st->evtchn.port[c].priority = 0xff;
	g.st->evtchn.port[c].vcpu = 7;
	g.st->evtchn.fifo.tail_queue[c] = 0xffff;
	*word(c) = 0;
	ck_assert_int_eq(evtchn_set_pending(&g.core, c), 1);
	ck_assert_uint_eq(cb()->head[0xff % EVTCHN_NR_PRIORITIES], c);
}
END_TEST

START_TEST(reset_releases_the_pages_and_returns_to_2_level)
{
	uint32_t cb_before = type_count(CB_PFN), array_before = type_count(ARRAY_PFN);
	go_fifo();
	ck_assert_uint_eq(type_count(CB_PFN), cb_before + 1);
	ck_assert_uint_eq(type_count(ARRAY_PFN), array_before + 1);
	struct evtchn_reset r = { .dom = DOMID_SELF };
	ck_assert_int_eq(op(EVTCHNOP_reset, &r, sizeof r), 0);
	ck_assert_uint_eq(type_count(CB_PFN), cb_before);
	ck_assert_uint_eq(type_count(ARRAY_PFN), array_before);
	ck_assert_int_eq(op(EVTCHNOP_reset, &r, sizeof r), 0); /* nothing twice */
	ck_assert_uint_eq(type_count(CB_PFN), cb_before);
	/* 2-level again, and FIFO may be set up anew. */
	uint32_t p = bind_ipi();
	ck_assert_int_eq(expand(ARRAY_PFN), -XEN_EOPNOTSUPP);
	ck_assert_int_eq(evtchn_set_pending(&g.core, p), 1);
	ck_assert_uint_eq((core_shared_info(&g.core)->evtchn_pending[0] >> p) & 1, 1);
	go_fifo();
	ck_assert_uint_eq(type_count(CB_PFN), cb_before + 1);
}
END_TEST

START_TEST(not_offered_with_evtchn_2l)
{
	teardown();
	setup_offering(0);
	ck_assert_int_eq(init_control(CB_PFN, CB_OFFSET, 0), -XEN_ENOSYS);
	ck_assert_int_eq(expand(ARRAY_PFN), -XEN_ENOSYS);
	ck_assert_int_eq(set_priority(CONSOLE, 3), -XEN_ENOSYS);
	ck_assert_uint_eq(type_count(CB_PFN), 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("evtchn_fifo");
	TCase *t = tcase_create("fifo");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, init_control_checks_in_xens_order);
	tcase_add_test(t, expand_array_takes_one_page_of_ram_the_guest_may_write);
	tcase_add_test(t, pending_before_init_control_is_queued);
	tcase_add_test(t, higher_priority_first_same_priority_in_order);
	tcase_add_test(t, masked_events_wait_for_unmask);
	tcase_add_test(t, closed_while_linked_stays_until_consumed);
	tcase_add_test(t, dom0_events_wait_for_the_core);
	tcase_add_test(t, hostile_links_and_control_blocks);
	tcase_add_test(t, reset_releases_the_pages_and_returns_to_2_level);
	tcase_add_test(t, not_offered_with_evtchn_2l);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
