/*
 * Event channels on a fake guest: the ports the toolstack leaves bound to
 * dom0 (a send reaches the backend through the platform), ports dom0's
 * backends bind and unbind (evtchn_bind_dom0/unbind_dom0, as the guest
 * sees a backend's bind_interdomain and close under Xen), each
 * EVTCHNOP_* with good and refused arguments, and the 2-level delivery
 * bits (pending, mask, selector, upcall_pending) as Xen sets them.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdlib.h>
#include <string.h>

#include "pv-shim/core/xen_abi.h"
#include <xen/event_channel.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/shim_abi.h"
#include "tests/unit/fake_guest.h"

#define NR_PAGES 64
#define ARG_VA 0xffffffff80000000ULL
#define ARG_PFN 40
#define RO_VA (ARG_VA + FG_PAGE)
#define DOMID 1
#define STORE 1
#define CONSOLE 2

static struct fake_guest g;
static uint8_t *shim;
static uint32_t notified[8];
static unsigned nr_notified;

static void record_notify(void *opaque, uint32_t port)
{
	ck_assert_ptr_eq(opaque, &g);
	if (nr_notified < 8)
		notified[nr_notified] = port;
	nr_notified++;
}

static void setup(void)
{
	fake_guest_init(&g, NR_PAGES);
	shim = calloc(1, SHIM_REGION_SIZE); /* the vCPU blocks too */
	ck_assert_ptr_nonnull(shim);
	g.plat.shim_region = shim;
	g.plat.notify_backend = record_notify;
	g.plat.notify_opaque = &g;
	nr_notified = 0;
	fake_guest_map(&g, ARG_VA, ARG_PFN, FG_USER_RW);
	fake_guest_map(&g, RO_VA, ARG_PFN + 1, FG_P | FG_US);
	evtchn_domain_init(&g.core, DOMID, STORE, CONSOLE, 0);
}

static void teardown(void)
{
	fake_guest_free(&g);
	free(shim);
}

static struct shared_info *si(void)
{
	return core_shared_info(&g.core);
}

/* Runs one event_channel_op with *arg in guest memory, reading it back. */
static long op(int cmd, void *arg, size_t len)
{
	ck_assert_int_eq(copy_to_guest(&g.core, ARG_VA, arg, len), 0);
	const uint64_t args[5] = { (uint64_t)cmd, ARG_VA, 0, 0, 0 };
	long rc = core_hypercall(&g.core, __HYPERVISOR_event_channel_op, args);
	ck_assert_int_eq(copy_from_guest(&g.core, arg, ARG_VA, len), 0);
	return rc;
}

static long send(uint32_t port)
{
	struct evtchn_send s = { .port = port };
	return op(EVTCHNOP_send, &s, sizeof s);
}

static struct evtchn_status status(uint32_t port, long expect_rc)
{
	struct evtchn_status s = { .dom = DOMID_SELF, .port = port };
	ck_assert_int_eq(op(EVTCHNOP_status, &s, sizeof s), expect_rc);
	return s;
}

