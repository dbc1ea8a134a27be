/*
 * FIFO event channels as Xen gives them to a domU (the semantics of
 * xen/common/event_fifo.c): each port is queued on the vCPU it notifies.
 *
 * Every word this file touches lives in guest pages the guest writes
 * concurrently (it runs, or, in the guest path, the core runs between its
 * instructions), so each is read once and changed only with atomics.  The
 * queue tails are the core's own (core state); the guest owns the HEADs,
 * READY bits and LINK fields, which the core only ever writes, never
 * follows: a hostile LINK (a cycle, a port out of range) cannot make it
 * loop or index anything.  The control block and every event-array page
 * hold a writable type reference from the hypercall that names them to
 * EVTCHNOP_reset, so none can become a page table while the core writes
 * it (docs/threat-model.md).
 */
#include "pv-shim/core/xen_abi.h"
#include <xen/event_channel.h>
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/events/evtchn_fifo.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/core/sched/vtime.h"

#define PAGE 4096ULL
#define WORDS_PER_PAGE (PAGE / sizeof(event_word_t))
#define BIT(n) ((event_word_t)1 << (n))
/* A cmpxchg on a tail word the guest keeps changing is retried this many
 * times after BUSY is set; BUSY leaves the guest four legal changes (set
 * or clear MASKED, clear PENDING, clear LINKED), so more means hostile. */
#define LINK_TRIES 4

_Static_assert(EVTCHN_NR_PRIORITIES == EVTCHN_FIFO_MAX_QUEUES, "queues");
_Static_assert(EVTCHN_NR_PORTS <= EVTCHN_FIFO_NR_CHANNELS, "LINK holds every port");
_Static_assert(EVTCHN_NR_VCPUS * EVTCHN_NR_PRIORITIES < 65535, "tail_queue holds every queue");
_Static_assert(EVTCHN_FIFO_ARRAY_PAGES * WORDS_PER_PAGE >= EVTCHN_NR_PORTS,
	       "the event array covers every port");

static struct evtchn_fifo_state *fifo(struct core *c)
{
	return &c->st->evtchn.fifo;
}

/* The event word of port, or 0 if no event-array page covers it.  Page
 * count and frame numbers come from core state: bounded again here. */
static event_word_t *word_of(struct core *c, uint32_t port)
{
	const struct evtchn_fifo_state *f = fifo(c);
	uint64_t page = port / WORDS_PER_PAGE;
	if (port >= EVTCHN_NR_PORTS || page >= f->nr_array_pages)
		return 0;
	uint64_t gpa = f->array_gfn[page] * PAGE + (port % WORDS_PER_PAGE) * sizeof(event_word_t);
	return platform_guest_ram(c, gpa, sizeof(event_word_t));
}

static struct evtchn_fifo_control_block *control_block(struct core *c, unsigned vcpu)
{
	const struct evtchn_fifo_vcpu *v = &fifo(c)->vcpu[vcpu];
	if (!v->control_set || v->control_offset % 8 ||
	    v->control_offset > PAGE - sizeof(struct evtchn_fifo_control_block))
		return 0;
	return platform_guest_ram(c, v->control_gfn * PAGE + v->control_offset,
				  sizeof(struct evtchn_fifo_control_block));
}

/* A page the guest hands over for the core to write: guest RAM it may
 * write, held writable until released.  -EINVAL otherwise, as Xen's
 * map_guest_page. */
static int hold_page(struct core *c, uint64_t gfn)
{
	if (gfn >= c->layout.nr_pages || !platform_guest_ram(c, gfn * PAGE, PAGE))
		return -XEN_EINVAL;
	if (c->st->mm.active && mm_get_type(c, gfn, MM_TYPE_WRITABLE))
		return -XEN_EINVAL;
	return 0;
}

static void release_page(struct core *c, uint64_t gfn)
{
	if (c->st->mm.active)
		mm_put_type(c, gfn);
}

/*
 * Points the LINK of the queue's tail event at port, if that event is
 * still LINKED.  Returns 0 when it is not (the guest consumed it: the
 * queue is empty and port becomes its HEAD), 1 when port was linked
 * behind it, or when a guest that keeps rewriting the word made the
 * cmpxchg fail too often (its event is lost, as under Xen).
 */
