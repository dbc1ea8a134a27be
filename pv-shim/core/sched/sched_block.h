/* SCHEDOP_block and SCHEDOP_poll (sched_block.c). */
#ifndef XENLET_CORE_SCHED_BLOCK_H
#define XENLET_CORE_SCHED_BLOCK_H

#include <stdint.h>

struct core;

long sched_block(struct core *c);
long sched_poll(struct core *c, uint64_t arg);

#endif
