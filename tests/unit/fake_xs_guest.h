/*
 * A guest's xenstore client for tests: the domain's ring page in host
 * memory, served by a running xenstore daemon (xs_daemon_add_domain), and
 * synchronous requests on it as a guest kernel's xenbus makes them. So a
 * test acts as that domain with exactly its permissions and quotas.
 * Watch events that arrive before a reply are skipped.
 */
#ifndef XENLET_TEST_FAKE_XS_GUEST_H
#define XENLET_TEST_FAKE_XS_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

struct xs_daemon;
struct xs_domain;

struct fake_xs_guest {
	struct xenstore_domain_interface page;
	struct xs_daemon *d;
	struct xs_domain *dom;
	int notify_fd;  /* the daemon's notifications: an eventfd */
	uint32_t req_id;
};

/* Introduces domid with g's ring; the daemon must be running. 0 or errno. */
int fake_xs_guest_start(struct fake_xs_guest *g, struct xs_daemon *d,
			unsigned int domid);
/* Removes the domain (@releaseDomain fires). */
void fake_xs_guest_stop(struct fake_xs_guest *g);

/* One request and its reply: 0 with the reply's payload in reply
 * (NUL-terminated, at most size - 1 bytes kept; reply may be NULL), the
 * errno an XS_ERROR names, or ETIMEDOUT if no reply came within 5 s. */
int fake_xs_guest_request(struct fake_xs_guest *g, uint32_t type,
			  const void *payload, size_t len, char *reply,
			  size_t size);

int fake_xs_guest_write(struct fake_xs_guest *g, const char *path,
			const char *value);
int fake_xs_guest_read(struct fake_xs_guest *g, const char *path, char *buf,
		       size_t size);
int fake_xs_guest_rm(struct fake_xs_guest *g, const char *path);

#endif
