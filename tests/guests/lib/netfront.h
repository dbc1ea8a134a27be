/*
 * A small Xen network frontend (io/netif.h) for test guests: one vif,
 * one queue, rx-copy, connected as Linux's xen-netfront does
 * (talk_to_netback, xennet_connect):
 *
 *   the toolstack's nodes (backend, backend-id, state 1, handle, mac);
 *   backend InitWait: it has written its features (feature-rx-copy...);
 *   a TX and an RX ring page granted writable, an unbound port (two with
 *   split event channels), tx-ring-ref, rx-ring-ref, event-channel (or
 *   event-channel-tx/-rx), request-rx-copy=1, feature-rx-notify=1,
 *   feature-sg=1, state Connected; then the backend's Connected.
 *
 * RX: the library owns NETFRONT_RX_BUFS pages, each filled with a known
 * pattern and granted writable when posted, its grant ended when its
 * response is taken; every byte of a page outside the data its response
 * describes must still hold the pattern (a backend must not write past
 * the frame: it would leak the host's bytes or corrupt the guest's).
 * TX: frames are copied into NETFRONT_TX_PAGES pages granted read-only
 * (netback only reads them), one ring slot per part.  Both rings are
 * also open to hand-made requests (netfront_tx_next, netfront_rx_post_ref)
 * for guests that test a backend's defences.
 *
 * Responses are awaited in SCHEDOP_poll on the ring ports, which stay
 * masked: no upcall handler is needed.
 */
#ifndef GUEST_NETFRONT_H
#define GUEST_NETFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>

/* io/ring.h's barriers, as x86 needs them between the two ends: only a
 * store followed by a load needs a fence; the rest must only keep the
 * compiler from reordering.  (ring.h also uses memset.) */
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#include "libc.h"
#include <xen/io/netif.h>

/* Both rings take one page: 256 slots each. */
#define NETFRONT_RING_SIZE __CONST_RING_SIZE(netif_rx, 4096)
#define NETFRONT_RX_BUFS 64   /* RX pages in the pool */
#define NETFRONT_TX_PAGES XEN_NETIF_NR_SLOTS_MIN /* one per part of a frame */
/* Grant refs a netfront uses from its first_ref on: its TX ring
 * (first_ref), its RX ring (first_ref + 1), its RX pages, its TX pages. */
#define NETFRONT_REFS (2 + NETFRONT_RX_BUFS + NETFRONT_TX_PAGES)
/* The largest frame taken off the RX ring (a frontend without GSO gets
 * no more than a page, but a backend may chain slots). */
#define NETFRONT_FRAME_MAX 65536
#define NETFRONT_RX_MAX_SLOTS 32
/* Not a NETIF_RSP_*: no response in time. */
#define NETFRONT_NO_ANSWER 0x7fff
/* RX request ids from here on are the caller's (netfront_rx_post_ref). */
#define NETFRONT_RX_FOREIGN_ID 0x8000

struct shared_info;

struct netfront_config {
	unsigned devid;          /* vif N: device/vif/N */
	grant_ref_t first_ref;   /* NETFRONT_REFS refs from here are the netfront's */
	bool split_events;       /* a TX and an RX port, if the backend offers it */
	unsigned rx_target;      /* RX buffers kept posted (0: the caller posts) */
};

struct netfront {
	struct netfront_config cfg;
	struct shared_info *shared;
	char front[32];          /* device/vif/N */
	char back[128];          /* the backend's directory */
	domid_t backend_id;
	uint8_t mac[6];
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	evtchn_port_t tx_port, rx_port; /* the same port unless split */
	bool split;
	/* What the backend offered. */
	bool rx_copy, sg, gso_tcpv4, gso_tcpv6, ipv6_csum, mcast_control, split_offered;
	long max_queues;
	/* RX bookkeeping: the id posted in each ring slot (responses must
	 * come in the slot of their request), and each buffer's state. */
	uint16_t rx_slot_id[NETFRONT_RING_SIZE];
	bool rx_buf_posted[NETFRONT_RX_BUFS];
	unsigned rx_posted;      /* buffers out with the backend */
	uint16_t tx_next_id;
	/* Trouble seen, for the guest to check: */
	unsigned missed_events;  /* responses found only after a wait timed out
				    with no event, though rsp_event asked for one */
	unsigned rx_leaks;       /* pages written outside their response's data */
	unsigned rx_bad_slots;   /* responses in the wrong slot or malformed chains */
	unsigned grants_held;    /* grants the backend still held after an answer */
};

