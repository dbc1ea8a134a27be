/*
 * events: the console ring as a PV kernel's hvc driver uses it (bytes into
 * out[], out_prod advanced, a send on start_info's console port; dom0's
 * console daemon must have consumed them when the send returns), and the
 * 2-level event channel operations a kernel makes (status, alloc_unbound,
 * bind_virq, bind_ipi, send, unmask, close) with what they leave in
 * shared_info.  With xt.step=unsent it leaves bytes in the ring without a
 * send and powers off: the launcher must still print them.
 */
#include <stdint.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/io/console.h>

#include "cmdline.h"
#include "hypercall.h"
#include "libc.h"
#include "test.h"

const char test_title[] = "console ring and event channels";

#define VIRT_BASE 0xffffffff80000000UL
#define PAGE_SIZE 4096UL

static struct xencons_interface *ring;
static struct shared_info *shared;
static char step[16];

static long evtchn_op(int cmd, void *arg)
{
	return hypercall_via_syscall(__HYPERVISOR_event_channel_op,
				     (unsigned long)cmd, (unsigned long)arg, 0, 0, 0);
}

static long send(uint32_t port)
{
	struct evtchn_send s = { .port = port };
	return evtchn_op(EVTCHNOP_send, &s);
}

/* Puts s in the ring (waiting for room is not needed: the daemon drains
 * at each send) and optionally notifies. */
static void ring_write(const char *s, int notify)
{
	size_t len = strlen(s);
	while (len) {
		XENCONS_RING_IDX cons = ring->out_cons, prod = ring->out_prod;
		size_t room = sizeof ring->out - (prod - cons);
		size_t n = len < room ? len : room;
		for (size_t i = 0; i < n; i++)
			ring->out[MASK_XENCONS_IDX(prod + i, ring->out)] = s[i];
		__atomic_store_n(&ring->out_prod, prod + (XENCONS_RING_IDX)n,
				 __ATOMIC_RELEASE);
		s += n;
		len -= n;
		if (notify || len) {
			check_eq(send(boot_start_info->console.domU.evtchn), 0);
			check_eq(ring->out_cons, ring->out_prod);
		}
	}
}

static void console_ring(void)
{
	check_eq(boot_start_info->console.domU.evtchn, 2);
	check_eq(boot_start_info->store_evtchn, 1);
	ring = (void *)(VIRT_BASE + boot_start_info->console.domU.mfn * PAGE_SIZE);
	ring_write("events: hello through the console ring\n", 1);
	/* More than the ring holds: the writer waits on out_cons. */
	static char big[3 * sizeof ring->out + 2];
	for (size_t i = 0; i + 2 < sizeof big; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof big - 2] = '\n';
	ring_write("events: long line: ", 0);
	ring_write(big, 1);
	ring_write("events: after the long line\n", 1);
	/* The xenstore port kicks the store daemon: nothing to see but 0. */
	check_eq(send(boot_start_info->store_evtchn), 0);
}

static int pending(uint32_t port)
{
	return (shared->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

static void channel_ops(void)
{
	/* start_info gives shared_info's machine address: map it over a page
	 * of our own bss, as a kernel maps it into its fixmap. */
	static uint8_t window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	long rc = hypercall_via_syscall(__HYPERVISOR_update_va_mapping,
					(unsigned long)window,
					boot_start_info->shared_info | 0x67 /* P RW US A D */,
					UVMF_INVLPG, 0, 0);
	require(rc == 0, "update_va_mapping of shared_info: %ld", rc);
	shared = (void *)window;
	struct evtchn_status st = { .dom = DOMID_SELF, .port = 2 };
	check_eq(evtchn_op(EVTCHNOP_status, &st), 0);
	check_eq(st.status, EVTCHNSTAT_interdomain);
	check_eq(st.u.interdomain.dom, 0);
	check_eq(send(0), -XEN_EINVAL);
	check_eq(send(1000), -XEN_EINVAL);

	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	check_eq(evtchn_op(EVTCHNOP_bind_virq, &bv), 0);
	check(bv.port > 2);
	check_eq(evtchn_op(EVTCHNOP_bind_virq, &bv), -XEN_EEXIST);

	/* An IPI to ourselves, masked: pending but no upcall until unmask. */
	struct evtchn_bind_ipi bi = { .vcpu = 0 };
	check_eq(evtchn_op(EVTCHNOP_bind_ipi, &bi), 0);
	uint32_t ipi = bi.port;
	struct vcpu_info *v = &shared->vcpu_info[0];
	v->evtchn_upcall_mask = 1;
	shared->evtchn_mask[ipi / 64] |= 1UL << (ipi % 64);
	check_eq(send(ipi), 0);
	check(pending(ipi));
	check_eq(v->evtchn_upcall_pending, 0);
	struct evtchn_unmask um = { .port = ipi };
	check_eq(evtchn_op(EVTCHNOP_unmask, &um), 0);
	check_eq(v->evtchn_upcall_pending, 1);
	check(v->evtchn_pending_sel & (1UL << (ipi / 64)));

	struct evtchn_close cl = { .port = ipi };
	check_eq(evtchn_op(EVTCHNOP_close, &cl), 0);
	check(!pending(ipi));
	st.port = ipi;
	check_eq(evtchn_op(EVTCHNOP_status, &st), 0);
	check_eq(st.status, EVTCHNSTAT_closed);
	check_eq(send(ipi), -XEN_EINVAL);
	v->evtchn_pending_sel = 0;
	v->evtchn_upcall_pending = 0;

	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
	check_eq(evtchn_op(EVTCHNOP_alloc_unbound, &au), 0);
	check_eq(send(au.port), 0);
	check(!pending(au.port));
	check_eq(evtchn_op(EVTCHNOP_init_control, &au), -XEN_ENOSYS);
}

void test_main(void)
{
	console_ring();
	if (cmdline_str(test_cmdline(), "xt.step", step, sizeof step) == CMDLINE_OK &&
	    strcmp(step, "unsent") == 0) {
		/* No send, no result line: the launcher must read the ring
		 * once more when the domain stops. */
		ring_write("events: written without a send\n", 0);
		struct sched_shutdown sd = { .reason = SHUTDOWN_poweroff };
		HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
	}
	channel_ops();
}
