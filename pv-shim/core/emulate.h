/* Emulation of the privileged instructions a PV kernel may use. */
#ifndef XENLET_CORE_EMULATE_H
#define XENLET_CORE_EMULATE_H

#include "pv-shim/core/core.h"

/* For a #GP from the guest kernel: emulates the instruction at f->rip and
 * advances past it (0), or says in why what it could not do (-1). */
int emulate_privileged(struct core *c, struct trap_frame *f, char *why, size_t whylen);

/* For a #UD from the guest kernel: if f->rip holds Xen's forced-emulation
 * CPUID, emulates it under the PV policy and advances (0); else -1. */
int emulate_forced_cpuid(struct core *c, struct trap_frame *f);

/* CPUID leaf/subleaf as the PV guest may see it. */
void cpuid_for_guest(struct core *c, uint32_t leaf, uint32_t subleaf, uint32_t r[4]);

#endif
