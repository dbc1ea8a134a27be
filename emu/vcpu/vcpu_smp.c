/*
 * The launcher's side of SMP: one host thread per vCPU (vCPU 0 on the
 * main thread), the domain lock of the host trap path, kicks, starting a
 * vCPU at VCPUOP_up, TLB shootdowns, and the end of the domain.
 *
 * Shootdowns in the host trap path: the core (holding the lock) bumps each
 * target's request count and kicks it; the target answers, without the
 * lock, at the first place its thread is sure its shim applies its CPU-ops
 * queue before the guest's next instruction (the start of a hypercall or
 * trap-frame exit, a wake from SCHEDOP_block, the wait for the lock): it
 * queues a whole flush there and says done.  A target running guest code
 * gets there through the event interrupt the kick injects.  A vCPU that
 * never ran has nothing cached and is not asked.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "pv-shim/shim_abi.h"
#include "emu/domain.h"

#define MSR_IA32_TSC 0x10

static void lock(void *opaque)
{
	struct vcpu *v = opaque;
	while (pthread_mutex_trylock(&v->d->core_lock) == EBUSY) {
		vcpu_serve_flush(v); /* the holder may wait for this */
		sched_yield();
	}
}

static void unlock(void *opaque)
{
	struct vcpu *v = opaque;
	pthread_mutex_unlock(&v->d->core_lock);
}

static void kick(void *opaque, unsigned n, int interrupt)
{
	struct vcpu *v = opaque;
	if (n < v->d->cfg->vcpus)
		vcpu_events_kick(&v->d->vcpu[n], interrupt);
}

static void vcpu_up(void *opaque, unsigned n)
{
	struct vcpu *v = opaque;
	if (vcpu_smp_launch(v->d, n) < 0)
		v->plat.failed = 1; /* an internal error on the caller's exit */
}

void vcpu_smp_shootdown(struct domain *d, const struct vcpu *self, uint64_t mask)
{
	uint32_t want[SHIM_MAX_VCPUS];
	for (unsigned n = 0; n < d->cfg->vcpus; n++) {
		struct vcpu *v = &d->vcpu[n];
		if (!(mask >> n & 1) || v == self || !__atomic_load_n(&v->launched, __ATOMIC_SEQ_CST))
			continue;
		want[n] = __atomic_add_fetch(&v->flush_req, 1, __ATOMIC_SEQ_CST);
		vcpu_events_kick(v, 1);
	}
	for (unsigned n = 0; n < d->cfg->vcpus; n++) {
		struct vcpu *v = &d->vcpu[n];
		if (!(mask >> n & 1) || v == self || !__atomic_load_n(&v->launched, __ATOMIC_SEQ_CST))
			continue;
		while ((int32_t)(__atomic_load_n(&v->flush_done, __ATOMIC_SEQ_CST) - want[n]) < 0 &&
		       !__atomic_load_n(&d->stopping, __ATOMIC_SEQ_CST))
			sched_yield();
	}
}

static void tlb_shootdown(void *opaque, uint64_t mask)
{
	struct vcpu *self = opaque;
	vcpu_smp_shootdown(self->d, self, mask);
}

static const struct host_smp smp_ops = {
	.lock = lock, .unlock = unlock, .kick = kick, .vcpu_up = vcpu_up,
	.tlb_shootdown = tlb_shootdown,
};

void vcpu_smp_init(struct vcpu *v)
{
	v->plat.smp = &smp_ops;
	v->plat.smp_opaque = v;
}

void domain_stop(struct domain *d, int status)
{
	pthread_mutex_lock(&d->stop_lock);
	int first = !d->stopping;
	if (first) {
		d->stop_status = status;
		__atomic_store_n(&d->stopping, 1, __ATOMIC_SEQ_CST);
	}
	pthread_mutex_unlock(&d->stop_lock);
	if (!first)
		return;
	for (unsigned n = 0; n < d->cfg->vcpus; n++)
		vcpu_events_kick(&d->vcpu[n], 1);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	char err[256];
	int status;
	if (vcpu_events_start(v, err, sizeof err)) {
		fprintf(stderr, "xenlet: %s\n", err);
		status = XENLET_EXIT_INTERNAL;
	} else {
		status = vcpu_loop_run(v);
	}
	if (status >= 0)
		domain_stop(v->d, status);
	vcpu_events_stop(v);
	return NULL;
}

/* Its guest TSC is vCPU 0's: the guest takes them for one clock. */
static int sync_tsc(struct vcpu *v)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr = { .nmsrs = 1 }, .e = {
		.index = MSR_IA32_TSC,
		.data = __builtin_ia32_rdtsc() + (uint64_t)v->plat.tsc_offset,
	} };
	return ioctl(v->kvm.fd, KVM_SET_MSRS, &m) == 1 ? 0 : -1;
}

int vcpu_smp_launch(struct domain *d, unsigned n)
{
	if (n == 0 || n >= d->cfg->vcpus)
		return -1;
	struct vcpu *v = &d->vcpu[n];
	if (__atomic_load_n(&v->launched, __ATOMIC_SEQ_CST))
		return 0;
	/* The core took an L4 reference on it (VCPUOP_initialise); checked
	 * again, as everything read from core state. */
	uint64_t cr3 = core_vcpu(&v->core)->cr3;
	if ((cr3 & 0xfff) || cr3 >= d->ram_bytes) {
		fprintf(stderr, "xenlet: vCPU %u: its page tables are not in guest RAM\n", n);
		return -1;
	}
	struct kvm_vcpu_start vs = d->vcpu_start;
	vs.rsp = SHIM_VA(shim_off_stack_top(n));
	vs.gdt_base = shim_gdt_window(n);
	vs.cr3 = cr3;
	char err[256] = "";
	if (kvm_vm_create_vcpu(&d->vm, n, &vs, &v->kvm, err, sizeof err) || sync_tsc(v)) {
		fprintf(stderr, "xenlet: vCPU %u: %s\n", n, err[0] ? err : strerror(errno));
		return -1;
	}
	v->plat.kvm = &v->kvm;
	v->plat.cpuid = d->vm.cpuid;
	int rc = pthread_create(&v->join_handle, NULL, vcpu_thread, v);
	if (rc) {
		fprintf(stderr, "xenlet: vCPU %u: starting its thread: %s\n", n, strerror(rc));
		return -1;
	}
	__atomic_store_n(&v->launched, 1, __ATOMIC_SEQ_CST);
	return 0;
}

void vcpu_smp_join(struct domain *d)
{
	for (unsigned n = 1; n < d->cfg->vcpus; n++)
		if (__atomic_load_n(&d->vcpu[n].launched, __ATOMIC_SEQ_CST))
			pthread_join(d->vcpu[n].join_handle, NULL);
}
