/*
 * netback's xenbus half: the vif's nodes (xl's and Linux netback's), the
 * frontend's rings, event channels and features taken at connect, and
 * everything given back at disconnect.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backends/net/netback_internal.h"

#define MTU 1500

/* What Linux's netback writes at probe, less the control ring (hash
 * configuration for multi-queue steering: frames here go to the queue
 * the frontend sent on, so there is nothing to configure). */
static int write_features(struct xenbus_device *dev, const struct netback *nb)
{
	const struct {
		const char *node;
		unsigned value;
	} f[] = {
		{ "feature-sg", 1 },
		{ "feature-gso-tcpv4", nb->spec.gso },
		{ "feature-gso-tcpv6", nb->spec.gso },
		{ "feature-ipv6-csum-offload", 1 },
		{ "feature-rx-copy", 1 },
		{ "feature-rx-flip", 0 },
		{ "feature-multicast-control", 1 },
		{ "feature-dynamic-multicast-control", 1 },
		{ "feature-split-event-channels", 1 },
		{ "multi-queue-max-queues", nb->max_queues },
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		int err = xenbus_write_backend(dev, f[i].node, "%u", f[i].value);
		if (err)
			return err;
	}
	/* The hotplug script's word that the host side is up (Xen's
	 * vif-bridge writes it; xl waits for it): the link is open. */
	return xenbus_write_backend(dev, "hotplug-status", "connected");
}

static int netback_probe(struct xenbus_device *dev)
{
	struct netback *nb = xenbus_device_priv(dev);
	nb->dev = dev;
	nb->bd = xenbus_device_domain(dev);
	/* From here on the framework frees nb (netback_free). */
	*nb->probed = true;
	return write_features(dev, nb);
}

/* A frontend flag node: absent or unreadable means 0, as Linux's
 * xenbus_read_unsigned(..., 0). */
static bool frontend_flag(struct xenbus_device *dev, const char *node)
{
	uint64_t v;
	return !xenbus_read_frontend_uint(dev, node, 1, &v) && v == 1;
}

static int read_features(struct xenbus_device *dev, struct netback *nb)
{
	const char *fe = xenbus_device_frontend_path(dev);
	if (!frontend_flag(dev, "request-rx-copy")) {
		xenbus_report_fatal(dev, -EOPNOTSUPP, "%s/request-rx-copy: only "
				    "rx-copy is offered, not rx-flip", fe);
		return -EOPNOTSUPP;
	}
	if (!frontend_flag(dev, "feature-rx-notify")) {
		xenbus_report_fatal(dev, -EOPNOTSUPP, "%s/feature-rx-notify: "
				    "required", fe);
		return -EOPNOTSUPP;
	}
	nb->fe_sg = frontend_flag(dev, "feature-sg");
	nb->fe_gso_v4 = frontend_flag(dev, "feature-gso-tcpv4");
	nb->fe_gso_v6 = frontend_flag(dev, "feature-gso-tcpv6");
	/* Partial checksums go to the frontend unless it says it cannot
	 * take them (IPv6 ones only if it says it can). */
	nb->fe_csum_v4 = !frontend_flag(dev, "feature-no-csum-offload");
	nb->fe_csum_v6 = frontend_flag(dev, "feature-ipv6-csum-offload");
	nb->fe_mcast_filter = frontend_flag(dev, "request-multicast-control");
	nb->nr_mcast = 0;
	return 0;
}

/* node in the queue's directory: the device's own for a single queue,
 * queue-N/ for several (Linux netfront's layout). */
static int read_queue_uint(struct xenbus_device *dev, struct netback *nb, unsigned q,
			   const char *node, uint64_t *v)
{
	char path[48];
	if (nb->nr_queues == 1)
		snprintf(path, sizeof path, "%s", node);
	else
		snprintf(path, sizeof path, "queue-%u/%s", q, node);
	int err = xenbus_read_frontend_uint(dev, path, UINT32_MAX, v);
	if (err && err != -ENOENT)
		xenbus_report_fatal(dev, err, "reading %s/%s",
				    xenbus_device_frontend_path(dev), path);
	return err;
}

