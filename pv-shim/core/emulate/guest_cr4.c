/*
 * The guest's virtual CR4.  As in Xen, a PV kernel controls a few bits
 * and sees a fixed rest, and a write of anything else is dropped rather
 * than faulted (Xen's pv_fixup_guest_cr4).  The bits it controls are
 * those Xen lets it have under this policy: TSD; DE when CPUID offers it
 * (as Xen does to every guest, from the CPU's); OSXSAVE when XSAVE is
 * offered.  FSGSBASE, which Xen allows only when CPUID offers it, is
 * dropped, as the policy hides it.  DE changes what the guest's debug
 * registers accept (traps_debugreg.c): DR4/DR5 stop aliasing DR6/DR7 and
 * DR7 may enable I/O breakpoints.
 *
 * OSXSAVE also goes to the vCPU's real CR4, so that plain `cpuid` (which
 * the CPU answers from its CR4) agrees with the policy's.  TSD stays in
 * the guest's view: CPL3 code on the project's machines runs with the
 * host's CR4, and rdtsc is not emulated.
 */
#include "pv-shim/core/emulate/cpuid_policy.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/platform.h"

#define LEAF1_EDX_DE 0x4u

static uint64_t writable(struct core *c)
{
	uint32_t r[4];
	platform_cpuid(c, 1, 0, r);
	return GUEST_CR4_TSD | (r[3] & LEAF1_EDX_DE ? GUEST_CR4_DE : 0) |
		(cpuid_policy_xcr0(c->layout.xcr0) ? GUEST_CR4_OSXSAVE : 0);
}

uint64_t guest_cr4_initial(const struct core_layout *l)
{
	return cpuid_policy_xcr0(l->xcr0) ? GUEST_CR4_OSXSAVE : 0;
}

uint64_t guest_cr4_read(struct core *c)
{
	return GUEST_CR4_FIXED | (core_vcpu(c)->cr4_guest & writable(c));
}

void guest_cr4_write(struct core *c, uint64_t value)
{
	uint64_t old = guest_cr4_read(c), cr4 = value & writable(c);
	core_vcpu(c)->cr4_guest = cr4;
	if ((old ^ cr4) & GUEST_CR4_OSXSAVE)
		platform_set_cr4_osxsave(c, (cr4 & GUEST_CR4_OSXSAVE) != 0);
}