static int pending(uint32_t port)
{
	return (si()->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

START_TEST(backend_ports_reach_the_platform)
{
	ck_assert_int_eq(send(CONSOLE), 0);
	ck_assert_int_eq(send(STORE), 0);
	ck_assert_int_eq(send(CONSOLE), 0);
	ck_assert_uint_eq(nr_notified, 3);
	ck_assert_uint_eq(notified[0], CONSOLE);
	ck_assert_uint_eq(notified[1], STORE);
	ck_assert_uint_eq(notified[2], CONSOLE);
	/* A send to dom0 sets nothing pending in this domain. */
	ck_assert_int_eq(pending(CONSOLE), 0);
	ck_assert_uint_eq(si()->vcpu_info[0].evtchn_upcall_pending, 0);

	struct evtchn_status s = status(CONSOLE, 0);
	ck_assert_uint_eq(s.status, EVTCHNSTAT_interdomain);
	ck_assert_uint_eq(s.u.interdomain.dom, 0);
	ck_assert_uint_eq(s.vcpu, 0);
	s = status(STORE, 0);
	ck_assert_uint_eq(s.status, EVTCHNSTAT_interdomain);
}
END_TEST

START_TEST(bad_ports_are_refused)
{
	ck_assert_int_eq(send(0), -XEN_EINVAL);
	ck_assert_int_eq(send(3), -XEN_EINVAL);                 /* free */
	ck_assert_int_eq(send(EVTCHN_NR_PORTS), -XEN_EINVAL);
	ck_assert_int_eq(send(0xffffffffu), -XEN_EINVAL);
	ck_assert_uint_eq(nr_notified, 0);
	status(EVTCHN_NR_PORTS, -XEN_EINVAL);
	status(0, -XEN_EINVAL);
	ck_assert_uint_eq(status(5, 0).status, EVTCHNSTAT_closed);
	struct evtchn_status other = { .dom = 7, .port = CONSOLE };
	ck_assert_int_eq(op(EVTCHNOP_status, &other, sizeof other), -XEN_ESRCH);
	/* An argument the guest cannot write back, or read at all. */
	struct evtchn_status in_ro = { .dom = DOMID_SELF, .port = CONSOLE };
	memcpy(fake_guest_page(&g, ARG_PFN + 1), &in_ro, sizeof in_ro);
	const uint64_t ro[5] = { EVTCHNOP_status, RO_VA, 0, 0, 0 };
	ck_assert_int_eq(core_hypercall(&g.core, __HYPERVISOR_event_channel_op, ro),
			 -XEN_EFAULT);
	const uint64_t bad[5] = { EVTCHNOP_send, 0x1000, 0, 0, 0 };
	ck_assert_int_eq(core_hypercall(&g.core, __HYPERVISOR_event_channel_op, bad),
			 -XEN_EFAULT);
	/* FIFO is not offered; unknown commands neither. */
	uint8_t blob[64] = { 0 };
	ck_assert_int_eq(op(EVTCHNOP_init_control, blob, sizeof blob), -XEN_ENOSYS);
	ck_assert_int_eq(op(EVTCHNOP_expand_array, blob, sizeof blob), -XEN_ENOSYS);
	ck_assert_int_eq(op(99, blob, sizeof blob), -XEN_ENOSYS);
}
END_TEST

START_TEST(virq_binds_once_and_raises)
{
	struct evtchn_bind_virq b = { .virq = VIRQ_TIMER, .vcpu = 0 };
	ck_assert_int_eq(op(EVTCHNOP_bind_virq, &b, sizeof b), 0);
	uint32_t port = b.port;
	ck_assert_uint_eq(port, 3); /* lowest free after the backends */
	ck_assert_int_eq(op(EVTCHNOP_bind_virq, &b, sizeof b), -XEN_EEXIST);
	struct evtchn_bind_virq v1 = { .virq = VIRQ_DEBUG, .vcpu = 1 };
	ck_assert_int_eq(op(EVTCHNOP_bind_virq, &v1, sizeof v1), -XEN_ENOENT);
	struct evtchn_bind_virq big = { .virq = NR_VIRQS, .vcpu = 0 };
	ck_assert_int_eq(op(EVTCHNOP_bind_virq, &big, sizeof big), -XEN_EINVAL);
	struct evtchn_status s = status(port, 0);
	ck_assert_uint_eq(s.status, EVTCHNSTAT_virq);
	ck_assert_uint_eq(s.u.virq, VIRQ_TIMER);
	ck_assert_int_eq(send(port), -XEN_EINVAL); /* virqs are not sent to */

	ck_assert_int_eq(evtchn_raise_virq(&g.core, VIRQ_TIMER), 1);
	ck_assert_int_eq(pending(port), 1);
	ck_assert_uint_eq(si()->vcpu_info[0].evtchn_pending_sel, 1);
	ck_assert_uint_eq(si()->vcpu_info[0].evtchn_upcall_pending, 1);
	/* Already pending: no new upcall. */
	ck_assert_int_eq(evtchn_raise_virq(&g.core, VIRQ_TIMER), 0);
	ck_assert_int_eq(evtchn_raise_virq(&g.core, VIRQ_DEBUG), 0);

	/* A per-vCPU virq cannot move. */
	struct evtchn_bind_vcpu bv = { .port = port, .vcpu = 0 };
	ck_assert_int_eq(op(EVTCHNOP_bind_vcpu, &bv, sizeof bv), -XEN_EINVAL);
	struct evtchn_close cl = { .port = port };
	ck_assert_int_eq(op(EVTCHNOP_close, &cl, sizeof cl), 0);
	ck_assert_int_eq(pending(port), 0);
	ck_assert_uint_eq(status(port, 0).status, EVTCHNSTAT_closed);
	ck_assert_int_eq(evtchn_raise_virq(&g.core, VIRQ_TIMER), 0);
	ck_assert_int_eq(op(EVTCHNOP_bind_virq, &b, sizeof b), 0);
	ck_assert_uint_eq(b.port, port);
}
END_TEST

START_TEST(mask_holds_back_the_upcall_until_unmask)
{
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	ck_assert_int_eq(op(EVTCHNOP_bind_ipi, &ipi, sizeof ipi), 0);
	uint32_t port = ipi.port;
	struct evtchn_bind_ipi ipi1 = { .vcpu = 1 };
	ck_assert_int_eq(op(EVTCHNOP_bind_ipi, &ipi1, sizeof ipi1), -XEN_ENOENT);
	ck_assert_uint_eq(status(port, 0).status, EVTCHNSTAT_ipi);

	si()->evtchn_mask[0] = 1ULL << port;
	ck_assert_int_eq(send(port), 0);
	ck_assert_int_eq(pending(port), 1);
	ck_assert_uint_eq(si()->vcpu_info[0].evtchn_pending_sel, 0);
	ck_assert_uint_eq(si()->vcpu_info[0].evtchn_upcall_pending, 0);

	struct evtchn_unmask um = { .port = port };
	ck_assert_int_eq(op(EVTCHNOP_unmask, &um, sizeof um), 0);
	ck_assert_uint_eq(si()->evtchn_mask[0], 0);
	ck_assert_uint_eq(si()->vcpu_info[0].evtchn_pending_sel, 1);
	ck_assert_uint_eq(si()->vcpu_info[0].evtchn_upcall_pending, 1);
	struct evtchn_unmask bad = { .port = EVTCHN_NR_PORTS };
	ck_assert_int_eq(op(EVTCHNOP_unmask, &bad, sizeof bad), -XEN_EINVAL);

	/* A port in the second word selects bit 1. */
	si()->vcpu_info[0].evtchn_pending_sel = 0;
	si()->vcpu_info[0].evtchn_upcall_pending = 0;
	ck_assert_int_eq(evtchn_set_pending(&g.core, 64 + 5), 1);
	ck_assert_uint_eq(si()->vcpu_info[0].evtchn_pending_sel, 2);
}
END_TEST

START_TEST(unbound_ports_and_loopback)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	ck_assert_int_eq(op(EVTCHNOP_alloc_unbound, &a, sizeof a), 0);
	uint32_t end_a = a.port;
	struct evtchn_status s = status(end_a, 0);
	ck_assert_uint_eq(s.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(s.u.unbound.dom, DOMID);
	ck_assert_int_eq(send(end_a), 0); /* dropped */
	ck_assert_int_eq(pending(end_a), 0);

	struct evtchn_alloc_unbound other = { .dom = 5, .remote_dom = 0 };
	ck_assert_int_eq(op(EVTCHNOP_alloc_unbound, &other, sizeof other), -XEN_EPERM);
	struct evtchn_alloc_unbound nobody = { .dom = DOMID_SELF, .remote_dom = 9 };
	ck_assert_int_eq(op(EVTCHNOP_alloc_unbound, &nobody, sizeof nobody), -XEN_ESRCH);
	struct evtchn_alloc_unbound to0 = { .dom = DOMID, .remote_dom = 0 };
	ck_assert_int_eq(op(EVTCHNOP_alloc_unbound, &to0, sizeof to0), 0);
	ck_assert_uint_eq(status(to0.port, 0).u.unbound.dom, 0);
	/* dom0's unbound port is not ours to bind to. */
	struct evtchn_bind_interdomain bi0 = { .remote_dom = DOMID_SELF,
					       .remote_port = to0.port };
	ck_assert_int_eq(op(EVTCHNOP_bind_interdomain, &bi0, sizeof bi0), -XEN_EINVAL);
	struct evtchn_bind_interdomain bd0 = { .remote_dom = 0, .remote_port = 1 };
	ck_assert_int_eq(op(EVTCHNOP_bind_interdomain, &bd0, sizeof bd0), -XEN_EINVAL);

	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF,
					      .remote_port = end_a };
	ck_assert_int_eq(op(EVTCHNOP_bind_interdomain, &bi, sizeof bi), 0);
	uint32_t end_b = bi.local_port;
	ck_assert_uint_eq(status(end_a, 0).u.interdomain.port, end_b);
	ck_assert_uint_eq(status(end_b, 0).u.interdomain.port, end_a);
	ck_assert_int_eq(send(end_b), 0);
	ck_assert_int_eq(pending(end_a), 1);
	ck_assert_int_eq(pending(end_b), 0);
	ck_assert_uint_eq(nr_notified, 0);

	struct evtchn_close cl = { .port = end_b };
	ck_assert_int_eq(op(EVTCHNOP_close, &cl, sizeof cl), 0);
	ck_assert_uint_eq(status(end_a, 0).status, EVTCHNSTAT_unbound);
	ck_assert_int_eq(op(EVTCHNOP_close, &cl, sizeof cl), 0); /* already free */

	struct evtchn_bind_vcpu bv = { .port = end_a, .vcpu = 0 };
	ck_assert_int_eq(op(EVTCHNOP_bind_vcpu, &bv, sizeof bv), 0);
	bv.vcpu = 1;
	ck_assert_int_eq(op(EVTCHNOP_bind_vcpu, &bv, sizeof bv), -XEN_ENOENT);

	struct evtchn_reset r = { .dom = DOMID_SELF };
	ck_assert_int_eq(op(EVTCHNOP_reset, &r, sizeof r), 0);
	ck_assert_uint_eq(status(end_a, 0).status, EVTCHNSTAT_closed);
	ck_assert_uint_eq(status(CONSOLE, 0).status, EVTCHNSTAT_closed);
	ck_assert_int_eq(send(CONSOLE), -XEN_EINVAL);
	struct evtchn_reset r5 = { .dom = 5 };
	ck_assert_int_eq(op(EVTCHNOP_reset, &r5, sizeof r5), -XEN_EPERM);
}
END_TEST

START_TEST(ports_run_out)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
	unsigned n = 0;
	while (op(EVTCHNOP_alloc_unbound, &a, sizeof a) == 0)
		n++;
	ck_assert_uint_eq(n, EVTCHN_NR_PORTS - 3); /* 0, store, console */
	ck_assert_int_eq(op(EVTCHNOP_alloc_unbound, &a, sizeof a), -XEN_ENOSPC);
}
END_TEST

