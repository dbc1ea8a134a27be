/*
 * `xgetbv` (0f 01 d0) that raised #UD: compat-mode code is emulated by
 * the project's hosts' KVM, whose emulator does not know the instruction,
 * where the CPU (and Xen) runs it natively.  32-bit C libraries run it at
 * start-up (busybox's static i386 libc does).  So the core answers as the
 * CPU would: with the guest's CR4.OSXSAVE set, XCR0 (ECX 0) is the one
 * CPL3 code runs with (core_layout.xcr0, what 64-bit user code reads);
 * XINUSE (ECX 1) is answered with the same bits, which the architecture
 * allows (a component may be reported in use when it is in its initial
 * state); any other ECX is #GP(0), as on the CPU.  Without OSXSAVE the
 * #UD stands.
 */
#include "pv-shim/core/emulate/emulate.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/traps/traps.h"

#define X86_VEC_GP 13

int emulate_xgetbv(struct core *c, struct trap_frame *f)
{
	uint8_t insn[3];
	if (copy_insn_from_guest(c, insn, f->rip, sizeof insn) || insn[0] != 0x0f ||
	    insn[1] != 0x01 || insn[2] != 0xd0 ||
	    !(guest_cr4_read(c) & GUEST_CR4_OSXSAVE) || !c->layout.xcr0)
		return -1;
	uint32_t which = (uint32_t)f->rcx;
	if (which > 1) {
		if (traps_deliver(c, f, 0, X86_VEC_GP, 1, 0))
			core_stop_fault(c, f, "guest xgetbv of an XCR that does not exist, "
					"and no #GP handler");
		return 0;
	}
	f->rax = (uint32_t)c->layout.xcr0;
	f->rdx = (uint32_t)(c->layout.xcr0 >> 32);
	f->rip += 3;
	return 0;
}
