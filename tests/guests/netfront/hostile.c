/*
 * The hostile run: what no correct netfront does, each of which the
 * backend must refuse alone while the vif goes on working (after each,
 * an ARP request for 10.0.2.2 must still get its reply).
 *
 *   RX buffers no backend may write (posted alone, so that the ARP reply
 *   that follows lands in them): granted read-only, a ref past the
 *   table, ref 0xffffffff, a ref never granted, one granted to domain 7,
 *   a frame past the guest's RAM, a page-table frame granted writable.
 *   Each must be answered with a negative status and the page left as it
 *   was: the frame is dropped (netback's rx_dropped);
 *
 *   malformed TX chains, Linux netback's rules: a part past its page, a
 *   frame under 14 bytes, parts larger than what the first slot's size
 *   leaves, 19 and 22 data slots, extra info of type NONE or unknown,
 *   two GSO extras, GSO of size 0 or of an unknown type, a multicast add
 *   of a unicast address; and TX grants the backend cannot read (past
 *   the table, 0xffffffff, never granted, granted to domain 7 or as a
 *   transfer, frames past RAM).  Each chain's slots are answered
 *   NETIF_RSP_ERROR (its extras NETIF_RSP_NULL), in ring order, nothing
 *   sent (netback's tx_malformed);
 *
 *   chains the protocol allows though Linux builds none such, which must
 *   be sent: a first slot carrying no bytes, an empty middle part at
 *   offset 4096, a hash extra; and a chain published in two steps, which
 *   the backend must wait for and send whole;
 *
 *   a flood: xt.flood=N (default 4096) ARP requests queued as fast as the
 *   ring takes them, never waiting: each answered once, and ARP replies
 *   must come while the guest is still queueing (TX must not starve RX);
 *
 *   a GSO packet with gso_size 1, 60000 segments to cut from one
 *   request: answered, and the vif goes on;
 *
 *   fatal errors, after each of which the backend must stop serving the
 *   broken ring (no response to what it cannot trust) and go to Closing
 *   with its error node written, and the vif is closed and connected
 *   again, as a frontend recovers: a chain of 23 slots (more than a
 *   packet's 22), a TX req_prod 1000 past what the ring holds, the same
 *   on RX (with no buffer posted, so that no RX response can be right);
 *
 *   a ring's own page posted as an RX buffer (the backend's frame lands
 *   on the ring): no promise but that the launcher goes on;
 *
 *   handshakes with one node spoilt (ring refs past the table, never
 *   granted or read-only, event channels not ours to give, rx-copy or
 *   rx-notify refused, 0 or too many queues, values that are no number
 *   or one of 2000 digits): the backend must refuse them (Closing) and
 *   connect afterwards as if nothing happened; both rings on one grant
 *   it may take, but must survive.
 *
 * Lines "netfront: hostile: ..." say what each step got; the totals at
 * the end are for the host to compare with netback's --stats.
 */
#include "netguest.h"

#include <xen/io/xenbus.h>

#include "cmdline.h"
#include "evtchn.h"
#include "format.h"
#include "grant_table.h"
#include "libc.h"
#include "pv_mmu.h"
#include "test.h"
#include "xenstore.h"

#define ANSWER_WAIT_NS (3000 * MS)
#define FATAL_WAIT_NS (3000 * MS)
#define CANARY 0xc5
/* The slots one packet may take (18 data, one extra of each type):
 * a chain still going past them is fatal. */
#define PACKET_WINDOW (XEN_NETIF_NR_SLOTS_MIN + XEN_NETIF_EXTRA_TYPE_MAX - 1)
#define MAX_CHAIN (PACKET_WINDOW + 1)

