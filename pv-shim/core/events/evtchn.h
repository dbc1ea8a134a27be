/*
 * Event channels: the domain's port table, and delivery either the 2-level
 * way (shared_info's pending and mask bitmaps, the notified vCPU's
 * selector) or, once
 * the guest asked for it with EVTCHNOP_init_control, the FIFO way
 * (evtchn_fifo.h: event words and per-priority queues in guest pages).
 */
#ifndef XENLET_CORE_EVTCHN_H
#define XENLET_CORE_EVTCHN_H

#include <stdint.h>
#include "pv-shim/shim_abi.h"

/* Enough for a PV kernel and its backends; the 2-level ABI allows 4096. */
#define EVTCHN_NR_PORTS 1024
#define EVTCHN_NR_VIRQS 24  /* NR_VIRQS of the public ABI */
#define EVTCHN_DOM0 0
/* vCPUs with FIFO queues of their own: all a domain may have
 * (CORE_MAX_VCPUS); init_control takes those the domain has. */
#define EVTCHN_NR_VCPUS SHIM_MAX_VCPUS
#define EVTCHN_NR_PRIORITIES 16 /* EVTCHN_FIFO_MAX_QUEUES */
/* Event-array pages that cover every port (1024 event words a page):
 * Xen's limit for a domain with this many ports. */
#define EVTCHN_FIFO_ARRAY_PAGES ((EVTCHN_NR_PORTS + 1023) / 1024)

enum evtchn_port_state {
	EVTCHN_FREE = 0,
	EVTCHN_UNBOUND,      /* waits for remote_dom to bind it */
	EVTCHN_INTERDOMAIN,  /* remote_dom:remote_port; dom0's are backends */
	EVTCHN_VIRQ,
	EVTCHN_IPI,
};

struct evtchn_port {
	uint8_t state;       /* enum evtchn_port_state */
	uint8_t vcpu;        /* notified vCPU (bind_virq/ipi/vcpu) */
	uint16_t virq;
	uint16_t remote_dom;
	uint8_t priority;       /* FIFO: the queue it joins when linked next */
	/* FIFO: raised while no event-array page covered it; raised again
	 * when one does (Xen's evtchn->pending). */
	uint8_t fifo_pending;
	uint32_t remote_port;
};

/* FIFO queues of one vCPU: HEADs live in its control block, the tails
 * only here (the port last linked on each, 0: never). */
struct evtchn_fifo_vcpu {
	uint64_t control_gfn;
	uint32_t control_offset;
	uint32_t control_set;   /* 1 once init_control named the block */
	uint32_t tail[EVTCHN_NR_PRIORITIES];
};

struct evtchn_fifo_state {
	uint32_t offered;       /* 0: `--evtchn 2l`, the FIFO ops say -ENOSYS */
	uint32_t active;        /* 1 from init_control to EVTCHNOP_reset */
	uint32_t nr_array_pages;
	uint32_t pad;
	uint64_t array_gfn[EVTCHN_FIFO_ARRAY_PAGES];
	struct evtchn_fifo_vcpu vcpu[EVTCHN_NR_VCPUS];
	/* Per port, the queue it was last made the tail of (1 + vCPU *
	 * EVTCHN_NR_PRIORITIES + priority; 0: none), so that linking it
	 * again forgets that tail without a look at every queue.  Whenever
	 * a tail holds a port, this names its queue; it may name one whose
	 * tail has moved on since, so it is checked against the tail. */
	uint16_t tail_queue[EVTCHN_NR_PORTS];
};

struct evtchn_state {
	uint16_t domid;                       /* this domain */
	uint16_t pad[3];
	/* Per vCPU, as Xen's virq_to_evtchn; a global VIRQ is bound on
	 * vCPU 0's (and may then notify another).  0: not bound. */
	uint16_t virq_port[EVTCHN_NR_VCPUS][EVTCHN_NR_VIRQS];
	struct evtchn_port port[EVTCHN_NR_PORTS];
	struct evtchn_fifo_state fifo;
	/* Ports dom0's backends raised (any launcher thread) while FIFO was
	 * on: only the core links queues, on the vCPU, so they wait here for
	 * its next way back to the guest (evtchn_take_dom0_raised). */
	uint64_t dom0_raised[EVTCHN_NR_PORTS / 64];
	/* Bit w: dom0_raised[w] may have bits set (set after them), so a
	 * trap that finds it 0 looks at no word (each look is emulated in
	 * the shim). */
	uint64_t dom0_raised_words;
};

struct core;

/* The vCPU port notifies: its own, read from core state, kept to the
 * domain's vCPUs (0 if the state was corrupted). */
unsigned evtchn_port_vcpu(const struct core *c, uint32_t port);

/* Ports the toolstack leaves bound to dom0's backends (xenstore, console):
 * interdomain with dom0, so a send reaches the launcher's backend; every
 * vCPU starts with events masked.  offer_fifo: EVTCHNOP_init_control and
 * friends work (Xen's default), else they say -ENOSYS and guests stay on
 * the 2-level ABI. */
void evtchn_domain_init(struct core *c, uint16_t domid, uint32_t store_port,
			uint32_t console_port, int offer_fifo);

/*
 * Marks port pending, the 2-level or the FIFO way; only the core calls
 * it, on any vCPU.  Returns 1 when the vCPU port notifies now has an
 * upcall to take (the port was not masked and nothing already announced
 * it), else 0; that vCPU, if not the caller, is kicked (woken from a
 * SCHEDOP_block/poll in any case, interrupted for the upcall).
 */
int evtchn_set_pending(struct core *c, uint32_t port);

/* Whether port is pending (SCHEDOP_poll), in the ABI in use. */
int evtchn_is_pending(struct core *c, uint32_t port);

/*
 * dom0's backend raises port, from any launcher thread: with the 2-level
 * ABI at once (atomic on shared_info), with FIFO noted in dom0_raised for
 * the core.  Returns 1 when the vCPU must be kicked to take it.
 */
int evtchn_raise_from_dom0(struct core *c, uint32_t port);

/* The core, on the vCPU: sets pending what dom0 raised since it last
 * looked (ports still bound to dom0 only). */
void evtchn_take_dom0_raised(struct core *c);

/* Whether dom0 raised anything the core has not taken yet: a hint for the
 * launcher's wake-ups and event interrupt, read from shim memory. */
int evtchn_dom0_raised_any(struct core *c);

/*
 * dom0's backend binds its end of port, which the guest allocated unbound
 * for dom0 (EVTCHNOP_alloc_unbound, remote_dom 0): the port becomes
 * interdomain with dom0, as the guest's end looks under Xen after the
 * backend's EVTCHNOP_bind_interdomain (dom0's port is numbered as the
 * guest's, like the xenstore and console ports the toolstack binds).
 * 0; -XEN_EBUSY: dom0 is bound to it already; -XEN_EINVAL: no such port,
 * or not unbound for dom0.  Domain lock held (dom0's handle may call it).
 */
int evtchn_bind_dom0(struct core *c, uint32_t port);

/* dom0 closes its end: a port interdomain with dom0 goes back to unbound
 * for dom0, as under Xen when the remote end closes, and the guest's
 * sends on it are dropped from then on; any other port is left alone.
 * Domain lock held (dom0's handle may call it). */
void evtchn_unbind_dom0(struct core *c, uint32_t port);

/* Raises virq on the port the calling vCPU has bound to it (global
 * VIRQs: vCPU 0's), if any; as evtchn_set_pending. */
int evtchn_raise_virq(struct core *c, unsigned virq);

#endif
