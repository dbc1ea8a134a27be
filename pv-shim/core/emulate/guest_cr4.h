/*
 * The guest kernel's virtual CR4, as Xen keeps it for a PV vCPU: a few
 * bits the guest controls over a fixed set it sees but may not change.
 */
#ifndef XENLET_CORE_GUEST_CR4_H
#define XENLET_CORE_GUEST_CR4_H

#include <stdint.h>
#include "pv-shim/core/core.h"

#define GUEST_CR4_TSD     0x00000004ULL
#define GUEST_CR4_DE      0x00000008ULL
#define GUEST_CR4_OSXSAVE 0x00040000ULL
/* What a PV kernel always sees: OSXMMEXCPT OSFXSR PAE. */
#define GUEST_CR4_FIXED   0x00000620ULL

/* The guest-controlled bits a vCPU starts with (core_vcpu.cr4_guest):
 * OSXSAVE when XSAVE is offered, so that the kernel's CPUID shows it,
 * which Linux wants before it uses XSAVE. */
uint64_t guest_cr4_initial(const struct core_layout *l);

/* `mov from %cr4`. */
uint64_t guest_cr4_read(struct core *c);

/* `mov to %cr4`: takes the bits the guest controls, drops the others
 * (as Xen's does, without a fault), and puts OSXSAVE on the vCPU. */
void guest_cr4_write(struct core *c, uint64_t value);

#endif
