/*
 * The embedded xenstore, run as Xen's toolstack (libxl) runs xenstored for
 * a new PV domU: the domain introduced with its ring page, and its home
 * /local/domain/<domid> filled in with the entries a PV kernel and dom0
 * tools look for, with libxl's permissions (the guest reads its home and
 * writes only the directories meant for it).
 *
 * The daemon serves the ring page; its notifications raise the guest's
 * xenstore event channel (signal_guest), and the guest's sends on it kick
 * the daemon (dom0_backends.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include "xenstore/daemon.h"
#include "xenstore/store.h"
#include "emu/dom0/dom0_xenstore.h"
#include "emu/vcpu/stop_signals.h"

static void count_notification(void *opaque)
{
	struct dom0_xenstore *x = opaque;
	__atomic_add_fetch(&x->notifications, 1, __ATOMIC_RELAXED);
	if (x->signal_guest)
		x->signal_guest(x->signal_opaque);
}

struct entry {
	const char *path;   /* under the domain's home unless absolute */
	char value[64];
	int perms;          /* PERMS_* */
};

enum { PERMS_GUEST_READS, PERMS_GUEST_WRITES };

static int write_entry(struct dom0_xenstore *x, unsigned domid, const char *home,
		       const struct entry *e)
{
	char path[256];
	if (e->path[0] == '/')
		snprintf(path, sizeof path, "%s", e->path);
	else if (e->path[0])
		snprintf(path, sizeof path, "%s/%s", home, e->path);
	else
		snprintf(path, sizeof path, "%s", home);
	/* libxl's "roperm" (dom0 owns, guest reads) and "rwperm" (guest owns) */
	const struct xs_store_perm ro[] = {
		{ 0, XS_STORE_PERM_NONE }, { domid, XS_STORE_PERM_READ },
	};
	const struct xs_store_perm rw[] = { { domid, XS_STORE_PERM_NONE } };
	if (e->perms == PERMS_GUEST_WRITES)
		return xs_daemon_write_dom0(x->daemon, path, e->value, rw, 1);
	return xs_daemon_write_dom0(x->daemon, path, e->value, ro, 2);
}