#define FREE_PORT (EVTCHN_NR_PORTS - 1) /* never allocated in these tests */

static uint32_t alloc_for_dom0(void)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
	ck_assert_int_eq(op(EVTCHNOP_alloc_unbound, &a, sizeof a), 0);
	return a.port;
}

START_TEST(dom0_binds_a_port_offered_to_it)
{
	uint32_t port = alloc_for_dom0();
	ck_assert_int_eq(send(port), 0); /* nobody bound: dropped */
	ck_assert_uint_eq(nr_notified, 0);

	ck_assert_int_eq(evtchn_bind_dom0(&g.core, port), 0);
	/* As the guest's end looks under Xen after the backend's
	 * bind_interdomain: interdomain with dom0. */
	struct evtchn_status s = status(port, 0);
	ck_assert_uint_eq(s.status, EVTCHNSTAT_interdomain);
	ck_assert_uint_eq(s.u.interdomain.dom, 0);
	ck_assert_uint_eq(s.u.interdomain.port, port);
	ck_assert_uint_eq(s.vcpu, 0);
	ck_assert_int_eq(send(port), 0);
	ck_assert_uint_eq(nr_notified, 1);
	ck_assert_uint_eq(notified[0], port);
	ck_assert_int_eq(pending(port), 0); /* a send to dom0 sets nothing here */

	/* dom0's event comes back the way the backends raise theirs. */
	ck_assert_int_eq(evtchn_raise_from_dom0(&g.core, port), 1);
	ck_assert_int_eq(pending(port), 1);
	ck_assert_uint_eq(si()->vcpu_info[0].evtchn_upcall_pending, 1);

	ck_assert_int_eq(evtchn_bind_dom0(&g.core, port), -XEN_EBUSY);
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, STORE), -XEN_EBUSY);
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, CONSOLE), -XEN_EBUSY);
}
END_TEST

