/* A guest's backend devices: adding one, removing one or all
 * (xenbus_backend.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/backend_host.h"
#include "backends/xenbus_internal.h"
#include "xenstore/daemon.h"

struct xenbus_backends *xenbus_backends_create(struct xs_daemon *xs,
					       struct backend_domain *bd)
{
	struct xenbus_backends *bus = calloc(1, sizeof(*bus));

	if (!bus)
		return NULL;
	bus->xs = xs;
	bus->bd = bd;
	bus->domid = backend_domid(bd);
	pthread_mutex_init(&bus->lock, NULL);
	return bus;
}

static bool added(struct xenbus_backends *bus, const char *type,
		  unsigned int devid)
{
	for (struct xenbus_device *d = bus->devices; d; d = d->next)
		if (d->devid == devid && !strcmp(d->ops->type, type))
			return true;
	return false;
}

/* After the thread (if any) was asked to stop: everything undone in the
 * reverse order of xenbus_device_add. */
static void device_free(struct xenbus_device *dev)
{
	xenbus_loop_fini(dev);
	if (dev->watch)
		xs_daemon_unwatch_dom0(dev->bus->xs, dev->watch);
	xenbus_nodes_remove(dev);
	if (dev->probed && dev->ops->free)
		dev->ops->free(dev);
	free(dev);
}

static int device_setup(struct xenbus_device *dev,
			const struct xenbus_device_config *cfg)
{
	int err = xenbus_loop_init(dev);

	if (!err)
		err = xenbus_nodes_add(dev, cfg);
	if (!err && dev->ops->probe)
		err = dev->ops->probe(dev);
	if (err)
		return err;
	dev->probed = true;
	err = xenbus_switch_state(dev, XenbusStateInitWait);
	if (err)
		return err;
	/* Its first event runs the state machine on whatever the frontend
	 * did meanwhile. */
	char path[XENBUS_PATH_MAX + 8];

	snprintf(path, sizeof(path), "%s/state", dev->frontend_path);
	dev->watch = xs_daemon_watch_dom0(dev->bus->xs, path, "frontend-state",
					  xenbus_loop_watch_fired, dev);
	if (!dev->watch)
		return -errno;
	return xenbus_loop_start(dev);
}

int xenbus_device_add(struct xenbus_backends *bus,
		      const struct xenbus_device_config *cfg,
		      struct xenbus_device **out)
{
	const struct xenbus_device_ops *ops = cfg ? cfg->ops : NULL;

	if (!ops || !ops->type || !ops->connect || !ops->disconnect)
		return -EINVAL;
	struct xenbus_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return -ENOMEM;
	dev->epfd = dev->stop.fd = dev->watch_slot.fd = -1;
	dev->bus = bus;
	dev->ops = ops;
	dev->priv = cfg->priv;
	dev->devid = cfg->devid;
	dev->state = XenbusStateInitialising; /* as the nodes are written */
	int err = xenbus_paths_init(dev, ops->type, bus->domid, cfg->devid);

	if (err) {
		free(dev);
		return err;
	}
	/* Held throughout, so two adds of one device cannot both pass. */
	pthread_mutex_lock(&bus->lock);
	err = added(bus, ops->type, cfg->devid) ? -EEXIST
						: device_setup(dev, cfg);
	if (!err) {
		dev->next = bus->devices;
		bus->devices = dev;
	}
	pthread_mutex_unlock(&bus->lock);
	if (err) {
		device_free(dev);
		return err;
	}
	if (out)
		*out = dev;
	return 0;
}

void xenbus_device_remove(struct xenbus_device *dev)
{
	struct xenbus_backends *bus = dev->bus;

	pthread_mutex_lock(&bus->lock);
	for (struct xenbus_device **p = &bus->devices; *p; p = &(*p)->next) {
		if (*p == dev) {
			*p = dev->next;
			break;
		}
	}
	pthread_mutex_unlock(&bus->lock);
	xenbus_loop_stop(dev);
	device_free(dev);
}

void xenbus_backends_destroy(struct xenbus_backends *bus)
{
	if (!bus)
		return;
	pthread_mutex_lock(&bus->lock);
	struct xenbus_device *list = bus->devices;

	bus->devices = NULL;
	pthread_mutex_unlock(&bus->lock);
	/* Every thread disconnects its device at once, then each is waited
	 * for. */
	for (struct xenbus_device *d = list; d; d = d->next)
		xenbus_loop_stop(d);
	while (list) {
		struct xenbus_device *d = list;

		list = d->next;
		device_free(d);
	}
	pthread_mutex_destroy(&bus->lock);
	free(bus);
}

void *xenbus_device_priv(const struct xenbus_device *dev)
{
	return dev->priv;
}

struct backend_domain *xenbus_device_domain(const struct xenbus_device *dev)
{
	return dev->bus->bd;
}

unsigned int xenbus_device_devid(const struct xenbus_device *dev)
{
	return dev->devid;
}

const char *xenbus_device_backend_path(const struct xenbus_device *dev)
{
	return dev->backend_path;
}

const char *xenbus_device_frontend_path(const struct xenbus_device *dev)
{
	return dev->frontend_path;
}
