/*
 * `xsetbv` from the guest kernel (0f 01 d1, a #GP at CPL3), as Xen's
 * handle_xsetbv takes it for a PV vCPU: XCR0 only (ECX 0), with the
 * guest's CR4.OSXSAVE set, and a value Xen would accept.
 *
 * Where this departs from Xen: the only value accepted is the XCR0 guest
 * CPL3 code already runs with (core_layout.xcr0), not any valid subset of
 * it.  On the project's machines XCR0 cannot be changed from here (CPL3
 * runs with the host's), and a smaller one would leave components the
 * CPU lets user space use that the kernel then does not save between its
 * processes.  A kernel that wants fewer gets Xen's #GP for an invalid
 * value and must do without XSAVE.  Nothing is loaded into the CPU: the
 * vCPU already has that XCR0 (the launcher gave it with KVM_SET_XCRS).
 */
#include "pv-shim/core/emulate/cpuid_policy.h"
#include "pv-shim/core/emulate/emulate.h"
#include "pv-shim/core/emulate/guest_cr4.h"

int emulate_xsetbv(struct core *c, struct trap_frame *f, const uint8_t insn[2],
		   char *why, size_t whylen)
{
	uint8_t modrm;
	if (insn[0] != 0x0f || insn[1] != 0x01)
		return 0;
	if (copy_from_guest(c, &modrm, f->rip + 2, 1)) {
		core_format(why, whylen, "instruction bytes unreadable");
		return -1;
	}
	if (modrm != 0xd1)
		return 0;
	uint64_t value = ((f->rdx & 0xffffffffULL) << 32) | (f->rax & 0xffffffffULL);
	uint64_t xcr0 = cpuid_policy_xcr0(c->layout.xcr0);
	if ((uint32_t)f->rcx != 0 || !(guest_cr4_read(c) & GUEST_CR4_OSXSAVE) ||
	    !xcr0 || value != xcr0) {
		core_format(why, whylen, "xsetbv xcr%u <- %#lx refused (only xcr0 <- %#lx)",
			    (uint32_t)f->rcx, (unsigned long)value, (unsigned long)xcr0);
		return -1;
	}
	return 3;
}
