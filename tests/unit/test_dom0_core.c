/*
 * dom0's handle on the core (emu/dom0/dom0_core.c, dom0_evtchn.c) on a fake
 * domain of NR_VCPUS vCPUs without KVM (fake_domain.h): the launcher's own
 * struct domain, SMP hooks (vcpu_smp.c), kicks and wake eventfds
 * (vcpu_events.c, vcpu_clock.c), with a host thread per vCPU standing in
 * for its exits: woken by a kick, it answers a TLB flush request as the
 * vCPU would (vcpu_serve_flush in the host trap path; the shim's counts
 * in struct shim_smp in the guest path).
 *
 * Covered, in both trap paths: the lock dom0 takes is the one the vCPUs
 * take (each side waits for the other); a shootdown from dom0 asks every
 * running vCPU, returns only once each answered, and skips vCPUs that are
 * not running; a vCPU waiting for the lock dom0 holds still answers; no
 * lock before the shim is ready or once the domain stops, and no wait for
 * a vCPU that never answers once it stops; what the core must not do from
 * dom0's handle is an internal error that stops the domain, with nothing
 * written to a vCPU's queue; and backend_host.h's event channels: bind
 * (Xen's errors, the first wake), the guest's sends through the core to
 * the eventfd, dom0's sends to the guest, unbind, a port the guest closed
 * and offered again, and teardown.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "pv-shim/core/xen_abi.h"
#include <xen/event_channel.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/shim_abi.h"
#include "emu/domain.h"
#include "tests/unit/fake_domain.h"

#define NR_VCPUS 3
#define NR_PAGES 64
#define ARG_VA 0xffffffff80000000ULL
#define ARG_PFN 40
#define DOMID FD_DOMID
#define STORE FD_STORE
#define CONSOLE FD_CONSOLE
#define MS 1000000L
#define ANSWER_DELAY_MS 30

static struct fake_domain fx;
static struct domain *d;
static struct backend_domain *bd;

static int guest_path(void)
{
	return __atomic_load_n(&bd->path, __ATOMIC_SEQ_CST) == DOM0_PATH_GUEST;
}

static struct shim_smp *smp(void)
{
	return fake_domain_smp(&fx);
}

static void sleep_ms(long ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * MS };
	nanosleep(&t, NULL);
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / MS;
}

static void setup(void)
{
	fake_domain_init(&fx, NR_VCPUS, NR_PAGES);
	fake_guest_map(&fx.g, ARG_VA, ARG_PFN, FG_USER_RW);
	d = fx.d;
	bd = fx.bd;
}

static void teardown(void)
{
	fake_domain_free(&fx);
}

/* Both trap paths run every case that says which lock it takes. */
static void start(int host_path)
{
	dom0_core_start(d, host_path);
}

/* ---- the lock -------------------------------------------------------- */

struct taker {
	pthread_t thread;
	int dom0;       /* take it as dom0, else as vCPU 1 */
	int rc, holding, release;
};

