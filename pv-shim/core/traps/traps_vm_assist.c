/*
 * HYPERVISOR_vm_assist(cmd, type): the assists Xen offers a 64-bit PV
 * guest can be turned on and off; any other type is -EINVAL, any other
 * command -ENOSYS, as in Xen.  The core records them; the parts of the
 * core an assist changes read traps.vm_assist.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"

#define VM_ASSIST_VALID ((1ULL << VMASST_TYPE_4gb_segments) | \
			 (1ULL << VMASST_TYPE_4gb_segments_notify) | \
			 (1ULL << VMASST_TYPE_writable_pagetables) | \
			 (1ULL << VMASST_TYPE_pae_extended_cr3) | \
			 (1ULL << VMASST_TYPE_architectural_iopl) | \
			 (1ULL << VMASST_TYPE_runstate_update_flag) | \
			 (1ULL << VMASST_TYPE_m2p_strict))

long hypercall_vm_assist(struct core *c, const uint64_t args[5])
{
	uint64_t cmd = args[0], type = args[1];
	if (type >= 64 || !(VM_ASSIST_VALID & (1ULL << type)))
		return -XEN_EINVAL;
	switch (cmd) {
	case VMASST_CMD_enable:
		c->st->traps.vm_assist |= 1ULL << type;
		return 0;
	case VMASST_CMD_disable:
		c->st->traps.vm_assist &= ~(1ULL << type);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}
