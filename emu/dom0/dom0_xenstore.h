/* The launcher as dom0's toolstack: the embedded xenstore daemon. */
#ifndef XENLET_DOM0_XENSTORE_H
#define XENLET_DOM0_XENSTORE_H

#include <stddef.h>
#include <stdint.h>

struct xs_daemon;
struct xs_domain;

struct dom0_xenstore {
	struct xs_daemon *daemon;
	struct xs_domain *guest;
	uint64_t notifications;     /* the daemon signalled the guest */
	/* Raises the guest's xenstore event (from the daemon's thread). */
	void (*signal_guest)(void *opaque);
	void *signal_opaque;
};

struct dom0_xenstore_config {
	unsigned domid;
	const char *name;
	const char *uuid;           /* NULL: a random one */
	uint64_t memory_kib;
	void *ring_page;            /* the guest's xenstore page, mapped */
	uint64_t ring_mfn;
	uint32_t ring_evtchn;
	uint64_t console_mfn;
	uint32_t console_evtchn;
	const char *socket_path;    /* NULL: no socket for dom0 tools */
	void (*signal_guest)(void *opaque); /* NULL: notifications only counted */
	void *signal_opaque;
};

/* Starts the daemon in its own thread, introduces the guest with its
 * ring, and writes the domain's entries as Xen's toolstack does.
 * 0, or -1 and a reason in err. */
int dom0_xenstore_start(struct dom0_xenstore *x, const struct dom0_xenstore_config *cfg,
			char *err, size_t errlen);
void dom0_xenstore_stop(struct dom0_xenstore *x);

#endif
