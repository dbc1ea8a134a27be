/*
 * Event channels, the 2-level ABI: the domain's port table, and delivery
 * through shared_info's pending and mask bitmaps and vCPU 0's selector.
 */
#ifndef XENLET_CORE_EVTCHN_H
#define XENLET_CORE_EVTCHN_H

#include <stdint.h>

/* Enough for a PV kernel and its backends; the 2-level ABI allows 4096. */
#define EVTCHN_NR_PORTS 1024
#define EVTCHN_NR_VIRQS 24  /* NR_VIRQS of the public ABI */
#define EVTCHN_DOM0 0

enum evtchn_port_state {
	EVTCHN_FREE = 0,
	EVTCHN_UNBOUND,      /* waits for remote_dom to bind it */
	EVTCHN_INTERDOMAIN,  /* remote_dom:remote_port; dom0's are backends */
	EVTCHN_VIRQ,
	EVTCHN_IPI,
};

struct evtchn_port {
	uint8_t state;       /* enum evtchn_port_state */
	uint8_t vcpu;        /* notified vCPU: always 0 for now */
	uint16_t virq;
	uint16_t remote_dom;
	uint16_t pad;
	uint32_t remote_port;
};

struct evtchn_state {
	uint16_t domid;                       /* this domain */
	uint16_t virq_port[EVTCHN_NR_VIRQS];  /* 0: not bound */
	struct evtchn_port port[EVTCHN_NR_PORTS];
};

struct core;

/* Ports the toolstack leaves bound to dom0's backends (xenstore, console):
 * interdomain with dom0, so a send reaches the launcher's backend; vCPU 0
 * starts with events masked. */
void evtchn_domain_init(struct core *c, uint16_t domid, uint32_t store_port,
			uint32_t console_port);

/*
 * Marks port pending the 2-level way.  Returns 1 when the vCPU now has an
 * upcall to take (the port was not masked and the vCPU had nothing pending
 * in that word before), else 0.
 */
int evtchn_set_pending(struct core *c, uint32_t port);

/* Raises virq on the port bound to it, if any; as evtchn_set_pending. */
int evtchn_raise_virq(struct core *c, unsigned virq);

#endif