static void make_uuid(char *buf, size_t len)
{
	uint8_t u[16] = { 0 };
	/* getrandom() only fails on kernels older than 3.17; the uuid is then
	 * all zeros but still well-formed. */
	if (getrandom(u, sizeof u, 0) != sizeof u)
		memset(u, 0, sizeof u);
	u[6] = (u[6] & 0x0f) | 0x40; /* version 4 */
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
		 u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int populate(struct dom0_xenstore *x, const struct dom0_xenstore_config *c)
{
	char home[64], uuid[40], vm[64];
	snprintf(home, sizeof home, "/local/domain/%u", c->domid);
	if (c->uuid)
		snprintf(uuid, sizeof uuid, "%s", c->uuid);
	else
		make_uuid(uuid, sizeof uuid);
	snprintf(vm, sizeof vm, "/vm/%s", uuid);
	struct entry entries[] = {
		{ "", "", PERMS_GUEST_READS },
		{ "name", "", PERMS_GUEST_READS },
		{ "domid", "", PERMS_GUEST_READS },
		{ "vm", "", PERMS_GUEST_READS },
		{ "memory/static-max", "", PERMS_GUEST_READS },
		{ "memory/target", "", PERMS_GUEST_READS },
		{ "cpu/0/availability", "online", PERMS_GUEST_READS },
		{ "store/ring-ref", "", PERMS_GUEST_READS },
		{ "store/port", "", PERMS_GUEST_READS },
		{ "console/ring-ref", "", PERMS_GUEST_READS },
		{ "console/port", "", PERMS_GUEST_READS },
		{ "console/type", "xenconsoled", PERMS_GUEST_READS },
		{ "device", "", PERMS_GUEST_READS },
		{ "control", "", PERMS_GUEST_READS },
		{ "control/shutdown", "", PERMS_GUEST_WRITES },
		/* The guest says here what it answers (Linux's xen:manage). */
		{ "control/feature-poweroff", "", PERMS_GUEST_WRITES },
		{ "control/feature-reboot", "", PERMS_GUEST_WRITES },
		{ "control/feature-suspend", "", PERMS_GUEST_WRITES },
		{ "control/sysrq", "", PERMS_GUEST_WRITES },
		{ "data", "", PERMS_GUEST_WRITES },
		{ "drivers", "", PERMS_GUEST_WRITES },
		{ "feature", "", PERMS_GUEST_WRITES },
		{ "attr", "", PERMS_GUEST_WRITES },
		{ "error", "", PERMS_GUEST_WRITES },
		{ "/vm", "", PERMS_GUEST_READS },
		{ vm, "", PERMS_GUEST_READS },
	};
	snprintf(entries[1].value, sizeof entries[1].value, "%s", c->name);
	snprintf(entries[2].value, sizeof entries[2].value, "%u", c->domid);
	snprintf(entries[3].value, sizeof entries[3].value, "%s", vm);
	snprintf(entries[4].value, sizeof entries[4].value, "%llu",
		 (unsigned long long)c->memory_kib);
	snprintf(entries[5].value, sizeof entries[5].value, "%llu",
		 (unsigned long long)c->memory_kib);
	snprintf(entries[7].value, sizeof entries[7].value, "%llu",
		 (unsigned long long)c->ring_mfn);
	snprintf(entries[8].value, sizeof entries[8].value, "%u", c->ring_evtchn);
	snprintf(entries[9].value, sizeof entries[9].value, "%llu",
		 (unsigned long long)c->console_mfn);
	snprintf(entries[10].value, sizeof entries[10].value, "%u", c->console_evtchn);
	for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
		int err = write_entry(x, c->domid, home, &entries[i]);
		if (err)
			return err;
	}
	char path[128];
	snprintf(path, sizeof path, "%s/name", vm);
	int err = xs_daemon_write_dom0(x->daemon, path, c->name, NULL, 0);
	snprintf(path, sizeof path, "%s/uuid", vm);
	return err ? err : xs_daemon_write_dom0(x->daemon, path, uuid, NULL, 0);
}

int dom0_xenstore_start(struct dom0_xenstore *x, const struct dom0_xenstore_config *c,
			char *err, size_t errlen)
{
	*x = (struct dom0_xenstore){ 0 };
	x->daemon = xs_daemon_create();
	if (!x->daemon) {
		snprintf(err, errlen, "xenstore: %s", strerror(errno));
		return -1;
	}
	int e;
	if (c->socket_path && (e = xs_daemon_listen(x->daemon, c->socket_path))) {
		snprintf(err, errlen, "xenstore socket %s: %s", c->socket_path, strerror(e));
		goto fail;
	}
	/* The daemon's thread must not take the signals meant to stop the
	 * vCPU: it inherits this mask. */
	sigset_t old;
	stop_signals_block(&old);
	e = xs_daemon_start(x->daemon);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		snprintf(err, errlen, "xenstore thread: %s", strerror(e));
		goto fail;
	}
	x->signal_guest = c->signal_guest;
	x->signal_opaque = c->signal_opaque;
	x->guest = xs_daemon_add_domain(x->daemon, c->domid, c->ring_page,
					count_notification, x);
	if (!x->guest) {
		snprintf(err, errlen, "xenstore: introducing domain %u: %s",
			 c->domid, strerror(errno));
		goto fail;
	}
	if ((e = populate(x, c))) {
		snprintf(err, errlen, "xenstore: writing domain %u's entries: %s",
			 c->domid, strerror(e));
		goto fail;
	}
	return 0;
fail:
	dom0_xenstore_stop(x);
	return -1;
}

void dom0_xenstore_stop(struct dom0_xenstore *x)
{
	if (!x->daemon)
		return;
	if (x->guest)
		xs_daemon_remove_domain(x->daemon, x->guest);
	xs_daemon_stop(x->daemon);
	xs_daemon_join(x->daemon);
	xs_daemon_destroy(x->daemon);
	*x = (struct dom0_xenstore){ 0 };
}