START_TEST(dom0_binds_only_ports_unbound_for_it)
{
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, 0), -XEN_EINVAL);
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, EVTCHN_NR_PORTS), -XEN_EINVAL);
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, 0xffffffffu), -XEN_EINVAL);
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, FREE_PORT), -XEN_EINVAL);

	struct evtchn_alloc_unbound self = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	ck_assert_int_eq(op(EVTCHNOP_alloc_unbound, &self, sizeof self), 0);
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, self.port), -XEN_EINVAL);
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	ck_assert_int_eq(op(EVTCHNOP_bind_ipi, &ipi, sizeof ipi), 0);
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, ipi.port), -XEN_EINVAL);
	struct evtchn_bind_virq virq = { .virq = VIRQ_TIMER, .vcpu = 0 };
	ck_assert_int_eq(op(EVTCHNOP_bind_virq, &virq, sizeof virq), 0);
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, virq.port), -XEN_EINVAL);
	/* A loopback pair is interdomain, but not with dom0. */
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF,
					      .remote_port = self.port };
	ck_assert_int_eq(op(EVTCHNOP_bind_interdomain, &bi, sizeof bi), 0);
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, bi.local_port), -XEN_EINVAL);
	evtchn_unbind_dom0(&g.core, bi.local_port); /* not dom0's: untouched */
	ck_assert_uint_eq(status(bi.local_port, 0).status, EVTCHNSTAT_interdomain);
	ck_assert_uint_eq(status(bi.local_port, 0).u.interdomain.dom, DOMID);
	evtchn_unbind_dom0(&g.core, ipi.port);
	ck_assert_uint_eq(status(ipi.port, 0).status, EVTCHNSTAT_ipi);
	evtchn_unbind_dom0(&g.core, 0);
	evtchn_unbind_dom0(&g.core, EVTCHN_NR_PORTS);
	evtchn_unbind_dom0(&g.core, FREE_PORT);
	ck_assert_uint_eq(status(FREE_PORT, 0).status, EVTCHNSTAT_closed);
}
END_TEST

