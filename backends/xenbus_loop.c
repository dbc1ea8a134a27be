/*
 * A device's thread: asleep in epoll on its stop request, the watch of
 * its frontend's state, its event channels' eventfds and its own fds;
 * it carries out the state machine's steps (xenbus_step.h) and calls the
 * device's handlers.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backends/backend_host.h"
#include "backends/eventfd_signal.h"
#include "backends/xenbus_internal.h"
#include "backends/xenbus_step.h"
#include "xenstore/daemon.h"

#define EVENTS_PER_WAIT 16

static int watch_slot(struct xenbus_device *dev, struct xenbus_slot *slot)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = slot };

	return epoll_ctl(dev->epfd, EPOLL_CTL_ADD, slot->fd, &ev) ? -errno : 0;
}

/* Out of epoll and the live list; freed once no event of the current
 * batch can point at it. */
static void retire_slot(struct xenbus_device *dev, struct xenbus_slot **link)
{
	struct xenbus_slot *slot = *link;

	epoll_ctl(dev->epfd, EPOLL_CTL_DEL, slot->fd, NULL);
	*link = slot->next;
	slot->removed = true;
	slot->next = dev->dead;
	dev->dead = slot;
}

static void free_dead(struct xenbus_device *dev)
{
	while (dev->dead) {
		struct xenbus_slot *slot = dev->dead;

		dev->dead = slot->next;
		free(slot);
	}
}

int xenbus_loop_init(struct xenbus_device *dev)
{
	dev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (dev->epfd < 0)
		return -errno;
	dev->stop = (struct xenbus_slot){ .kind = SLOT_STOP };
	dev->watch_slot = (struct xenbus_slot){ .kind = SLOT_WATCH };
	dev->stop.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dev->stop.fd < 0)
		return -errno;
	dev->watch_slot.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dev->watch_slot.fd < 0)
		return -errno;
	int err = watch_slot(dev, &dev->stop);

	return err ? err : watch_slot(dev, &dev->watch_slot);
}

void xenbus_loop_watch_fired(void *opaque, const char *path,
			     const char *token)
{
	struct xenbus_device *dev = opaque;

	(void)path;
	(void)token;
	eventfd_signal(dev->watch_slot.fd);
}

/* ---- Event channels and fds ------------------------------------------- */

static struct xenbus_slot **find_slot(struct xenbus_device *dev,
				      enum xenbus_slot_kind kind, int fd,
				      uint32_t port)
{
	for (struct xenbus_slot **link = &dev->slots; *link;
	     link = &(*link)->next) {
		struct xenbus_slot *s = *link;

		if (s->kind == kind &&
		    (kind == SLOT_EVTCHN ? s->port == port : s->fd == fd))
			return link;
	}
	return NULL;
}

/* A slot of the device's own eventfd, in its epoll but not yet on its
 * list: the caller binds what writes the eventfd, then keeps it
 * (keep_slot) or drops it (drop_new_slot). NULL with *err set. */
static struct xenbus_slot *new_eventfd_slot(struct xenbus_device *dev,
					    enum xenbus_slot_kind kind,
					    xenbus_fd_fn *fn, void *arg,
					    int *err)
{
	struct xenbus_slot *slot = calloc(1, sizeof(*slot));

	if (!slot) {
		*err = -ENOMEM;
		return NULL;
	}
	*slot = (struct xenbus_slot){ .kind = kind, .fn = fn, .arg = arg };
	slot->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	*err = slot->fd < 0 ? -errno : watch_slot(dev, slot);
	if (*err) {
		if (slot->fd >= 0)
			close(slot->fd);
		free(slot);
		return NULL;
	}
	return slot;
}

static void drop_new_slot(struct xenbus_device *dev, struct xenbus_slot *slot)
{
	epoll_ctl(dev->epfd, EPOLL_CTL_DEL, slot->fd, NULL);
	close(slot->fd);
	free(slot);
}

static void keep_slot(struct xenbus_device *dev, struct xenbus_slot *slot)
{
	slot->next = dev->slots;
	dev->slots = slot;
}

