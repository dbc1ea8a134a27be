/* The event-channel half of backend_host.h for unit tests
 * (fake_backend_host.h). */
#include "tests/unit/fake_backend_host.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void fake_backend_init(struct backend_domain *bd, unsigned domid)
{
	memset(bd, 0, sizeof(*bd));
	bd->domid = domid;
	pthread_mutex_init(&bd->lock, NULL);
	for (unsigned i = 0; i < FAKE_PORTS; i++)
		bd->port[i].notify_fd = -1;
}

void fake_backend_fini(struct backend_domain *bd)
{
	pthread_mutex_destroy(&bd->lock);
}

void fake_backend_alloc_unbound(struct backend_domain *bd, uint32_t port)
{
	pthread_mutex_lock(&bd->lock);
	bd->port[port].unbound_for_dom0 = true;
	pthread_mutex_unlock(&bd->lock);
}

bool fake_backend_guest_send(struct backend_domain *bd, uint32_t port)
{
	uint64_t one = 1;
	bool bound;

	pthread_mutex_lock(&bd->lock);
	bound = bd->port[port].notify_fd >= 0;
	if (bound && write(bd->port[port].notify_fd, &one, sizeof(one)) !=
			     sizeof(one))
		bound = false;
	pthread_mutex_unlock(&bd->lock);
	return bound;
}

struct fake_port fake_backend_port(struct backend_domain *bd, uint32_t port)
{
	pthread_mutex_lock(&bd->lock);
	struct fake_port p = bd->port[port];
	pthread_mutex_unlock(&bd->lock);
	return p;
}

unsigned backend_domid(const struct backend_domain *bd)
{
	return bd->domid;
}

int backend_evtchn_bind(struct backend_domain *bd, uint32_t guest_port,
			int notify_fd)
{
	int err = 0;

	if (guest_port >= FAKE_PORTS)
		return -EINVAL;
	pthread_mutex_lock(&bd->lock);
	struct fake_port *p = &bd->port[guest_port];

	if (p->notify_fd >= 0)
		err = -EBUSY;
	else if (!p->unbound_for_dom0)
		err = -EINVAL;
	else {
		p->notify_fd = notify_fd;
		p->unbound_for_dom0 = false;
		p->binds++;
	}
	pthread_mutex_unlock(&bd->lock);
	return err;
}

void backend_evtchn_unbind(struct backend_domain *bd, uint32_t guest_port)
{
	if (guest_port >= FAKE_PORTS)
		return;
	pthread_mutex_lock(&bd->lock);
	struct fake_port *p = &bd->port[guest_port];

	if (p->notify_fd >= 0) {
		p->notify_fd = -1;
		p->unbound_for_dom0 = true;
		p->unbinds++;
	} else {
		bd->bad_calls++;
	}
	pthread_mutex_unlock(&bd->lock);
}

void backend_evtchn_notify(struct backend_domain *bd, uint32_t guest_port)
{
	if (guest_port >= FAKE_PORTS)
		return;
	pthread_mutex_lock(&bd->lock);
	if (bd->port[guest_port].notify_fd >= 0)
		bd->port[guest_port].notifies++;
	else
		bd->bad_calls++;
	pthread_mutex_unlock(&bd->lock);
}
