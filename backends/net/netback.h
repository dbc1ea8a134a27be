/*
 * netback: Xen's network backend protocol (io/netif.h) in the launcher,
 * for each --net, between an unmodified xen-netfront and a host link
 * (net_link.h: libslirp or a tap), on the xenbus backend framework
 * (xenbus_backend.h).
 *
 * What it offers a frontend is what Linux's netback offers: rx-copy
 * (frames copied into the pages the frontend posts), scatter-gather, TCP
 * GSO over IPv4 and IPv6 both ways, checksum offload both ways (IPv6
 * too), multicast control, split event channels, several queues where
 * the link has them.
 */
#ifndef XENLET_NETBACK_H
#define XENLET_NETBACK_H

#include <stddef.h>
#include <stdint.h>
#include "backends/net/net_spec.h"

struct xenbus_backends;

/* Counts for --stats and make bench, per vif (all queues). */
struct netback_stats {
	uint64_t tx_packets, tx_bytes;  /* guest frames handed to the link */
	uint64_t tx_malformed;          /* request chains refused (bad slot
					   count, size, offset, grant, extra) */
	uint64_t tx_dropped;            /* well-formed, but the link refused */
	uint64_t tx_segmented;          /* GSO frames cut here, not by the link */
	uint64_t rx_packets, rx_bytes;  /* frames copied to the guest */
	uint64_t rx_dropped;            /* too big for the guest, or no room */
	uint64_t events;                /* the guest's notifications handled */
	uint64_t notifies;              /* events sent to the guest */
	uint64_t grant_copies;          /* grant copies, both ways */
};

/* Adds the vif to the guest: opens its host link, writes its xenstore
 * nodes as xl + Linux's netback do, and serves it from its own thread.
 * The vif's thread keeps its counts in *stats, the caller's, which it
 * may read once the device was removed (xenbus_backends_destroy).
 * 0, or -1 with a one-line reason in err. */
int netback_add(struct xenbus_backends *bus, const struct net_spec *spec,
		struct netback_stats *stats, char *err, size_t errlen);

#endif
