/*
 * events: the console ring as a PV kernel's hvc driver uses it (bytes into
 * out[], out_prod advanced, a send on start_info's console port; dom0's
 * console daemon must have consumed them when the send returns), and the
 * 2-level event channel operations a kernel makes (status, alloc_unbound,
 * bind_virq, bind_ipi, send, unmask, close) with what they leave in
 * shared_info, then time: vcpu_time_info read as pvclock (monotonic), a
 * set_timer_op deadline waking SCHEDOP_block with VIRQ_TIMER delivered to
 * the event callback, and the wallclock printed.  With xt.step=unsent it leaves bytes in the ring without a
 * send and powers off: the launcher must still print them.  With
 * xt.step=block-forever it sleeps in SCHEDOP_block with nothing to wake it.
 */
#include <stdint.h>
#include <xen/callback.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/io/console.h>

#include "cmdline.h"
#include "evtchn.h"
#include "hypercall.h"
#include "libc.h"
#include "pvclock.h"
#include "test.h"

const char test_title[] = "console ring and event channels";

#define VIRT_BASE 0xffffffff80000000UL
#define PAGE_SIZE 4096UL

#define STR(x) STR_(x)
#define STR_(x) #x

static struct xencons_interface *ring;
static struct shared_info *shared;
static char step[16];
static uint32_t timer_port;

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
			check_eq(evtchn_send(boot_start_info->console.domU.evtchn), 0);
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
	check_eq(evtchn_send(boot_start_info->store_evtchn), 0);
}

static void channel_ops(void)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = 2 };
	check_eq(evtchn_op(EVTCHNOP_status, &st), 0);
	check_eq(st.status, EVTCHNSTAT_interdomain);
	check_eq(st.u.interdomain.dom, 0);
	check_eq(evtchn_send(0), -XEN_EINVAL);
	check_eq(evtchn_send(1000), -XEN_EINVAL);

	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	check_eq(evtchn_op(EVTCHNOP_bind_virq, &bv), 0);
	check(bv.port > 2);
	timer_port = bv.port;
	check_eq(evtchn_op(EVTCHNOP_bind_virq, &bv), -XEN_EEXIST);

	/* An IPI to ourselves, masked: pending but no upcall until unmask. */
	struct evtchn_bind_ipi bi = { .vcpu = 0 };
	check_eq(evtchn_op(EVTCHNOP_bind_ipi, &bi), 0);
	uint32_t ipi = bi.port;
	struct vcpu_info *v = &shared->vcpu_info[0];
	v->evtchn_upcall_mask = 1;
	shared->evtchn_mask[ipi / 64] |= 1UL << (ipi % 64);
	check_eq(evtchn_send(ipi), 0);
	check(evtchn_pending(shared, ipi));
	check_eq(v->evtchn_upcall_pending, 0);
	check_eq(evtchn_unmask(ipi), 0);
	check_eq(v->evtchn_upcall_pending, 1);
	check(v->evtchn_pending_sel & (1UL << (ipi / 64)));

	struct evtchn_close cl = { .port = ipi };
	check_eq(evtchn_op(EVTCHNOP_close, &cl), 0);
	check(!evtchn_pending(shared, ipi));
	st.port = ipi;
	check_eq(evtchn_op(EVTCHNOP_status, &st), 0);
	check_eq(st.status, EVTCHNSTAT_closed);
	check_eq(evtchn_send(ipi), -XEN_EINVAL);
	v->evtchn_pending_sel = 0;
	v->evtchn_upcall_pending = 0;

	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
	check_eq(evtchn_op(EVTCHNOP_alloc_unbound, &au), 0);
	check_eq(evtchn_send(au.port), 0);
	check(!evtchn_pending(shared, au.port));
	/* FIFO is offered (xenlet's default, as Xen's), but a control block
	 * outside RAM is refused: this guest stays on 2-level. */
	struct evtchn_init_control ic = { .control_gfn = ~0ULL >> 12 };
	check_eq(evtchn_op(EVTCHNOP_init_control, &ic), -XEN_EINVAL);
}

/* The event callback: saves the registers, records, and irets through
 * the hypercall page with the frame Xen's upcall left (rcx, r11, rip, cs,
 * rflags, rsp, ss; flags 0 pushed for the iret). */
