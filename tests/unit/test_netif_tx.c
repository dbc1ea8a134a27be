/*
 * netif TX request chains: every rule of backends/net/netif_tx.h, each
 * with the chain that just passes and the one that just fails, and the
 * slots a dropped chain leaves to answer.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdint.h>
#include <string.h>
#include "backends/net/net_frame.h"
#include "backends/net/netif_tx.h"

/* More than a window, so a chain can run past it. */
#define RING_SLOTS 64

static struct netif_tx_request ring[RING_SLOTS];
static struct netif_tx_packet pkt;
static const char *why;
static unsigned used; /* slots put on the ring so far */

static const uint8_t group_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
static const uint8_t unicast_mac[6] = { 0x00, 0x16, 0x3e, 0x12, 0x34, 0x56 };

static void setup(void)
{
	memset(ring, 0, sizeof(ring));
	used = 0;
	/* Stale contents must not leak into an answer. */
	memset(&pkt, 0xa5, sizeof(pkt));
	why = "stale";
}

/* Puts a data request on the ring; its id is 100 + its slot. */
static void put_data(uint16_t offset, uint16_t size, uint16_t flags)
{
	ring[used] = (struct netif_tx_request){
		.gref = 1000 + used, .offset = offset, .flags = flags,
		.id = (uint16_t)(100 + used), .size = size,
	};
	used++;
}

static void put_extra(uint8_t type, bool more, const struct netif_extra_info *body)
{
	struct netif_extra_info e;

	if (body)
		e = *body;
	else
		memset(&e, 0, sizeof(e));
	e.type = type;
	e.flags = more ? XEN_NETIF_EXTRA_FLAG_MORE : 0;
	/* The slot's last 4 bytes are padding: garbage must not matter. */
	memset(&ring[used], 0xee, sizeof(ring[used]));
	memcpy(&ring[used], &e, sizeof(e));
	used++;
}

static void put_gso(uint8_t gso_type, uint16_t size, bool more)
{
	struct netif_extra_info e = { 0 };

	e.u.gso.type = gso_type;
	e.u.gso.size = size;
	put_extra(XEN_NETIF_EXTRA_TYPE_GSO, more, &e);
}

static void put_mcast(uint8_t type, const uint8_t addr[6], bool more)
{
	struct netif_extra_info e = { 0 };

	memcpy(e.u.mcast.addr, addr, 6);
	put_extra(type, more, &e);
}

static enum netif_tx_verdict parse(unsigned avail)
{
	return netif_tx_parse(ring, avail, &pkt, &why);
}

static void assert_ok(unsigned avail, unsigned nr_slots)
{
	ck_assert_int_eq(parse(avail), NETIF_TX_OK);
	ck_assert_ptr_null(why);
	ck_assert_uint_eq(pkt.nr_slots, nr_slots);
}

/* A dropped chain: why says something, every slot to its end answered
 * in order, data slots with their ids. */
static void assert_drop(unsigned avail, unsigned nr_slots)
{
	ck_assert_int_eq(parse(avail), NETIF_TX_DROP);
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_eq(pkt.nr_slots, nr_slots);
	for (unsigned i = 0; i < nr_slots; i++)
		if (!pkt.slot_is_extra[i])
			ck_assert_uint_eq(pkt.slot_id[i], 100 + i);
}

START_TEST(single_slot)
{
	put_data(100, 60, NETTXF_csum_blank | NETTXF_data_validated);
	assert_ok(1, 1);
	ck_assert(!pkt.slot_is_extra[0]);
	ck_assert_uint_eq(pkt.slot_id[0], 100);
	ck_assert_uint_eq(pkt.nr_data, 1);
	ck_assert_uint_eq(pkt.len, 60);
	ck_assert_uint_eq(pkt.data[0].gref, 1000);
	ck_assert_uint_eq(pkt.data[0].offset, 100);
	ck_assert_uint_eq(pkt.data[0].size, 60);
	ck_assert_uint_eq(pkt.data[0].id, 100);
	ck_assert(pkt.csum_blank && pkt.data_validated);
	ck_assert(!pkt.gso && !pkt.mcast_add && !pkt.mcast_del);
}
END_TEST

START_TEST(single_slot_leaves_later_slots)
{
	put_data(0, 60, 0);
	put_data(0, 70, 0);
	assert_ok(2, 1);
	ck_assert(!pkt.csum_blank && !pkt.data_validated);
}
END_TEST