/* A received frame: its data (copied out of the pages, which go back to
 * the pool) and the responses it came in. */
struct netfront_rx {
	unsigned nr_slots;
	struct netif_rx_response slot[NETFRONT_RX_MAX_SLOTS];
	bool slot_is_extra[NETFRONT_RX_MAX_SLOTS];
	uint16_t flags;          /* the first slot's NETRXF_* */
	int16_t error;           /* 0, or the first negative status */
	bool foreign;            /* a slot of netfront_rx_post_ref's */
	bool leaked;             /* a page was written outside the data */
	size_t len;
	uint8_t data[NETFRONT_FRAME_MAX];
};

/* One part of a frame sent in several slots: where in its page. */
struct netfront_part {
	uint16_t offset;
	uint16_t len;
};

/* The handshake up to Connected (again after netfront_close); ends the
 * test if it cannot be made. */
void netfront_connect(struct netfront *nf, struct shared_info *shared,
		      const struct netfront_config *cfg);
/* Its two halves, for guests that change a node in between: everything
 * published and the RX ring filled, the frontend still Initialising;
 * then Connected, and the backend's answer: its state once Connected or
 * Closing (a fatal error), or the last one read if neither came. */
void netfront_offer(struct netfront *nf, struct shared_info *shared,
		    const struct netfront_config *cfg);
long netfront_say_connected(struct netfront *nf);
/* Closing, the backend's Closing or Closed, Closed, the backend's Closed;
 * the rings' grants and posted buffers ended, the ports closed. */
void netfront_close(struct netfront *nf);
/* The backend's state node now (-1 if unreadable). */
long netfront_backend_state(const struct netfront *nf);
/* Polls the backend's state until it is within lo..hi or ns pass; the
 * last value read. */
long netfront_wait_backend(const struct netfront *nf, long lo, long hi, uint64_t ns);

/* Xen system time. */
uint64_t netfront_now(const struct netfront *nf);
/* Sleeps until one of the vif's ports is pending or system time reaches
 * deadline. */
void netfront_sleep(struct netfront *nf, uint64_t deadline);

/* ---- TX */
/* Free request slots. */
unsigned netfront_tx_space(const struct netfront *nf);
/* The next request slot, zeroed, its id set (a fresh one); it goes to the
 * backend at the next netfront_tx_push.  Ends the test if the ring is
 * full. */
struct netif_tx_request *netfront_tx_next(struct netfront *nf);
/* Publishes the queued requests, notifying if the backend asked. */
void netfront_tx_push(struct netfront *nf);
/* Takes up to want responses, waiting at most ns for them all (0: only
 * those there now); the number taken. */
unsigned netfront_tx_collect(struct netfront *nf, struct netif_tx_response *out,
			     unsigned want, uint64_t ns);
/* Sends frame in nparts slots (parts[i]: where part i goes in TX page i;
 * nparts 0: one slot at offset 0), flags (NETTXF_csum_blank...) on the
 * first; waits for the answers, checks each id, ends the grants.  The
 * worst status (NETIF_RSP_OKAY when all are), or NETFRONT_NO_ANSWER. */
int netfront_send(struct netfront *nf, const void *frame, size_t len,
		  const struct netfront_part *parts, unsigned nparts, uint16_t flags);
/* The same with an extra-info slot after the first (a GSO extra...),
 * which must be answered NETIF_RSP_NULL. */
int netfront_send_extra(struct netfront *nf, const void *frame, size_t len,
			const struct netfront_part *parts, unsigned nparts, uint16_t flags,
			const struct netif_extra_info *extra);

/* ---- RX */
/* Posts pool buffers until n are out (or the pool is empty), pushes and
 * notifies; the number now out. */
unsigned netfront_rx_fill(struct netfront *nf, unsigned n);
/* Posts a hand-made request (id >= NETFRONT_RX_FOREIGN_ID) and pushes. */
void netfront_rx_post_ref(struct netfront *nf, uint16_t id, grant_ref_t gref);
/* Takes the next frame (all its slots), waiting at most ns (0: only if
 * there now); false if none came.  The pool's pages go back, checked
 * and refilled up to cfg.rx_target. */
bool netfront_rx_take(struct netfront *nf, struct netfront_rx *out, uint64_t ns);

#endif
