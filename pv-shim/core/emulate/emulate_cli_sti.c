/*
 * cli and sti from the guest.  It runs below CPL0, so they raise #GP;
 * Xen lets a kernel or user process with enough I/O privilege
 * (guest_iopl.c) execute them as no-ops and leaves its event mask alone: a PV kernel
 * masks events through vcpu_info, and code that brackets a few
 * instructions with pushf/cli/popf (Linux's cmpxchg16b emulation) must
 * simply run on.  Without the privilege they stay a #GP for the guest.
 */
#include "pv-shim/core/emulate/emulate.h"

#define OP_CLI 0xfa
#define OP_STI 0xfb

int emulate_cli_sti(struct core *c, const uint8_t insn[2], char *why, size_t whylen)
{
	if (insn[0] != OP_CLI && insn[0] != OP_STI)
		return 0;
	if (!guest_iopl_ok(c)) {
		core_format(why, whylen, "%s at I/O privilege %u (not enough for the mode)",
			    insn[0] == OP_CLI ? "cli" : "sti", core_vcpu(c)->traps.iopl);
		return -1;
	}
	return 1;
}
