/*
 * HYPERVISOR_physdev_op: a domU without devices has little to ask.
 * PHYSDEVOP_set_iopl sets the kernel's I/O privilege, as in Xen (0-3, else
 * -EINVAL), which lets it do port I/O (emulate_io.c).  Every other
 * sub-op is -ENOSYS, reported once each.
 */
#include "pv-shim/core/xen_abi.h"
#include <xen/physdev.h>
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/departure.h"

long hypercall_physdev_op(struct core *c, const uint64_t args[5])
{
	struct traps_vcpu *t = &core_vcpu(c)->traps;
	if (args[0] == PHYSDEVOP_set_iopl) {
		struct physdev_set_iopl s;
		if (copy_from_guest(c, &s, args[1], sizeof s))
			return -XEN_EFAULT;
		if (s.iopl > 3)
			return -XEN_EINVAL;
		t->iopl = s.iopl;
		return 0;
	}
	if (args[0] == PHYSDEVOP_set_iobitmap)
		core_departure(c, DEPARTURE_IOBITMAP, "PHYSDEVOP_set_iobitmap: -ENOSYS "
			       "(Xen takes the guest's I/O bitmap)");
	uint32_t *logged = &c->st->traps.physdev_logged;
	if (args[0] < 32 && !(*logged & (1u << args[0]))) {
		*logged |= 1u << args[0];
		char line[96];
		core_format(line, sizeof line, "physdev_op %lu not implemented: -ENOSYS",
			    (unsigned long)args[0]);
		platform_log(c, line);
	}
	return -XEN_ENOSYS;
}