static void free_queue_buffers(struct netback_queue *q)
{
	free(q->rx_frame);
	free(q->tx_frame);
	free(q->seg_frame);
	q->rx_frame = q->tx_frame = q->seg_frame = NULL;
}

static void queue_disconnect(struct netback_queue *q)
{
	struct netback *nb = q->nb;
	netback_watch_link(q, false);
	backend_grant_put(nb->bd, 2, q->ring_grants);
	free_queue_buffers(q);
	q->connected = false;
}

static int queue_connect(struct xenbus_device *dev, struct netback *nb, unsigned i)
{
	struct netback_queue *q = &nb->queue[i];
	uint64_t tx_ref, rx_ref, tx_port, rx_port;
	*q = (struct netback_queue){ .nb = nb, .index = i };
	int err = read_queue_uint(dev, nb, i, "tx-ring-ref", &tx_ref);
	err = err ?: read_queue_uint(dev, nb, i, "rx-ring-ref", &rx_ref);
	if (err) {
		if (err == -ENOENT)
			xenbus_report_fatal(dev, err, "queue %u: no tx-ring-ref or "
					    "rx-ring-ref", i);
		return err;
	}
	err = read_queue_uint(dev, nb, i, "event-channel-tx", &tx_port);
	if (err == -ENOENT) {
		err = read_queue_uint(dev, nb, i, "event-channel", &tx_port);
		rx_port = tx_port;
	} else if (!err) {
		err = read_queue_uint(dev, nb, i, "event-channel-rx", &rx_port);
	}
	if (err) {
		if (err == -ENOENT)
			xenbus_report_fatal(dev, err, "queue %u: no event-channel", i);
		return err;
	}
	uint32_t refs[2] = { (uint32_t)tx_ref, (uint32_t)rx_ref };
	err = backend_grant_get(nb->bd, 2, refs, 1, q->ring_grants);
	if (err) {
		xenbus_report_fatal(dev, -EINVAL, "queue %u: mapping the rings "
				    "(grants %u, %u): grant status %d", i, refs[0],
				    refs[1], err);
		return -EINVAL;
	}
	shared_ring_init(&q->tx, &q->ring_grants[0].addr, 1,
			 sizeof(union netif_tx_sring_entry));
	shared_ring_init(&q->rx, &q->ring_grants[1].addr, 1,
			 sizeof(union netif_rx_sring_entry));
	q->tx_port = (uint32_t)tx_port;
	q->rx_port = (uint32_t)rx_port;
	q->rx_frame = malloc(NET_FRAME_MAX);
	q->tx_frame = malloc(NET_FRAME_MAX);
	q->seg_frame = malloc(NET_FRAME_MAX);
	if (!q->rx_frame || !q->tx_frame || !q->seg_frame) {
		err = -ENOMEM;
	} else if (q->tx_port == q->rx_port) {
		err = xenbus_bind_evtchn(dev, q->tx_port, netback_shared_event, q);
	} else {
		err = xenbus_bind_evtchn(dev, q->tx_port, netback_tx_event, q);
		err = err ?: xenbus_bind_evtchn(dev, q->rx_port, netback_rx_event, q);
	}
	if (err) {
		xenbus_report_fatal(dev, err, "queue %u: binding event channels "
				    "%u, %u", i, q->tx_port, q->rx_port);
		backend_grant_put(nb->bd, 2, q->ring_grants);
		free_queue_buffers(q);
		return err;
	}
	q->connected = true;
	netback_watch_link(q, true);
	return 0;
}

static void netback_disconnect(struct xenbus_device *dev)
{
	struct netback *nb = xenbus_device_priv(dev);
	for (unsigned i = 0; i < nb->nr_queues; i++)
		if (nb->queue[i].connected)
			queue_disconnect(&nb->queue[i]);
	nb->nr_queues = 0;
}

