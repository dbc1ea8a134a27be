/*
 * A device's two xenstore directories, written and removed as libxl does
 * (libxl__device_generic_add, libxl__device_destroy): the frontend's owned
 * by the guest with dom0 reading, the backend's owned by dom0 with the
 * guest reading, both in one transaction, any older copy removed first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/xenbus_internal.h"
#include "xenstore/daemon.h"
#include "xenstore/store.h"

/* A whole node path: a device directory and a name below it. */
#define NODE_PATH_MAX (XENBUS_PATH_MAX + 128)

static int type_ok(const char *type)
{
	size_t n = strlen(type);

	if (n == 0 || n >= XENBUS_TYPE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = type[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int xenbus_paths_init(struct xenbus_device *dev, const char *type,
		      unsigned int domid, unsigned int devid)
{
	if (!type_ok(type))
		return -EINVAL;
	/* Linux's backend nodename is "backend/TYPE/DOMID/DEVID", relative to
	 * dom0's home, and its error node "error/<nodename>/error". */
	snprintf(dev->backend_path, sizeof(dev->backend_path),
		 "/local/domain/0/backend/%s/%u/%u", type, domid, devid);
	snprintf(dev->frontend_path, sizeof(dev->frontend_path),
		 "/local/domain/%u/device/%s/%u", domid, type, devid);
	snprintf(dev->error_dir, sizeof(dev->error_dir),
		 "/local/domain/0/error/backend/%s/%u/%u", type, domid, devid);
	return 0;
}

/* The batch being built: ops, and the paths they point into. */
struct batch {
	struct xs_dom0_op *ops;
	char (*paths)[NODE_PATH_MAX];
	unsigned int n, cap;
	bool broken; /* a name too long for a path, or a value missing */
};

static void push(struct batch *b, enum xs_dom0_op_kind kind, const char *dir,
		 const char *name, const char *value,
		 const struct xs_store_perm *perms, unsigned int nperms)
{
	if (b->n == b->cap) {
		b->broken = true;
		return;
	}
	char *path = b->paths[b->n];
	int len = name ? snprintf(path, NODE_PATH_MAX, "%s/%s", dir, name)
		       : snprintf(path, NODE_PATH_MAX, "%s", dir);

	if (len < 0 || len >= NODE_PATH_MAX || (kind == XS_DOM0_WRITE && !value)) {
		b->broken = true;
		return;
	}
	b->ops[b->n++] = (struct xs_dom0_op){ .kind = kind, .path = path,
					      .value = value, .perms = perms,
					      .nperms = nperms };
}

static void write_node(struct batch *b, const char *dir, const char *name,
		       const char *value)
{
	push(b, XS_DOM0_WRITE, dir, name, value, NULL, 0);
}

/* As libxl: any older directory goes, a new one gets perms. */
static void new_dir(struct batch *b, const char *dir,
		    const struct xs_store_perm *perms)
{
	push(b, XS_DOM0_RM, dir, NULL, NULL, NULL, 0);
	push(b, XS_DOM0_MKDIR, dir, NULL, NULL, NULL, 0);
	push(b, XS_DOM0_SET_PERMS, dir, NULL, NULL, perms, 2);
}

int xenbus_nodes_add(struct xenbus_device *dev,
		     const struct xenbus_device_config *cfg)
{
	unsigned int domid = dev->bus->domid;
	/* libxl's frontend_perms and backend_perms; the nodes written below
	 * take their directory's. */
	const struct xs_store_perm front_perms[] = {
		{ domid, XS_STORE_PERM_NONE }, { 0, XS_STORE_PERM_READ },
	};
	const struct xs_store_perm back_perms[] = {
		{ 0, XS_STORE_PERM_NONE }, { domid, XS_STORE_PERM_READ },
	};
	char domid_str[16];
	struct batch b = { .cap = 16 + cfg->n_backend_nodes +
				  cfg->n_frontend_nodes };
	int err = -ENOMEM;

	if ((cfg->n_backend_nodes && !cfg->backend_nodes) ||
	    (cfg->n_frontend_nodes && !cfg->frontend_nodes))
		return -EINVAL;
	snprintf(domid_str, sizeof(domid_str), "%u", domid);
	b.ops = calloc(b.cap, sizeof(*b.ops));
	b.paths = calloc(b.cap, sizeof(*b.paths));
	if (!b.ops || !b.paths)
		goto out;

	new_dir(&b, dev->frontend_path, front_perms);
	write_node(&b, dev->frontend_path, "backend", dev->backend_path);
	write_node(&b, dev->frontend_path, "backend-id", "0");
	write_node(&b, dev->frontend_path, "state", "1");
	for (unsigned int i = 0; i < cfg->n_frontend_nodes; i++)
		write_node(&b, dev->frontend_path, cfg->frontend_nodes[i].name,
			   cfg->frontend_nodes[i].value);

	new_dir(&b, dev->backend_path, back_perms);
	write_node(&b, dev->backend_path, "frontend", dev->frontend_path);
	write_node(&b, dev->backend_path, "frontend-id", domid_str);
	write_node(&b, dev->backend_path, "online", "1");
	write_node(&b, dev->backend_path, "state", "1");
	for (unsigned int i = 0; i < cfg->n_backend_nodes; i++)
		write_node(&b, dev->backend_path, cfg->backend_nodes[i].name,
			   cfg->backend_nodes[i].value);

	/* A stale error of an earlier device of that name. */
	push(&b, XS_DOM0_RM, dev->error_dir, NULL, NULL, NULL, 0);

	if (b.broken) {
		err = -EINVAL;
		goto out;
	}
	err = -xs_daemon_apply_dom0(dev->bus->xs, b.ops, b.n);
	if (!err)
		dev->nodes_present = true;
out:
	free(b.ops);
	free(b.paths);
	return err;
}

/* libxl__xs_path_cleanup: removes path, then each ancestor that is left
 * with an empty value and no children. */
static void cleanup_path(struct xs_daemon *xs, const char *path)
{
	char p[XENBUS_PATH_MAX];
	char *val, *list;
	size_t len;

	snprintf(p, sizeof(p), "%s", path);
	if (xs_daemon_rm_dom0(xs, p))
		return;
	for (char *slash = strrchr(p, '/'); slash && slash != p;
	     slash = strrchr(p, '/')) {
		*slash = '\0';
		if (xs_daemon_read_dom0(xs, p, &val, &len))
			return;
		free(val);
		if (len)
			return;
		if (xs_daemon_directory_dom0(xs, p, &list, &len))
			return;
		free(list);
		if (len || xs_daemon_rm_dom0(xs, p))
			return;
	}
}

void xenbus_nodes_remove(struct xenbus_device *dev)
{
	if (!dev->nodes_present)
		return;
	cleanup_path(dev->bus->xs, dev->frontend_path);
	cleanup_path(dev->bus->xs, dev->backend_path);
	cleanup_path(dev->bus->xs, dev->error_dir);
	dev->nodes_present = false;
}
