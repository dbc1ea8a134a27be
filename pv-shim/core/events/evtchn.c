/*
 * HYPERVISOR_event_channel_op: the port table, and delivery with the
 * 2-level ABI until the guest switches to FIFO (evtchn_fifo.c) with
 * EVTCHNOP_init_control, where the domain offers it.  A port notifies the
 * vCPU it is bound to (bind_virq, bind_ipi, bind_vcpu), which is kicked
 * when that is not the vCPU raising it.  dom0 is the launcher: a send on
 * a port bound to dom0 goes to its backend through the platform, and its
 * backends raise their ports from their own threads
 * (evtchn_raise_from_dom0).
 */
#include "pv-shim/core/xen_abi.h"
#include <xen/event_channel.h>
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/events/evtchn_fifo.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/core/sched/vtime.h"

#define BITS_PER_WORD 64

_Static_assert(EVTCHN_NR_VIRQS == NR_VIRQS, "virq table size");
_Static_assert(EVTCHN_NR_PORTS <= sizeof(xen_ulong_t) * 8 * sizeof(xen_ulong_t) * 8,
	       "the 2-level bitmaps hold every port");

void evtchn_domain_init(struct core *c, uint16_t domid, uint32_t store_port,
			uint32_t console_port, int offer_fifo)
{
	struct evtchn_state *ev = &c->st->evtchn;
	core_memset(ev, 0, sizeof *ev);
	ev->domid = domid;
	ev->fifo.offered = offer_fifo != 0;
	/* Every vCPU starts with event delivery masked: the guest unmasks
	 * it once it can take an upcall. */
	for (unsigned v = 0; v < c->layout.nr_vcpus && v < CORE_MAX_VCPUS; v++)
		core_shared_info(c)->vcpu_info[v].evtchn_upcall_mask = 1;
	const uint32_t backends[] = { store_port, console_port };
	for (unsigned i = 0; i < 2; i++) {
		if (backends[i] == 0 || backends[i] >= EVTCHN_NR_PORTS)
			continue;
		struct evtchn_port *p = &ev->port[backends[i]];
		p->state = EVTCHN_INTERDOMAIN;
		p->remote_dom = EVTCHN_DOM0;
		p->remote_port = backends[i];
		p->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
	}
}

static struct evtchn_port *port_of(struct core *c, uint64_t port)
{
	if (port == 0 || port >= EVTCHN_NR_PORTS)
		return 0;
	return &c->st->evtchn.port[port];
}

/* Interdomain with one of dom0's backends. */
static int bound_to_dom0(const struct evtchn_port *p)
{
	return p->state == EVTCHN_INTERDOMAIN && p->remote_dom == EVTCHN_DOM0;
}

static int fifo_active(struct core *c)
{
	return __atomic_load_n(&c->st->evtchn.fifo.active, __ATOMIC_SEQ_CST);
}

unsigned evtchn_port_vcpu(const struct core *c, uint32_t port)
{
	unsigned v = c->st->evtchn.port[port % EVTCHN_NR_PORTS].vcpu;
	return v < c->layout.nr_vcpus && v < EVTCHN_NR_VCPUS ? v : 0;
}

/* The vcpu_info of the vCPU port notifies (not the one the core runs
 * for: a backend or another vCPU may raise it). */
static struct vcpu_info *notified_vcpu_info(struct core *c, uint32_t port)
{
	return vtime_vcpu_info_of(c, evtchn_port_vcpu(c, port));
}