int xenbus_bind_evtchn(struct xenbus_device *dev, uint32_t port,
		       xenbus_fd_fn *fn, void *arg)
{
	if (find_slot(dev, SLOT_EVTCHN, -1, port))
		return -EBUSY;
	int err;
	struct xenbus_slot *slot = new_eventfd_slot(dev, SLOT_EVTCHN, fn, arg, &err);

	if (!slot)
		return err;
	slot->port = port;
	err = backend_evtchn_bind(dev->bus->bd, port, slot->fd);
	if (err) {
		drop_new_slot(dev, slot);
		return err;
	}
	keep_slot(dev, slot);
	return 0;
}

void xenbus_notify(struct xenbus_device *dev, uint32_t port)
{
	if (find_slot(dev, SLOT_EVTCHN, -1, port))
		backend_evtchn_notify(dev->bus->bd, port);
}

void xenbus_evtchn_rearm(struct xenbus_device *dev, uint32_t port)
{
	struct xenbus_slot **link = find_slot(dev, SLOT_EVTCHN, -1, port);

	if (link)
		eventfd_signal((*link)->fd);
}

static void node_watch_fired(void *opaque, const char *path,
			     const char *token)
{
	struct xenbus_slot *slot = opaque;

	(void)path;
	(void)token;
	eventfd_signal(slot->fd);
}

int xenbus_watch_frontend(struct xenbus_device *dev, const char *node,
			  xenbus_fd_fn *fn, void *arg)
{
	char path[XENBUS_PATH_MAX + 64];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dev->frontend_path,
			     node) >= sizeof(path))
		return -ENAMETOOLONG;
	int err;
	struct xenbus_slot *slot = new_eventfd_slot(dev, SLOT_NODE_WATCH, fn,
						    arg, &err);

	if (!slot)
		return err;
	slot->watch = xs_daemon_watch_dom0(dev->bus->xs, path, "frontend-node",
					   node_watch_fired, slot);
	if (!slot->watch) {
		err = -errno;
		drop_new_slot(dev, slot);
		return err;
	}
	keep_slot(dev, slot);
	return 0;
}

/* What lives only while connected: event channels and frontend node
 * watches. Unbinding (unwatching) first: nothing writes the eventfd
 * once it is closed. */
static void release_connection(struct xenbus_device *dev)
{
	struct xenbus_slot **link = &dev->slots;

	while (*link) {
		struct xenbus_slot *slot = *link;

		if (slot->kind == SLOT_EVTCHN)
			backend_evtchn_unbind(dev->bus->bd, slot->port);
		else if (slot->kind == SLOT_NODE_WATCH)
			xs_daemon_unwatch_dom0(dev->bus->xs, slot->watch);
		else {
			link = &slot->next;
			continue;
		}
		retire_slot(dev, link);
		close(slot->fd);
	}
}

