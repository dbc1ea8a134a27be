/*
 * The PV CPUID policy, one definition for every way a guest can ask: the
 * forced-emulation CPUID the core answers (cpuid_for_guest) and the plain
 * `cpuid` the vCPU answers itself, whose table the launcher filters
 * through the same function before KVM_SET_CPUID2 (emu/cpuid_table.c).
 */
#ifndef XENLET_CORE_CPUID_POLICY_H
#define XENLET_CORE_CPUID_POLICY_H

#include <stdint.h>

/* Xen's hypervisor leaves, XEN_CPUID_BASE to XEN_CPUID_LAST; the range
 * up to CPUID_HYPERVISOR_RANGE_END is the policy's alone (no CPU values). */
#define XEN_CPUID_BASE 0x40000000u
#define XEN_CPUID_LAST (XEN_CPUID_BASE + 5)
#define CPUID_HYPERVISOR_RANGE_END (XEN_CPUID_BASE + 0x10000u)

/* r[eax..edx] holds what the CPU says for leaf/subleaf; leaves it as the
 * PV guest may see it.  Applying it twice changes nothing more. */
void cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, uint32_t r[4]);

#endif
