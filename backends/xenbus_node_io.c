/*
 * A device's node reads and writes: its own backend nodes, the frontend's
 * (hostile: bounded and parsed strictly), its state, and its error node
 * as Linux's xenbus_dev_error writes it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/xenbus_internal.h"
#include "backends/xenbus_parse.h"
#include "xenstore/daemon.h"

#define NODE_PATH_MAX (XENBUS_PATH_MAX + 128)
/* Linux's error buffer. */
#define ERROR_MAX 4096
/* Lines on stderr per device: a guest that keeps failing its device
 * should not fill the launcher's log. */
#define ERRORS_LOGGED 8

static int node_path(char *out, const char *dir, const char *node)
{
	int n = snprintf(out, NODE_PATH_MAX, "%s/%s", dir, node);

	return n < 0 || n >= NODE_PATH_MAX ? -EINVAL : 0;
}

int xenbus_write_backend(struct xenbus_device *dev, const char *node,
			 const char *fmt, ...)
{
	char path[NODE_PATH_MAX], value[ERROR_MAX];
	va_list ap;

	if (node_path(path, dev->backend_path, node))
		return -EINVAL;
	va_start(ap, fmt);
	int n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value))
		return -E2BIG;
	return -xs_daemon_write_dom0(dev->bus->xs, path, value, NULL, 0);
}

/* The node's value, malloc'd: 0 or -errno. */
static int read_node(struct xenbus_device *dev, const char *dir,
		     const char *node, char **val, size_t *len)
{
	char path[NODE_PATH_MAX];

	if (node_path(path, dir, node))
		return -EINVAL;
	return -xs_daemon_read_dom0(dev->bus->xs, path, val, len);
}

int xenbus_read_frontend(struct xenbus_device *dev, const char *node,
			 char *buf, size_t size)
{
	char *val;
	size_t len;
	int err = read_node(dev, dev->frontend_path, node, &val, &len);

	if (err)
		return err;
	if (memchr(val, '\0', len))
		err = -EINVAL;
	else if (len >= size)
		err = -E2BIG;
	else {
		memcpy(buf, val, len);
		buf[len] = '\0';
	}
	free(val);
	return err;
}

int xenbus_read_frontend_uint(struct xenbus_device *dev, const char *node,
			      uint64_t max, uint64_t *out)
{
	char *val;
	size_t len;
	int err = read_node(dev, dev->frontend_path, node, &val, &len);

	if (err)
		return err;
	err = xenbus_parse_uint(val, len, max, out);
	free(val);
	return err;
}

int xenbus_read_frontend_state(struct xenbus_device *dev)
{
	char *val;
	size_t len;
	int err = read_node(dev, dev->frontend_path, "state", &val, &len);

	if (err == -ENOENT)
		return XenbusStateUnknown;
	if (err)
		return err;
	int state = xenbus_parse_state(val, len);

	free(val);
	return state;
}

bool xenbus_backend_online(struct xenbus_device *dev)
{
	char *val;
	size_t len;
	uint64_t online = 0;

	if (read_node(dev, dev->backend_path, "online", &val, &len))
		return false;
	if (xenbus_parse_uint(val, len, UINT32_MAX, &online))
		online = 0;
	free(val);
	return online != 0;
}

int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state)
{
	char *val;
	size_t len;

	if (state == dev->state)
		return 0;
	/* Not bringing back a directory being removed; nor writing a state
	 * that would only fire the watches of one going away. */
	if (read_node(dev, dev->backend_path, "state", &val, &len))
		return 0;
	free(val);
	int err = xenbus_write_backend(dev, "state", "%d", (int)state);

	if (err) {
		if (state != XenbusStateClosing) /* no loop through fatal */
			xenbus_report_fatal(dev, err, "writing new state");
		return err;
	}
	dev->state = state;
	return 0;
}

/* For stderr: the message may quote what the guest wrote. */
static void printable(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

static void report(struct xenbus_device *dev, int err, const char *fmt,
		   va_list ap)
{
	char msg[ERROR_MAX], path[NODE_PATH_MAX];
	long code = err < 0 ? -(long)err : err; /* Linux prints -err */
	int n = snprintf(msg, sizeof(msg), "%ld ", code);

	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	node_path(path, dev->error_dir, "error");
	int werr = xs_daemon_write_dom0(dev->bus->xs, path, msg, NULL, 0);

	if (dev->errors_logged >= ERRORS_LOGGED)
		return;
	dev->errors_logged++;
	printable(msg);
	if (werr)
		fprintf(stderr, "xenlet: %s: %s (error node not written: %s)\n",
			dev->backend_path, msg, strerror(werr));
	else
		fprintf(stderr, "xenlet: %s: %s\n", dev->backend_path, msg);
	if (dev->errors_logged == ERRORS_LOGGED)
		fprintf(stderr, "xenlet: %s: further errors only in %s\n",
			dev->backend_path, path);
}

void xenbus_report_error(struct xenbus_device *dev, int err,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(dev, err, fmt, ap);
	va_end(ap);
}

void xenbus_report_fatal(struct xenbus_device *dev, int err,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(dev, err, fmt, ap);
	va_end(ap);
	dev->fatal_reports++;
	xenbus_switch_state(dev, XenbusStateClosing);
}