START_TEST(frame_length_limits)
{
	put_data(0, NET_ETH_HLEN, 0);
	assert_ok(1, 1);
	setup();
	put_data(0, NET_ETH_HLEN - 1, 0);
	assert_drop(1, 1);
	setup();
	put_data(0, 0, 0);
	assert_drop(1, 1);
	/* The largest frame, XEN_NETIF_MAX_TX_SIZE, in 16 slots. */
	setup();
	put_data(0, XEN_NETIF_MAX_TX_SIZE, NETTXF_more_data);
	for (unsigned i = 0; i < 15; i++)
		put_data(0, 4096, i < 14 ? NETTXF_more_data : 0);
	assert_ok(16, 16);
	ck_assert_uint_eq(pkt.len, XEN_NETIF_MAX_TX_SIZE);
	ck_assert_uint_eq(pkt.data[0].size, XEN_NETIF_MAX_TX_SIZE - 15 * 4096);
}
END_TEST

START_TEST(page_limits)
{
	put_data(4096 - 60, 60, 0);
	assert_ok(1, 1);
	setup();
	put_data(4096 - 59, 60, 0);
	assert_drop(1, 1);
	/* The first request's own part: the frame less the later parts. */
	setup();
	put_data(2048, 3000, NETTXF_more_data);
	put_data(0, 952, 0);
	assert_ok(2, 2);
	ck_assert_uint_eq(pkt.data[0].size, 2048);
	setup();
	put_data(2049, 3000, NETTXF_more_data);
	put_data(0, 952, 0);
	assert_drop(2, 2);
	/* A later part crossing its page. */
	setup();
	put_data(0, 3000, NETTXF_more_data);
	put_data(4096 - 1000, 1000, 0);
	assert_ok(2, 2);
	setup();
	put_data(0, 3000, NETTXF_more_data);
	put_data(4096 - 999, 1000, 0);
	assert_drop(2, 2);
	/* An offset alone past the page, with nothing in it. */
	setup();
	put_data(0, 100, NETTXF_more_data);
	put_data(4097, 0, 0);
	assert_drop(2, 2);
}
END_TEST

START_TEST(multi_slot)
{
	put_data(96, 5000, NETTXF_more_data | NETTXF_csum_blank);
	put_data(0, 4096, NETTXF_more_data);
	put_data(8, 100, 0);
	assert_ok(3, 3);
	ck_assert_uint_eq(pkt.nr_data, 3);
	ck_assert_uint_eq(pkt.len, 5000);
	ck_assert_uint_eq(pkt.data[0].size, 5000 - 4096 - 100);
	ck_assert_uint_eq(pkt.data[0].offset, 96);
	ck_assert_uint_eq(pkt.data[1].size, 4096);
	ck_assert_uint_eq(pkt.data[1].gref, 1001);
	ck_assert_uint_eq(pkt.data[2].size, 100);
	ck_assert_uint_eq(pkt.data[2].offset, 8);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert(!pkt.slot_is_extra[i]);
		ck_assert_uint_eq(pkt.slot_id[i], 100 + i);
	}
	ck_assert(pkt.csum_blank);
}
END_TEST

START_TEST(zero_size_parts)
{
	/* Linux allows an empty later part; so does the first one end up
	 * empty when the later ones hold the whole frame. */
	put_data(0, 60, NETTXF_more_data);
	put_data(0, 0, NETTXF_more_data);
	put_data(0, 60, 0);
	assert_ok(3, 3);
	ck_assert_uint_eq(pkt.data[0].size, 0);
	ck_assert_uint_eq(pkt.data[1].size, 0);
	ck_assert_uint_eq(pkt.data[2].size, 60);
	ck_assert_uint_eq(pkt.len, 60);
}
END_TEST

START_TEST(part_larger_than_remainder)
{
	put_data(0, 1000, NETTXF_more_data);
	put_data(0, 600, NETTXF_more_data);
	put_data(0, 400, 0);
	assert_ok(3, 3);
	ck_assert_uint_eq(pkt.data[0].size, 0);
	setup();
	put_data(0, 1000, NETTXF_more_data);
	put_data(0, 600, NETTXF_more_data);
	put_data(0, 401, NETTXF_more_data);
	put_data(0, 10, 0); /* the chain goes on: its slots are answered too */
	put_data(0, 60, 0); /* the next packet */
	assert_drop(5, 4);
}
END_TEST

