/*
 * The guest's clock and the vCPUs' sleep in the launcher: the guest's TSC
 * (KVM offsets it from the host's), the core's time base set from it
 * once, and SCHEDOP_block's wait on the vCPU's eventfd with its next
 * timer as the timeout, so a blocked vCPU costs no CPU.  Backends, other
 * vCPUs and the stop signal write the eventfd to wake it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/sched/sched_block.h"
#include "emu/domain.h"
#include "xenstore/daemon.h"

#define MSR_IA32_TSC 0x10

/* The guest's TSC minus the host's, read as close together as we can. */
static int guest_tsc_offset(int vcpu_fd, int64_t *offset)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr = { .nmsrs = 1 }, .e = { .index = MSR_IA32_TSC } };
	uint64_t before = __builtin_ia32_rdtsc();
	if (ioctl(vcpu_fd, KVM_GET_MSRS, &m) != 1)
		return -1;
	uint64_t after = __builtin_ia32_rdtsc();
	*offset = (int64_t)(m.e.data - (before + (after - before) / 2));
	return 0;
}

int vcpu_clock_start(struct domain *d, char *err, size_t errlen)
{
	struct vcpu *v0 = &d->vcpu[0];
	if (guest_tsc_offset(v0->kvm.fd, &v0->plat.tsc_offset)) {
		snprintf(err, errlen, "setting up the guest's clock: %s", strerror(errno));
		return -1;
	}
	/* One guest TSC for every vCPU (vcpu_smp.c sets theirs to it). */
	for (unsigned n = 1; n < d->cfg->vcpus; n++)
		d->vcpu[n].plat.tsc_offset = v0->plat.tsc_offset;
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	vtime_init(&v0->core, stats_measure_tsc_khz(), platform_read_tsc(&v0->core),
		   (uint64_t)(wall.tv_sec + d->cfg->wallclock_offset_s), (uint32_t)wall.tv_nsec);
	return 0;
}

void vcpu_clock_wake(struct vcpu *v)
{
	uint64_t one = 1;
	if (write(v->wake_fd, &one, sizeof one) < 0) {
		/* EAGAIN: the counter is already non-zero, a wake is due. */
	}
}

void vcpu_clock_block(void *opaque)
{
	struct vcpu *v = opaque;
	v->stats.blocks++;
	uint64_t deadline = vtime_next_deadline(&v->core);
	uint64_t now = vtime_now_ns(&v->core);
	struct timespec ts, *timeout = NULL;
	if (deadline) {
		if (deadline <= now)
			return;
		uint64_t wait = deadline - now;
		ts = (struct timespec){ .tv_sec = (time_t)(wait / 1000000000),
					.tv_nsec = (long)(wait % 1000000000) };
		timeout = &ts;
	}
	/* Wakes meant for earlier sleeps go first, then what they were for
	 * is looked at: a sender makes its event pending before it wakes,
	 * so one that came after the core looked is seen here. */
	uint64_t n;
	if (read(v->wake_fd, &n, sizeof n) < 0) {
		/* EAGAIN: nothing to clear. */
	}
	/* A stop signal sets immediate_exit before it writes the eventfd. */
	if (__atomic_load_n(&v->kvm.run->immediate_exit, __ATOMIC_SEQ_CST) ||
	    __atomic_load_n(&v->d->stopping, __ATOMIC_SEQ_CST) || sched_wake_due(&v->core))
		return;
	/* Idle with a xenstore request the daemon was never told of
	 * (xs_daemon_kick_if_unread): it is taken now, not never. */
	if (v->d->xenstore.guest)
		xs_daemon_kick_if_unread(v->d->xenstore.guest);
	struct pollfd p = { .fd = v->wake_fd, .events = POLLIN };
	/* EINTR (a stop signal, a kick) returns too: the vCPU loop looks. */
	ppoll(&p, 1, timeout, NULL);
	vcpu_serve_flush(v);
}
