/*
 * One guest packet's TX requests (io/netif.h), as netback copied them off
 * the ring, checked before anything is done with them: pure, no I/O, so
 * it can be fuzzed alone (tests/fuzz/fuzz_netif_tx.c).
 *
 * A packet is a chain of data requests (NETTXF_more_data on all but the
 * last); the first one's size is the whole frame's length and each other's
 * its own part, the first one's part being what the rest leave.  A first
 * request with NETTXF_extra_info is followed by extra-info slots (GSO,
 * multicast add/del, hash: XEN_NETIF_EXTRA_FLAG_MORE chains them), then
 * the rest of the data requests.  The rules are Linux netback's: at most
 * NETIF_TX_MAX_DATA data requests, each inside its page (offset + size
 * ≤ 4096), no part larger than what is left of the frame, a frame of
 * NET_ETH_HLEN..XEN_NETIF_MAX_TX_SIZE bytes, at most one extra of each
 * type, no extra of type NONE or unknown, GSO only of a known type with
 * a nonzero size; a chain that breaks a rule is dropped (its slots are
 * answered NETIF_RSP_ERROR) and counted, while one that runs longer than
 * NETIF_TX_WINDOW slots cannot be found where it ends: the ring is
 * broken, as Linux netback's fatal error.
 */
#ifndef XENLET_NETIF_TX_H
#define XENLET_NETIF_TX_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/netif.h>

/* Data requests per packet: Linux netback's XEN_NETBK_LEGACY_SLOTS_MAX,
 * which is what netfronts are written against (XEN_NETIF_NR_SLOTS_MIN). */
#define NETIF_TX_MAX_DATA XEN_NETIF_NR_SLOTS_MIN
/* Extra-info slots per packet: one of each type. */
#define NETIF_TX_MAX_EXTRAS (XEN_NETIF_EXTRA_TYPE_MAX - 1)
/* Ring slots one packet may take; a chain still going past this is fatal. */
#define NETIF_TX_WINDOW (NETIF_TX_MAX_DATA + NETIF_TX_MAX_EXTRAS)

enum netif_tx_verdict {
	NETIF_TX_OK,        /* a packet (or a multicast control request) */
	NETIF_TX_NEED_MORE, /* the chain goes on past the avail slots given:
			       wait for the frontend to publish the rest */
	NETIF_TX_DROP,      /* malformed: answer nr_slots slots with
			       NETIF_RSP_ERROR (extras NETIF_RSP_NULL) */
	NETIF_TX_FATAL,     /* longer than NETIF_TX_WINDOW: the ring is broken */
};

struct netif_tx_packet {
	/* Ring slots the chain took, extras included (OK, DROP): each gets
	 * a response, in ring order. */
	unsigned nr_slots;
	/* Per slot: whether it is an extra (answered NETIF_RSP_NULL), and
	 * the id to answer a data slot with. */
	bool slot_is_extra[NETIF_TX_WINDOW];
	uint16_t slot_id[NETIF_TX_WINDOW];

	/* OK only from here on. */
	/* The data requests in order, each size being the bytes it gives
	 * the frame (the first one's reduced to its own part). */
	struct netif_tx_request data[NETIF_TX_MAX_DATA];
	unsigned nr_data;
	uint32_t len;            /* the frame's length: the sum of the parts */
	bool csum_blank;         /* NETTXF_csum_blank */
	bool data_validated;     /* NETTXF_data_validated */
	bool gso;                /* a GSO extra came: gso_type, gso_size */
	uint8_t gso_type;        /* XEN_NETIF_GSO_TYPE_TCPV4 / _TCPV6 */
	uint16_t gso_size;
	bool mcast_add, mcast_del; /* a multicast control request: no frame
				      is sent, mcast_addr is added/removed */
	uint8_t mcast_addr[6];
};

/* Reads the chain starting at reqs[0]; reqs holds the avail slots the
 * frontend has published (extras are read from their slots as struct
 * netif_extra_info).  why: a static string saying what was wrong, for
 * DROP and FATAL. */
enum netif_tx_verdict netif_tx_parse(const struct netif_tx_request *reqs, unsigned avail,
				     struct netif_tx_packet *out, const char **why);

#endif