static int netback_connect(struct xenbus_device *dev)
{
	struct netback *nb = xenbus_device_priv(dev);
	uint64_t queues = 1;
	int err = xenbus_read_frontend_uint(dev, "multi-queue-num-queues",
					    nb->max_queues, &queues);
	if (err && err != -ENOENT) {
		xenbus_report_fatal(dev, err, "reading %s/multi-queue-num-queues "
				    "(at most %u)", xenbus_device_frontend_path(dev),
				    nb->max_queues);
		return err;
	}
	if (err == -ENOENT)
		queues = 1;
	if (queues == 0) {
		xenbus_report_fatal(dev, -EINVAL, "multi-queue-num-queues is 0");
		return -EINVAL;
	}
	if ((err = read_features(dev, nb)))
		return err;
	nb->nr_queues = (unsigned)queues;
	for (unsigned i = 0; i < nb->nr_queues; i++) {
		err = queue_connect(dev, nb, i);
		if (err) {
			netback_disconnect(dev);
			return err;
		}
	}
	/* Whatever the frontend posted before we watched. */
	for (unsigned i = 0; i < nb->nr_queues; i++)
		netback_tx_service(&nb->queue[i]);
	return 0;
}

static void netback_free(struct xenbus_device *dev)
{
	struct netback *nb = xenbus_device_priv(dev);
	net_link_close(nb->link);
	free(nb);
}

static const struct xenbus_device_ops netback_ops = {
	.type = "vif",
	.probe = netback_probe,
	.connect = netback_connect,
	.disconnect = netback_disconnect,
	.free = netback_free,
};

void netback_queue_fatal(struct netback_queue *q, const char *why)
{
	if (q->broken)
		return;
	q->broken = true;
	netback_watch_link(q, false);
	xenbus_report_fatal(q->nb->dev, -EINVAL, "queue %u: %s", q->index, why);
}

void netback_watch_link(struct netback_queue *q, bool on)
{
	if (on == q->rx_fd_watched)
		return;
	int fd = net_link_rx_fd(q->nb->link, q->index);
	if (on) {
		int err = xenbus_add_fd(q->nb->dev, fd, netback_link_event, q);
		if (err) {
			xenbus_report_error(q->nb->dev, err, "watching the link");
			return;
		}
	} else {
		xenbus_remove_fd(q->nb->dev, fd);
	}
	q->rx_fd_watched = on;
}

int netback_add(struct xenbus_backends *bus, const struct net_spec *spec,
		struct netback_stats *stats, char *err, size_t errlen)
{
	struct netback *nb = calloc(1, sizeof *nb);
	if (!nb) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nb->spec = *spec;
	nb->stats = stats;
	if (net_link_open(spec, spec->kind == NET_KIND_TAP ? spec->queues : 1, &nb->link,
			  err, errlen)) {
		free(nb);
		return -1;
	}
	nb->max_queues = net_link_queues(nb->link);
	char mac[18], mtu[8];
	net_mac_format(spec->mac, mac);
	snprintf(mtu, sizeof mtu, "%d", MTU);
	/* What libxl's nic code writes besides the framework's nodes. */
	struct xenbus_node back[] = {
		{ "handle", NULL }, { "mac", mac }, { "mtu", mtu }, { "type", "vif" },
		{ "bridge", spec->bridge },
	};
	struct xenbus_node front[] = { { "handle", NULL }, { "mac", mac }, { "mtu", mtu } };
	char handle[12];
	snprintf(handle, sizeof handle, "%u", spec->handle);
	back[0].value = front[0].value = handle;
	bool probed = false;
	nb->probed = &probed;
	struct xenbus_device_config cfg = {
		.ops = &netback_ops,
		.devid = spec->handle,
		.backend_nodes = back,
		.n_backend_nodes = spec->bridge[0] ? 5 : 4,
		.frontend_nodes = front,
		.n_frontend_nodes = 3,
		.priv = nb,
	};
	int e = xenbus_device_add(bus, &cfg, NULL);
	if (e) {
		snprintf(err, errlen, "adding vif %u: %s", spec->handle, strerror(-e));
		if (!probed) {
			net_link_close(nb->link);
			free(nb);
		}
		return -1;
	}
	return 0;
}
