/*
 * blkback's xenbus half: the disk's nodes (xl's and Linux's blkback's),
 * the frontend's ring and event channel taken at connect, and everything
 * given back at disconnect.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/io/protocols.h>
#include "backends/xenbus_backend.h"
#include "backends/blk/blkback_internal.h"

/* What Linux's blkback writes for the frontend: geometry, features. */
static int write_features(struct xenbus_device *dev, const struct blkback *b)
{
	const struct storage_info *in = storage_get_info(b->storage);
	const struct {
		const char *node;
		unsigned long long value;
		bool wanted;
	} f[] = {
		{ "feature-max-indirect-segments", BLKBACK_MAX_INDIRECT_SEGMENTS, true },
		{ "max-ring-page-order", BLKBACK_MAX_RING_ORDER, true },
		{ "multi-queue-max-queues", 1, true },
		{ "feature-persistent", 1, true },
		{ "feature-flush-cache", b->disk.flush, true },
		{ "feature-barrier", b->disk.barrier, true },
		{ "discard-granularity", in->discard_granularity, b->disk.discard },
		{ "discard-alignment", in->discard_alignment, b->disk.discard },
		{ "feature-discard", b->disk.discard, true },
		{ "sectors", b->disk.sectors, true },
		{ "info", (b->disk.read_only ? VDISK_READONLY : 0) |
			  (b->spec.cdrom ? VDISK_CDROM | VDISK_REMOVABLE : 0), true },
		{ "sector-size", in->logical_sector_size, true },
		{ "physical-sector-size", in->physical_sector_size, true },
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (!f[i].wanted)
			continue;
		int err = xenbus_write_backend(dev, f[i].node, "%llu", f[i].value);
		if (err)
			return err;
	}
	return 0;
}

static int blkback_probe(struct xenbus_device *dev)
{
	struct blkback *b = xenbus_device_priv(dev);
	b->dev = dev;
	b->bd = xenbus_device_domain(dev);
	/* From here on the framework frees b (blkback_free), even if the
	 * add fails after this. */
	*b->probed = true;
	return write_features(dev, b);
}

/* The ring's grant references: ring-ref, or ring-page-order and
 * ring-ref0..N-1 (a multi-page ring).  The number of pages, or -errno
 * (reported). */
static int read_ring_refs(struct xenbus_device *dev, uint32_t *refs)
{
	uint64_t order, ref;
	int err = xenbus_read_frontend_uint(dev, "ring-page-order", BLKBACK_MAX_RING_ORDER, &order);
	if (err == -ENOENT) {
		err = xenbus_read_frontend_uint(dev, "ring-ref", UINT32_MAX, &ref);
		if (err) {
			xenbus_report_fatal(dev, err, "reading %s/ring-ref",
					    xenbus_device_frontend_path(dev));
			return err;
		}
		refs[0] = (uint32_t)ref;
		return 1;
	}
	if (err) {
		xenbus_report_fatal(dev, err, "reading %s/ring-page-order (at most %u)",
				    xenbus_device_frontend_path(dev), BLKBACK_MAX_RING_ORDER);
		return err;
	}
	unsigned n = 1u << order;
	for (unsigned i = 0; i < n; i++) {
		char node[24];
		snprintf(node, sizeof node, "ring-ref%u", i);
		err = xenbus_read_frontend_uint(dev, node, UINT32_MAX, &ref);
		if (err) {
			xenbus_report_fatal(dev, err, "reading %s/%s",
					    xenbus_device_frontend_path(dev), node);
			return err;
		}
		refs[i] = (uint32_t)ref;
	}
	return (int)n;
}

/* Only the native ring layout is served for now (x86_32 guests next). */
static int check_protocol(struct xenbus_device *dev)
{
	char proto[32];
	int err = xenbus_read_frontend(dev, "protocol", proto, sizeof proto);
	if (err == -ENOENT || (!err && !strcmp(proto, XEN_IO_PROTO_ABI_X86_64)))
		return 0;
	if (err) {
		xenbus_report_fatal(dev, err, "reading %s/protocol",
				    xenbus_device_frontend_path(dev));
		return err;
	}
	xenbus_report_fatal(dev, -ENOSYS, "unsupported protocol %s", proto);
	return -ENOSYS;
}

