/*
 * dom0's handle on the core: how the launcher's backends, on threads that
 * are not vCPUs, change core state (event channels they bind, grants they
 * hold) under the one domain lock.  It is the launcher's struct
 * backend_domain (backends/backend_host.h), one per domain, in struct
 * domain; backends get it from dom0_backend_domain() and reach the guest
 * only through backend_host.h.
 *
 * The handle is a struct core with dom0 set on the domain's core state,
 * with a platform of its own (no vCPU, no CPU-ops queue): its lock is the
 * domain lock of the trap path the domain runs (the launcher's mutex in
 * the host path, the shim's spinlock in struct shim_smp in the guest
 * path), and its TLB shootdowns reach every running vCPU.  Anything the
 * core would do to "its" vCPU from here (page-table stores, CR3, segment
 * bases, sleeping, starting a vCPU) is an internal error that stops the
 * domain, never something done to vCPU 0.
 *
 * Lifetime: dom0_core_init once the core state and vCPU 0's handle exist;
 * dom0_core_start when the shim is ready and the trap path is fixed
 * (before it nothing can be bound or granted: the guest has not run, and
 * calls fail); once the domain stops, calls touch no core state any more
 * (the guest is gone), but unbinds and puts are still taken; backends
 * must have stopped, and put every grant, before dom0_core_destroy, which
 * comes before guest RAM is unmapped.
 */
#ifndef XENLET_DOM0_CORE_H
#define XENLET_DOM0_CORE_H

#include <pthread.h>
#include <stdint.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/events/evtchn.h"
#include "backends/backend_host.h"
#include "emu/vcpu/platform_host.h"

struct domain;
struct shim_smp;

enum dom0_path {
	DOM0_PATH_UNSET = 0, /* the shim is not ready: nothing to lock yet */
	DOM0_PATH_GUEST,
	DOM0_PATH_HOST,
};

struct backend_domain {
	struct domain *d;          /* NULL until dom0_core_init */
	uint16_t domid;            /* the guest's */
	struct host_platform plat; /* dom0's: no vCPU, no CPU-ops queue */
	struct core core;          /* dom0 = 1, on the domain's core state */
	struct shim_smp *shim_smp; /* the guest path's lock and flush counts */
	int path;                  /* enum dom0_path, set once (atomic) */
	/*
	 * The eventfd each port's sends go to (-1: no backend bound it).
	 * table_lock guards it: taken inside the domain lock while the
	 * domain runs (the guest's sends reach dom0_evtchn_deliver with the
	 * domain lock held, in both trap paths), and alone once it stopped,
	 * so no send writes an eventfd its backend has unbound and closed.
	 */
	pthread_mutex_t table_lock;
	int port_fd[EVTCHN_NR_PORTS];
	uint64_t grants_held;      /* by all backends (atomic) */
};

/* Sets up d->dom0 on vCPU 0's core state and layout (guest's domid). */
void dom0_core_init(struct domain *d, uint16_t domid);

/* The shim is ready with this trap path (vcpu_loop.c's on_ready, before
 * the guest runs): from now on dom0 takes that path's lock. */
void dom0_core_start(struct domain *d, int host_path);

/* The domain is gone: ports still bound by dom0 are unbound and their
 * eventfds forgotten; grants a backend still holds are reported (a
 * backend bug: their pages are about to be unmapped).  Safe without
 * dom0_core_init. */
void dom0_core_destroy(struct domain *d);

/* What a backend holds for the domain d. */
struct backend_domain *dom0_backend_domain(struct domain *d);

/*
 * The domain lock, for dom0: 0 when held, -1 when the domain is not
 * running (not started yet, or stopping: a vCPU that stopped may never
 * release the guest path's lock).  Never taken twice by one thread (an
 * internal error).  The unlock ends the domain as an internal error if
 * the core asked the handle for something it cannot do meanwhile.
 */
int dom0_core_lock(struct backend_domain *bd);
void dom0_core_unlock(struct backend_domain *bd);

/* A guest's send on port reached dom0 (dom0_notify_backend), with the
 * domain lock held: the eventfd of the backend that bound it, if any,
 * gets 1. */
void dom0_evtchn_deliver(struct backend_domain *bd, uint32_t port);

#endif