START_TEST(dom0_unbinds_and_the_port_waits_again)
{
	uint32_t port = alloc_for_dom0();
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, port), 0);
	/* The guest moves it to no vCPU it lacks, and keeps that vCPU. */
	struct evtchn_bind_vcpu bv = { .port = port, .vcpu = 0 };
	ck_assert_int_eq(op(EVTCHNOP_bind_vcpu, &bv, sizeof bv), 0);

	evtchn_unbind_dom0(&g.core, port);
	/* As Xen leaves the guest's end when the remote end closes:
	 * unbound, still for dom0, and sends are dropped. */
	struct evtchn_status s = status(port, 0);
	ck_assert_uint_eq(s.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(s.u.unbound.dom, 0);
	ck_assert_int_eq(send(port), 0);
	ck_assert_uint_eq(nr_notified, 0);
	evtchn_unbind_dom0(&g.core, port); /* not bound: nothing */
	ck_assert_uint_eq(status(port, 0).status, EVTCHNSTAT_unbound);

	/* What the old backend raised for FIFO and the core has not taken
	 * is not for whoever binds the port next. */
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, port), 0);
	g.st->evtchn.dom0_raised[port / 64] |= 1ULL << (port % 64);
	g.st->evtchn.dom0_raised_words |= 1ULL << (port / 64);
	ck_assert_int_eq(evtchn_dom0_raised_any(&g.core), 1);
	evtchn_unbind_dom0(&g.core, port);
	ck_assert_int_eq(evtchn_dom0_raised_any(&g.core), 0);

	/* A backend binds it again. */
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, port), 0);
	ck_assert_int_eq(send(port), 0);
	ck_assert_uint_eq(nr_notified, 1);

	/* The guest closes its end: dom0's is gone with it. */
	struct evtchn_close cl = { .port = port };
	ck_assert_int_eq(op(EVTCHNOP_close, &cl, sizeof cl), 0);
	ck_assert_uint_eq(status(port, 0).status, EVTCHNSTAT_closed);
	ck_assert_int_eq(send(port), -XEN_EINVAL);
	evtchn_unbind_dom0(&g.core, port); /* the backend closes late */
	ck_assert_uint_eq(status(port, 0).status, EVTCHNSTAT_closed);
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, port), -XEN_EINVAL);
}
END_TEST

