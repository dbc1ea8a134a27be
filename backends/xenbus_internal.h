/* What the framework's files share (xenbus_backend.h is the interface);
 * nothing outside backends/xenbus_*.c includes this. */
#ifndef XENLET_XENBUS_INTERNAL_H
#define XENLET_XENBUS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "backends/xenbus_backend.h"

/* "/local/domain/0/error/backend/" + TYPE/DOMID/DEVID + "/error" and the
 * like fit with room to spare: TYPE is at most XENBUS_TYPE_MAX. */
#define XENBUS_PATH_MAX 128
#define XENBUS_TYPE_MAX 32

struct xs_dom0_watch;

/* Something the device's thread sleeps on. */
enum xenbus_slot_kind {
	SLOT_STOP,   /* xenbus_device_remove asks the thread to return */
	SLOT_WATCH,  /* the frontend's state watch fired */
	SLOT_EVTCHN, /* the guest sent on a port bound for the device */
	SLOT_FD,     /* one of the device's own fds */
	SLOT_NODE_WATCH, /* a frontend node the device watches changed */
};

struct xenbus_slot {
	enum xenbus_slot_kind kind;
	int fd;              /* for SLOT_EVTCHN, the eventfd we made */
	uint32_t port;       /* SLOT_EVTCHN */
	struct xs_dom0_watch *watch; /* SLOT_NODE_WATCH */
	xenbus_fd_fn *fn;
	void *arg;
	bool removed;        /* on the dead list: skip its pending events */
	struct xenbus_slot *next;
};

struct xenbus_device {
	struct xenbus_backends *bus;
	const struct xenbus_device_ops *ops;
	void *priv;
	unsigned int devid;
	char backend_path[XENBUS_PATH_MAX];
	char frontend_path[XENBUS_PATH_MAX];
	char error_dir[XENBUS_PATH_MAX];    /* .../error/backend/TYPE/DOMID/DEVID */

	/* The device thread's own, or the adder's/remover's while it does not
	 * run. */
	enum xenbus_state state;   /* ours, as last written */
	bool probed;               /* ops->free is owed */
	bool nodes_present;        /* ours to remove */
	bool connected;
	bool ended;                /* the device ended: the thread returns */
	bool stopping;             /* the stop request was seen */
	unsigned int fatal_reports;
	unsigned int errors_logged;
	int epfd;
	struct xenbus_slot stop, watch_slot;
	struct xenbus_slot *slots;  /* event channels and fds */
	struct xenbus_slot *dead;   /* taken out in this epoll batch */
	struct xs_dom0_watch *watch;
	pthread_t thread;
	bool thread_running;

	struct xenbus_device *next; /* in bus->devices, under bus->lock */
};

struct xenbus_backends {
	struct xs_daemon *xs;
	struct backend_domain *bd;
	unsigned int domid;
	pthread_mutex_t lock;      /* devices */
	struct xenbus_device *devices;
};

/* ---- xenbus_nodes.c: the directories ---------------------------------- */

/* Fills the three paths. -EINVAL if type does not fit. */
int xenbus_paths_init(struct xenbus_device *dev, const char *type,
		      unsigned int domid, unsigned int devid);
/* Writes both directories as libxl does. 0 or -errno. */
int xenbus_nodes_add(struct xenbus_device *dev,
		     const struct xenbus_device_config *cfg);
/* Removes them, and the error directory, as libxl's destroy (if they are
 * still there). */
void xenbus_nodes_remove(struct xenbus_device *dev);

/* ---- xenbus_node_io.c ------------------------------------------------- */

/* Writes our state unless it is ours already, and unless the backend's
 * state node is gone (the directory is going: it is not brought back).
 * 0 or -errno (a failure is reported fatal, except Closing's). */
int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state);
/* The frontend's state as xenbus_parse_state reads it
 * (XenbusStateUnknown when absent), or -errno if the store failed. */
int xenbus_read_frontend_state(struct xenbus_device *dev);
/* Whether the backend's online node is a number other than 0. */
bool xenbus_backend_online(struct xenbus_device *dev);

/* ---- xenbus_loop.c: the device's thread -------------------------------- */

/* Sets up the epoll set with the stop and watch slots. 0 or -errno. */
int xenbus_loop_init(struct xenbus_device *dev);
/* The watch's callback (the xenstore loop's thread: only signals). */
void xenbus_loop_watch_fired(void *opaque, const char *path,
			     const char *token);
/* Starts the thread. 0 or -errno. */
int xenbus_loop_start(struct xenbus_device *dev);
/* Asks the thread to return (it disconnects a connected device). */
void xenbus_loop_stop(struct xenbus_device *dev);
/* Waits for it to return (nothing if it never started). */
void xenbus_loop_join(struct xenbus_device *dev);
/* After the join and the unwatch (whose callback writes the watch's
 * eventfd): unbinds the event channels still bound and closes what the
 * loop opened. */
void xenbus_loop_fini(struct xenbus_device *dev);

#endif