static int link_behind(event_word_t *tail_word, uint32_t port)
{
	event_word_t w = __atomic_load_n(tail_word, __ATOMIC_SEQ_CST);
	int busy = 0, linked = 1;
	for (unsigned tries = 0;; tries++) {
		if (!(w & BIT(EVTCHN_FIFO_LINKED))) {
			linked = 0;
			break;
		}
		event_word_t to = (w & ~(BIT(EVTCHN_FIFO_BUSY) | EVTCHN_FIFO_LINK_MASK)) | port;
		if (__atomic_compare_exchange_n(tail_word, &w, to, 0, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return 1; /* BUSY, if we set it, went with the store */
		if (tries == LINK_TRIES)
			break;
		if (!busy) {
			/* The guest's unmask waits while BUSY is set, which
			 * bounds how often it can change the word now. */
			w = __atomic_or_fetch(tail_word, BIT(EVTCHN_FIFO_BUSY), __ATOMIC_SEQ_CST);
			busy = 1;
		}
	}
	if (busy)
		__atomic_fetch_and(tail_word, ~BIT(EVTCHN_FIFO_BUSY), __ATOMIC_SEQ_CST);
	return linked;
}

/* Port's word is PENDING, unmasked and now LINKED by us: puts it at the
 * tail of its priority's queue on its vCPU. */
static int link(struct core *c, uint32_t port, event_word_t *word)
{
	struct evtchn_port *p = &c->st->evtchn.port[port];
	unsigned vcpu = evtchn_port_vcpu(c, port);
	struct evtchn_fifo_control_block *cb = control_block(c, vcpu);
	if (!cb) {
		/* No control block yet: the guest cannot have unmasked
		 * anything, so Xen drops the event. */
		__atomic_fetch_and(word, ~BIT(EVTCHN_FIFO_LINKED), __ATOMIC_SEQ_CST);
		return 0;
	}
	struct evtchn_fifo_vcpu *v = &fifo(c)->vcpu[vcpu];
	unsigned prio = p->priority % EVTCHN_NR_PRIORITIES;
	/* Port is unlinked, so a queue whose tail it still is has been
	 * consumed to its end: forget that tail, or an event linked there
	 * later would be chained behind port, wherever port goes now. */
	unsigned was = fifo(c)->tail_queue[port];
	if (was--) {
		uint32_t *was_tail = &fifo(c)->vcpu[(was / EVTCHN_NR_PRIORITIES) %
						    EVTCHN_NR_VCPUS].tail[was % EVTCHN_NR_PRIORITIES];
		if (*was_tail == port)
			*was_tail = 0;
	}
	uint32_t tail = v->tail[prio];
	int behind = 0;
	if (tail) {
		event_word_t *tw = word_of(c, tail);
		behind = tw && link_behind(tw, port);
	}
	if (!behind)
		__atomic_store_n(&cb->head[prio], port, __ATOMIC_SEQ_CST);
	v->tail[prio] = port;
	fifo(c)->tail_queue[port] = (uint16_t)(1 + vcpu * EVTCHN_NR_PRIORITIES + prio);
	if (behind || (__atomic_fetch_or(&cb->ready, 1u << prio, __ATOMIC_SEQ_CST) &
		       (1u << prio)))
		return 0; /* the guest will reach it from what it was told */
	/* The upcall is for the vCPU whose queue it joined. */
	__atomic_store_n(&vtime_vcpu_info_of(c, vcpu)->evtchn_upcall_pending, 1,
			 __ATOMIC_SEQ_CST);
	return 1;
}

int evtchn_fifo_set_pending(struct core *c, uint32_t port)
{
	if (port >= EVTCHN_NR_PORTS)
		return 0;
	event_word_t *word = word_of(c, port);
	if (!word) {
		c->st->evtchn.port[port].fifo_pending = 1;
		return 0;
	}
	__atomic_fetch_or(word, BIT(EVTCHN_FIFO_PENDING), __ATOMIC_SEQ_CST);
	if (__atomic_load_n(word, __ATOMIC_SEQ_CST) & BIT(EVTCHN_FIFO_MASKED))
		return 0;
	/* Whoever sets LINKED links it: never on two queues, never twice. */
	if (__atomic_fetch_or(word, BIT(EVTCHN_FIFO_LINKED), __ATOMIC_SEQ_CST) &
	    BIT(EVTCHN_FIFO_LINKED))
		return 0;
	return link(c, port, word);
}

int evtchn_fifo_unmask(struct core *c, uint32_t port)
{
	event_word_t *word = word_of(c, port);
	if (!word)
		return 0;
	__atomic_fetch_and(word, ~BIT(EVTCHN_FIFO_MASKED), __ATOMIC_SEQ_CST);
	if (__atomic_load_n(word, __ATOMIC_SEQ_CST) & BIT(EVTCHN_FIFO_PENDING))
		return evtchn_fifo_set_pending(c, port);
	return 0;
}

void evtchn_fifo_clear_pending(struct core *c, uint32_t port)
{
	event_word_t *word = word_of(c, port);
	if (word)
		__atomic_fetch_and(word, ~BIT(EVTCHN_FIFO_PENDING), __ATOMIC_SEQ_CST);
	if (port < EVTCHN_NR_PORTS)
		c->st->evtchn.port[port].fifo_pending = 0;
}

int evtchn_fifo_is_pending(struct core *c, uint32_t port)
{
	event_word_t *word = word_of(c, port);
	return word && (__atomic_load_n(word, __ATOMIC_SEQ_CST) & BIT(EVTCHN_FIFO_PENDING));
}

int evtchn_fifo_is_busy(struct core *c, uint32_t port)
{
	event_word_t *word = word_of(c, port);
	return word && (__atomic_load_n(word, __ATOMIC_SEQ_CST) & BIT(EVTCHN_FIFO_LINKED));
}

/* The switch from 2-level, as Xen's setup_ports: every port at the
 * default priority, and what was pending kept for when an event-array
 * page covers it (the guest masks each page before handing it over). */
static void take_over_2l(struct core *c)
{
	struct evtchn_state *ev = &c->st->evtchn;
	const struct shared_info *s = core_shared_info(c);
	for (uint32_t port = 1; port < EVTCHN_NR_PORTS; port++) {
		struct evtchn_port *p = &ev->port[port];
		p->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
		p->fifo_pending = p->state != EVTCHN_FREE &&
			((__atomic_load_n(&s->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >>
			  (port % 64)) & 1);
	}
}

long evtchn_fifo_init_control(struct core *c, struct evtchn_init_control *a)
{
	a->link_bits = EVTCHN_FIFO_LINK_BITS;
	if (a->vcpu >= c->layout.nr_vcpus || a->vcpu >= EVTCHN_NR_VCPUS)
		return -XEN_ENOENT;
	if (a->offset > PAGE - sizeof(struct evtchn_fifo_control_block) || a->offset % 8)
		return -XEN_EINVAL; /* crosses the page; misaligned */
	struct evtchn_fifo_vcpu *v = &fifo(c)->vcpu[a->vcpu];
	if (v->control_set)
		return -XEN_EINVAL;
	long rc = hold_page(c, a->control_gfn);
	if (rc)
		return rc;
	core_memset(v, 0, sizeof *v); /* every queue empty */
	v->control_gfn = a->control_gfn;
	v->control_offset = a->offset;
	v->control_set = 1;
	if (!fifo(c)->active) {
		/* Published before the 2-level bits are read: a backend that
		 * still set one after sees FIFO on and raises it again
		 * (evtchn_raise_from_dom0). */
		__atomic_store_n(&fifo(c)->active, 1, __ATOMIC_SEQ_CST);
		take_over_2l(c);
	}
	return 0;
}

long evtchn_fifo_expand_array(struct core *c, const struct evtchn_expand_array *a)
{
	struct evtchn_fifo_state *f = fifo(c);
	if (!f->active)
		return -XEN_EOPNOTSUPP;
	uint32_t slot = f->nr_array_pages;
	if (slot >= EVTCHN_FIFO_ARRAY_PAGES)
		return -XEN_ENOSPC;
	long rc = hold_page(c, a->array_gfn);
	if (rc)
		return rc;
	f->array_gfn[slot] = a->array_gfn;
	f->nr_array_pages = slot + 1;
	/* Events raised while their word had no page are raised now. */
	for (uint32_t port = slot * WORDS_PER_PAGE;
	     port < (slot + 1) * WORDS_PER_PAGE && port < EVTCHN_NR_PORTS; port++) {
		struct evtchn_port *p = &c->st->evtchn.port[port];
		if (p->fifo_pending) {
			p->fifo_pending = 0;
			evtchn_fifo_set_pending(c, port);
		}
	}
	return 0;
}

void evtchn_fifo_destroy(struct core *c)
{
	struct evtchn_fifo_state *f = fifo(c);
	for (unsigned u = 0; u < c->layout.nr_vcpus && u < EVTCHN_NR_VCPUS; u++)
		if (f->vcpu[u].control_set)
			release_page(c, f->vcpu[u].control_gfn);
	for (uint32_t i = 0; i < f->nr_array_pages && i < EVTCHN_FIFO_ARRAY_PAGES; i++)
		release_page(c, f->array_gfn[i]);
	uint32_t offered = f->offered;
	__atomic_store_n(&f->active, 0, __ATOMIC_SEQ_CST);
	core_memset(f, 0, sizeof *f);
	f->offered = offered;
	for (uint32_t port = 0; port < EVTCHN_NR_PORTS; port++)
		c->st->evtchn.port[port].fifo_pending = 0;
}
