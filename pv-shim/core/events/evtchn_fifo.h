/*
 * The FIFO event-channel ABI (evtchn.c switches to it at the guest's first
 * EVTCHNOP_init_control): an event word per port in guest pages the guest
 * hands over, LINKED events chained through their LINK fields into one
 * queue per priority, each queue's HEAD and the READY bits in the vCPU's
 * control block.  Only the core, on the vCPU, calls these.
 */
#ifndef XENLET_CORE_EVTCHN_FIFO_H
#define XENLET_CORE_EVTCHN_FIFO_H

#include <stdint.h>

struct core;
struct evtchn_init_control;
struct evtchn_expand_array;

/* The hypercalls; the argument checks and error codes are Xen's. */
long evtchn_fifo_init_control(struct core *c, struct evtchn_init_control *a);
long evtchn_fifo_expand_array(struct core *c, const struct evtchn_expand_array *a);

/* Marks port PENDING and links it unless MASKED or LINKED already;
 * returns 1 when its queue became READY (an upcall to take). */
int evtchn_fifo_set_pending(struct core *c, uint32_t port);
/* EVTCHNOP_unmask: clears MASKED and links the event if it is pending;
 * returns 1 when that made an upcall pending, as evtchn_fifo_set_pending. */
int evtchn_fifo_unmask(struct core *c, uint32_t port);
/* Closing: PENDING goes, a LINKED event stays for the guest to skip. */
void evtchn_fifo_clear_pending(struct core *c, uint32_t port);
int evtchn_fifo_is_pending(struct core *c, uint32_t port);
/* Still LINKED on a queue: the port may not be handed out again yet. */
int evtchn_fifo_is_busy(struct core *c, uint32_t port);
/* EVTCHNOP_reset: back to the 2-level ABI, every page released. */
void evtchn_fifo_destroy(struct core *c);

#endif
