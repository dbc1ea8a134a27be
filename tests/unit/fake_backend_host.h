/*
 * A test double of backends/backend_host.h's event channels: a guest
 * domain whose ports the test allocates unbound for dom0 (as a frontend's
 * EVTCHNOP_alloc_unbound), whose sends are writes to the eventfd dom0
 * bound, and which records every bind, unbind and notify. Grants are not
 * provided (nothing tested with it takes one).
 */
#ifndef XENLET_TEST_FAKE_BACKEND_HOST_H
#define XENLET_TEST_FAKE_BACKEND_HOST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "backends/backend_host.h"

#define FAKE_PORTS 64

struct fake_port {
	bool unbound_for_dom0; /* allocated by the guest, dom0 not bound */
	int notify_fd;         /* dom0's eventfd while bound, else -1 */
	unsigned binds, unbinds, notifies;
};

struct backend_domain {
	unsigned domid;
	pthread_mutex_t lock; /* backends call from their threads */
	struct fake_port port[FAKE_PORTS];
	unsigned bad_calls;   /* unbind/notify of a port dom0 had not bound */
};

void fake_backend_init(struct backend_domain *bd, unsigned domid);
void fake_backend_fini(struct backend_domain *bd);
/* The guest allocates port unbound for dom0. */
void fake_backend_alloc_unbound(struct backend_domain *bd, uint32_t port);
/* The guest sends on port: true if dom0 had it bound (its eventfd was
 * written). */
bool fake_backend_guest_send(struct backend_domain *bd, uint32_t port);
/* A copy of the port's record, taken under the lock. */
struct fake_port fake_backend_port(struct backend_domain *bd, uint32_t port);

#endif
