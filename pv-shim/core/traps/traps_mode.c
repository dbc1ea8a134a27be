/*
 * The guest's kernel/user split.  Both run at CPL3; what tells them apart
 * is the top-level page table (the kernel's, or the one the guest gave as
 * MMUEXT_NEW_USER_BASEPTR) and the GS base (Xen swaps the kernel's and the
 * user's as swapgs would).  The core keeps both GS bases in the vCPU state,
 * but guest user code can change the live one itself (`wrgsbase` works at
 * CPL3 on hosts whose KVM runs it with the host's CR4), so leaving user
 * mode saves the CPU's GS base as the user's rather than trusting the
 * copy: the next return to user mode gives that process its own base back,
 * not a stale one.  The kernel's base is loaded from the copy: a PV kernel
 * is told there is no FSGSBASE and sets it through the core.
 *
 * Entering user mode is made on the trap's way back to the guest
 * (traps_finish_enter_user), not at the iret that asks for it: when the
 * way back bounces an event upcall (the iret unmasked events and one is
 * pending), the bounce enters kernel mode again and the two switches,
 * two CR3 loads and GS swaps that leave everything as it was (in the host
 * trap path a detour through the shim, and two KVM_SET_MSRS), cancel out
 * before either is made.  The guest sees what Xen gives it: the upcall's
 * frame is the user context's, on the kernel stack.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/shim_abi.h"

int traps_guest_address_ok(uint64_t va)
{
	uint64_t top = va >> 47;
	if (top != 0 && top != 0x1ffff)
		return 0;
	return va < TRAPS_HOLE_START || va >= TRAPS_HOLE_END;
}

static int switch_tables(struct core *c, const struct trap_frame *f, uint64_t cr3)
{
	if (platform_cpu_ops_room(c) < 1) {
		core_stop_fault(c, f, "guest mode switch: no room left for the CR3 "
			       "load in this exit (core bug)");
		return -1;
	}
	mm_load_cr3(c, cr3);
	return 0;
}

int traps_enter_kernel(struct core *c, const struct trap_frame *f)
{
	struct core_vcpu *v = core_vcpu(c);
	if (c->user_entry_deferred) {
		/* Back before user mode was entered: the CPU still has the
		 * kernel's tables and GS base, the user's copy is still his. */
		c->user_entry_deferred = 0;
		v->kernel_mode = 1;
		return 0;
	}
	if (switch_tables(c, f, v->cr3))
		return -1;
	v->gs_base_user = platform_get_segment_base(c, SEGMENT_BASE_GS);
	platform_set_guest_mode(c, 1, v->gs_base_kernel);
	v->kernel_mode = 1;
	return 0;
}

int traps_enter_user(struct core *c, const struct trap_frame *f)
{
	struct core_vcpu *v = core_vcpu(c);
	if (!v->user_cr3) {
		core_stop_fault(c, f, "guest iret to user mode without user page "
			       "tables (MMUEXT_NEW_USER_BASEPTR)");
		return -1;
	}
	v->kernel_mode = 0;
	c->user_entry_deferred = 1;
	return 0;
}

void traps_finish_enter_user(struct core *c, const struct trap_frame *f)
{
	if (!c->user_entry_deferred)
		return;
	c->user_entry_deferred = 0;
	struct core_vcpu *v = core_vcpu(c);
	if (switch_tables(c, f, v->user_cr3))
		return;
	platform_set_guest_mode(c, 0, v->gs_base_user);
}
