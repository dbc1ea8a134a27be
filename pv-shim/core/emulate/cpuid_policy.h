/*
 * The PV CPUID policy, one definition for every way a guest can ask: the
 * forced-emulation CPUID the core answers (cpuid_for_guest) and the plain
 * `cpuid` the vCPU answers itself, whose table the launcher filters
 * through the same function before KVM_SET_CPUID2 (emu/build/cpuid_table.c).
 */
#ifndef XENLET_CORE_CPUID_POLICY_H
#define XENLET_CORE_CPUID_POLICY_H

#include <stdint.h>

/* Xen's hypervisor leaves, XEN_CPUID_BASE to XEN_CPUID_LAST; the range
 * up to CPUID_HYPERVISOR_RANGE_END is the policy's alone (no CPU values). */
#define XEN_CPUID_BASE 0x40000000u
#define XEN_CPUID_LAST (XEN_CPUID_BASE + 5)
#define CPUID_HYPERVISOR_RANGE_END (XEN_CPUID_BASE + 0x10000u)

/* XCR0 components the policy can offer: each has CPUID features the PV
 * kernel is told of, so it enables the component (Linux enables only
 * components whose features it sees).  x87 and SSE are always needed. */
#define XSTATE_X87       0x01u
#define XSTATE_SSE       0x02u
#define XSTATE_YMM       0x04u
#define XSTATE_AVX512    0xe0u /* opmask, ZMM_Hi256, Hi16_ZMM: all or none */
#define XSTATE_OFFERABLE (XSTATE_X87 | XSTATE_SSE | XSTATE_YMM | XSTATE_AVX512)

/* The XSAVE state a guest is offered. */
struct cpuid_xstate {
	uint64_t xcr0;    /* the XCR0 guest CPL3 code runs with; 0: no XSAVE */
	uint32_t size;    /* bytes of a standard-format XSAVE area for xcr0 */
	uint32_t compacted_size; /* the same in XSAVEC's compacted format */
	uint32_t osxsave; /* the guest's virtual CR4.OSXSAVE */
};

/* XCR0 as the policy can offer it, from the one CPL3 code runs with:
 * itself when every component in it is one the policy can describe
 * (XSTATE_OFFERABLE, AVX-512's three together over YMM), else 0 (no
 * XSAVE: a kernel told of fewer components would not save the rest). */
uint64_t cpuid_policy_xcr0(uint64_t cpl3_xcr0);

/* r[eax..edx] holds what the CPU says for leaf/subleaf; leaves it as the
 * PV guest with XSAVE state x may see it.  Applying it twice changes
 * nothing more. */
void cpuid_policy_apply(const struct cpuid_xstate *x, uint32_t leaf,
			uint32_t subleaf, uint32_t r[4]);

#endif