static int set_pending_2l(struct core *c, uint32_t port)
{
	struct shared_info *s = core_shared_info(c);
	struct vcpu_info *v = notified_vcpu_info(c, port);
	unsigned word = port / BITS_PER_WORD;
	uint64_t bit = 1ULL << (port % BITS_PER_WORD);
	/* The guest changes these words under us (it runs, or, in the
	 * launcher, another thread raises events): atomic or only. */
	if (__atomic_fetch_or(&s->evtchn_pending[word], bit, __ATOMIC_SEQ_CST) & bit)
		return 0;
	if (__atomic_load_n(&s->evtchn_mask[word], __ATOMIC_SEQ_CST) & bit)
		return 0;
	if (__atomic_fetch_or(&v->evtchn_pending_sel, 1ULL << word,
			      __ATOMIC_SEQ_CST) & (1ULL << word))
		return 0;
	__atomic_store_n(&v->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
	return 1;
}

int evtchn_set_pending(struct core *c, uint32_t port)
{
	if (port == 0 || port >= EVTCHN_NR_PORTS)
		return 0;
	int upcall = fifo_active(c) ? evtchn_fifo_set_pending(c, port)
				    : set_pending_2l(c, port);
	/* Woken even without an upcall: SCHEDOP_poll waits on masked ports.
	 * dom0's handle runs for no vCPU: every target is another. */
	unsigned target = evtchn_port_vcpu(c, port);
	if (c->dom0 || target != c->vcpu)
		platform_kick_vcpu(c, target, upcall);
	return upcall;
}

int evtchn_is_pending(struct core *c, uint32_t port)
{
	if (port >= EVTCHN_NR_PORTS)
		return 0;
	if (fifo_active(c))
		return evtchn_fifo_is_pending(c, port);
	const struct shared_info *s = core_shared_info(c);
	return (__atomic_load_n(&s->evtchn_pending[port / BITS_PER_WORD], __ATOMIC_SEQ_CST) >>
		(port % BITS_PER_WORD)) & 1;
}

int evtchn_raise_from_dom0(struct core *c, uint32_t port)
{
	if (port == 0 || port >= EVTCHN_NR_PORTS)
		return 0;
	struct evtchn_state *ev = &c->st->evtchn;
	if (!fifo_active(c)) {
		int upcall = set_pending_2l(c, port);
		/* Still 2-level after the bit landed: init_control, if it
		 * comes, will find the bit and keep it. */
		if (!fifo_active(c))
			return upcall;
	}
	/* FIFO queues are linked by the core alone, on the vCPU: it takes
	 * this on its next way back to the guest. */
	__atomic_fetch_or(&ev->dom0_raised[port / 64], 1ULL << (port % 64), __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&ev->dom0_raised_words, 1ULL << (port / 64), __ATOMIC_SEQ_CST);
	return 1;
}

void evtchn_take_dom0_raised(struct core *c)
{
	struct evtchn_state *ev = &c->st->evtchn;
	if (!__atomic_load_n(&ev->dom0_raised_words, __ATOMIC_SEQ_CST))
		return;
	/* A raise after the exchange sets its word's bit again, for the
	 * next look. */
	uint64_t words = __atomic_exchange_n(&ev->dom0_raised_words, 0, __ATOMIC_SEQ_CST);
	for (; words; words &= words - 1) {
		unsigned w = (unsigned)__builtin_ctzll(words);
		if (w >= EVTCHN_NR_PORTS / 64)
			break;
		uint64_t bits = __atomic_exchange_n(&ev->dom0_raised[w], 0, __ATOMIC_SEQ_CST);
		for (; bits; bits &= bits - 1) {
			uint32_t port = w * 64 + (uint32_t)__builtin_ctzll(bits);
			/* Closed or rebound since: dom0 no longer holds it. */
			if (bound_to_dom0(&ev->port[port]))
				evtchn_set_pending(c, port);
		}
	}
}

int evtchn_dom0_raised_any(struct core *c)
{
	const struct evtchn_state *ev = &c->st->evtchn;
	uint64_t words = __atomic_load_n(&ev->dom0_raised_words, __ATOMIC_SEQ_CST);
	/* A word's bit stays set after an unbind took its last port back. */
	for (; words; words &= words - 1) {
		unsigned w = (unsigned)__builtin_ctzll(words);
		if (w < EVTCHN_NR_PORTS / 64 &&
		    __atomic_load_n(&ev->dom0_raised[w], __ATOMIC_SEQ_CST))
			return 1;
	}
	return 0;
}

int evtchn_bind_dom0(struct core *c, uint32_t port)
{
	if (port == 0 || port >= EVTCHN_NR_PORTS)
		return -XEN_EINVAL;
	struct evtchn_port *p = &c->st->evtchn.port[port];
	if (bound_to_dom0(p))
		return -XEN_EBUSY;
	if (p->state != EVTCHN_UNBOUND || p->remote_dom != EVTCHN_DOM0)
		return -XEN_EINVAL;
	/* Nothing pending changes: under Xen the bind makes dom0's new end
	 * pending, for sends it may have missed; the backend's bind does
	 * that on its side. */
	p->state = EVTCHN_INTERDOMAIN;
	p->remote_port = port;
	return 0;
}

void evtchn_unbind_dom0(struct core *c, uint32_t port)
{
	if (port == 0 || port >= EVTCHN_NR_PORTS)
		return;
	struct evtchn_state *ev = &c->st->evtchn;
	struct evtchn_port *p = &ev->port[port];
	if (!bound_to_dom0(p))
		return;
	p->state = EVTCHN_UNBOUND;
	p->remote_port = 0;
	/* What the old backend raised and the core has not taken yet is
	 * not for whoever binds the port next. */
	__atomic_fetch_and(&ev->dom0_raised[port / 64], ~(1ULL << (port % 64)),
			   __ATOMIC_SEQ_CST);
}

/* Xen's virq_is_global: the ones a domain binds on vCPU 0 only. */
static int virq_is_global(unsigned virq)
{
	return virq != VIRQ_TIMER && virq != VIRQ_DEBUG && virq != VIRQ_XENOPROF &&
	       virq != VIRQ_XENPMU;
}

int evtchn_raise_virq(struct core *c, unsigned virq)
{
	if (virq >= EVTCHN_NR_VIRQS)
		return 0;
	unsigned vcpu = virq_is_global(virq) ? 0 : c->vcpu % EVTCHN_NR_VCPUS;
	uint16_t port = c->st->evtchn.virq_port[vcpu][virq];
	return port ? evtchn_set_pending(c, port) : 0;
}

static void clear_pending(struct core *c, uint32_t port)
{
	if (fifo_active(c)) {
		evtchn_fifo_clear_pending(c, port);
		return;
	}
	struct shared_info *s = core_shared_info(c);
	__atomic_fetch_and(&s->evtchn_pending[port / BITS_PER_WORD],
			   ~(1ULL << (port % BITS_PER_WORD)), __ATOMIC_SEQ_CST);
}

/* The lowest free port, at the default priority, or 0.  With FIFO a port
 * still LINKED on a queue is not free yet (Xen's evtchn_is_busy): bound
 * anew, it could be linked a second time. */
static uint32_t free_port(struct core *c)
{
	int fifo = fifo_active(c);
	for (uint32_t p = 1; p < EVTCHN_NR_PORTS; p++) {
		struct evtchn_port *ep = &c->st->evtchn.port[p];
		if (ep->state != EVTCHN_FREE || (fifo && evtchn_fifo_is_busy(c, p)))
			continue;
		ep->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
		return p;
	}
	return 0;
}

static int is_self(struct core *c, uint16_t dom)
{
	return dom == DOMID_SELF || dom == c->st->evtchn.domid;
}

static long do_send(struct core *c, uint32_t port)
{
	struct evtchn_port *p = port_of(c, port);
	if (!p)
		return -XEN_EINVAL;
	switch (p->state) {
	case EVTCHN_INTERDOMAIN:
		if (p->remote_dom == EVTCHN_DOM0)
			platform_notify_backend(c, port);
		else
			evtchn_set_pending(c, p->remote_port);
		return 0;
	case EVTCHN_IPI:
		evtchn_set_pending(c, port);
		return 0;
	case EVTCHN_UNBOUND:
		return 0; /* nobody listens yet: dropped, as Xen does */
	default:
		return -XEN_EINVAL;
	}
}

static void do_close_port(struct core *c, uint32_t port)
{
	struct evtchn_state *ev = &c->st->evtchn;
	struct evtchn_port *p = &ev->port[port];
	if (p->state == EVTCHN_VIRQ && p->virq < EVTCHN_NR_VIRQS &&
	    p->vcpu < EVTCHN_NR_VCPUS && ev->virq_port[p->vcpu][p->virq] == port)
		ev->virq_port[p->vcpu][p->virq] = 0;
	if (p->state == EVTCHN_INTERDOMAIN && p->remote_dom != EVTCHN_DOM0 &&
	    p->remote_port != port) {
		/* A loopback pair: the other end waits for a new partner. */
		struct evtchn_port *r = port_of(c, p->remote_port);
		if (r && r->state == EVTCHN_INTERDOMAIN) {
			r->state = EVTCHN_UNBOUND;
			r->remote_port = 0;
		}
	}
	core_memset(p, 0, sizeof *p);
	clear_pending(c, port);
}

static long do_status(struct core *c, struct evtchn_status *s)
{
	if (!is_self(c, s->dom))
		return -XEN_ESRCH;
	struct evtchn_port *p = port_of(c, s->port);
	if (!p)
		return -XEN_EINVAL;
	s->vcpu = p->vcpu;
	core_memset(&s->u, 0, sizeof s->u);
	switch (p->state) {
	case EVTCHN_UNBOUND:
		s->status = EVTCHNSTAT_unbound;
		s->u.unbound.dom = p->remote_dom;
		break;
	case EVTCHN_INTERDOMAIN:
		s->status = EVTCHNSTAT_interdomain;
		s->u.interdomain.dom = p->remote_dom;
		s->u.interdomain.port = p->remote_port;
		break;
	case EVTCHN_VIRQ:
		s->status = EVTCHNSTAT_virq;
		s->u.virq = p->virq;
		break;
	case EVTCHN_IPI:
		s->status = EVTCHNSTAT_ipi;
		break;
	default:
		s->status = EVTCHNSTAT_closed;
		break;
	}
	return 0;
}

static int unmask_2l(struct core *c, uint32_t port)
{
	struct shared_info *s = core_shared_info(c);
	struct vcpu_info *v = notified_vcpu_info(c, port);
	unsigned word = port / BITS_PER_WORD;
	uint64_t bit = 1ULL << (port % BITS_PER_WORD);
	__atomic_fetch_and(&s->evtchn_mask[word], ~bit, __ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&s->evtchn_pending[word], __ATOMIC_SEQ_CST) & bit) ||
	    (__atomic_fetch_or(&v->evtchn_pending_sel, 1ULL << word,
			       __ATOMIC_SEQ_CST) & (1ULL << word)))
		return 0;
	__atomic_store_n(&v->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
	return 1;
}

