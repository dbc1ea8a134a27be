/*
 * The xenbus backend framework: what Xen's toolstack (libxl) and a Linux
 * dom0's xenbus backend core do for every PV device, once for all device
 * types. A device type (blkback, netback) is a struct xenbus_device_ops;
 * the launcher adds devices to the guest and removes them, or all of them
 * when the domain ends:
 *
 *	struct xenbus_backends *bus = xenbus_backends_create(xs, bd);
 *	struct xenbus_node back[] = { { "mode", "w" }, ... };
 *	struct xenbus_device_config cfg = { .ops = &blkback_ops,
 *		.devid = 51712, .backend_nodes = back, .n_backend_nodes = ...,
 *		.frontend_nodes = front, ..., .priv = disk };
 *	struct xenbus_device *dev;
 *	int err = xenbus_device_add(bus, &cfg, &dev);  // 0 or -errno
 *	...
 *	xenbus_backends_destroy(bus);  // domain end: every device removed
 *
 * For each device, the framework:
 *  - writes its two directories as libxl does, in one all-or-nothing
 *    change, with libxl's permissions:
 *	/local/domain/0/backend/TYPE/DOMID/DEVID   dom0 owns, the guest reads:
 *	    frontend, frontend-id, online = 1, state = 1, + backend_nodes
 *	/local/domain/DOMID/device/TYPE/DEVID      the guest owns, dom0 reads:
 *	    backend, backend-id, state = 1, + frontend_nodes
 *    and at the end removes each, then its ancestors left empty, as
 *    libxl's destroy does (and the device's error directory);
 *  - calls ops->probe, then switches to InitWait;
 *  - gives the device a thread asleep in epoll on: a watch of the
 *    frontend's state node, the event channels the device bound, the fds
 *    it added, and a stop request. Nothing polls, no timer runs;
 *  - follows the frontend's state as Linux's backends do (xenbus_step.h):
 *	Initialising            after Closed: InitWait (served again)
 *	Initialised, Connected  unless Connected: connect, then Connected
 *	                        (first a disconnect if still connected)
 *	Closing                 disconnect, Closing
 *	Closed                  disconnect, Closed; the device ends if the
 *	                        backend's online node is not 1 (a detach)
 *	absent, not a number    the frontend is gone: the device ends
 *	any other number        fatal error "saw state N at frontend"
 *    A fatal error (xenbus_report_fatal) writes the error node and
 *    switches to Closing, leaving the connection as it is (as Linux does):
 *    the frontend's Closing or Closed that follows disconnects.
 *    A device that ends is disconnected, Closed, its nodes removed and its
 *    thread returns; xenbus_device_remove or xenbus_backends_destroy still
 *    frees it;
 *  - on removal: stops the thread (which disconnects a connected device),
 *    joins it, unbinds what is still bound, removes the nodes, calls
 *    ops->free. disconnect runs exactly once per successful connect.
 *
 * Threads: ops->probe runs in xenbus_device_add's caller before the
 * device's thread starts, ops->free in the remover's after it ended;
 * connect, disconnect and every fd handler run on the device's thread, one
 * at a time, so a device type needs no lock of its own for its state. The
 * helpers below are for those calls only. xenbus_backends_* and
 * xenbus_device_add/remove may be called from any thread but a device
 * thread (so not from an op or a handler); adds and removes of one bus
 * take turns (probe runs in its add's turn). The xenstore daemon and the
 * backend_domain must outlive the bus: at domain end, destroy the bus
 * first, so devices release what they hold while the domain exists.
 *
 * Errors: negative errnos throughout, as backend_host.h.
 */
#ifndef XENLET_XENBUS_BACKEND_H
#define XENLET_XENBUS_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/xenbus.h>

struct xs_daemon;
struct backend_domain;
struct xenbus_backends;
struct xenbus_device;

struct xenbus_device_ops {
	/* "vbd", "vif": the TYPE of both directories. */
	const char *type;
	/* Sets up what needs no frontend (open the disk, write feature-*
	 * nodes with xenbus_write_backend). 0, or -errno: the device is not
	 * added. NULL: nothing to do. */
	int (*probe)(struct xenbus_device *dev);
	/* The frontend is ready: read its nodes (xenbus_read_frontend*),
	 * take its rings, bind its event channels (xenbus_bind_evtchn).
	 * 0: Connected. On failure, undo what it did and return -errno; the
	 * framework unbinds the event channels it bound and, unless connect
	 * reported one itself (xenbus_report_fatal, naming the node at fault
	 * as Linux does), reports a fatal error. */
	int (*connect)(struct xenbus_device *dev);
	/* Undoes a successful connect (stop using the rings, release the
	 * grants); once per connect. The framework unbinds its event channels
	 * after. */
	void (*disconnect)(struct xenbus_device *dev);
	/* Frees what probe set up; once, if probe succeeded. NULL: nothing. */
	void (*free)(struct xenbus_device *dev);
};

