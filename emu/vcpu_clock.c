/*
 * The vCPU's clock and sleep in the launcher: the guest's TSC (KVM offsets
 * it from the host's), the core's time base set from it once, and
 * SCHEDOP_block's wait on one eventfd with the next timer as the timeout,
 * so a blocked guest costs no CPU.  Backends and the stop signal write the
 * eventfd to wake it.
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
#include "emu/domain.h"

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
	d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->wake_fd < 0 || guest_tsc_offset(d->vm.vcpu_fd, &d->plat.tsc_offset)) {
		snprintf(err, errlen, "setting up the guest's clock: %s", strerror(errno));
		return -1;
	}
	d->plat.block = vcpu_clock_block;
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	vtime_init(&d->core, stats_measure_tsc_khz(), platform_read_tsc(&d->core),
		   (uint64_t)wall.tv_sec, (uint32_t)wall.tv_nsec);
	return 0;
}

void vcpu_clock_wake(struct domain *d)
{
	uint64_t one = 1;
	if (write(d->wake_fd, &one, sizeof one) < 0) {
		/* EAGAIN: the counter is already non-zero, a wake is due. */
	}
}

void vcpu_clock_block(void *opaque)
{
	struct domain *d = opaque;
	d->stats.blocks++;
	uint64_t deadline = vtime_next_deadline(&d->core);
	uint64_t now = vtime_now_ns(&d->core);
	struct timespec ts, *timeout = NULL;
	if (deadline) {
		if (deadline <= now)
			return;
		uint64_t wait = deadline - now;
		ts = (struct timespec){ .tv_sec = (time_t)(wait / 1000000000),
					.tv_nsec = (long)(wait % 1000000000) };
		timeout = &ts;
	}
	/* Wakes meant for earlier sleeps go first; an event raised since
	 * the core looked is pending already (raised before the wake). */
	uint64_t n;
	if (read(d->wake_fd, &n, sizeof n) < 0) {
		/* EAGAIN: nothing to clear. */
	}
	/* A stop signal sets immediate_exit before it writes the eventfd. */
	if (__atomic_load_n(&d->vm.run->immediate_exit, __ATOMIC_SEQ_CST))
		return;
	if (__atomic_load_n(&core_vcpu_info(&d->core)->evtchn_upcall_pending,
			    __ATOMIC_SEQ_CST) || evtchn_dom0_raised_any(&d->core))
		return;
	struct pollfd p = { .fd = d->wake_fd, .events = POLLIN };
	/* EINTR (a stop signal) returns too: the vCPU loop looks at it. */
	ppoll(&p, 1, timeout, NULL);
}