/* An upcall the unmask made pending for another vCPU interrupts it, as
 * Xen's vcpu_mark_events_pending kicks it (Linux unmasks a port bound to
 * another CPU with this hypercall). */
static long do_unmask(struct core *c, uint32_t port)
{
	if (!port_of(c, port))
		return -XEN_EINVAL;
	int upcall = fifo_active(c) ? evtchn_fifo_unmask(c, port) : unmask_2l(c, port);
	unsigned target = evtchn_port_vcpu(c, port);
	if (upcall && target != c->vcpu)
		platform_kick_vcpu(c, target, 1);
	return 0;
}

/* Copies the argument in, runs op on the copy, copies it back if asked. */
#define WITH_ARG(type, body, copy_back)                                     \
	do {                                                                \
		type a;                                                     \
		if (copy_from_guest(c, &a, arg, sizeof a))                  \
			return -XEN_EFAULT;                                 \
		long rc_ = (body);                                          \
		if (rc_ == 0 && (copy_back) &&                              \
		    copy_to_guest(c, arg, &a, sizeof a))                    \
			return -XEN_EFAULT;                                 \
		return rc_;                                                 \
	} while (0)

static long do_alloc_unbound(struct core *c, struct evtchn_alloc_unbound *a)
{
	if (!is_self(c, a->dom))
		return -XEN_EPERM; /* only dom0 allocates for others */
	uint16_t remote = a->remote_dom == DOMID_SELF ? c->st->evtchn.domid
						       : a->remote_dom;
	if (remote != EVTCHN_DOM0 && remote != c->st->evtchn.domid)
		return -XEN_ESRCH;
	uint32_t port = free_port(c);
	if (!port)
		return -XEN_ENOSPC;
	struct evtchn_port *p = &c->st->evtchn.port[port];
	p->state = EVTCHN_UNBOUND;
	p->remote_dom = remote;
	a->port = port;
	return 0;
}