START_TEST(data_request_limit)
{
	put_data(0, 18 * 100, NETTXF_more_data);
	for (unsigned i = 1; i < NETIF_TX_MAX_DATA - 1; i++)
		put_data(0, 100, NETTXF_more_data);
	put_data(0, 100, 0);
	assert_ok(RING_SLOTS, NETIF_TX_MAX_DATA);
	ck_assert_uint_eq(pkt.nr_data, NETIF_TX_MAX_DATA);
	for (unsigned i = 0; i < NETIF_TX_MAX_DATA; i++)
		ck_assert_uint_eq(pkt.data[i].size, 100);

	setup();
	put_data(0, 19 * 100, NETTXF_more_data);
	for (unsigned i = 1; i < NETIF_TX_MAX_DATA; i++)
		put_data(0, 100, NETTXF_more_data);
	put_data(0, 100, 0);
	assert_drop(RING_SLOTS, NETIF_TX_MAX_DATA + 1);
}
END_TEST

/* n data requests, all but the last with more_data. */
static void put_chain(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		put_data(0, i ? 0 : 100, i + 1 < n ? NETTXF_more_data : 0);
}

START_TEST(chain_ending_in_window_is_dropped)
{
	put_chain(NETIF_TX_WINDOW);
	assert_drop(RING_SLOTS, NETIF_TX_WINDOW);
	/* Exactly the window published: still known where it ends. */
	setup();
	put_chain(NETIF_TX_WINDOW);
	assert_drop(NETIF_TX_WINDOW, NETIF_TX_WINDOW);
}
END_TEST

