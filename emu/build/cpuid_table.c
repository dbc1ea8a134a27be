/*
 * What plain `cpuid` says in the guest.  Under Xen a PV guest's user space
 * (and kernel, without the forced-emulation prefix) gets the same policy
 * as forced CPUID, through CPUID faulting; here the vCPU answers plain
 * `cpuid` from the table KVM_SET_CPUID2 gave it, so that table is KVM's
 * supported one filtered through the core's policy (cpuid_policy_apply),
 * and the guest kernel and its user space are told of the same CPU: XSAVE
 * and AVX as far as the XCR0 they run with goes, no FSGSBASE.  OSXSAVE is
 * the guest's starting CR4's; KVM then answers it from the vCPU's CR4,
 * which follows the guest's virtual one (platform_set_cr4_osxsave).
 */
#include <stdlib.h>
#include "pv-shim/core/emulate/cpuid_policy.h"
#include "emu/build/cpuid_table.h"

static int in_hypervisor_range(uint32_t leaf)
{
	return leaf >= XEN_CPUID_BASE && leaf < CPUID_HYPERVISOR_RANGE_END;
}

struct kvm_cpuid2 *cpuid_table_for_guest(const struct kvm_cpuid2 *supported,
					 const struct cpuid_xstate *x)
{
	size_t most = supported->nent + (XEN_CPUID_LAST - XEN_CPUID_BASE + 1);
	struct kvm_cpuid2 *t = calloc(1, sizeof *t + most * sizeof t->entries[0]);
	if (!t)
		return NULL;
	for (uint32_t i = 0; i < supported->nent; i++) {
		const struct kvm_cpuid_entry2 *s = &supported->entries[i];
		if (in_hypervisor_range(s->function))
			continue; /* KVM's signature and features: not Xen's */
		struct kvm_cpuid_entry2 *e = &t->entries[t->nent++];
		*e = *s;
		uint32_t r[4] = { e->eax, e->ebx, e->ecx, e->edx };
		cpuid_policy_apply(x, e->function, e->index, r);
		e->eax = r[0];
		e->ebx = r[1];
		e->ecx = r[2];
		e->edx = r[3];
	}
	for (uint32_t leaf = XEN_CPUID_BASE; leaf <= XEN_CPUID_LAST; leaf++) {
		struct kvm_cpuid_entry2 *e = &t->entries[t->nent++];
		uint32_t r[4] = { 0, 0, 0, 0 };
		cpuid_policy_apply(x, leaf, 0, r);
		*e = (struct kvm_cpuid_entry2){ .function = leaf, .eax = r[0],
			.ebx = r[1], .ecx = r[2], .edx = r[3] };
	}
	return t;
}