static void *take(void *arg)
{
	struct taker *t = arg;
	if (t->dom0)
		t->rc = dom0_core_lock(bd);
	else
		platform_lock(&d->vcpu[1].core);
	__atomic_store_n(&t->holding, t->rc == 0, __ATOMIC_SEQ_CST);
	while (t->rc == 0 && !__atomic_load_n(&t->release, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	if (t->rc == 0 && t->dom0)
		dom0_core_unlock(bd);
	else if (t->rc == 0)
		platform_unlock(&d->vcpu[1].core);
	return NULL;
}

static void spawn(struct taker *t, int dom0)
{
	*t = (struct taker){ .dom0 = dom0 };
	ck_assert_int_eq(pthread_create(&t->thread, NULL, take, t), 0);
}

static int holding(struct taker *t)
{
	return __atomic_load_n(&t->holding, __ATOMIC_SEQ_CST);
}

static void wait_holding(struct taker *t)
{
	for (int i = 0; i < 2000 && !holding(t); i++)
		sleep_ms(1);
	ck_assert_msg(holding(t), "the lock never came");
}

static void finish(struct taker *t)
{
	__atomic_store_n(&t->release, 1, __ATOMIC_SEQ_CST);
	pthread_join(t->thread, NULL);
}

/* The guest path's vCPUs take the shim's spinlock: the test holds it as
 * a vCPU in the shim would, or takes it as one. */
static void shim_take(void)
{
	while (__atomic_exchange_n(&smp()->domain_lock, 1, __ATOMIC_ACQUIRE))
		sleep_ms(1);
}

static void shim_release(void)
{
	__atomic_store_n(&smp()->domain_lock, 0, __ATOMIC_RELEASE);
}

START_TEST(no_lock_before_the_shim_is_ready)
{
	ck_assert_int_eq(dom0_core_lock(bd), -1);
	ck_assert_int_eq(backend_evtchn_bind(bd, 5, d->vcpu[0].wake_fd), -EINVAL);
	start(_i);
	ck_assert_int_eq(dom0_core_lock(bd), 0);
	dom0_core_unlock(bd);
}
END_TEST

START_TEST(dom0_waits_for_a_vcpu_holding_the_lock)
{
	start(_i);
	struct taker vcpu = { 0 };
	if (_i)
		spawn(&vcpu, 0);
	else
		shim_take();
	if (_i)
		wait_holding(&vcpu);
	struct taker dom0;
	spawn(&dom0, 1);
	sleep_ms(50);
	ck_assert_msg(!holding(&dom0), "dom0 took the lock a vCPU holds");
	if (_i)
		finish(&vcpu);
	else
		shim_release();
	wait_holding(&dom0);
	if (!_i)
		ck_assert_uint_eq(smp()->domain_lock, 1);
	finish(&dom0);
	ck_assert_int_eq(dom0.rc, 0);
	if (!_i)
		ck_assert_uint_eq(smp()->domain_lock, 0);
}
END_TEST

START_TEST(a_vcpu_waits_for_dom0)
{
	start(_i);
	ck_assert_int_eq(dom0_core_lock(bd), 0);
	struct taker vcpu;
	if (_i) {
		spawn(&vcpu, 0);
		sleep_ms(50);
		ck_assert_msg(!holding(&vcpu), "vCPU 1 took the lock dom0 holds");
	} else {
		ck_assert_uint_eq(__atomic_exchange_n(&smp()->domain_lock, 1, __ATOMIC_ACQUIRE), 1);
	}
	dom0_core_unlock(bd);
	if (_i) {
		wait_holding(&vcpu);
		finish(&vcpu);
	} else {
		shim_take();
		shim_release();
	}
	ck_assert_str_eq(fake_domain_dom0_log(&fx), "");
}
END_TEST

START_TEST(no_lock_once_the_domain_stops)
{
	start(_i);
	/* A vCPU stopped holding the guest path's lock, and never lets go:
	 * dom0 waiting for it gives up when the domain stops. */
	if (!_i)
		shim_take();
	struct taker dom0;
	spawn(&dom0, 1);
	sleep_ms(_i ? 0 : 30);
	domain_stop(d, 0);
	finish(&dom0);
	if (_i)
		ck_assert_int_eq(dom0.rc == 0 || dom0.rc == -1, 1); /* raced the stop */
	else
		ck_assert_int_eq(dom0.rc, -1);
	ck_assert_int_eq(dom0_core_lock(bd), -1);
	ck_assert_int_eq(d->stop_status, 0);
}
END_TEST

/* ---- shootdowns ----------------------------------------------------- */

static uint32_t asked(unsigned n)
{
	return guest_path() ? smp()->flush_req[n] : d->vcpu[n].flush_req;
}

static uint32_t answered(unsigned n)
{
	return guest_path() ? smp()->flush_done[n] : d->vcpu[n].flush_done;
}

START_TEST(shootdown_reaches_every_running_vcpu_and_waits)
{
	start(_i);
	for (unsigned n = 0; n < NR_VCPUS; n++)
		fake_domain_answer_flushes(&fx, n, ANSWER_DELAY_MS);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(dom0_core_lock(bd), 0);
	mm_flush_tlb_mask(&bd->core, MM_ALL_VCPUS);
	/* Returned only once every vCPU answered: none is self. */
	for (unsigned n = 0; n < NR_VCPUS; n++) {
		ck_assert_uint_eq(asked(n), 1);
		ck_assert_uint_eq(answered(n), 1);
		if (_i) /* the answer is a whole flush queued for its shim */
			ck_assert_uint_eq(d->vcpu[n].plat.cpu_ops_flush, 1);
	}
	ck_assert_int_ge(elapsed_ms(&t0), ANSWER_DELAY_MS);
	ck_assert_uint_eq(fx.g.st->stats.tlb_shootdowns, 1);
	/* The other path's counts are not touched. */
	for (unsigned n = 0; n < NR_VCPUS; n++)
		ck_assert_uint_eq(_i ? smp()->flush_req[n] : d->vcpu[n].flush_req, 0);
	/* A remote invlpg is a whole flush for them too. */
	mm_invlpg_mask(&bd->core, ARG_VA, 1ULL << 2);
	ck_assert_uint_eq(asked(2), 2);
	ck_assert_uint_eq(answered(2), 2);
	ck_assert_uint_eq(asked(0), 1);
	dom0_core_unlock(bd);
	ck_assert_int_eq(bd->plat.failed, 0);
	ck_assert_int_eq(d->stopping, 0);
}
END_TEST

START_TEST(shootdown_skips_vcpus_not_running)
{
	start(_i);
	fake_domain_answer_flushes(&fx, 0, ANSWER_DELAY_MS);
	fx.g.st->vcpu[1].parked = 1;          /* down, in the core */
	d->vcpu[2].launched = 0;           /* never ran: no thread to answer */
	fx.g.st->vcpu[2].started = 0;
	ck_assert_int_eq(dom0_core_lock(bd), 0);
	mm_flush_tlb_mask(&bd->core, MM_ALL_VCPUS);
	ck_assert_uint_eq(answered(0), 1);
	ck_assert_uint_eq(asked(1), 0);
	ck_assert_uint_eq(asked(2), 0);
	/* Launched but not started in the core: the launcher's own record
	 * keeps a vCPU without a thread out as well. */
	fx.g.st->vcpu[2].started = 1;
	mm_flush_tlb_mask(&bd->core, 1ULL << 2);
	ck_assert_uint_eq(asked(2), 0);
	dom0_core_unlock(bd);
}
END_TEST

/* Host path: vCPU 1 runs no guest code and has no thread to wake; it
 * only waits for the lock dom0 holds, and answers while it waits. */
START_TEST(a_vcpu_waiting_for_the_lock_answers)
{
	start(1);
	ck_assert_int_eq(dom0_core_lock(bd), 0);
	struct taker vcpu;
	spawn(&vcpu, 0);
	sleep_ms(10);
	mm_flush_tlb_mask(&bd->core, 1ULL << 1);
	ck_assert_uint_eq(answered(1), 1);
	ck_assert_uint_eq(d->vcpu[1].plat.cpu_ops_flush, 1);
	dom0_core_unlock(bd);
	wait_holding(&vcpu);
	finish(&vcpu);
}
END_TEST

static void *stop_later(void *arg)
{
	(void)arg;
	sleep_ms(50);
	domain_stop(d, XENLET_EXIT_CRASH);
	return NULL;
}

START_TEST(shootdown_gives_up_when_the_domain_stops)
{
	start(_i);
	ck_assert_int_eq(dom0_core_lock(bd), 0);
	pthread_t stopper;
	ck_assert_int_eq(pthread_create(&stopper, NULL, stop_later, NULL), 0);
	mm_flush_tlb_mask(&bd->core, 1ULL << 1); /* nobody answers */
	ck_assert_uint_eq(asked(1), 1);
	ck_assert_uint_eq(answered(1), 0);
	dom0_core_unlock(bd);
	pthread_join(stopper, NULL);
	ck_assert_int_eq(d->stop_status, XENLET_EXIT_CRASH);
}
END_TEST

/* ---- what dom0's handle cannot do ------------------------------------ */

START_TEST(per_vcpu_operations_are_internal_errors)
{
	start(_i);
	uint64_t *word = (uint64_t *)fake_guest_page(&fx.g, ARG_PFN + 1);
	ck_assert_int_eq(dom0_core_lock(bd), 0);
	struct core *c = &bd->core;
	platform_write_pte(c, (ARG_PFN + 1) * FG_PAGE, 0x1234567);
	platform_invlpg(c, ARG_VA);
	platform_flush_tlb(c);
	platform_load_cr3(c, 0x5000);
	ck_assert_uint_eq(platform_cpu_ops_room(c), 0);
	platform_set_segment_base(c, SEGMENT_BASE_GS, 0x777);
	ck_assert_uint_eq(platform_get_segment_base(c, SEGMENT_BASE_GS), 0);
	platform_set_cr0_ts(c, 1);
	platform_set_cr4_osxsave(c, 0);
	platform_block(c);
	platform_notify_backend(c, 5);
	platform_vcpu_up(c, 2);
	platform_lock(c);
	platform_unlock(c);
	ck_assert_int_eq(bd->plat.failed, 1);
	/* Nothing reached a vCPU, its queue or RAM. */
	ck_assert_uint_eq(*word, 0);
	for (unsigned n = 0; n < NR_VCPUS; n++) {
		const struct shim_cpu_ops *q = d->vcpu[n].plat.cpu_ops;
		ck_assert_uint_eq(q->count, 0);
		ck_assert_uint_eq(q->flush_tlb, 0);
		ck_assert_uint_eq(d->vcpu[n].plat.cpu_ops_count, 0);
		ck_assert_uint_eq(d->vcpu[n].plat.seg_base[SEGMENT_BASE_GS], 0);
	}
	ck_assert_uint_eq(bd->plat.seg_base[SEGMENT_BASE_GS], 0);
	ck_assert_uint_eq(bd->plat.cpu_ops_count, 0);
	ck_assert_int_eq(bd->plat.cpu_ops_flush, 0);
	/* The lock is dom0's still: the core's take and release did nothing. */
	if (_i)
		ck_assert_int_eq(pthread_mutex_trylock(&d->core_lock), EBUSY);
	else
		ck_assert_uint_eq(smp()->domain_lock, 1);
	dom0_core_unlock(bd);
	if (!_i)
		ck_assert_uint_eq(smp()->domain_lock, 0);
	/* Each said what, and the domain ends as an internal error. */
	const char *log = fake_domain_dom0_log(&fx);
	for (const char *what = "store a page-table entry\0load CR3\0set a segment base\0"
				"sleep\0send to dom0\0start a vCPU\0took the domain lock\0";
	     *what; what += strlen(what) + 1)
		ck_assert_msg(strstr(log, what), "no internal error for '%s' in: %s",
			      what, log);
	ck_assert_int_eq(d->stopping, 1);
	ck_assert_int_eq(d->stop_status, XENLET_EXIT_INTERNAL);
	ck_assert_int_eq(d->vcpu[2].launched, 1); /* not started again */
}
END_TEST

/* ---- event channels bound by dom0 (backend_host.h) ------------------- */

static long guest_op(int cmd, void *arg, size_t len)
{
	ck_assert_int_eq(copy_to_guest(&d->vcpu[0].core, ARG_VA, arg, len), 0);
	const uint64_t args[5] = { (uint64_t)cmd, ARG_VA, 0, 0, 0 };
	long rc = core_hypercall(&d->vcpu[0].core, __HYPERVISOR_event_channel_op, args);
	ck_assert_int_eq(copy_from_guest(&d->vcpu[0].core, arg, ARG_VA, len), 0);
	return rc;
}

static uint32_t guest_alloc_for_dom0(void)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
	ck_assert_int_eq(guest_op(EVTCHNOP_alloc_unbound, &a, sizeof a), 0);
	return a.port;
}

static long guest_send(uint32_t port)
{
	struct evtchn_send s = { .port = port };
	return guest_op(EVTCHNOP_send, &s, sizeof s);
}

static struct evtchn_status guest_status(uint32_t port)
{
	struct evtchn_status s = { .dom = DOMID_SELF, .port = port };
	ck_assert_int_eq(guest_op(EVTCHNOP_status, &s, sizeof s), 0);
	return s;
}

/* What the eventfd counted since it was last read (0: nothing). */
static uint64_t events(int fd)
{
	uint64_t n = 0;
	if (read(fd, &n, sizeof n) < 0)
		ck_assert_int_eq(errno, EAGAIN);
	return n;
}

static int new_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static int guest_pending(uint32_t port)
{
	return (core_shared_info(&fx.g.core)->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

START_TEST(backend_binds_and_hears_the_guest)
{
	start(_i);
	int fd = new_eventfd();
	uint32_t port = guest_alloc_for_dom0();
	ck_assert_int_eq(guest_send(port), 0); /* before the bind: dropped */
	ck_assert_int_eq(backend_evtchn_bind(bd, port, fd), 0);
	/* As Xen's bind: dom0's end starts pending, for sends it missed. */
	ck_assert_uint_eq(events(fd), 1);
	struct evtchn_status s = guest_status(port);
	ck_assert_uint_eq(s.status, EVTCHNSTAT_interdomain);
	ck_assert_uint_eq(s.u.interdomain.dom, 0);

	/* The guest's sends go through the core to the eventfd. */
	ck_assert_int_eq(guest_send(port), 0);
	ck_assert_int_eq(guest_send(port), 0);
	ck_assert_uint_eq(events(fd), 2);
	ck_assert_uint_eq(events(fd), 0);

	/* Refusals, as backend_host.h says. */
	int other = new_eventfd();
	ck_assert_int_eq(backend_evtchn_bind(bd, port, other), -EBUSY);
	ck_assert_int_eq(backend_evtchn_bind(bd, STORE, other), -EBUSY);
	ck_assert_int_eq(backend_evtchn_bind(bd, CONSOLE, other), -EBUSY);
	ck_assert_int_eq(backend_evtchn_bind(bd, 0, other), -EINVAL);
	ck_assert_int_eq(backend_evtchn_bind(bd, EVTCHN_NR_PORTS - 1, other), -EINVAL);
	ck_assert_int_eq(backend_evtchn_bind(bd, EVTCHN_NR_PORTS, other), -EINVAL);
	ck_assert_int_eq(backend_evtchn_bind(bd, 0xffffffffu, other), -EINVAL);
	ck_assert_int_eq(backend_evtchn_bind(bd, guest_alloc_for_dom0(), -1), -EINVAL);
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	ck_assert_int_eq(guest_op(EVTCHNOP_bind_ipi, &ipi, sizeof ipi), 0);
	ck_assert_int_eq(backend_evtchn_bind(bd, ipi.port, other), -EINVAL);
	ck_assert_uint_eq(events(other), 0);
	ck_assert_uint_eq(backend_domid(bd), DOMID);
	close(other);
	close(fd);
}
END_TEST

START_TEST(backend_notifies_the_guest)
{
	start(_i);
	int fd = new_eventfd();
	uint32_t port = guest_alloc_for_dom0();
	backend_evtchn_notify(bd, port); /* not bound: nothing */
	ck_assert_int_eq(guest_pending(port), 0);
	ck_assert_int_eq(backend_evtchn_bind(bd, port, fd), 0);
	core_shared_info(&fx.g.core)->vcpu_info[0].evtchn_upcall_mask = 0;
	events(d->vcpu[0].wake_fd);
	backend_evtchn_notify(bd, port);
	ck_assert_int_eq(guest_pending(port), 1);
	ck_assert_uint_eq(core_shared_info(&fx.g.core)->vcpu_info[0].evtchn_upcall_pending, 1);
	ck_assert_uint_eq(events(d->vcpu[0].wake_fd), 1); /* its vCPU kicked */
	backend_evtchn_notify(bd, EVTCHN_NR_PORTS);
	backend_evtchn_notify(bd, 0xffffffffu);

	backend_evtchn_unbind(bd, port);
	core_shared_info(&fx.g.core)->evtchn_pending[port / 64] = 0;
	backend_evtchn_notify(bd, port); /* unbound since: nothing */
	ck_assert_int_eq(guest_pending(port), 0);
	close(fd);
}
END_TEST

START_TEST(backend_unbinds)
{
	start(_i);
	int fd = new_eventfd();
	uint32_t port = guest_alloc_for_dom0();
	ck_assert_int_eq(backend_evtchn_bind(bd, port, fd), 0);
	events(fd);
	backend_evtchn_unbind(bd, port);
	struct evtchn_status s = guest_status(port);
	ck_assert_uint_eq(s.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(s.u.unbound.dom, 0);
	ck_assert_int_eq(guest_send(port), 0);
	ck_assert_uint_eq(events(fd), 0);
	backend_evtchn_unbind(bd, port); /* not bound: no-op */
	backend_evtchn_unbind(bd, EVTCHN_NR_PORTS);
	backend_evtchn_unbind(bd, STORE); /* the toolstack's: not a backend's */
	ck_assert_uint_eq(guest_status(STORE).status, EVTCHNSTAT_interdomain);
	/* Bound again, by another backend. */
	int fd2 = new_eventfd();
	ck_assert_int_eq(backend_evtchn_bind(bd, port, fd2), 0);
	ck_assert_uint_eq(events(fd2), 1);
	ck_assert_int_eq(guest_send(port), 0);
	ck_assert_uint_eq(events(fd2), 1);
	ck_assert_uint_eq(events(fd), 0);
	close(fd);
	close(fd2);
}
END_TEST

/* The guest closes a port a backend holds and offers the same number to
 * dom0 again: until the old backend lets go, another cannot bind it (its
 * unbind would otherwise close the newcomer's), and the old one's unbind
 * leaves the guest's new port alone. */
START_TEST(guest_closes_and_offers_the_port_again)
{
	start(_i);
	int old = new_eventfd(), young = new_eventfd();
	uint32_t port = guest_alloc_for_dom0();
	ck_assert_int_eq(backend_evtchn_bind(bd, port, old), 0);
	events(old);
	struct evtchn_close cl = { .port = port };
	ck_assert_int_eq(guest_op(EVTCHNOP_close, &cl, sizeof cl), 0);
	ck_assert_int_eq(guest_send(port), -XEN_EINVAL);
	backend_evtchn_notify(bd, port);
	ck_assert_int_eq(guest_pending(port), 0);
	ck_assert_uint_eq(guest_alloc_for_dom0(), port);
	ck_assert_int_eq(guest_send(port), 0);
	ck_assert_uint_eq(events(old), 0);
	ck_assert_int_eq(backend_evtchn_bind(bd, port, young), -EBUSY);
	backend_evtchn_unbind(bd, port);
	ck_assert_uint_eq(guest_status(port).status, EVTCHNSTAT_unbound);
	ck_assert_int_eq(backend_evtchn_bind(bd, port, young), 0);
	ck_assert_int_eq(guest_send(port), 0);
	ck_assert_uint_eq(events(young), 2);
	ck_assert_uint_eq(events(old), 0);
	close(old);
	close(young);
}
END_TEST

START_TEST(teardown_forgets_what_backends_bound)
{
	start(_i);
	int fd = new_eventfd();
	uint32_t port = guest_alloc_for_dom0();
	ck_assert_int_eq(backend_evtchn_bind(bd, port, fd), 0);
	events(fd);
	/* The guest path's lock is stuck with a vCPU that stopped in the
	 * shim: unbinds must still finish. */
	if (!_i)
		shim_take();
	domain_stop(d, 0);
	backend_evtchn_unbind(bd, port);
	dom0_notify_backend(d, port); /* a send that was on its way */
	ck_assert_uint_eq(events(fd), 0);
	uint32_t port2 = port + 1;
	fx.g.st->evtchn.port[port2].state = EVTCHN_INTERDOMAIN; /* as bound */
	bd->port_fd[port2] = fd;
	dom0_core_destroy(d);
	ck_assert_int_eq(bd->port_fd[port2], -1);
	dom0_notify_backend(d, port2);
	ck_assert_uint_eq(events(fd), 0);
	close(fd);
	if (!_i)
		shim_release();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dom0_core");
	TCase *t = tcase_create("dom0");
	tcase_set_timeout(t, 20);
	tcase_add_checked_fixture(t, setup, teardown);
	/* _i: 0 the guest trap path, 1 the host trap path */
	tcase_add_loop_test(t, no_lock_before_the_shim_is_ready, 0, 2);
	tcase_add_loop_test(t, dom0_waits_for_a_vcpu_holding_the_lock, 0, 2);
	tcase_add_loop_test(t, a_vcpu_waits_for_dom0, 0, 2);
	tcase_add_loop_test(t, no_lock_once_the_domain_stops, 0, 2);
	tcase_add_loop_test(t, shootdown_reaches_every_running_vcpu_and_waits, 0, 2);
	tcase_add_loop_test(t, shootdown_skips_vcpus_not_running, 0, 2);
	tcase_add_test(t, a_vcpu_waiting_for_the_lock_answers);
	tcase_add_loop_test(t, shootdown_gives_up_when_the_domain_stops, 0, 2);
	tcase_add_loop_test(t, per_vcpu_operations_are_internal_errors, 0, 2);
	tcase_add_loop_test(t, backend_binds_and_hears_the_guest, 0, 2);
	tcase_add_loop_test(t, backend_notifies_the_guest, 0, 2);
	tcase_add_loop_test(t, backend_unbinds, 0, 2);
	tcase_add_loop_test(t, guest_closes_and_offers_the_port_again, 0, 2);
	tcase_add_loop_test(t, teardown_forgets_what_backends_bound, 0, 2);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
