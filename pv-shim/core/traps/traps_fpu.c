/*
 * The guest's virtual CR0.TS (HYPERVISOR_fpu_taskswitch), for kernels that
 * switch FPU state lazily: while it is set, the guest's next x87/SSE
 * instruction must raise #NM in the guest.  The core sets the real CR0.TS
 * through the platform; the #NM that follows clears the real bit and, if
 * the guest had asked for it, goes to the guest with the virtual bit
 * cleared, as Xen does.  An #NM the guest did not ask for just resumes.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/core/departure.h"

long hypercall_fpu_taskswitch(struct core *c, const uint64_t args[5])
{
	int set = (int)args[0] != 0;
	core_vcpu(c)->traps.cr0_ts = (uint32_t)set;
	platform_set_cr0_ts(c, set);
	if (set)
		core_departure(c, DEPARTURE_FPU_TASKSWITCH, "fpu_taskswitch(1): "
			       "this host runs CPL3 without CR0.TS, no #NM follows");
	return 0;
}

int traps_fpu_fault(struct core *c)
{
	struct traps_vcpu *t = &core_vcpu(c)->traps;
	platform_set_cr0_ts(c, 0);
	if (!t->cr0_ts)
		return 0;
	t->cr0_ts = 0;
	return 1;
}