/* Only this domain's own unbound ports can be bound to (a loopback):
 * dom0's backends offer this domain no unbound ports. */
static long do_bind_interdomain(struct core *c, struct evtchn_bind_interdomain *b)
{
	if (!is_self(c, b->remote_dom))
		return -XEN_EINVAL;
	struct evtchn_port *r = port_of(c, b->remote_port);
	if (!r || r->state != EVTCHN_UNBOUND || r->remote_dom != c->st->evtchn.domid)
		return -XEN_EINVAL;
	uint32_t port = free_port(c);
	if (!port)
		return -XEN_ENOSPC;
	struct evtchn_port *p = &c->st->evtchn.port[port];
	p->state = EVTCHN_INTERDOMAIN;
	p->remote_dom = c->st->evtchn.domid;
	p->remote_port = b->remote_port;
	r->state = EVTCHN_INTERDOMAIN;
	r->remote_port = port;
	b->local_port = port;
	return 0;
}

/* A vCPU of the domain, as Xen's domain_vcpu(): -ENOENT otherwise. */
static int vcpu_exists(struct core *c, uint32_t vcpu)
{
	return vcpu < c->layout.nr_vcpus && vcpu < EVTCHN_NR_VCPUS;
}

static long do_bind_virq(struct core *c, struct evtchn_bind_virq *b)
{
	if (b->virq >= EVTCHN_NR_VIRQS)
		return -XEN_EINVAL;
	if (virq_is_global(b->virq) && b->vcpu != 0)
		return -XEN_EINVAL;
	if (!vcpu_exists(c, b->vcpu))
		return -XEN_ENOENT;
	struct evtchn_state *ev = &c->st->evtchn;
	if (ev->virq_port[b->vcpu][b->virq])
		return -XEN_EEXIST;
	uint32_t port = free_port(c);
	if (!port)
		return -XEN_ENOSPC;
	ev->port[port].state = EVTCHN_VIRQ;
	ev->port[port].virq = (uint16_t)b->virq;
	ev->port[port].vcpu = (uint8_t)b->vcpu;
	ev->virq_port[b->vcpu][b->virq] = (uint16_t)port;
	b->port = port;
	return 0;
}

