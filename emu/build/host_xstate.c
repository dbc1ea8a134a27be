/*
 * What XCR0 guest CPL3 code runs with.  The KVM on the project's machines
 * runs it with the host's XCR0 whatever the vCPU's (README), and on
 * VT-x/AMD-V the vCPU is given the same value (KVM_SET_XCRS), so the
 * launcher, a process on the same host, measures it with its own
 * `xgetbv`.  The host's CPUID leaf 0xd.0 EBX is then the size of the
 * XSAVE area for exactly that XCR0.  The compacted size is summed from
 * the components' subleaves, as the CPU lays them out for XSAVEC: the
 * host's own 0xd.1 EBX would count its supervisor (XSS) states too.
 */
#include <cpuid.h>
#include "pv-shim/core/emulate/cpuid_policy.h"
#include "emu/build/host_xstate.h"

#define CPUID1_ECX_OSXSAVE   (1u << 27)
#define XSAVE_LEGACY_AND_HDR 576u       /* FXSAVE image and XSAVE header */
#define XSTATE_ALIGN64       (1u << 1)  /* leaf 0xd.i ECX */

static uint32_t compacted(uint64_t xcr0)
{
	uint32_t end = XSAVE_LEGACY_AND_HDR;
	for (unsigned i = 2; i < 64; i++) {
		if (!((xcr0 >> i) & 1))
			continue;
		unsigned a, b, c, d;
		__cpuid_count(0xd, i, a, b, c, d);
		if (c & XSTATE_ALIGN64)
			end = (end + 63) & ~63u;
		end += a;
	}
	return end;
}

void host_xstate(uint64_t *xcr0, uint32_t *size, uint32_t *compacted_size)
{
	unsigned a, b, c, d;
	*xcr0 = 0;
	*size = *compacted_size = 0;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & CPUID1_ECX_OSXSAVE) ||
	    __get_cpuid_max(0, 0) < 0xd)
		return;
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	*xcr0 = cpuid_policy_xcr0(((uint64_t)hi << 32) | lo);
	if (!*xcr0)
		return;
	__cpuid_count(0xd, 0, a, b, c, d);
	*size = b;
	*compacted_size = compacted(*xcr0);
}