START_TEST(chain_past_window)
{
	put_chain(NETIF_TX_WINDOW + 1);
	ck_assert_int_eq(parse(RING_SLOTS), NETIF_TX_FATAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(parse(NETIF_TX_WINDOW), NETIF_TX_FATAL);
	/* Fewer published than the window: it may yet end. */
	ck_assert_int_eq(parse(NETIF_TX_WINDOW - 1), NETIF_TX_NEED_MORE);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(parse(5), NETIF_TX_NEED_MORE);
}
END_TEST

START_TEST(unending_chain)
{
	for (unsigned i = 0; i < RING_SLOTS; i++)
		put_data(0, 100, NETTXF_more_data);
	ck_assert_int_eq(parse(RING_SLOTS), NETIF_TX_FATAL);
	ck_assert_int_eq(parse(NETIF_TX_WINDOW), NETIF_TX_FATAL);
	ck_assert_int_eq(parse(NETIF_TX_WINDOW - 1), NETIF_TX_NEED_MORE);
	ck_assert_int_eq(parse(1), NETIF_TX_NEED_MORE);
}
END_TEST

START_TEST(unending_extras)
{
	put_data(0, 100, NETTXF_extra_info);
	for (unsigned i = 1; i < RING_SLOTS; i++)
		put_extra(XEN_NETIF_EXTRA_TYPE_HASH, true, NULL);
	ck_assert_int_eq(parse(RING_SLOTS), NETIF_TX_FATAL);
	ck_assert_int_eq(parse(NETIF_TX_WINDOW - 1), NETIF_TX_NEED_MORE);
}
END_TEST

START_TEST(need_more)
{
	put_data(0, 1000, NETTXF_more_data);
	put_data(0, 100, NETTXF_more_data);
	put_data(0, 100, 0);
	ck_assert_int_eq(parse(0), NETIF_TX_NEED_MORE);
	ck_assert_int_eq(parse(1), NETIF_TX_NEED_MORE);
	ck_assert_int_eq(parse(2), NETIF_TX_NEED_MORE);
	ck_assert_ptr_null(why);
	assert_ok(3, 3);
	/* A dropped chain too: its end must be known to answer it. */
	setup();
	put_data(0, 10, NETTXF_more_data);
	put_data(0, 100, 0);
	ck_assert_int_eq(parse(1), NETIF_TX_NEED_MORE);
	assert_drop(2, 2);
	/* Extras not all published yet. */
	setup();
	put_data(0, 1000, NETTXF_extra_info);
	put_gso(XEN_NETIF_GSO_TYPE_TCPV4, 1448, true);
	put_extra(XEN_NETIF_EXTRA_TYPE_HASH, false, NULL);
	ck_assert_int_eq(parse(2), NETIF_TX_NEED_MORE);
	assert_ok(3, 3);
}
END_TEST

START_TEST(gso_extra)
{
	put_data(64, 3000, NETTXF_extra_info | NETTXF_more_data | NETTXF_csum_blank);
	put_gso(XEN_NETIF_GSO_TYPE_TCPV4, 1448, false);
	put_data(0, 1000, 0);
	assert_ok(3, 3);
	ck_assert(!pkt.slot_is_extra[0] && pkt.slot_is_extra[1] && !pkt.slot_is_extra[2]);
	ck_assert_uint_eq(pkt.slot_id[0], 100);
	ck_assert_uint_eq(pkt.slot_id[2], 102);
	ck_assert(pkt.gso);
	ck_assert_uint_eq(pkt.gso_type, XEN_NETIF_GSO_TYPE_TCPV4);
	ck_assert_uint_eq(pkt.gso_size, 1448);
	ck_assert_uint_eq(pkt.nr_data, 2);
	ck_assert_uint_eq(pkt.data[0].size, 2000);
	ck_assert_uint_eq(pkt.data[1].size, 1000);
	ck_assert_uint_eq(pkt.data[1].gref, 1002);
	ck_assert_uint_eq(pkt.len, 3000);

	setup();
	put_data(0, 3000, NETTXF_extra_info);
	put_gso(XEN_NETIF_GSO_TYPE_TCPV6, 1, false);
	assert_ok(2, 2);
	ck_assert_uint_eq(pkt.gso_type, XEN_NETIF_GSO_TYPE_TCPV6);
	ck_assert_uint_eq(pkt.gso_size, 1);
}
END_TEST

START_TEST(chained_extras)
{
	/* Data requests follow the extras whatever the extras' flags say;
	 * the first request's more_data says whether they come. */
	put_data(0, 2000, NETTXF_extra_info | NETTXF_more_data);
	put_extra(XEN_NETIF_EXTRA_TYPE_HASH, true, NULL);
	put_gso(XEN_NETIF_GSO_TYPE_TCPV6, 1440, false);
	put_data(0, 1000, 0);
	assert_ok(4, 4);
	ck_assert(pkt.slot_is_extra[1] && pkt.slot_is_extra[2]);
	ck_assert(pkt.gso);
	ck_assert_uint_eq(pkt.gso_size, 1440);
	ck_assert_uint_eq(pkt.nr_data, 2);

	/* The largest packet: every data request and both extras a packet
	 * can have. */
	setup();
	put_data(0, 18 * 10, NETTXF_extra_info | NETTXF_more_data);
	put_gso(XEN_NETIF_GSO_TYPE_TCPV4, 100, true);
	put_extra(XEN_NETIF_EXTRA_TYPE_HASH, false, NULL);
	for (unsigned i = 1; i < NETIF_TX_MAX_DATA; i++)
		put_data(0, 10, i + 1 < NETIF_TX_MAX_DATA ? NETTXF_more_data : 0);
	assert_ok(RING_SLOTS, NETIF_TX_MAX_DATA + 2);
	ck_assert_uint_eq(pkt.nr_data, NETIF_TX_MAX_DATA);
}
END_TEST

START_TEST(bad_extras)
{
	/* Two of one type, the packet's data after them answered too. */
	put_data(0, 2000, NETTXF_extra_info | NETTXF_more_data);
	put_gso(XEN_NETIF_GSO_TYPE_TCPV4, 1448, true);
	put_gso(XEN_NETIF_GSO_TYPE_TCPV4, 1448, false);
	put_data(0, 1000, 0);
	assert_drop(4, 4);
	ck_assert(pkt.slot_is_extra[1] && pkt.slot_is_extra[2] && !pkt.slot_is_extra[3]);

	static const uint8_t bad_types[] = { XEN_NETIF_EXTRA_TYPE_NONE, XEN_NETIF_EXTRA_TYPE_MAX,
					     0xff };
	for (unsigned i = 0; i < sizeof(bad_types); i++) {
		setup();
		put_data(0, 100, NETTXF_extra_info);
		put_extra(bad_types[i], true, NULL); /* its MORE flag still followed */
		put_gso(XEN_NETIF_GSO_TYPE_TCPV4, 1448, false);
		assert_drop(3, 3);
	}

	static const uint8_t bad_gso_types[] = { XEN_NETIF_GSO_TYPE_NONE, 3, 0xff };
	for (unsigned i = 0; i < sizeof(bad_gso_types); i++) {
		setup();
		put_data(0, 100, NETTXF_extra_info);
		put_gso(bad_gso_types[i], 1448, false);
		assert_drop(2, 2);
	}

	setup();
	put_data(0, 100, NETTXF_extra_info);
	put_gso(XEN_NETIF_GSO_TYPE_TCPV4, 0, false);
	assert_drop(2, 2);
}
END_TEST

START_TEST(mcast)
{
	/* A control request: its size is not a frame's, no data follows. */
	put_data(0, 0, NETTXF_extra_info);
	put_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, group_mac, false);
	put_data(0, 60, 0);
	assert_ok(3, 2);
	ck_assert(pkt.mcast_add && !pkt.mcast_del);
	ck_assert_mem_eq(pkt.mcast_addr, group_mac, 6);
	ck_assert_uint_eq(pkt.slot_id[0], 100);
	ck_assert(pkt.slot_is_extra[1]);
	ck_assert_uint_eq(pkt.nr_data, 0);
	ck_assert_uint_eq(pkt.len, 0);

	setup();
	put_data(0, 0, NETTXF_extra_info);
	put_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_DEL, group_mac, false);
	assert_ok(2, 2);
	ck_assert(!pkt.mcast_add && pkt.mcast_del);
	ck_assert_mem_eq(pkt.mcast_addr, group_mac, 6);

	/* more_data on it: Linux answers it after its extras all the same,
	 * and takes the next slot as the next packet. */
	setup();
	put_data(0, 0, NETTXF_extra_info | NETTXF_more_data);
	put_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, group_mac, false);
	put_data(0, 60, 0);
	assert_ok(3, 2);
	ck_assert(pkt.mcast_add);

	/* Both: Linux adds, and the delete is not done. */
	setup();
	static const uint8_t other_group[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	put_data(0, 0, NETTXF_extra_info);
	put_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_DEL, other_group, true);
	put_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, group_mac, false);
	assert_ok(3, 3);
	ck_assert(pkt.mcast_add && !pkt.mcast_del);
	ck_assert_mem_eq(pkt.mcast_addr, group_mac, 6);
}
END_TEST