int xenbus_add_fd(struct xenbus_device *dev, int fd, xenbus_fd_fn *fn,
		  void *arg)
{
	if (fd < 0)
		return -EBADF;
	if (find_slot(dev, SLOT_FD, fd, 0))
		return -EEXIST;
	struct xenbus_slot *slot = calloc(1, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	*slot = (struct xenbus_slot){ .kind = SLOT_FD, .fd = fd, .fn = fn,
				      .arg = arg };
	int err = watch_slot(dev, slot);

	if (err) {
		free(slot);
		return err;
	}
	keep_slot(dev, slot);
	return 0;
}

void xenbus_remove_fd(struct xenbus_device *dev, int fd)
{
	struct xenbus_slot **link = find_slot(dev, SLOT_FD, fd, 0);

	if (link)
		retire_slot(dev, link);
}

/* ---- The state machine's steps ------------------------------------------ */

static void disconnect_device(struct xenbus_device *dev)
{
	if (dev->connected) {
		dev->ops->disconnect(dev);
		dev->connected = false;
	}
	release_connection(dev);
}

static void connect_device(struct xenbus_device *dev)
{
	/* Still connected after a fatal error: start from scratch. */
	disconnect_device(dev);
	unsigned int reports = dev->fatal_reports;
	int err = dev->ops->connect(dev);

	if (err) {
		release_connection(dev);
		if (dev->fatal_reports == reports)
			xenbus_report_fatal(dev, err, "connecting to %s",
					    dev->frontend_path);
		return;
	}
	dev->connected = true;
	xenbus_switch_state(dev, XenbusStateConnected);
}

/* Linux's backend would be unregistered here; libxl then removes the
 * directories. The thread returns after this batch. */
static void end_device(struct xenbus_device *dev)
{
	disconnect_device(dev);
	xenbus_switch_state(dev, XenbusStateClosed);
	xs_daemon_unwatch_dom0(dev->bus->xs, dev->watch);
	dev->watch = NULL;
	xenbus_nodes_remove(dev);
	dev->ended = true;
}

static void frontend_changed(struct xenbus_device *dev)
{
	int frontend = xenbus_read_frontend_state(dev);

	if (frontend < 0) {
		/* The store itself failed (memory): not the frontend's
		 * doing, so nothing to conclude from it. */
		fprintf(stderr, "xenlet: %s: reading the frontend's state: %s\n",
			dev->backend_path, strerror(-frontend));
		return;
	}
	switch (xenbus_step(frontend, dev->state)) {
	case XENBUS_STEP_NONE:
		break;
	case XENBUS_STEP_INITWAIT:
		xenbus_switch_state(dev, XenbusStateInitWait);
		break;
	case XENBUS_STEP_CONNECT:
		connect_device(dev);
		break;
	case XENBUS_STEP_CLOSING:
		disconnect_device(dev);
		xenbus_switch_state(dev, XenbusStateClosing);
		break;
	case XENBUS_STEP_CLOSED:
		disconnect_device(dev);
		xenbus_switch_state(dev, XenbusStateClosed);
		if (!xenbus_backend_online(dev))
			end_device(dev);
		break;
	case XENBUS_STEP_END:
		end_device(dev);
		break;
	case XENBUS_STEP_FATAL:
		xenbus_report_fatal(dev, -EINVAL, "saw state %d at frontend",
				    frontend);
		break;
	}
}

/* ---- The thread ----------------------------------------------------------- */

static void dispatch(struct xenbus_device *dev, struct xenbus_slot *slot)
{
	if (slot->removed)
		return;
	switch (slot->kind) {
	case SLOT_STOP:
		dev->stopping = true;
		break;
	case SLOT_WATCH:
		eventfd_drain(slot->fd);
		frontend_changed(dev);
		break;
	case SLOT_EVTCHN:
	case SLOT_NODE_WATCH:
		eventfd_drain(slot->fd);
		slot->fn(dev, slot->arg);
		break;
	case SLOT_FD:
		slot->fn(dev, slot->arg);
		break;
	}
}

static void *device_thread(void *arg)
{
	struct xenbus_device *dev = arg;
	struct epoll_event evs[EVENTS_PER_WAIT];

	while (!dev->ended && !dev->stopping) {
		int n = epoll_wait(dev->epfd, evs, EVENTS_PER_WAIT, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "xenlet: %s: epoll_wait: %s\n",
				dev->backend_path, strerror(errno));
			break;
		}
		for (int i = 0; i < n && !dev->ended && !dev->stopping; i++)
			dispatch(dev, evs[i].data.ptr);
		free_dead(dev);
	}
	/* Removed or the domain ends: nothing may stay mapped or bound. */
	disconnect_device(dev);
	return NULL;
}

int xenbus_loop_start(struct xenbus_device *dev)
{
	sigset_t all, old;

	/* Signals are the launcher's main thread's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int err = pthread_create(&dev->thread, NULL, device_thread, dev);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	dev->thread_running = true;
	return 0;
}

void xenbus_loop_stop(struct xenbus_device *dev)
{
	eventfd_signal(dev->stop.fd);
}

void xenbus_loop_join(struct xenbus_device *dev)
{
	if (dev->thread_running) {
		pthread_join(dev->thread, NULL);
		dev->thread_running = false;
	}
}

void xenbus_loop_fini(struct xenbus_device *dev)
{
	/* What a failed add left bound (probe may bind). */
	release_connection(dev);
	while (dev->slots)
		retire_slot(dev, &dev->slots);
	free_dead(dev);
	if (dev->epfd >= 0)
		close(dev->epfd);
	if (dev->stop.fd >= 0)
		close(dev->stop.fd);
	if (dev->watch_slot.fd >= 0)
		close(dev->watch_slot.fd);
}
