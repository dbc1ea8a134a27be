/* netback's parts: the xenbus half (netback_xenbus.c), the guest's frames
 * out (netback_tx.c) and in (netback_rx.c). */
#ifndef XENLET_NETBACK_INTERNAL_H
#define XENLET_NETBACK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/netif.h>
#include "backends/backend_host.h"
#include "backends/shared_ring.h"
#include "backends/xenbus_backend.h"
#include "backends/net/net_frame.h"
#include "backends/net/net_link.h"
#include "backends/net/netback.h"

/* Multicast addresses a frontend may subscribe: Linux netback's limit. */
#define NETBACK_MAX_MCAST 64
/* Frames taken from a ring or the link per turn of the device's loop, so
 * a flooding frontend (or host) leaves room for the other direction and
 * for the framework's own events. */
#define NETBACK_BUDGET 64

struct netback;

struct netback_queue {
	struct netback *nb;
	unsigned index;
	struct backend_grant ring_grants[2]; /* TX, RX */
	struct shared_ring tx, rx;
	uint32_t tx_port, rx_port;           /* equal unless split */
	bool connected;
	bool broken;                         /* a fatal error stopped it */
	bool tx_waiting;                     /* a chain still being published */
	bool tx_rearmed;                     /* the next TX event is our own */
	bool rx_fd_watched;                  /* the link's fd is in the epoll */
	/* A frame from the link waiting for RX buffers. */
	bool rx_pending;
	size_t rx_len;
	struct net_frame_meta rx_meta;
	uint8_t *rx_frame;                   /* NET_FRAME_MAX each */
	uint8_t *tx_frame;
	uint8_t *seg_frame;
};

struct netback {
	struct net_spec spec;
	struct net_link *link;
	struct xenbus_device *dev;
	struct backend_domain *bd;
	struct netback_stats *stats;
	bool *probed;
	unsigned max_queues;
	unsigned nr_queues;
	struct netback_queue queue[NET_SPEC_MAX_QUEUES];
	/* What the frontend said it takes (its feature-* nodes). */
	bool fe_sg, fe_gso_v4, fe_gso_v6, fe_csum_v4, fe_csum_v6, fe_mcast_filter;
	uint8_t mcast[NETBACK_MAX_MCAST][6];
	unsigned nr_mcast;
};

/* Device-thread handlers (xenbus_fd_fn): the guest's TX or RX event, the
 * link's frames. */
void netback_tx_event(struct xenbus_device *dev, void *queue);
void netback_rx_event(struct xenbus_device *dev, void *queue);
void netback_link_event(struct xenbus_device *dev, void *queue);
/* Both events on one port. */
void netback_shared_event(struct xenbus_device *dev, void *queue);
/* The work of those events without counting one: serve the TX ring;
 * place a waiting frame and take the link's while there is room. */
void netback_tx_service(struct netback_queue *q);
void netback_rx_service(struct netback_queue *q);

/* A fatal error: the queue stops, the device goes to Closing. */
void netback_queue_fatal(struct netback_queue *q, const char *why);

/* The multicast filter, for RX. */
bool netback_mcast_allowed(const struct netback *nb, const uint8_t *dst);
int netback_mcast_add(struct netback *nb, const uint8_t addr[6]);
void netback_mcast_del(struct netback *nb, const uint8_t addr[6]);

/* The link's fd in or out of the device's epoll (RX flow control). */
void netback_watch_link(struct netback_queue *q, bool on);

#endif
