/*
 * dom0's handle on the core (dom0_core.h): its domain lock, its platform
 * hooks, and its TLB shootdowns, from any launcher thread.
 *
 * The lock is the one the domain's trap path uses, fixed when the shim is
 * ready: the launcher's mutex (host path), or the shim's spinlock in the
 * shim region (guest path), which dom0 spins on with sched_yield: the
 * vCPUs holding it are emulated instruction by instruction here, so a
 * spin that keeps the host CPU would only slow the holder down; dom0's
 * own holds are a few checks and at most a page copy long.
 *
 * A shootdown from dom0 has no self: every running vCPU in the mask is
 * asked for a whole flush, by the counts of the path in use, and kicked
 * into answering; dom0 waits for them as the vCPUs' own shootdowns do
 * (they answer while they wait for the lock dom0 holds, on their way
 * into the core, and when they wake).
 */
#include <sched.h>
#include <stdio.h>
#include "pv-shim/shim_abi.h"
#include "emu/domain.h"

/* The handle whose lock this thread holds: never taken twice. */
static __thread const struct backend_domain *held_here;

static int stopping(const struct domain *d)
{
	return __atomic_load_n(&d->stopping, __ATOMIC_SEQ_CST);
}

static int acquire(struct backend_domain *bd)
{
	struct domain *d = bd->d;
	int path = __atomic_load_n(&bd->path, __ATOMIC_SEQ_CST);
	if (path == DOM0_PATH_UNSET || stopping(d))
		return -1;
	if (path == DOM0_PATH_HOST) {
		/* Its holders never wait for dom0 while they hold it. */
		pthread_mutex_lock(&d->core_lock);
	} else {
		uint32_t *lock = &bd->shim_smp->domain_lock;
		for (;;) {
			if (!__atomic_load_n(lock, __ATOMIC_RELAXED) &&
			    !__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
				break;
			/* A vCPU that stopped holding it never lets go. */
			if (stopping(d))
				return -1;
			sched_yield();
		}
	}
	return 0;
}

static void release(struct backend_domain *bd)
{
	if (__atomic_load_n(&bd->path, __ATOMIC_SEQ_CST) == DOM0_PATH_HOST)
		pthread_mutex_unlock(&bd->d->core_lock);
	else
		__atomic_store_n(&bd->shim_smp->domain_lock, 0, __ATOMIC_RELEASE);
}

int dom0_core_lock(struct backend_domain *bd)
{
	if (held_here == bd) {
		host_platform_internal_error(&bd->plat,
					     "dom0 asked for the domain lock it holds");
		return -1;
	}
	if (acquire(bd))
		return -1;
	/* Stopped while it waited: the guest is gone, so is its state. */
	if (stopping(bd->d)) {
		release(bd);
		return -1;
	}
	held_here = bd;
	return 0;
}

void dom0_core_unlock(struct backend_domain *bd)
{
	int failed = bd->plat.failed; /* written only under the lock */
	held_here = NULL;
	release(bd);
	if (failed)
		domain_stop(bd->d, XENLET_EXIT_INTERNAL);
}

/*
 * The hooks platform.h's SMP calls reach from dom0's core.  dom0 takes
 * the domain lock itself, with dom0_core_lock (which can fail as the
 * domain stops: platform_lock cannot say so), before it calls the core;
 * the core takes it only for a vCPU (core_handle_trap, sched_sleep).  So
 * platform_lock from dom0's handle would be a second take by the holder:
 * an internal error, not a deadlock, and the lock stays as it is.
 */
static void hook_lock(void *opaque)
{
	struct backend_domain *bd = opaque;
	host_platform_internal_error(&bd->plat, "the core took the domain lock for dom0");
}

static void hook_unlock(void *opaque)
{
	struct backend_domain *bd = opaque;
	host_platform_internal_error(&bd->plat, "the core let go of the domain lock for dom0");
}

static void hook_kick(void *opaque, unsigned n, int interrupt)
{
	struct backend_domain *bd = opaque;
	if (n < bd->d->cfg->vcpus)
		vcpu_events_kick(&bd->d->vcpu[n], interrupt);
}

static void hook_vcpu_up(void *opaque, unsigned n)
{
	struct backend_domain *bd = opaque;
	(void)n;
	host_platform_internal_error(&bd->plat, "the core asked dom0 to start a vCPU");
}

/* As the shim's platform_tlb_shootdown, on its counts: each target
 * answers in its shim.  A vCPU never launched has nothing cached. */
static void shootdown_in_shims(struct backend_domain *bd, uint64_t mask)
{
	struct domain *d = bd->d;
	struct shim_smp *smp = bd->shim_smp;
	uint32_t want[SHIM_MAX_VCPUS];
	for (unsigned n = 0; n < d->cfg->vcpus; n++) {
		if (!(mask >> n & 1) || !__atomic_load_n(&d->vcpu[n].launched, __ATOMIC_SEQ_CST))
			continue;
		want[n] = __atomic_add_fetch(&smp->flush_req[n], 1, __ATOMIC_SEQ_CST);
		vcpu_events_kick(&d->vcpu[n], 1);
	}
	for (unsigned n = 0; n < d->cfg->vcpus; n++) {
		if (!(mask >> n & 1) || !__atomic_load_n(&d->vcpu[n].launched, __ATOMIC_SEQ_CST))
			continue;
		while ((int32_t)(__atomic_load_n(&smp->flush_done[n], __ATOMIC_SEQ_CST) -
				 want[n]) < 0 && !stopping(d))
			sched_yield();
	}
}

static void hook_tlb_shootdown(void *opaque, uint64_t mask)
{
	struct backend_domain *bd = opaque;
	if (__atomic_load_n(&bd->path, __ATOMIC_SEQ_CST) == DOM0_PATH_HOST)
		vcpu_smp_shootdown(bd->d, NULL, mask);
	else
		shootdown_in_shims(bd, mask);
}

static const struct host_smp dom0_smp = {
	.lock = hook_lock, .unlock = hook_unlock, .kick = hook_kick,
	.vcpu_up = hook_vcpu_up, .tlb_shootdown = hook_tlb_shootdown,
};

void dom0_core_init(struct domain *d, uint16_t domid)
{
	struct backend_domain *bd = &d->dom0;
	const struct vcpu *v0 = &d->vcpu[0];
	*bd = (struct backend_domain){
		.d = d, .domid = domid,
		.shim_smp = (struct shim_smp *)(d->shim.region + SHIM_OFF_SMP),
		.table_lock = PTHREAD_MUTEX_INITIALIZER,
	};
	/* No vCPU: no fd, no CPU-ops queue, no sleep, no sends of its own. */
	bd->plat = (struct host_platform){
		.ram = d->ram, .ram_bytes = d->ram_bytes,
		.console = stdout, .log = stderr,
		.shim_region = d->shim.region,
		.smp = &dom0_smp, .smp_opaque = bd,
		.tsc_offset = v0->plat.tsc_offset,
	};
	bd->core = (struct core){
		.st = v0->core.st, .plat = &bd->plat, .layout = v0->core.layout,
		.vcpu = 0, .dom0 = 1,
	};
	for (unsigned p = 0; p < EVTCHN_NR_PORTS; p++)
		bd->port_fd[p] = -1;
}

void dom0_core_start(struct domain *d, int host_path)
{
	__atomic_store_n(&d->dom0.path, host_path ? DOM0_PATH_HOST : DOM0_PATH_GUEST,
			 __ATOMIC_SEQ_CST);
}

struct backend_domain *dom0_backend_domain(struct domain *d)
{
	return &d->dom0;
}

unsigned backend_domid(const struct backend_domain *bd)
{
	return bd->domid;
}

void dom0_core_destroy(struct domain *d)
{
	struct backend_domain *bd = &d->dom0;
	if (!bd->d)
		return;
	for (uint32_t p = 0; p < EVTCHN_NR_PORTS; p++)
		backend_evtchn_unbind(bd, p);
	uint64_t held = __atomic_load_n(&bd->grants_held, __ATOMIC_SEQ_CST);
	if (held)
		fprintf(bd->plat.log, "xenlet: internal error: backends still hold %llu "
			"grants as the domain's memory goes\n", (unsigned long long)held);
	pthread_mutex_destroy(&bd->table_lock);
	bd->d = NULL;
}
