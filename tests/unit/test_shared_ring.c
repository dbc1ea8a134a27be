/*
 * The backend's shared ring against a frontend using Xen's own io/ring.h
 * macros: requests and responses across the page boundary of a two-page
 * blkif ring, wrap-around, event thresholds both ways, and a frontend
 * whose req_prod runs more than a ring ahead.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
/* io/ring.h leaves its barriers to the includer. */
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/blkif.h>
#include "backends/shared_ring.h"

#define PAGES 2
static uint8_t *mem;
static blkif_front_ring_t front;
static struct shared_ring back;

static void setup(void)
{
	mem = aligned_alloc(4096, PAGES * 4096);
	ck_assert_ptr_nonnull(mem);
	memset(mem, 0xa5, PAGES * 4096);
	blkif_sring_t *s = (blkif_sring_t *)mem;
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&front, s, PAGES * 4096);
	uint8_t *pages[PAGES] = { mem, mem + 4096 };
	ck_assert_int_eq(shared_ring_init(&back, pages, PAGES, sizeof(union blkif_sring_entry)), 0);
}

static void teardown(void)
{
	free(mem);
}

static void send_request(uint64_t id)
{
	blkif_request_t *req = RING_GET_REQUEST(&front, front.req_prod_pvt);
	memset(req, 0, sizeof *req);
	req->operation = BLKIF_OP_READ;
	req->id = id;
	req->nr_segments = 11;
	for (int i = 0; i < 11; i++)
		req->seg[i].gref = (grant_ref_t)(id * 100 + i);
	front.req_prod_pvt++;
}

START_TEST(same_size_as_ring_h)
{
	ck_assert_uint_eq(back.nr_entries, RING_SIZE(&front));
	ck_assert_int_eq(shared_ring_unconsumed(&back), 0);
}
END_TEST

START_TEST(round_trips_across_pages)
{
	int notify;
	/* Several laps, so entries land on the page boundary and wrap. */
	for (uint64_t id = 1; id < 5 * back.nr_entries; id++) {
		send_request(id);
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
		/* We asked for an event at each next request. */
		ck_assert_int_eq(notify, 1);
		ck_assert_int_eq(shared_ring_unconsumed(&back), 1);
		blkif_request_t req;
		shared_ring_take(&back, &req, sizeof req);
		ck_assert_uint_eq(req.id, id);
		ck_assert_uint_eq(req.nr_segments, 11);
		for (int i = 0; i < 11; i++)
			ck_assert_uint_eq(req.seg[i].gref, id * 100 + i);
		blkif_response_t rsp = { .id = id, .operation = BLKIF_OP_READ,
					 .status = BLKIF_RSP_OKAY };
		shared_ring_put(&back, &rsp, sizeof rsp);
		shared_ring_push(&back);
		ck_assert(RING_HAS_UNCONSUMED_RESPONSES(&front));
		blkif_response_t *got = RING_GET_RESPONSE(&front, front.rsp_cons);
		ck_assert_uint_eq(got->id, id);
		ck_assert_int_eq(got->status, BLKIF_RSP_OKAY);
		front.rsp_cons++;
		ck_assert_int_eq(shared_ring_final_check(&back), 0);
	}
}
END_TEST

START_TEST(events_when_asked)
{
	int more;
	/* The frontend waits for the first response only. */
	RING_FINAL_CHECK_FOR_RESPONSES(&front, more);
	ck_assert_int_eq(more, 0);
	for (uint64_t id = 0; id < 3; id++)
		send_request(id);
	int notify;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
	ck_assert_int_eq(shared_ring_unconsumed(&back), 3);
	blkif_request_t req;
	blkif_response_t rsp = { 0 };
	shared_ring_take(&back, &req, sizeof req);
	shared_ring_put(&back, &rsp, sizeof rsp);
	ck_assert_int_eq(shared_ring_push(&back), 1);
	shared_ring_take(&back, &req, sizeof req);
	shared_ring_put(&back, &rsp, sizeof rsp);
	ck_assert_int_eq(shared_ring_push(&back), 0); /* not asked again yet */
	ck_assert_int_eq(shared_ring_push(&back), 0); /* nothing new */
	/* Our req_event: the frontend's next push notifies us. */
	shared_ring_take(&back, &req, sizeof req);
	ck_assert_int_eq(shared_ring_final_check(&back), 0);
	send_request(9);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
	ck_assert_int_eq(notify, 1);
	ck_assert_int_eq(shared_ring_final_check(&back), 1);
}
END_TEST