static long do_bind_ipi(struct core *c, struct evtchn_bind_ipi *b)
{
	if (!vcpu_exists(c, b->vcpu))
		return -XEN_ENOENT;
	uint32_t port = free_port(c);
	if (!port)
		return -XEN_ENOSPC;
	c->st->evtchn.port[port].state = EVTCHN_IPI;
	c->st->evtchn.port[port].vcpu = (uint8_t)b->vcpu;
	b->port = port;
	return 0;
}

/* As Xen's evtchn_bind_vcpu: interdomain, unbound and global-VIRQ ports
 * move; per-vCPU VIRQs and IPIs stay on the vCPU they were bound to.  A
 * pending event is not moved: FIFO links it on the new vCPU's queue when
 * it is raised next, and the 2-level guest rescans on its new vCPU. */
static long do_bind_vcpu(struct core *c, const struct evtchn_bind_vcpu *b)
{
	struct evtchn_port *p = port_of(c, b->port);
	if (!p)
		return -XEN_EINVAL;
	if (!vcpu_exists(c, b->vcpu))
		return -XEN_ENOENT;
	switch (p->state) {
	case EVTCHN_VIRQ:
		if (!virq_is_global(p->virq))
			return -XEN_EINVAL;
		/* fallthrough */
	case EVTCHN_UNBOUND:
	case EVTCHN_INTERDOMAIN:
		p->vcpu = (uint8_t)b->vcpu;
		return 0;
	default:
		return -XEN_EINVAL;
	}
}