/* One node below a device directory: name relative to it ("mode",
 * "queue-0/ring-ref"), value a string. */
struct xenbus_node {
	const char *name;
	const char *value;
};

struct xenbus_device_config {
	const struct xenbus_device_ops *ops;
	unsigned int devid;  /* the directories' DEVID: xl's vdev number... */
	/* What the device type's libxl code adds (libxl_disk.c's "params",
	 * "mode", "device-type"...; "virtual-device"...). */
	const struct xenbus_node *backend_nodes;
	unsigned int n_backend_nodes;
	const struct xenbus_node *frontend_nodes;
	unsigned int n_frontend_nodes;
	void *priv;          /* the device type's own: xenbus_device_priv */
};

/* ---- For the launcher ----------------------------------------------------- */

/* The backends of one guest (backend_domid(bd)) in xenstore xs, which
 * must be running. NULL on ENOMEM. */
struct xenbus_backends *xenbus_backends_create(struct xs_daemon *xs,
					       struct backend_domain *bd);
/* Adds a device: its nodes, probe, InitWait, its thread. 0 and *out (may
 * be NULL), or -errno: -EINVAL (config without type, connect or
 * disconnect), -EEXIST (that TYPE and DEVID already added), the store's
 * error for its nodes (-EINVAL: a node name it refuses), probe's, or a
 * thread or fd's; nothing is left behind then. */
int xenbus_device_add(struct xenbus_backends *bus,
		      const struct xenbus_device_config *cfg,
		      struct xenbus_device **out);
/* Removes a device, as above. dev is invalid afterwards. */
void xenbus_device_remove(struct xenbus_device *dev);
/* The domain ends: removes every device (their threads stopped together,
 * then joined), then frees bus. */
void xenbus_backends_destroy(struct xenbus_backends *bus);

/* ---- For device types (in their ops and handlers) -------------------------- */

void *xenbus_device_priv(const struct xenbus_device *dev);
struct backend_domain *xenbus_device_domain(const struct xenbus_device *dev);
unsigned int xenbus_device_devid(const struct xenbus_device *dev);
/* "/local/domain/0/backend/TYPE/DOMID/DEVID", ".../device/TYPE/DEVID". */
const char *xenbus_device_backend_path(const struct xenbus_device *dev);
const char *xenbus_device_frontend_path(const struct xenbus_device *dev);

/* Writes node (relative to the backend directory) = the formatted value.
 * 0 or -errno. */
int xenbus_write_backend(struct xenbus_device *dev, const char *node,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copies the frontend's node into buf as a C string: 0, -ENOENT (absent),
 * -E2BIG (longer than size - 1: a hostile or broken frontend), -EINVAL
 * (holds a NUL), or the store's error. */
int xenbus_read_frontend(struct xenbus_device *dev, const char *node,
			 char *buf, size_t size);
/* The frontend's node as an unsigned decimal no greater than max
 * (xenbus_parse.h: digits only): 0, -ENOENT, -EINVAL, or the store's. */
int xenbus_read_frontend_uint(struct xenbus_device *dev, const char *node,
			      uint64_t max, uint64_t *val);

/* As Linux's xenbus_dev_error: "<-err> <message>" in the error node,
 * /local/domain/0/error/backend/TYPE/DOMID/DEVID/error, and on stderr
 * (the first few per device). err is a negative errno. */
void xenbus_report_error(struct xenbus_device *dev, int err,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* As xenbus_dev_fatal: the error, then the backend switches to Closing. */
void xenbus_report_fatal(struct xenbus_device *dev, int err,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Called on the device's thread when its fd is readable. */
typedef void xenbus_fd_fn(struct xenbus_device *dev, void *arg);

/* Binds dom0's end of the guest's port (backend_evtchn_bind): from then
 * on each send of the guest calls fn(dev, arg) (sends that come together
 * may make one call). The framework unbinds it after disconnect, or after
 * a failed connect. 0, -EBUSY (this device bound it already), or
 * backend_evtchn_bind's or the eventfd's error. */
int xenbus_bind_evtchn(struct xenbus_device *dev, uint32_t port,
		       xenbus_fd_fn *fn, void *arg);
/* Raises the guest's port, if this device has it bound. */
void xenbus_notify(struct xenbus_device *dev, uint32_t port);

/* Has the thread call port's handler again after the events it has in
 * hand, as if the guest had sent: for a handler that stops after a
 * budget so that the device's other events get their turn. */
void xenbus_evtchn_rearm(struct xenbus_device *dev, uint32_t port);

/* Has the thread call fn(dev, arg) while fd is readable (level-triggered:
 * fn reads what is there, e.g. io_uring completions). The fd stays the
 * device's to close, after xenbus_remove_fd (or in free: a device's fds
 * are out of its epoll once its thread ended). 0 or -errno. */
int xenbus_add_fd(struct xenbus_device *dev, int fd, xenbus_fd_fn *fn,
		  void *arg);
void xenbus_remove_fd(struct xenbus_device *dev, int fd);

#endif