START_TEST(full_before_answers)
{
	int notify;
	for (uint64_t id = 0; id < back.nr_entries; id++)
		send_request(id);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
	ck_assert_int_eq(notify, 1); /* req_event starts at 1 */
	blkif_request_t req;
	for (uint32_t i = 0; i < back.nr_entries; i++) {
		ck_assert(!shared_ring_full(&back));
		shared_ring_take(&back, &req, sizeof req);
	}
	ck_assert(shared_ring_full(&back));
}
END_TEST

START_TEST(hostile_req_prod)
{
	blkif_sring_t *s = (blkif_sring_t *)mem;
	s->req_prod = back.nr_entries + 1;
	ck_assert_int_eq(shared_ring_unconsumed(&back), -1);
	ck_assert_int_eq(shared_ring_final_check(&back), -1);
	s->req_prod = (RING_IDX)-1; /* "behind" us: as far ahead, unsigned */
	ck_assert_int_eq(shared_ring_unconsumed(&back), -1);
	s->req_prod = back.nr_entries; /* exactly a ring: believable */
	ck_assert_int_eq(shared_ring_unconsumed(&back), (int)back.nr_entries);
}
END_TEST

/* A chain looked at whole before it is taken (netif), and a wait for the
 * rest of it: the frontend's push that completes it notifies, not the
 * ones before. */
START_TEST(peek_then_skip_and_wait_for_a_chain)
{
	int notify;
	send_request(1);
	send_request(2);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
	blkif_request_t req;
	shared_ring_peek(&back, 1, &req, sizeof req);
	ck_assert_uint_eq(req.id, 2);
	shared_ring_peek(&back, 0, &req, sizeof req);
	ck_assert_uint_eq(req.id, 1);
	ck_assert_int_eq(shared_ring_unconsumed(&back), 2); /* nothing taken */
	/* The chain needs 4: two more to come. */
	ck_assert_int_eq(shared_ring_final_check_for(&back, 4), 0);
	send_request(3);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
	ck_assert_int_eq(notify, 0);
	send_request(4);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
	ck_assert_int_eq(notify, 1);
	ck_assert_int_eq(shared_ring_final_check_for(&back, 4), 1);
	shared_ring_skip(&back, 3);
	shared_ring_take(&back, &req, sizeof req);
	ck_assert_uint_eq(req.id, 4);
	ck_assert_int_eq(shared_ring_unconsumed(&back), 0);
}
END_TEST

START_TEST(bad_geometry)
{
	struct shared_ring r;
	uint8_t *pages[SHARED_RING_MAX_PAGES + 1] = { mem };
	ck_assert_int_eq(shared_ring_init(&r, pages, 0, 112), -1);
	ck_assert_int_eq(shared_ring_init(&r, pages, SHARED_RING_MAX_PAGES + 1, 112), -1);
	ck_assert_int_eq(shared_ring_init(&r, pages, 1, 0), -1);
	ck_assert_int_eq(shared_ring_init(&r, pages, 1, 8192), -1);
	ck_assert_int_eq(shared_ring_init(&r, pages, 1, 112), 0);
	ck_assert_uint_eq(r.nr_entries, 32); /* blkif's one-page ring */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shared_ring");
	TCase *t = tcase_create("shared_ring");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, same_size_as_ring_h);
	tcase_add_test(t, round_trips_across_pages);
	tcase_add_test(t, events_when_asked);
	tcase_add_test(t, full_before_answers);
	tcase_add_test(t, hostile_req_prod);
	tcase_add_test(t, peek_then_skip_and_wait_for_a_chain);
	tcase_add_test(t, bad_geometry);
	suite_add_tcase(s, t);
	return check_run(s);
}
