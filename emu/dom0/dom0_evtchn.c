/*
 * Event channels dom0's backends bind (backend_host.h): dom0's end of a
 * port the guest allocated unbound for dom0, as a backend's
 * EVTCHNOP_bind_interdomain makes it under Xen.  The core keeps the
 * guest's end (evtchn_bind_dom0/unbind_dom0); dom0's end is the eventfd
 * in the handle's port table, which the guest's sends write.
 *
 * dom0's ports are numbered as the guest's here, so the table entry is
 * what says dom0's end exists: while a backend holds a port, no other
 * can bind it, even if the guest closed the port and allocated it for
 * dom0 again (under Xen dom0's old port would still be its own, and
 * closing it would not touch the guest's new one).
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include "pv-shim/core/xen_abi.h"
#include "emu/domain.h"

/* One event on the backend's eventfd; a full counter already wakes it. */
static void wake(int fd)
{
	uint64_t one = 1;
	if (write(fd, &one, sizeof one) < 0) {
		/* EAGAIN: the count is at its maximum, the backend is due. */
	}
}

int backend_evtchn_bind(struct backend_domain *bd, uint32_t guest_port, int notify_fd)
{
	if (guest_port >= EVTCHN_NR_PORTS || notify_fd < 0)
		return -EINVAL;
	if (dom0_core_lock(bd))
		return -EINVAL; /* no domain running: no port to bind */
	pthread_mutex_lock(&bd->table_lock);
	int rc = -EBUSY;
	if (bd->port_fd[guest_port] < 0) {
		rc = evtchn_bind_dom0(&bd->core, guest_port);
		rc = rc == -XEN_EBUSY ? -EBUSY : rc ? -EINVAL : 0;
	}
	if (rc == 0) {
		bd->port_fd[guest_port] = notify_fd;
		/* As Xen's bind: dom0's new end starts pending, for whatever
		 * the guest sent while nobody was bound. */
		wake(notify_fd);
	}
	pthread_mutex_unlock(&bd->table_lock);
	dom0_core_unlock(bd);
	return rc;
}

/* Once the domain has stopped, the lock may never come free (guest path)
 * and the guest's state no longer matters: the table entry alone goes. */
void backend_evtchn_unbind(struct backend_domain *bd, uint32_t guest_port)
{
	if (guest_port >= EVTCHN_NR_PORTS)
		return;
	int locked = dom0_core_lock(bd) == 0;
	pthread_mutex_lock(&bd->table_lock);
	if (bd->port_fd[guest_port] >= 0) {
		if (locked)
			evtchn_unbind_dom0(&bd->core, guest_port);
		bd->port_fd[guest_port] = -1;
	}
	pthread_mutex_unlock(&bd->table_lock);
	if (locked)
		dom0_core_unlock(bd);
}

void backend_evtchn_notify(struct backend_domain *bd, uint32_t guest_port)
{
	if (guest_port >= EVTCHN_NR_PORTS ||
	    __atomic_load_n(&bd->d->stopping, __ATOMIC_SEQ_CST))
		return;
	dom0_signal_guest(bd->d, guest_port);
}

void dom0_evtchn_deliver(struct backend_domain *bd, uint32_t port)
{
	if (port >= EVTCHN_NR_PORTS)
		return;
	pthread_mutex_lock(&bd->table_lock);
	if (bd->port_fd[port] >= 0)
		wake(bd->port_fd[port]);
	pthread_mutex_unlock(&bd->table_lock);
}
