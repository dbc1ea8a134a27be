/* The CPUID table the vCPU answers plain `cpuid` from. */
#ifndef XENLET_CPUID_TABLE_H
#define XENLET_CPUID_TABLE_H

#include <linux/kvm.h>
#include "pv-shim/core/emulate/cpuid_policy.h"

/* KVM's supported table with every entry under the PV policy for XSAVE
 * state x, KVM's own hypervisor leaves replaced by Xen's; malloc'd, NULL
 * if out of memory. */
struct kvm_cpuid2 *cpuid_table_for_guest(const struct kvm_cpuid2 *supported,
					 const struct cpuid_xstate *x);

#endif
