/*
 * HYPERVISOR_set_trap_table: the guest's virtual IDT.  The list of struct
 * trap_info ends at the first entry whose address is 0; a null list clears
 * every gate.  Each entry is copied, then checked: the handler must be a
 * canonical guest address outside Xen's hole (-EINVAL, entries before it
 * kept, as Xen keeps them).  cs is ignored, as Xen ignores it for 64-bit
 * guests.  One call takes at most one entry per vector; Xen would take a
 * longer list through continuations, here it is -E2BIG after 256 entries.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/traps/traps.h"

long hypercall_set_trap_table(struct core *c, const uint64_t args[5])
{
	struct traps_vcpu *t = &core_vcpu(c)->traps;
	uint64_t va = args[0];
	if (!va) {
		core_memset(t->gate, 0, sizeof t->gate);
		return 0;
	}
	for (unsigned i = 0;; i++, va += sizeof(struct trap_info)) {
		struct trap_info ti;
		if (copy_from_guest(c, &ti, va, sizeof ti))
			return -XEN_EFAULT;
		if (ti.address == 0)
			return 0;
		if (i == TRAPS_NR_GATES)
			return -XEN_E2BIG;
		if (!traps_guest_address_ok(ti.address))
			return -XEN_EINVAL;
		t->gate[ti.vector] = (struct traps_gate){
			.address = ti.address,
			.flags = ti.flags & (TRAPS_GATE_DPL | TRAPS_GATE_MASK_EVENTS),
		};
	}
}
