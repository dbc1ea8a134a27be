/*
 * Xen's iopl_ok: may the guest, in the mode it runs in, execute cli/sti
 * and port I/O?  Its virtual IOPL (PHYSDEVOP_set_iopl, or what iret loads
 * under VMASST_TYPE_architectural_iopl: traps_vm_assist.c) is compared
 * with the ring Xen takes it to run at: the kernel at 1 (Xen's PV kernel
 * ring of old), or at 0 with architectural_iopl, whose IOPL then means
 * what it means on hardware; user mode at 3.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/emulate/emulate.h"

int guest_iopl_ok(struct core *c)
{
	const struct core_vcpu *v = core_vcpu(c);
	unsigned ring = 3;
	if (v->kernel_mode)
		ring = c->st->traps.vm_assist & (1ULL << VMASST_TYPE_architectural_iopl) ? 0 : 1;
	return ring <= v->traps.iopl;
}