enum hostile_page { PG_SRC, PG_CANARY, PG_TABLE, HOSTILE_PAGES };
static uint8_t pages[HOSTILE_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* Refs after the netfront's. */
enum spare_ref {
	REF_SRC,         /* PG_SRC, read-only to the backend: raw TX requests' data */
	REF_UNGRANTED,   /* points at a page, flags 0 */
	REF_DOMAIN7,     /* granted to domain 7 */
	REF_TRANSFER,    /* GTF_accept_transfer, not access */
	REF_PAST_RAM,    /* a frame the guest does not have */
	REF_READONLY_RX, /* PG_CANARY read-only, posted for RX */
	REF_TABLE,       /* PG_TABLE, pinned as an L1, granted writable */
};

static struct netfront_config cfg;
static unsigned malformed_sent, bad_rx_sent, fatal_sent, bad_handshakes;
static struct netfront_rx rx;

static grant_ref_t spare(enum spare_ref r)
{
	return GNTTAB_NR_RESERVED_ENTRIES + NETFRONT_REFS + r;
}

static uint64_t mfn_of(const void *va)
{
	return ((const uint64_t *)boot_start_info->mfn_list)[pfn_of(va)];
}

/* An entry written by hand, as grant_access would but with any frame
 * and flags. */
static void raw_grant(grant_ref_t ref, domid_t domid, uint64_t frame, uint16_t flags)
{
	volatile grant_entry_v1_t *e = grant_entry(ref);
	e->frame = (uint32_t)frame;
	e->domid = domid;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->flags = flags;
}

static bool all_bytes(const uint8_t *p, uint8_t value, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		if (p[i] != value)
			return false;
	return true;
}

static void still_works(const char *after)
{
	char what[96];
	fmt_snprintf(what, sizeof what, "after %s", after);
	arp_exchange(what);
}

/* ---- RX buffers the backend must not write */

/* Posts ref alone (no pool buffer is out), sends an ARP request, and
 * expects the reply's slot back with a negative status. */
static void bad_rx(const char *what, grant_ref_t ref, const uint8_t *watch, uint8_t fill)
{
	uint16_t id = (uint16_t)(NETFRONT_RX_FOREIGN_ID + bad_rx_sent);
	netfront_rx_post_ref(&vif, id, ref);
	uint8_t req[ARP_FRAME_LEN];
	frame_arp(req, 1, vif.mac, my_ip, broadcast_mac, IP_HOST);
	check_eq(net_send(req, sizeof req, NULL, 0, 0), NETIF_RSP_OKAY);
	bool got = netfront_rx_take(&vif, &rx, ANSWER_WAIT_NS);
	printk("netfront: hostile: rx into %s -> %s, status %d\n", what,
	       got ? "answered" : "no response", got ? rx.slot[0].status : 0);
	bad_rx_sent++;
	if (!check_msg(got, "rx into %s: no response", what))
		return;
	check_msg(rx.foreign && rx.nr_slots == 1 && rx.slot[0].id == id,
		  "rx into %s: the response (%u slots, id %u) is not for the request (id %u)", what,
		  rx.nr_slots, rx.slot[0].id, id);
	check_msg(rx.slot[0].status < 0, "rx into %s: status %d, the backend wrote a frame", what,
		  rx.slot[0].status);
	if (watch)
		check_msg(all_bytes(watch, fill, PAGE_SIZE), "rx into %s: the page changed", what);
}

static void page_table_rx(void)
{
	uint8_t *va = pages[PG_TABLE];
	uint64_t mfn = mfn_of(va);
	memset(va, 0, PAGE_SIZE);
	check_eq(update_va(va, (mfn << 12) | PTE_P | PTE_A, UVMF_INVLPG), 0);
	long rc = mmuext(MMUEXT_PIN_L1_TABLE, mfn);
	require(rc == 0, "pinning a page as an L1: %ld", rc);
	raw_grant(spare(REF_TABLE), vif.backend_id, mfn, GTF_permit_access);
	bad_rx("a page-table frame granted writable", spare(REF_TABLE), va, 0);
	check_msg(grant_end(spare(REF_TABLE)), "the page-table frame's grant is held");
	check_eq(mmuext(MMUEXT_UNPIN_TABLE, mfn), 0);
	check_eq(update_va(va, (mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG), 0);
}

static void bad_rx_buffers(void)
{
	memset(pages[PG_CANARY], CANARY, PAGE_SIZE);
	raw_grant(spare(REF_READONLY_RX), vif.backend_id, mfn_of(pages[PG_CANARY]),
		  GTF_permit_access | GTF_readonly);
	bad_rx("a page granted read-only", spare(REF_READONLY_RX), pages[PG_CANARY], CANARY);
	char what[64];
	fmt_snprintf(what, sizeof what, "ref %u, past the table", grant_table_entries());
	bad_rx(what, grant_table_entries(), NULL, 0);
	bad_rx("ref 0xffffffff", 0xffffffffu, NULL, 0);
	raw_grant(spare(REF_UNGRANTED), vif.backend_id, mfn_of(pages[PG_CANARY]), 0);
	bad_rx("a ref never granted", spare(REF_UNGRANTED), pages[PG_CANARY], CANARY);
	raw_grant(spare(REF_DOMAIN7), 7, mfn_of(pages[PG_CANARY]), GTF_permit_access);
	bad_rx("a ref granted to domain 7", spare(REF_DOMAIN7), pages[PG_CANARY], CANARY);
	raw_grant(spare(REF_PAST_RAM), vif.backend_id, boot_start_info->nr_pages + 16,
		  GTF_permit_access);
	bad_rx("a frame past the guest's RAM", spare(REF_PAST_RAM), NULL, 0);
	page_table_rx();
	check_msg(grant_end(spare(REF_READONLY_RX)), "the read-only RX grant is held");

	/* From here on the pool keeps the ring full. */
	vif.cfg.rx_target = cfg.rx_target = NETFRONT_RX_BUFS;
	netfront_rx_fill(&vif, NETFRONT_RX_BUFS);
	still_works("the bad RX buffers");
}

/* ---- Malformed TX chains */

struct slot {
	bool extra;
	struct netif_tx_request req;  /* a data slot: its id is the ring's */
	struct netif_extra_info ex;   /* an extra slot */
};

#define DATA(ref, off, fl, sz) \
	{ .req = { .gref = (ref), .offset = (off), .flags = (fl), .size = (sz) } }
#define GSO(fl, sz, t) \
	{ .extra = true, .ex = { .type = XEN_NETIF_EXTRA_TYPE_GSO, .flags = (fl), \
				 .u.gso = { .size = (sz), .type = (t) } } }
#define EXTRA(t) { .extra = true, .ex = { .type = (t) } }
#define MORE NETTXF_more_data
#define XI NETTXF_extra_info

/* Queues the chain; the ids its data slots got. */
static void queue_chain(const struct slot *s, unsigned n, uint16_t *ids)
{
	for (unsigned i = 0; i < n; i++) {
		struct netif_tx_request *r = netfront_tx_next(&vif);
		if (s[i].extra) {
			/* The extra overlays the request's first 8 bytes. */
			memcpy(r, &s[i].ex, sizeof s[i].ex);
			continue;
		}
		ids[i] = r->id;
		*r = s[i].req;
		r->id = ids[i];
	}
}

static void expect_dropped(const char *what, const struct slot *s, unsigned n)
{
	uint16_t ids[MAX_CHAIN];
	require(n <= MAX_CHAIN, "a chain of %u slots", n);
	queue_chain(s, n, ids);
	netfront_tx_push(&vif);
	struct netif_tx_response rsp[MAX_CHAIN];
	unsigned got = netfront_tx_collect(&vif, rsp, n, ANSWER_WAIT_NS);
	malformed_sent++;
	bool ok = got == n;
	for (unsigned i = 0; i < got; i++) {
		/* An extra's response carries no id: only its status. */
		if (s[i].extra)
			ok = ok && rsp[i].status == NETIF_RSP_NULL;
		else
			ok = ok && rsp[i].id == ids[i] && rsp[i].status == NETIF_RSP_ERROR;
	}
	printk("netfront: hostile: %s -> %u of %u slots answered, status %d%s\n", what, got, n,
	       got ? rsp[0].status : 0, ok ? "" : " (wrong)");
	for (unsigned i = 0; i < got && !ok; i++)
		printk("netfront: hostile:   slot %u: id %u (sent %u%s) status %d\n", i, rsp[i].id,
		       s[i].extra ? 0 : ids[i], s[i].extra ? ", an extra" : "", rsp[i].status);
	check_msg(ok, "%s: not every slot answered NETIF_RSP_ERROR (extras NETIF_RSP_NULL)", what);
	still_works(what);
}

static void bad_tx_ref(const char *what, grant_ref_t ref)
{
	const struct slot s[] = { DATA(ref, 0, 0, ARP_FRAME_LEN) };
	expect_dropped(what, s, 1);
}

static void long_chain(struct slot *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		s[i] = (struct slot)DATA(spare(REF_SRC), 0, i + 1 < n ? MORE : 0, ARP_FRAME_LEN);
	s[0].req.size = (uint16_t)(n * ARP_FRAME_LEN);
}

static void malformed_chains(void)
{
	const grant_ref_t src = spare(REF_SRC);
	{
		const struct slot s[] = { DATA(src, 4000, 0, 200) };
		expect_dropped("a slot at offset 4000 of 200 bytes", s, 1);
	}
	{
		const struct slot s[] = { DATA(src, 0, 0, 10) };
		expect_dropped("a frame of 10 bytes", s, 1);
	}
	{
		const struct slot s[] = { DATA(src, 0, 0, 0) };
		expect_dropped("a frame of 0 bytes", s, 1);
	}
	{
		const struct slot s[] = { DATA(src, 0, MORE, 100), DATA(src, 4050, 0, 50) };
		expect_dropped("a second part crossing its page's end", s, 2);
	}
	{
		const struct slot s[] = { DATA(src, 0, MORE, 60), DATA(src, 0, 0, 100) };
		expect_dropped("a second part larger than the frame", s, 2);
	}
	{
		const struct slot s[] = { DATA(src, 0, MORE, 100), DATA(src, 0, MORE, 60),
					  DATA(src, 0, 0, 60) };
		expect_dropped("a third part larger than what is left", s, 3);
	}
	{
		const struct slot s[] = { DATA(src, 0, MORE, 120),
					  DATA(grant_table_entries(), 0, MORE, 30),
					  DATA(src, 0, 0, 30) };
		expect_dropped("a chain with a ref past the table in its middle", s, 3);
	}
	struct slot chain[MAX_CHAIN];
	long_chain(chain, 19);
	expect_dropped("19 data slots", chain, 19);
	long_chain(chain, 22);
	expect_dropped("22 data slots", chain, 22);
	{
		const struct slot s[] = { DATA(src, 0, XI, 60), EXTRA(XEN_NETIF_EXTRA_TYPE_NONE) };
		expect_dropped("an extra of type NONE", s, 2);
	}
	{
		const struct slot s[] = { DATA(src, 0, XI, 60), EXTRA(XEN_NETIF_EXTRA_TYPE_MAX) };
		expect_dropped("an extra of type 5 (unknown)", s, 2);
	}
	{
		const struct slot s[] = { DATA(src, 0, XI, 60), EXTRA(255) };
		expect_dropped("an extra of type 255", s, 2);
	}
	{
		const struct slot s[] = { DATA(src, 0, XI, 60),
					  GSO(XEN_NETIF_EXTRA_FLAG_MORE, 1400, XEN_NETIF_GSO_TYPE_TCPV4),
					  GSO(0, 1400, XEN_NETIF_GSO_TYPE_TCPV4) };
		expect_dropped("two GSO extras", s, 3);
	}
	{
		const struct slot s[] = { DATA(src, 0, XI, 60), GSO(0, 0, XEN_NETIF_GSO_TYPE_TCPV4) };
		expect_dropped("a GSO extra of size 0", s, 2);
	}
	{
		const struct slot s[] = { DATA(src, 0, XI, 60), GSO(0, 1400, 3) };
		expect_dropped("a GSO extra of type 3 (unknown)", s, 2);
	}
	{
		const struct slot s[] = { DATA(src, 0, XI, 60),
					  GSO(0, 1400, XEN_NETIF_GSO_TYPE_NONE) };
		expect_dropped("a GSO extra of type NONE", s, 2);
	}
	{
		/* Multicast control takes group addresses only. */
		const struct slot s[] = { DATA(src, 0, XI, 60),
					  { .extra = true,
					    .ex = { .type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
						    .u.mcast.addr = { 0x02, 0, 0, 0, 0, 1 } } } };
		expect_dropped("a multicast add of a unicast address", s, 2);
	}
}

static void bad_tx_refs(void)
{
	char what[64];
	fmt_snprintf(what, sizeof what, "a TX ref %u, past the table", grant_table_entries());
	bad_tx_ref(what, grant_table_entries());
	bad_tx_ref("a TX ref 0xffffffff", 0xffffffffu);
	raw_grant(spare(REF_UNGRANTED), vif.backend_id, mfn_of(pages[PG_SRC]), 0);
	bad_tx_ref("a TX ref never granted", spare(REF_UNGRANTED));
	raw_grant(spare(REF_DOMAIN7), 7, mfn_of(pages[PG_SRC]), GTF_permit_access | GTF_readonly);
	bad_tx_ref("a TX ref granted to domain 7", spare(REF_DOMAIN7));
	check_msg(grant_end(spare(REF_DOMAIN7)), "the grant to domain 7 is held");
	raw_grant(spare(REF_TRANSFER), vif.backend_id, mfn_of(pages[PG_SRC]), GTF_accept_transfer);
	bad_tx_ref("a TX ref offered for transfer, not access", spare(REF_TRANSFER));
	raw_grant(spare(REF_TRANSFER), 0, 0, 0);
	raw_grant(spare(REF_PAST_RAM), vif.backend_id, boot_start_info->nr_pages + 16,
		  GTF_permit_access | GTF_readonly);
	bad_tx_ref("a TX frame past the guest's RAM", spare(REF_PAST_RAM));
	raw_grant(spare(REF_PAST_RAM), vif.backend_id, 0xfffffff0u,
		  GTF_permit_access | GTF_readonly);
	bad_tx_ref("a TX frame 0xfffffff0", spare(REF_PAST_RAM));
	raw_grant(spare(REF_PAST_RAM), 0, 0, 0);
}

/* A chain no Linux netfront builds but the protocol allows, which must
 * be sent: every data slot answered NETIF_RSP_OKAY, extras
 * NETIF_RSP_NULL, and the ARP request it carries answered. */
static void expect_sent(const char *what, const struct slot *s, unsigned n)
{
	uint16_t ids[MAX_CHAIN];
	queue_chain(s, n, ids);
	netfront_tx_push(&vif);
	struct netif_tx_response rsp[MAX_CHAIN];
	unsigned got = netfront_tx_collect(&vif, rsp, n, ANSWER_WAIT_NS);
	bool ok = got == n;
	for (unsigned i = 0; ok && i < n; i++)
		ok = s[i].extra ? rsp[i].status == NETIF_RSP_NULL
				: rsp[i].id == ids[i] && rsp[i].status == NETIF_RSP_OKAY;
	struct arp_info a;
	bool reply = ok && net_await(is_host_arp_reply, &a, REPLY_WAIT_NS);
	printk("netfront: hostile: %s -> %u of %u slots answered%s, %s\n", what, got, n,
	       ok ? " as sent" : "", reply ? "the ARP reply came" : "no ARP reply");
	check_msg(ok && reply, "%s: not sent (%u answers, first status %d)", what, got,
		  got ? rsp[0].status : 0);
	if (ok)
		frames_sent++;
}

static void legal_oddities(void)
{
	const grant_ref_t src = spare(REF_SRC);
	{
		/* The first slot's part is what the others leave: nothing. */
		const struct slot s[] = { DATA(src, 100, MORE, ARP_FRAME_LEN),
					  DATA(src, 0, 0, ARP_FRAME_LEN) };
		expect_sent("a first slot carrying no bytes", s, 2);
	}
	{
		const struct slot s[] = { DATA(src, 0, MORE, ARP_FRAME_LEN),
					  DATA(src, 4096, MORE, 0), DATA(src, 30, 0, 30) };
		expect_sent("an empty middle part at offset 4096", s, 3);
	}
	{
		/* A hash extra is a hint a backend may ignore. */
		const struct slot s[] = { DATA(src, 0, XI, ARP_FRAME_LEN),
					  { .extra = true,
					    .ex = { .type = XEN_NETIF_EXTRA_TYPE_HASH,
						    .u.hash = { .type = _XEN_NETIF_CTRL_HASH_TYPE_IPV4,
								.algorithm =
									XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ,
								.value = { 1, 2, 3, 4 } } } } };
		expect_sent("a hash extra", s, 2);
	}
}

/* A chain published in two steps, as no Linux netfront does but nothing
 * forbids: the backend, seeing the first slot alone, must wait for the
 * rest (not answer, not drop), then send the frame whole. */
static void torn_chain(void)
{
	const grant_ref_t src = spare(REF_SRC);
	/* The ARP request at PG_SRC's start, in parts of 20 bytes. */
	const struct slot s[] = { DATA(src, 0, MORE, ARP_FRAME_LEN), DATA(src, 20, MORE, 20),
				  DATA(src, 40, 0, 20) };
	uint16_t ids[3];
	queue_chain(s, 1, ids);
	netfront_tx_push(&vif);
	struct netif_tx_response rsp[3];
	uint64_t until = netfront_now(&vif) + 100 * MS;
	unsigned early = netfront_tx_collect(&vif, rsp, 1, 100 * MS);
	while (netfront_now(&vif) < until)
		netfront_sleep(&vif, until);
	queue_chain(s + 1, 2, ids + 1);
	netfront_tx_push(&vif);
	unsigned got = early ? 0 : netfront_tx_collect(&vif, rsp, 3, ANSWER_WAIT_NS);
	bool ok = !early && got == 3;
	for (unsigned i = 0; ok && i < 3; i++)
		ok = rsp[i].id == ids[i] && rsp[i].status == NETIF_RSP_OKAY;
	struct arp_info a;
	bool reply = ok && net_await(is_host_arp_reply, &a, REPLY_WAIT_NS);
	printk("netfront: hostile: a chain published in two steps -> %s, %u answers%s, %s\n",
	       early ? "answered early" : "waited for", got, ok ? " okay" : "",
	       reply ? "the ARP reply came" : "no ARP reply");
	check_msg(!early, "a chain published in two steps: answered (status %d) before its end",
		  rsp[0].status);
	check_msg(ok && reply, "a chain published in two steps: %u answers, not 3 okay, or no "
		  "reply", got);
	if (ok)
		frames_sent++;
}

/* ---- A flood */

static void flood(unsigned n)
{
	static uint8_t outstanding[65536 / 8];
	unsigned queued = 0, answered = 0, okay = 0, dropped = 0, wrong = 0, replies = 0,
		 replies_while_queueing = 0;
	uint64_t start = netfront_now(&vif), last_progress = start;
	while (answered < n) {
		bool progress = false;
		for (unsigned space = netfront_tx_space(&vif); queued < n && space; space--) {
			struct netif_tx_request *r = netfront_tx_next(&vif);
			r->gref = spare(REF_SRC);
			r->size = ARP_FRAME_LEN;
			outstanding[r->id / 8] |= (uint8_t)(1u << (r->id % 8));
			queued++;
			progress = true;
		}
		netfront_tx_push(&vif);
		struct netif_tx_response rsp[64];
		unsigned got;
		while ((got = netfront_tx_collect(&vif, rsp, 64, 0)) > 0) {
			for (unsigned i = 0; i < got; i++) {
				uint16_t id = rsp[i].id;
				uint8_t bit = (uint8_t)(1u << (id % 8));
				if (!(outstanding[id / 8] & bit))
					wrong++;
				outstanding[id / 8] &= (uint8_t)~bit;
				if (rsp[i].status == NETIF_RSP_OKAY)
					okay++;
				else if (rsp[i].status == NETIF_RSP_DROPPED)
					dropped++;
				else
					wrong++;
			}
			answered += got;
			progress = true;
		}
		while (netfront_rx_take(&vif, &rx, 0)) {
			frames_received++;
			check_msg(rx.error == 0 && !rx.leaked, "flood: an RX frame with status %d%s",
				  rx.error, rx.leaked ? ", its page written outside it" : "");
			struct arp_info a;
			if (is_host_arp_reply(&rx, &a)) {
				replies++;
				if (queued < n)
					replies_while_queueing++;
			}
			progress = true;
		}
		uint64_t now = netfront_now(&vif);
		if (progress) {
			last_progress = now;
			continue;
		}
		if (now - last_progress > ANSWER_WAIT_NS)
			break;
		netfront_sleep(&vif, now + 100 * MS);
	}
	frames_sent += okay;
	uint64_t ms = (netfront_now(&vif) - start) / MS;
	printk("netfront: hostile: flood: %u frames queued, %u answered (okay %u dropped %u "
	       "wrong %u), %u replies (%u while queueing) in %lu ms\n", queued, answered, okay,
	       dropped, wrong, replies, replies_while_queueing, (unsigned long)ms);
	check_msg(answered == n && wrong == 0, "flood: %u of %u answered, %u wrong answers",
		  answered, n, wrong);
	check_msg(replies_while_queueing > 0, "flood: no ARP reply came while TX was busy");
	still_works("the flood");
}

/* ---- Amplification */

/* A well-formed TCP GSO packet whose gso_size is 1: netback, cutting it
 * for slirp, makes a segment of every payload byte (60000 frames from
 * one request).  Nothing forbids it (Linux's netback takes any nonzero
 * size), but it must be answered in reasonable time and the vif go on. */
static void gso_one_byte_segments(void)
{
	enum { PAYLOAD = 60000 };
	static uint8_t f[ETH_HLEN + 20 + 20 + PAYLOAD];
	const struct tcp_spec t = { .sport = 40001, .dport = 9, .seq = 1, .flags = TCP_PSH,
				    .payload = PAYLOAD };
	size_t len = frame_tcp4_partial(f, vif.mac, slirp_host_mac, my_ip, IP_HOST, &t);
	struct netfront_part parts[NETFRONT_TX_PAGES];
	unsigned n = 0;
	for (size_t at = 0; at < len; at += PAGE_SIZE, n++)
		parts[n] = (struct netfront_part){ 0, (uint16_t)(len - at < PAGE_SIZE ? len - at
										     : PAGE_SIZE) };
	struct netif_extra_info x = {
		.type = XEN_NETIF_EXTRA_TYPE_GSO,
		.u.gso = { .size = 1, .type = XEN_NETIF_GSO_TYPE_TCPV4 },
	};
	uint64_t start = netfront_now(&vif);
	int st = netfront_send_extra(&vif, f, len, parts, n, NETTXF_csum_blank, &x);
	printk("netfront: hostile: a GSO packet of %u 1-byte segments -> status %d in %lu ms\n",
	       PAYLOAD, st, (unsigned long)((netfront_now(&vif) - start) / MS));
	check_msg(st == NETIF_RSP_OKAY || st == NETIF_RSP_ERROR,
		  "a GSO packet of 1-byte segments: %s %d", st == NETFRONT_NO_ANSWER ?
		  "no answer," : "status", st);
	if (st == NETIF_RSP_OKAY)
		frames_sent++;
	still_works("a GSO packet of 1-byte segments");
}

/* ---- Fatal errors */

static void reconnect(unsigned rx_target)
{
	netfront_close(&vif);
	cfg.rx_target = rx_target;
	netfront_connect(&vif, shared, &cfg);
}

/* The ring (TX or RX) was made unusable and the backend told: it must
 * answer nothing more on it (its rsp_prod stays at before) and go to
 * Closing, and the launcher must go on.  The other ring is not held
 * against it: a response there may have been on its way. */
static void expect_fatal(const char *what, bool tx_ring, RING_IDX before)
{
	long st = netfront_wait_backend(&vif, XenbusStateClosing, XenbusStateClosed,
					FATAL_WAIT_NS);
	RING_IDX now = tx_ring ? vif.tx.sring->rsp_prod : vif.rx.sring->rsp_prod;
	fatal_sent++;
	printk("netfront: hostile: %s -> backend state %ld, %u %s responses\n", what, st,
	       now - before, tx_ring ? "TX" : "RX");
	check_msg(st == XenbusStateClosing, "%s: backend state %ld, not Closing", what, st);
	check_msg(now == before, "%s: the backend answered %u %s requests after it", what,
		  now - before, tx_ring ? "TX" : "RX");
	char domid[16];
	check_msg(xs_read("domid", domid, sizeof domid) > 0, "xenstore no longer answers");
}

/* A ring page (granted writable, held by the backend) posted alone as an
 * RX buffer: the frame the ARP reply brings lands on the ring itself,
 * its indexes and requests overwritten under the backend.  No behaviour
 * is promised but the launcher's: it must go on, and the vif must
 * connect again afterwards. */
static void ring_as_rx_buffer(const char *what, grant_ref_t ring_ref)
{
	uint16_t ids[1];
	netfront_rx_post_ref(&vif, NETFRONT_RX_FOREIGN_ID, ring_ref);
	const struct slot arp[] = { DATA(spare(REF_SRC), 0, 0, ARP_FRAME_LEN) };
	queue_chain(arp, 1, ids);
	netfront_tx_push(&vif);
	uint64_t until = netfront_now(&vif) + 300 * MS;
	while (netfront_now(&vif) < until)
		netfront_sleep(&vif, until);
	long st = netfront_backend_state(&vif);
	printk("netfront: hostile: rx into %s -> backend state %ld\n", what, st);
	check_msg(st == XenbusStateConnected || st == XenbusStateClosing,
		  "rx into %s: backend state %ld", what, st);
	char domid[16];
	check_msg(xs_read("domid", domid, sizeof domid) > 0, "xenstore no longer answers");
	reconnect(0);
}

static void fatal_errors(void)
{
	struct slot chain[MAX_CHAIN];
	uint16_t ids[MAX_CHAIN];
	RING_IDX before = vif.tx.sring->rsp_prod;
	long_chain(chain, MAX_CHAIN);
	queue_chain(chain, MAX_CHAIN, ids);
	netfront_tx_push(&vif);
	expect_fatal("a chain of 23 slots", true, before);
	reconnect(NETFRONT_RX_BUFS);
	still_works("a chain of 23 slots");

	before = vif.tx.sring->rsp_prod;
	xen_wmb();
	vif.tx.sring->req_prod = vif.tx.req_prod_pvt + 1000;
	xen_mb();
	check_eq(evtchn_send(vif.tx_port), 0);
	expect_fatal("TX req_prod 1000 ahead", true, before);
	/* Without buffers posted, any RX response is for a request that
	 * does not exist, whenever the frame it carries came. */
	reconnect(0);

	before = vif.rx.sring->rsp_prod;
	xen_wmb();
	vif.rx.sring->req_prod = vif.rx.req_prod_pvt + 1000;
	xen_mb();
	check_eq(evtchn_send(vif.rx_port), 0);
	/* A frame for the guest makes the backend look at the RX ring; the
	 * ARP request that brings one goes raw: its answer may never come. */
	const struct slot arp[] = { DATA(spare(REF_SRC), 0, 0, ARP_FRAME_LEN) };
	queue_chain(arp, 1, ids);
	netfront_tx_push(&vif);
	expect_fatal("RX req_prod 1000 ahead", false, before);
	reconnect(0);
	/* netfront.h: the TX ring's ref is first_ref, the RX ring's next. */
	ring_as_rx_buffer("the RX ring's own page", cfg.first_ref + 1);
	ring_as_rx_buffer("the TX ring's page", cfg.first_ref);
	reconnect(NETFRONT_RX_BUFS);
	still_works("the fatal errors");
}

/* ---- Hostile handshakes */

/* A number as a node's value (one at a time: a static buffer). */
static const char *dec(unsigned long v)
{
	static char buf[24];
	fmt_snprintf(buf, sizeof buf, "%lu", v);
	return buf;
}

/* Publishes what a frontend publishes, then spoils node with value and
 * says Connected: the backend must refuse (a fatal error: Closing, its
 * error node written) or, where may_connect, may connect; either way the
 * launcher goes on and the vif is closed, to be connected properly. */
static void bad_handshake(const char *what, const char *node, const char *value,
			  bool may_connect)
{
	netfront_offer(&vif, shared, &cfg);
	char path[64];
	fmt_snprintf(path, sizeof path, "%s/%s", vif.front, node);
	check_eq(xs_write(path, value), 0);
	long st = netfront_say_connected(&vif);
	printk("netfront: hostile: handshake with %s -> backend state %ld\n", what, st);
	check_msg(st == XenbusStateClosing || (may_connect && st == XenbusStateConnected),
		  "handshake with %s: backend state %ld, not Closing", what, st);
	char domid[16];
	check_msg(xs_read("domid", domid, sizeof domid) > 0, "xenstore no longer answers");
	bad_handshakes++;
	netfront_close(&vif);
}

static void bad_handshakes_run(void)
{
	netfront_close(&vif);
	/* No buffers: nothing for a backend that refuses to give back. */
	cfg.rx_target = 0;
	const grant_ref_t tx_ring = cfg.first_ref; /* netfront.h: the TX ring's */
	bad_handshake("a tx-ring-ref past the table", "tx-ring-ref", dec(grant_table_entries()),
		      false);
	raw_grant(spare(REF_UNGRANTED), vif.backend_id, mfn_of(pages[PG_CANARY]), 0);
	bad_handshake("an rx-ring-ref never granted", "rx-ring-ref", dec(spare(REF_UNGRANTED)),
		      false);
	raw_grant(spare(REF_READONLY_RX), vif.backend_id, mfn_of(pages[PG_CANARY]),
		  GTF_permit_access | GTF_readonly);
	bad_handshake("an rx-ring-ref granted read-only", "rx-ring-ref",
		      dec(spare(REF_READONLY_RX)), false);
	check_msg(grant_end(spare(REF_READONLY_RX)), "the read-only ring grant is held");
	/* Both rings in one page: nothing says a backend must refuse it
	 * (Xen lets a grant be mapped twice), but it must survive it. */
	bad_handshake("both rings on one grant", "rx-ring-ref", dec(tx_ring), true);
	bad_handshake("event channel 1000, not allocated", "event-channel", "1000", false);
	bad_handshake("xenstore's event channel", "event-channel",
		      dec(boot_start_info->store_evtchn), false);
	bad_handshake("request-rx-copy 0", "request-rx-copy", "0", false);
	bad_handshake("feature-rx-notify 0", "feature-rx-notify", "0", false);
	bad_handshake("a tx-ring-ref that is not a number", "tx-ring-ref", "8x", false);
	bad_handshake("an empty event-channel", "event-channel", "", false);
	/* Long, but within the store's 2048-byte values. */
	static char huge[2001];
	memset(huge, '9', sizeof huge - 1);
	bad_handshake("a tx-ring-ref of 2000 digits", "tx-ring-ref", huge, false);
	bad_handshake("multi-queue-num-queues 0", "multi-queue-num-queues", "0", false);
	bad_handshake("multi-queue-num-queues 9", "multi-queue-num-queues", "9", false);
	/* One queue, the published keys' layout: as if the node were absent. */
	char path[64];
	fmt_snprintf(path, sizeof path, "%s/multi-queue-num-queues", vif.front);
	check_eq(xs_write(path, "1"), 0);

	cfg.rx_target = NETFRONT_RX_BUFS;
	netfront_connect(&vif, shared, &cfg);
	still_works("the hostile handshakes");
}

void hostile_run(void)
{
	uint64_t flood_frames = 4096;
	require(cmdline_u64(test_cmdline(), "xt.flood", &flood_frames) != CMDLINE_BAD &&
			flood_frames <= 65536, "bad xt.flood");
	/* No pool buffers at first: the bad RX buffers must be the only ones
	 * out when the frames that land in them come. */
	cfg = (struct netfront_config){ .devid = 0, .first_ref = GNTTAB_NR_RESERVED_ENTRIES,
					.rx_target = 0 };
	netfront_connect(&vif, shared, &cfg);
	/* The backend learns our address from our ARP requests. */
	my_ip = IP_GUEST;

	/* Raw TX requests read a real ARP request from PG_SRC at offset 0;
	 * a backend that wrongly sent one would only get a reply. */
	memset(pages[PG_SRC], CANARY, PAGE_SIZE);
	frame_arp(pages[PG_SRC], 1, vif.mac, my_ip, broadcast_mac, IP_HOST);
	raw_grant(spare(REF_SRC), vif.backend_id, mfn_of(pages[PG_SRC]),
		  GTF_permit_access | GTF_readonly);

	bad_rx_buffers();
	malformed_chains();
	bad_tx_refs();
	legal_oddities();
	torn_chain();
	printk("netfront: hostile: TX from pages granted read-only: every good frame above\n");
	flood((unsigned)flood_frames);
	gso_one_byte_segments();
	fatal_errors();
	bad_handshakes_run();

	check_eq(vif.rx_leaks, 0);
	check_eq(vif.rx_bad_slots, 0);
	check_eq(vif.grants_held, 0);
	netfront_close(&vif);
	check_msg(grant_end(spare(REF_SRC)), "the TX source page's grant is held");
	printk("netfront: hostile: malformed chains %u, bad rx buffers %u, fatal errors %u, "
	       "bad handshakes %u, frames sent %u\n", malformed_sent, bad_rx_sent, fatal_sent,
	       bad_handshakes, frames_sent);
}
