/*
 * console-in: console input the way a PV kernel's hvc driver reads it.
 * dom0 puts bytes in the console ring's in[] (advancing in_prod) and
 * raises start_info's console port; the guest copies them out, advances
 * in_cons and sends on the port so that dom0 knows there is room again.
 * With nothing there it sleeps in SCHEDOP_block until the console event
 * (or the timer that turns a missing input feature into a failure).
 *
 * Command line: xt.bytes=N xt.cksum=C [xt.slow=1]: read exactly N bytes
 * and check that their POSIX cksum is C; with xt.slow=1, pause after every
 * 100 bytes, so that dom0 fills in[] and has to wait for the guest.
 * Prints "console-in: got N bytes, cksum C".
 */
#include <stdint.h>
#include <xen/event_channel.h>
#include <xen/io/console.h>

#include "cksum.h"
#include "cmdline.h"
#include "evtchn.h"
#include "hypercall.h"
#include "pv_mmu.h"
#include "pvclock.h"
#include "test.h"
#include "trap_entry.h"

const char test_title[] = "console input through the ring's in[]";

#define MAX_BYTES (64 * 1024)
/* Waiting this long (guest time) without a byte means input is not
 * coming: fail rather than hang until the runner's timeout. */
#define IDLE_TIMEOUT_NS 5000000000ull
/* xt.slow: 100 bytes per 20 ms is far slower than dom0 writes, so in[]
 * (1 KiB) fills and dom0 must wait for our sends. */
#define SLOW_CHUNK 100
#define SLOW_PAUSE_NS 20000000ull
#define EVENT_VECTOR 0x200 /* not a CPU vector: marks the event callback */

static struct xencons_interface *ring;
static struct shared_info *shared;
static evtchn_port_t console_port;
static uint8_t input[MAX_BYTES];

extern const char event_callback[];
__asm__(".pushsection .text\n"
	TRAP_STUB(event_callback, EVENT_VECTOR, 0)
	".popsection\n");

/* The upcall only clears what is pending: the read loop looks at the ring
 * itself after every wake-up, whatever woke it. */
static void on_upcall(struct trap_stack *s)
{
	(void)s;
	evtchn_take_pending(shared);
}

static uint64_t system_time(void)
{
	return pvclock_read(&shared->vcpu_info[0].time);
}

/* Event delivery as a kernel sets it up for its console: the callback
 * registered, VIRQ_TIMER (whose event ends a block at the timer's
 * deadline) and the console port unmasked, events masked outside
 * SCHEDOP_block. */
static void setup(void)
{
	shared = shared_info_map();
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	trap_hook = on_upcall;
	evtchn_timer_upcalls(event_callback);
	console_port = boot_start_info->console.domU.evtchn;
	require(evtchn_unmask(console_port) == 0, "EVTCHNOP_unmask(%u) (console)",
		console_port);
	ring = (struct xencons_interface *)(VIRT_BASE +
					    boot_start_info->console.domU.mfn * PAGE_SIZE);
}

/* Sleeps until an event or the deadline.  Events are masked on entry, so
 * one raised after the caller last looked at the ring is pending and
 * SCHEDOP_block returns at once instead of missing it. */
static void wait_event(uint64_t deadline)
{
	long rc = hypercall_via_syscall(__HYPERVISOR_set_timer_op, deadline, 0, 0, 0, 0);
	require(rc == 0, "set_timer_op: %ld", rc);
	rc = HYPERVISOR_sched_op(SCHEDOP_block, 0);
	require(rc == 0, "SCHEDOP_block: %ld", rc);
	/* Block unmasked events and the upcall has run; mask them again
	 * before the next look at the ring. */
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
}

/* Copies up to max bytes out of in[] into dst and returns how many.  The
 * indexes are dom0's to write too: a producer more than in[] ahead of
 * the consumer is a broken (or hostile) backend, not data. */
static size_t ring_read(uint8_t *dst, size_t max)
{
	XENCONS_RING_IDX cons = ring->in_cons;
	/* Acquire: the bytes dom0 wrote before advancing in_prod are
	 * visible once we see the new in_prod. */
	XENCONS_RING_IDX prod = __atomic_load_n(&ring->in_prod, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX avail = prod - cons;
	require(avail <= sizeof ring->in, "console in_prod %u - in_cons %u = %u: more "
		"than in[] holds (%zu)", prod, cons, avail, sizeof ring->in);
	size_t n = avail < max ? avail : max;
	for (size_t i = 0; i < n; i++)
		dst[i] = (uint8_t)ring->in[MASK_XENCONS_IDX(cons + i, ring->in)];
	if (n) {
		/* Release: our reads of in[] are done before dom0 may reuse
		 * the space; then tell dom0 there is room. */
		__atomic_store_n(&ring->in_cons, cons + (XENCONS_RING_IDX)n,
				 __ATOMIC_RELEASE);
		long rc = evtchn_send(console_port);
		require(rc == 0, "EVTCHNOP_send on the console port: %ld", rc);
	}
	return n;
}

/* Busy-waits (events masked, no hypercall) so that input piles up. */
static void pause_slow(void)
{
	uint64_t end = system_time() + SLOW_PAUSE_NS;
	while (system_time() < end)
		__asm__ __volatile__("pause");
}

void test_main(void)
{
	const char *cmdline = test_cmdline();
	uint64_t want_bytes, want_cksum, slow = 0;
	require(cmdline_u64(cmdline, "xt.bytes", &want_bytes) == CMDLINE_OK &&
		want_bytes <= MAX_BYTES, "needs xt.bytes=N, N <= %d", MAX_BYTES);
	require(cmdline_u64(cmdline, "xt.cksum", &want_cksum) == CMDLINE_OK &&
		want_cksum <= UINT32_MAX, "needs xt.cksum=C (cksum(1) of the input)");
	require(cmdline_u64(cmdline, "xt.slow", &slow) != CMDLINE_BAD, "bad xt.slow");
	setup();

	size_t got = 0;
	uint64_t deadline = system_time() + IDLE_TIMEOUT_NS;
	while (got < want_bytes) {
		size_t max = want_bytes - got;
		if (slow && max > SLOW_CHUNK - got % SLOW_CHUNK)
			max = SLOW_CHUNK - got % SLOW_CHUNK;
		size_t n = ring_read(input + got, max);
		if (n) {
			got += n;
			if (slow && got % SLOW_CHUNK == 0)
				pause_slow();
			deadline = system_time() + IDLE_TIMEOUT_NS;
			continue;
		}
		require(system_time() < deadline, "no console input for %llu s after %zu "
			"of %lu bytes", IDLE_TIMEOUT_NS / 1000000000ull, got,
			(unsigned long)want_bytes);
		wait_event(deadline);
	}
	uint32_t sum = posix_cksum(input, got);
	printk("console-in: got %zu bytes, cksum %u\n", got, sum);
	check_msg(sum == want_cksum, "cksum %u, expected %lu", sum,
		  (unsigned long)want_cksum);
}
