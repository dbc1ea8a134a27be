/*
 * HYPERVISOR_vm_assist(cmd, type): the assists Xen offers a 64-bit PV
 * guest can be turned on and off; any other type is -EINVAL, any other
 * command -ENOSYS, as in Xen.  The core records them; the parts of the
 * core an assist changes read traps.vm_assist.
 *
 * architectural_iopl is the one whose effect lives here: the guest's
 * virtual IOPL then behaves as RFLAGS.IOPL does on hardware, loaded by
 * every iret (HYPERVISOR_iret's rflags) and saved in every frame Xen
 * builds for the guest, so that a kernel running at its ring 0 keeps
 * each process's IOPL with its rflags.  Who may use it: guest_iopl.c.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/traps/traps.h"

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

#define RFLAGS_IOPL_SHIFT 12

static int architectural_iopl(struct core *c)
{
	return (c->st->traps.vm_assist >> VMASST_TYPE_architectural_iopl) & 1;
}

void traps_iret_loads_iopl(struct core *c, uint64_t rflags)
{
	if (architectural_iopl(c))
		core_vcpu(c)->traps.iopl = (rflags >> RFLAGS_IOPL_SHIFT) & 3;
}

uint64_t traps_frame_iopl(struct core *c)
{
	if (!architectural_iopl(c))
		return 0;
	return (uint64_t)(core_vcpu(c)->traps.iopl & 3) << RFLAGS_IOPL_SHIFT;
}
