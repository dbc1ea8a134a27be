/* Other vCPUs' lives: VCPUOP_initialise's context and the start from it
 * (vcpu_context.c); up, down and is_up (vcpu_updown.c). */
#ifndef XENLET_CORE_VCPU_CONTEXT_H
#define XENLET_CORE_VCPU_CONTEXT_H

#include "pv-shim/core/core.h"

/* VCPUOP_initialise(target, arg): 0 or a Xen errno (-EEXIST once it has
 * a context). */
long vcpu_initialise(struct core *c, unsigned target, uint64_t arg);

/* The vCPU the core runs for starts (CORE_VEC_START): f becomes the
 * context VCPUOP_initialise gave it. */
void vcpu_start_frame(struct core *c, struct trap_frame *f);

/* VCPUOP_up / VCPUOP_down / VCPUOP_is_up of target. */
long vcpu_up(struct core *c, unsigned target);
long vcpu_down(struct core *c, unsigned target);
long vcpu_is_up(struct core *c, unsigned target);

/* On the way back to the guest (to f): a vCPU that is down sleeps here
 * until VCPUOP_up (or the domain stops), then flushes its TLB. */
void vcpu_wait_while_down(struct core *c, const struct trap_frame *f);

#endif