void event_entry(void);
void event_record(void);
__asm__(".pushsection .text\n"
	".global event_entry\n"
	"event_entry:\n"
	"	pushq %rax; pushq %rdx; pushq %rsi; pushq %rdi\n"
	"	pushq %r8; pushq %r9; pushq %r10; pushq %rbp\n"
	"	movq %rsp, %rbp\n"
	"	andq $-16, %rsp\n"
	"	call event_record\n"
	"	movq %rbp, %rsp\n"
	"	popq %rbp; popq %r10; popq %r9; popq %r8\n"
	"	popq %rdi; popq %rsi; popq %rdx; popq %rax\n"
	"	popq %rcx\n"
	"	popq %r11\n"
	"	pushq $0\n"
	"	jmp hypercall_page + " STR(__HYPERVISOR_iret) " * 32\n"
	".popsection\n");

static volatile unsigned upcalls;
static volatile uint64_t ports_seen;

void event_record(void)
{
	upcalls++;
	ports_seen |= evtchn_take_pending(shared);
}

/* Xen system time the way a PV kernel reads it (pvclock). */
static uint64_t system_time(void)
{
	return pvclock_read(&shared->vcpu_info[0].time);
}

static void timer_and_block(void)
{
	struct callback_register cb = {
		.type = CALLBACKTYPE_event, .address = (unsigned long)event_entry,
	};
	check_eq(hypercall_via_syscall(__HYPERVISOR_callback_op, CALLBACKOP_register,
				       (unsigned long)&cb, 0, 0, 0), 0);
	struct vcpu_info *v = &shared->vcpu_info[0];
	check(v->time.tsc_to_system_mul != 0);
	check_eq(v->time.version % 2, 0);
	check(shared->wc_sec > 1600000000u); /* the wallclock is today's */
	/* For the test to compare with the host's clock (localtime=1
	 * moves it by the host's UTC offset). */
	printk("events: wallclock %u s\n", shared->wc_sec);

	uint64_t t0 = system_time(), prev = t0;
	for (int i = 0; i < 1000; i++) {
		uint64_t t = system_time();
		check_msg(t >= prev, "system time went back: %lu after %lu", t, prev);
		prev = t;
	}

	/* Masked while we arm the timer, as a kernel would be. */
	v->evtchn_upcall_mask = 1;
	check_eq(evtchn_unmask(timer_port), 0);
	upcalls = 0;
	ports_seen = 0;
	uint64_t deadline = system_time() + 5000000; /* 5 ms */
	check_eq(hypercall_via_syscall(__HYPERVISOR_set_timer_op, deadline, 0, 0, 0, 0), 0);
	/* SCHEDOP_block unmasks, sleeps until the timer, and the upcall runs
	 * on the way back. */
	long rc = HYPERVISOR_sched_op(SCHEDOP_block, 0);
	uint64_t woke = system_time();
	check_eq(rc, 0);
	check_msg(upcalls == 1, "%u upcalls after the block", upcalls);
	check_msg(ports_seen & (1UL << timer_port), "VIRQ_TIMER's port %u not seen "
		  "(ports 0x%lx)", timer_port, ports_seen);
	check_msg(woke >= deadline, "woke %ld ns before the deadline",
		  (long)(deadline - woke));
	check(woke >= prev);
	printk("events: VIRQ_TIMER woke SCHEDOP_block after %lu us\n",
	       (unsigned long)((woke - (deadline - 5000000)) / 1000));

	/* No timer and an event pending: block returns at once. */
	v->evtchn_upcall_mask = 1;
	check_eq(hypercall_via_syscall(__HYPERVISOR_set_timer_op, 0, 0, 0, 0, 0), 0);
	struct evtchn_bind_ipi bi = { .vcpu = 0 };
	check_eq(evtchn_op(EVTCHNOP_bind_ipi, &bi), 0);
	check_eq(evtchn_unmask(bi.port), 0);
	check_eq(evtchn_send(bi.port), 0);
	rc = HYPERVISOR_sched_op(SCHEDOP_block, 0);
	check_eq(rc, 0);
	check_eq(upcalls, 2);
	check(ports_seen & (1UL << bi.port));
}

void test_main(void)
{
	shared = shared_info_map();
	console_ring();
	/* The console daemon signalled room at each send (port 2 pending,
	 * masked); a send on the store port kicked the daemon. */
	check(shared->evtchn_pending[0] & (1UL << 2));
	if (cmdline_str(test_cmdline(), "xt.step", step, sizeof step) == CMDLINE_OK &&
	    strcmp(step, "unsent") == 0) {
		/* No send, no result line: the launcher must read the ring
		 * once more when the domain stops. */
		ring_write("events: written without a send\n", 0);
		struct sched_shutdown sd = { .reason = SHUTDOWN_poweroff };
		HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
	}
	if (strcmp(step, "block-forever") == 0) {
		/* No timer, every port masked: only a stop signal ends this. */
		printk("events: blocking forever\n");
		for (;;)
			HYPERVISOR_sched_op(SCHEDOP_block, 0);
	}
	channel_ops();
	timer_and_block();
}
