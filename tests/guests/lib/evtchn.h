/*
 * shared_info and 2-level event channels as a PV kernel starts with them:
 * shared_info mapped into the kernel's address space with every port
 * masked, and the event channel operations the guests make (as bare
 * `syscall`s, as Linux does since XSA-466).
 */
#ifndef GUEST_EVTCHN_H
#define GUEST_EVTCHN_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

/* Maps start_info's shared_info over a page of the framework's bss (as a
 * kernel maps it into its fixmap; ends the test if that is refused) and
 * masks every port, as a kernel does before it binds any.  Once per
 * guest: it would mask the ports bound since. */
struct shared_info *shared_info_map(void);

/* As Linux's 2-level upcall handler: clears vCPU 0's upcall flag, takes
 * the selector and clears each pending, unmasked port of its words, so
 * that the next event is a fresh upcall.  Returns the ports of word 0
 * (0..63, where the guests' ports are) it took. */
uint64_t evtchn_take_pending(struct shared_info *s);

long evtchn_op(int cmd, void *arg);

/* Registers callback (a TRAP_STUB entry, trap_entry.h) as the event
 * callback, masking events on entry as Linux registers it, and binds
 * VIRQ_TIMER on vCPU 0, unmasked; returns its port. */
evtchn_port_t evtchn_timer_upcalls(const void *callback);
long evtchn_send(evtchn_port_t port);
long evtchn_unmask(evtchn_port_t port);

/* A port of ours left unbound for domain remote to bind (a frontend's
 * EVTCHNOP_alloc_unbound for its backend); ends the test if refused. */
evtchn_port_t evtchn_alloc_unbound(domid_t remote);

static inline int evtchn_pending(const struct shared_info *s, evtchn_port_t port)
{
	return (__atomic_load_n(&s->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >>
		(port % 64)) & 1;
}

#endif
