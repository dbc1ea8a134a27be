/* SCHEDOP_block and SCHEDOP_poll (sched_block.c). */
#ifndef XENLET_CORE_SCHED_BLOCK_H
#define XENLET_CORE_SCHED_BLOCK_H

#include <stdint.h>

struct core;

long sched_block(struct core *c);

/* For the platform's sleep, after it used up the wakes meant for it: an
 * upcall is pending for the vCPU (while it is up), or an event on a port
 * its SCHEDOP_poll waits on.  Read without the lock: senders make the
 * event pending before they wake the vCPU, so nothing is missed. */
int sched_wake_due(struct core *c);

/* The vCPU sleeps (platform_block) without the domain lock, so the other
 * vCPUs run the core meanwhile; whatever the caller read from core state
 * before may have changed when it returns. */
void sched_sleep(struct core *c);
long sched_poll(struct core *c, uint64_t arg);

#endif