static int blkback_connect(struct xenbus_device *dev)
{
	struct blkback *b = xenbus_device_priv(dev);
	uint32_t refs[SHARED_RING_MAX_PAGES];
	uint64_t port, persistent = 0;
	int n = read_ring_refs(dev, refs);
	if (n < 0)
		return n;
	int err = xenbus_read_frontend_uint(dev, "event-channel", UINT32_MAX, &port);
	if (err) {
		xenbus_report_fatal(dev, err, "reading %s/event-channel",
				    xenbus_device_frontend_path(dev));
		return err;
	}
	if ((err = check_protocol(dev)))
		return err;
	err = xenbus_read_frontend_uint(dev, "feature-persistent", 1, &persistent);
	if (err && err != -ENOENT)
		persistent = 0; /* unreadable: not offered */
	err = backend_grant_get(b->bd, (unsigned)n, refs, 1, b->ring_grants);
	if (err) {
		xenbus_report_fatal(dev, -EINVAL, "mapping the ring's %d grant(s): "
				    "grant status %d", n, err);
		return -EINVAL;
	}
	b->nr_ring_grants = (unsigned)n;
	b->stats->grant_gets += (unsigned)n;
	uint8_t *pages[SHARED_RING_MAX_PAGES];
	for (int i = 0; i < n; i++)
		pages[i] = b->ring_grants[i].addr;
	shared_ring_init(&b->ring, pages, (unsigned)n, sizeof(union blkif_sring_entry));
	b->reqs = calloc(BLKBACK_MAX_INFLIGHT, sizeof *b->reqs);
	b->pgrants = calloc(BLKBACK_MAX_PERSISTENT, sizeof *b->pgrants);
	err = (!b->reqs || !b->pgrants) ? -ENOMEM : 0;
	b->port = (uint32_t)port;
	err = err ?: xenbus_add_fd(dev, storage_fd(b->storage), blkback_storage_event, b);
	if (!err && (err = xenbus_bind_evtchn(dev, b->port, blkback_ring_event, b)))
		xenbus_remove_fd(dev, storage_fd(b->storage));
	if (err) {
		xenbus_report_fatal(dev, err, "binding event channel %u", b->port);
		backend_grant_put(b->bd, b->nr_ring_grants, b->ring_grants);
		free(b->reqs);
		free(b->pgrants);
		b->reqs = NULL;
		b->pgrants = NULL;
		return err;
	}
	b->persistent = persistent == 1;
	b->inflight = 0;
	b->ring_broken = b->barrier_wait = false;
	b->connected = true;
	return 0;
}

static void blkback_disconnect(struct xenbus_device *dev)
{
	struct blkback *b = xenbus_device_priv(dev);
	b->connected = false;
	blkback_ring_drain(b);
	xenbus_remove_fd(dev, storage_fd(b->storage));
	blkback_pgrant_put_all(b);
	backend_grant_put(b->bd, b->nr_ring_grants, b->ring_grants);
	b->nr_ring_grants = 0;
	free(b->reqs);
	free(b->pgrants);
	b->reqs = NULL;
	b->pgrants = NULL;
}

static void blkback_free(struct xenbus_device *dev)
{
	struct blkback *b = xenbus_device_priv(dev);
	storage_close(b->storage);
	free(b);
}

static const struct xenbus_device_ops blkback_ops = {
	.type = "vbd",
	.probe = blkback_probe,
	.connect = blkback_connect,
	.disconnect = blkback_disconnect,
	.free = blkback_free,
};

int blkback_add(struct xenbus_backends *bus, const struct disk_spec *spec,
		struct blkback_stats *stats, char *err, size_t errlen)
{
	struct blkback *b = calloc(1, sizeof *b);
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	b->spec = *spec;
	b->stats = stats;
	unsigned flags = (spec->readonly ? STORAGE_READ_ONLY : 0) |
			 (spec->direct ? STORAGE_DIRECT : 0);
	char why[256];
	b->storage = storage_open(spec->target, flags, why, sizeof why);
	if (!b->storage) {
		snprintf(err, errlen, "%s", why);
		free(b);
		return -1;
	}
	const struct storage_info *in = storage_get_info(b->storage);
	b->disk = (struct blkif_disk){
		.sectors = in->size / BLKIF_SECTOR_BYTES,
		.sector_size = in->logical_sector_size,
		.read_only = in->read_only,
		.flush = in->can_flush,
		.barrier = in->can_flush,
		.discard = in->can_discard && !in->read_only,
		.max_indirect_segments = BLKBACK_MAX_INDIRECT_SEGMENTS,
	};
	char devid[16];
	snprintf(devid, sizeof devid, "%u", spec->devid);
	/* What xl's libxl writes for a disk it gives a userspace backend.
	 * "dev" is the vdev as the user named it: pvgrub2 names the disk
	 * (xen/xvda) after it, and falls back to (xenid/51712) without it, so
	 * a grub.cfg written for Xen would not find its disk. */
	const struct xenbus_node back[] = {
		{ "params", spec->target },
		{ "dev", spec->vdev },
		{ "type", "xenlet" },
		{ "mode", b->disk.read_only ? "r" : "w" },
		{ "device-type", spec->cdrom ? "cdrom" : "disk" },
		{ "removable", spec->cdrom ? "1" : "0" },
		{ "bootable", "1" },
		{ "discard-enable", b->disk.discard ? "1" : "0" },
	};
	const struct xenbus_node front[] = {
		{ "virtual-device", devid },
		{ "device-type", spec->cdrom ? "cdrom" : "disk" },
	};
	struct xenbus_device_config cfg = {
		.ops = &blkback_ops, .devid = spec->devid,
		.backend_nodes = back, .n_backend_nodes = sizeof back / sizeof back[0],
		.frontend_nodes = front, .n_frontend_nodes = sizeof front / sizeof front[0],
		.priv = b,
	};
	bool probed = false;
	b->probed = &probed;
	int rc = xenbus_device_add(bus, &cfg, NULL);
	if (rc) {
		snprintf(err, errlen, "adding %s to xenstore: %s", spec->vdev, strerror(-rc));
		if (!probed) {
			storage_close(b->storage);
			free(b);
		}
		return -1;
	}
	return 0;
}
