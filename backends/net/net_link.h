/*
 * The host side of a vif: where the guest's frames go and whence its
 * frames come.  Two kinds: user-mode networking through libslirp
 * (link_slirp.c) and a tap interface (link_tap.c).
 *
 * Threads: netback calls send, receive and rx_fd on its device thread
 * only; a link may run threads of its own (slirp's poll loop) behind
 * that.  open and close from the launcher's thread.
 *
 * Queues: a link has 1..NET_SPEC_MAX_QUEUES queues (net_link_queues:
 * a multi-queue tap has one fd each, slirp one); netif queue q uses link
 * queue q.
 */
#ifndef XENLET_NET_LINK_H
#define XENLET_NET_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "backends/net/net_frame.h"
#include "backends/net/net_spec.h"

struct net_link;

/* What a link takes with a frame instead of netback doing it first. */
#define NET_LINK_OFFLOAD_CSUM 1u  /* csum_partial frames */
#define NET_LINK_OFFLOAD_TSO4 2u  /* NET_GSO_TCPV4 frames */
#define NET_LINK_OFFLOAD_TSO6 4u  /* NET_GSO_TCPV6 frames */

/* Opens spec's host side (spec->kind user or tap) with up to max_queues
 * queues.  0 and *out, or -1 with a one-line reason in err. */
int net_link_open(const struct net_spec *spec, unsigned max_queues,
		  struct net_link **out, char *err, size_t errlen);
void net_link_close(struct net_link *link);

unsigned net_link_queues(const struct net_link *link);
unsigned net_link_offloads(const struct net_link *link);
/* The interface's name ("tap0"), or "slirp". */
const char *net_link_name(const struct net_link *link);

/* Guest to host: one frame, meta's work left only where offloads say
 * the link takes it.  0, or -errno: the frame was dropped (-EAGAIN: the
 * host is not taking frames now). */
int net_link_send(struct net_link *link, unsigned queue,
		  const struct net_frame_meta *meta, const uint8_t *frame,
		  size_t len);

/* Host to guest: readable while frames wait on queue. */
int net_link_rx_fd(const struct net_link *link, unsigned queue);
/* Takes the next frame into buf (cap bytes, NET_FRAME_MAX will do) and
 * its meta: its length, 0 if none waits, or -errno.  A frame longer than
 * cap is dropped (-EMSGSIZE) and the next one may be taken. */
ssize_t net_link_receive(struct net_link *link, unsigned queue,
			 struct net_frame_meta *meta, uint8_t *buf, size_t cap);

/* Counts a link keeps on its own: frames it dropped (queue full, host
 * refused). */
uint64_t net_link_dropped(const struct net_link *link);

#endif
