/*
 * net_link.h's functions: open picks the kind by spec->kind, the rest go
 * through the link's operations (link_impl.h).
 */
#include <errno.h>
#include <stdio.h>

#include "backends/net/link_impl.h"

int net_link_open(const struct net_spec *spec, unsigned max_queues,
		  struct net_link **out, char *err, size_t errlen)
{
	*out = NULL;
	switch (spec->kind) {
	case NET_KIND_USER:
		return link_slirp_open(spec, out, err, errlen);
	case NET_KIND_TAP:
		return link_tap_open(spec, max_queues, out, err, errlen);
	case NET_KIND_NONE:
		break;
	}
	snprintf(err, errlen, "net kind %d has no host link", (int)spec->kind);
	return -1;
}

void net_link_close(struct net_link *link)
{
	if (link)
		link->ops->close(link);
}

unsigned net_link_queues(const struct net_link *link)
{
	return link->queues;
}

unsigned net_link_offloads(const struct net_link *link)
{
	return link->offloads;
}

const char *net_link_name(const struct net_link *link)
{
	return link->name;
}

int net_link_send(struct net_link *link, unsigned queue,
		  const struct net_frame_meta *meta, const uint8_t *frame,
		  size_t len)
{
	int ret = queue < link->queues
		? link->ops->send(link, queue, meta, frame, len) : -EINVAL;

	if (ret < 0)
		link_count_drop(link);
	return ret;
}

int net_link_rx_fd(const struct net_link *link, unsigned queue)
{
	return queue < link->queues ? link->ops->rx_fd(link, queue) : -EINVAL;
}

ssize_t net_link_receive(struct net_link *link, unsigned queue,
			 struct net_frame_meta *meta, uint8_t *buf, size_t cap)
{
	if (queue >= link->queues)
		return -EINVAL;
	return link->ops->receive(link, queue, meta, buf, cap);
}

uint64_t net_link_dropped(const struct net_link *link)
{
	return atomic_load_explicit(&link->dropped, memory_order_relaxed);
}
