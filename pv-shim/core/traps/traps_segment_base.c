/*
 * HYPERVISOR_set_segment_base: the x86_64 PV kernel's way to set FS and
 * the two GS bases, which it cannot write at CPL3 (no FSGSBASE for PV).
 * The vCPU state keeps all three; the active GS base is the kernel's while
 * the guest kernel runs, and the mode switch loads the other.
 *
 * SEGBASE_GS_USER_SEL loads a selector into the user's GS, whose base then
 * comes from the descriptor: the guest's GDT (set_gdt) for its selectors,
 * 0 for a null one, Xen's flat ones above the guest's table, and LDT ones
 * (no LDT here).  CPL3 runs on the host's selectors, so only the base
 * matters.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/traps/traps.h"

long hypercall_set_segment_base(struct core *c, const uint64_t args[5])
{
	struct core_vcpu *v = core_vcpu(c);
	uint64_t base = args[1];
	if (args[0] == SEGBASE_GS_USER_SEL) {
		v->gs_base_user = traps_gdt_base(c, (uint16_t)base);
		return 0;
	}
	if (!core_is_canonical(base))
		return -XEN_EINVAL;
	switch (args[0]) {
	case SEGBASE_FS:
		v->fs_base = base;
		platform_set_segment_base(c, SEGMENT_BASE_FS, base);
		return 0;
	case SEGBASE_GS_USER:
		v->gs_base_user = base;
		return 0;
	case SEGBASE_GS_KERNEL:
		v->gs_base_kernel = base;
		platform_set_segment_base(c, SEGMENT_BASE_GS, base);
		return 0;
	default:
		return -XEN_EINVAL;
	}
}