static unsigned kicks, kicked_vcpu;

static void record_kick(void *opaque, unsigned vcpu, int interrupt)
{
	(void)opaque;
	(void)interrupt;
	kicks++;
	kicked_vcpu = vcpu;
}

/* From dom0's handle, which runs for no vCPU, the port's vCPU is always
 * another: it is kicked even when it is vCPU 0 (the handle's index). */
START_TEST(dom0_raising_a_port_kicks_its_vcpu)
{
	static const struct host_smp smp = { .kick = record_kick };
	struct host_platform plat = g.plat;
	plat.smp = &smp;
	struct core dom0 = g.core;
	dom0.plat = &plat;
	dom0.dom0 = 1;
	uint32_t port = alloc_for_dom0();
	ck_assert_int_eq(evtchn_bind_dom0(&dom0, port), 0);
	kicks = 0;
	ck_assert_int_eq(evtchn_set_pending(&dom0, port), 1);
	ck_assert_uint_eq(kicks, 1);
	ck_assert_uint_eq(kicked_vcpu, 0);
	/* vCPU 0's own raise does not kick itself. */
	ck_assert_int_eq(evtchn_set_pending(&g.core, STORE), 0);
	ck_assert_uint_eq(kicks, 1);
}
END_TEST

/* The toolstack's ports are dom0's too: a backend closing one is what
 * closing it does under Xen. */
START_TEST(dom0_unbinds_the_toolstack_ports_too)
{
	evtchn_unbind_dom0(&g.core, CONSOLE);
	ck_assert_uint_eq(status(CONSOLE, 0).status, EVTCHNSTAT_unbound);
	ck_assert_int_eq(send(CONSOLE), 0);
	ck_assert_uint_eq(nr_notified, 0);
	ck_assert_int_eq(evtchn_bind_dom0(&g.core, CONSOLE), 0);
	ck_assert_int_eq(send(CONSOLE), 0);
	ck_assert_uint_eq(nr_notified, 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("evtchn");
	TCase *t = tcase_create("ops");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, backend_ports_reach_the_platform);
	tcase_add_test(t, bad_ports_are_refused);
	tcase_add_test(t, virq_binds_once_and_raises);
	tcase_add_test(t, mask_holds_back_the_upcall_until_unmask);
	tcase_add_test(t, unbound_ports_and_loopback);
	tcase_add_test(t, ports_run_out);
	tcase_add_test(t, dom0_binds_a_port_offered_to_it);
	tcase_add_test(t, dom0_binds_only_ports_unbound_for_it);
	tcase_add_test(t, dom0_unbinds_and_the_port_waits_again);
	tcase_add_test(t, dom0_unbinds_the_toolstack_ports_too);
	tcase_add_test(t, dom0_raising_a_port_kicks_its_vcpu);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