START_TEST(mcast_unicast_address)
{
	put_data(0, 0, NETTXF_extra_info);
	put_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, unicast_mac, false);
	assert_drop(2, 2);
	ck_assert(pkt.slot_is_extra[1]);
	setup();
	put_data(0, 0, NETTXF_extra_info);
	put_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_DEL, unicast_mac, false);
	assert_drop(2, 2);
	/* The broadcast address is a group address. */
	setup();
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	put_data(0, 0, NETTXF_extra_info);
	put_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, broadcast, false);
	assert_ok(2, 2);
}
END_TEST

START_TEST(drop_answers_every_slot)
{
	/* Broken early (too short), then extras and data: all answered. */
	put_data(0, 10, NETTXF_extra_info | NETTXF_more_data);
	put_gso(XEN_NETIF_GSO_TYPE_TCPV4, 1448, true);
	put_extra(XEN_NETIF_EXTRA_TYPE_HASH, false, NULL);
	put_data(0, 4, NETTXF_more_data);
	put_data(0, 4, 0);
	put_data(0, 60, 0);
	assert_drop(6, 5);
	ck_assert(!pkt.slot_is_extra[0] && pkt.slot_is_extra[1] && pkt.slot_is_extra[2]);
	ck_assert(!pkt.slot_is_extra[3] && !pkt.slot_is_extra[4]);
}
END_TEST

static Suite *netif_tx_suite(void)
{
	Suite *s = suite_create("netif_tx");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, single_slot);
	tcase_add_test(tc, single_slot_leaves_later_slots);
	tcase_add_test(tc, frame_length_limits);
	tcase_add_test(tc, page_limits);
	tcase_add_test(tc, multi_slot);
	tcase_add_test(tc, zero_size_parts);
	tcase_add_test(tc, part_larger_than_remainder);
	tcase_add_test(tc, data_request_limit);
	tcase_add_test(tc, chain_ending_in_window_is_dropped);
	tcase_add_test(tc, chain_past_window);
	tcase_add_test(tc, unending_chain);
	tcase_add_test(tc, unending_extras);
	tcase_add_test(tc, need_more);
	tcase_add_test(tc, gso_extra);
	tcase_add_test(tc, chained_extras);
	tcase_add_test(tc, bad_extras);
	tcase_add_test(tc, mcast);
	tcase_add_test(tc, mcast_unicast_address);
	tcase_add_test(tc, drop_answers_every_slot);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(netif_tx_suite());
}