static long do_close(struct core *c, uint32_t port)
{
	struct evtchn_port *p = port_of(c, port);
	if (!p)
		return -XEN_EINVAL;
	if (p->state != EVTCHN_FREE)
		do_close_port(c, port);
	return 0;
}

static long do_reset(struct core *c, const struct evtchn_reset *r)
{
	if (!is_self(c, r->dom))
		return -XEN_EPERM;
	for (uint32_t p = 1; p < EVTCHN_NR_PORTS; p++)
		if (c->st->evtchn.port[p].state != EVTCHN_FREE)
			do_close_port(c, p);
	/* And back to 2-level, the FIFO pages released (Xen's
	 * evtchn_fifo_destroy). */
	if (fifo_active(c))
		evtchn_fifo_destroy(c);
	return 0;
}

static long do_set_priority(struct core *c, const struct evtchn_set_priority *a)
{
	struct evtchn_port *p = port_of(c, a->port);
	if (!p)
		return -XEN_EINVAL;
	if (!fifo_active(c))
		return -XEN_ENOSYS; /* the 2-level ABI has no priorities */
	if (a->priority > EVTCHN_FIFO_PRIORITY_MIN)
		return -XEN_EINVAL;
	/* Takes effect when the event is linked next, as in Xen. */
	p->priority = (uint8_t)a->priority;
	return 0;
}

long hypercall_event_channel_op(struct core *c, const uint64_t args[5])
{
	uint64_t cmd = args[0], arg = args[1];
	switch (cmd) {
	case EVTCHNOP_send:
		WITH_ARG(struct evtchn_send, do_send(c, a.port), 0);
	case EVTCHNOP_status:
		WITH_ARG(struct evtchn_status, do_status(c, &a), 1);
	case EVTCHNOP_close:
		WITH_ARG(struct evtchn_close, do_close(c, a.port), 0);
	case EVTCHNOP_unmask:
		WITH_ARG(struct evtchn_unmask, do_unmask(c, a.port), 0);
	case EVTCHNOP_alloc_unbound:
		WITH_ARG(struct evtchn_alloc_unbound, do_alloc_unbound(c, &a), 1);
	case EVTCHNOP_bind_interdomain:
		WITH_ARG(struct evtchn_bind_interdomain, do_bind_interdomain(c, &a), 1);
	case EVTCHNOP_bind_virq:
		WITH_ARG(struct evtchn_bind_virq, do_bind_virq(c, &a), 1);
	case EVTCHNOP_bind_ipi:
		WITH_ARG(struct evtchn_bind_ipi, do_bind_ipi(c, &a), 1);
	case EVTCHNOP_bind_vcpu:
		WITH_ARG(struct evtchn_bind_vcpu, do_bind_vcpu(c, &a), 0);
	case EVTCHNOP_reset:
		WITH_ARG(struct evtchn_reset, do_reset(c, &a), 0);
	case EVTCHNOP_init_control:
		if (!c->st->evtchn.fifo.offered)
			return -XEN_ENOSYS;
		WITH_ARG(struct evtchn_init_control, evtchn_fifo_init_control(c, &a), 1);
	case EVTCHNOP_expand_array:
		if (!c->st->evtchn.fifo.offered)
			return -XEN_ENOSYS;
		WITH_ARG(struct evtchn_expand_array, evtchn_fifo_expand_array(c, &a), 0);
	case EVTCHNOP_set_priority:
		if (!c->st->evtchn.fifo.offered)
			return -XEN_ENOSYS;
		WITH_ARG(struct evtchn_set_priority, do_set_priority(c, &a), 0);
	default:
		/* bind_pirq (no physical IRQs) and reset_cont: not offered;
		 * neither are the FIFO ops with `--evtchn 2l`. */
		return -XEN_ENOSYS;
	}
}
