/* libFuzzer target: netif TX chain checking against any ring slots and
 * any count of published slots.  Whatever it answers must be what the
 * slots say: the chain's end found by a walk of its own here, an
 * accepted packet's parts inside their pages and adding up to its
 * length, a wait only short of the window, a broken ring only past it;
 * anything else aborts.
 *
 * Input: 1 byte of avail, then ring slots, 12 bytes each (zeros past
 * the end). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/net/net_frame.h"
#include "backends/net/netif_tx.h"
#include "tests/fuzz/fuzz_input.h"

#define RING_SLOTS (NETIF_TX_WINDOW + 10)

static struct netif_tx_request ring[RING_SLOTS];
static struct netif_tx_packet pkt;

static struct netif_extra_info extra_at(unsigned i)
{
	struct netif_extra_info e;

	memcpy(&e, &ring[i], sizeof(e));
	return e;
}

/* Where the chain from slot 0 ends (its slot count), read as netif.h
 * draws it; 0 if it goes past limit slots.  *control: a multicast
 * request, which Linux answers after its extras. */
static unsigned chain_slots(unsigned limit, bool *control)
{
	unsigned i = 1;
	uint16_t flags = ring[0].flags;

	*control = false;
	if (limit == 0)
		return 0;
	if (flags & NETTXF_extra_info) {
		struct netif_extra_info e;

		do {
			if (i >= limit)
				return 0;
			e = extra_at(i++);
			if (e.type == XEN_NETIF_EXTRA_TYPE_MCAST_ADD ||
			    e.type == XEN_NETIF_EXTRA_TYPE_MCAST_DEL)
				*control = true;
		} while (e.flags & XEN_NETIF_EXTRA_FLAG_MORE);
	}
	if (*control || !(flags & NETTXF_more_data))
		return i;
	do {
		if (i >= limit)
			return 0;
	} while (ring[i++].flags & NETTXF_more_data);
	return i;
}

static void check_slots(unsigned slots)
{
	for (unsigned i = 0; i < slots; i++)
		if (!pkt.slot_is_extra[i] && pkt.slot_id[i] != ring[i].id)
			abort();
	if (pkt.slot_is_extra[0])
		abort();
}

static void check_control(void)
{
	if (pkt.mcast_add == pkt.mcast_del || !(pkt.mcast_addr[0] & 1))
		abort();
	if (pkt.nr_data || pkt.len || pkt.gso)
		abort();
	for (unsigned i = 1; i < pkt.nr_slots; i++)
		if (!pkt.slot_is_extra[i])
			abort();
}

static void check_packet(void)
{
	unsigned extras = 0, d = 0;
	uint32_t sum = 0;

	if (pkt.mcast_add || pkt.mcast_del)
		abort();
	if (pkt.nr_data < 1 || pkt.nr_data > NETIF_TX_MAX_DATA)
		abort();
	if (pkt.len < NET_ETH_HLEN || pkt.len > XEN_NETIF_MAX_TX_SIZE || pkt.len != ring[0].size)
		abort();
	for (unsigned i = 0; i < pkt.nr_data; i++) {
		if (pkt.data[i].offset + pkt.data[i].size > 4096)
			abort();
		sum += pkt.data[i].size;
	}
	if (sum != pkt.len)
		abort();
	/* The data requests are the chain's data slots, in order, as the
	 * ring holds them (but the first one's size, its own part). */
	for (unsigned i = 0; i < pkt.nr_slots; i++) {
		struct netif_tx_request want = ring[i];

		if (pkt.slot_is_extra[i]) {
			extras++;
			continue;
		}
		if (d == 0)
			want.size = pkt.data[0].size;
		if (d >= pkt.nr_data || memcmp(&pkt.data[d++], &want, sizeof(want)))
			abort();
	}
	if (d != pkt.nr_data || extras + d != pkt.nr_slots || extras > NETIF_TX_MAX_EXTRAS)
		abort();
	if (pkt.gso && (pkt.gso_size == 0 || (pkt.gso_type != XEN_NETIF_GSO_TYPE_TCPV4 &&
					      pkt.gso_type != XEN_NETIF_GSO_TYPE_TCPV6)))
		abort();
	if (pkt.csum_blank != !!(ring[0].flags & NETTXF_csum_blank))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	const char *why = "unset";
	enum netif_tx_verdict v;
	unsigned avail, ends;
	uint8_t avail_byte;
	bool control;

	take(&in, &avail_byte, 1);
	avail = avail_byte % (RING_SLOTS + 1);
	take(&in, ring, sizeof(ring));
	v = netif_tx_parse(ring, avail, &pkt, &why);
	ends = chain_slots(avail < NETIF_TX_WINDOW ? avail : NETIF_TX_WINDOW, &control);

	switch (v) {
	case NETIF_TX_OK:
		if (why || !ends || pkt.nr_slots != ends || pkt.nr_slots > avail)
			abort();
		check_slots(pkt.nr_slots);
		if (control)
			check_control();
		else
			check_packet();
		break;
	case NETIF_TX_DROP:
		if (!why || !ends || pkt.nr_slots != ends)
			abort();
		check_slots(pkt.nr_slots);
		break;
	case NETIF_TX_NEED_MORE:
		if (why || ends || avail >= NETIF_TX_WINDOW)
			abort();
		break;
	case NETIF_TX_FATAL:
		if (!why || ends || avail < NETIF_TX_WINDOW)
			abort();
		break;
	default:
		abort();
	}
	return 0;
}
