/*
 * What the kinds of host link (link_slirp.c, link_tap.c) share with
 * net_link.c's dispatch: the head of every link, and the operations
 * net_link.h's functions pass on to the kind.  Private to backends/net.
 */
#ifndef XENLET_LINK_IMPL_H
#define XENLET_LINK_IMPL_H

#include <net/if.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "backends/net/net_link.h"

/* The dispatch has checked queue < link->queues before each call. */
struct net_link_ops {
	void (*close)(struct net_link *link);
	/* 0 or -errno; the dispatch counts a failed send as a drop. */
	int (*send)(struct net_link *link, unsigned queue,
		    const struct net_frame_meta *meta, const uint8_t *frame,
		    size_t len);
	int (*rx_fd)(const struct net_link *link, unsigned queue);
	/* Counts the frames it drops itself (link_count_drop). */
	ssize_t (*receive)(struct net_link *link, unsigned queue,
			   struct net_frame_meta *meta, uint8_t *buf, size_t cap);
};

/* The first member of each kind's link struct, which it casts back. */
struct net_link {
	const struct net_link_ops *ops;
	unsigned queues;
	unsigned offloads;        /* NET_LINK_OFFLOAD_* */
	char name[IFNAMSIZ];
	/* Bumped by netback's thread and by a link's own threads. */
	atomic_uint_least64_t dropped;
};

static inline void link_count_drop(struct net_link *link)
{
	atomic_fetch_add_explicit(&link->dropped, 1, memory_order_relaxed);
}

/* Each fills in the whole head.  0 and *out, or -1 with a one-line
 * reason in err. */
int link_slirp_open(const struct net_spec *spec, struct net_link **out,
		    char *err, size_t errlen);
int link_tap_open(const struct net_spec *spec, unsigned max_queues,
		  struct net_link **out, char *err, size_t errlen);

#endif
