/*
 * Who made a hypercall, for the trace.  A kernel calls a stub that saves
 * %rcx and %r11 and then traps (`syscall`, or in the host trap path the
 * hypercall page's `out`), so the guest RIP the trap shows is the stub's
 * for every hypercall: Linux's xen_hypercall_pv since XSA-466, or entry n
 * of the page.  Under those two pushes is the stub's return address.
 */
#include "pv-shim/core/core.h"

#define GATE_BYTES 2 /* `syscall` (0f 05) or `out %al,$port` (e6 nn) */

static int bytes_are(const uint8_t *at, const uint8_t *want, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (at[i] != want[i])
			return 0;
	return 1;
}

uint64_t core_hypercall_caller(struct core *c, const struct trap_frame *f)
{
	/* push %rcx; push %r11, then the gate (Linux's stub) or
	 * mov $n,%eax and the gate (the hypercall page's entries). */
	static const uint8_t pushes[] = { 0x51, 0x41, 0x53 };
	static const uint8_t pushes_mov[] = { 0x51, 0x41, 0x53, 0xb8 };
	uint8_t b[8 + GATE_BYTES];
	uint64_t gate_end = f->rcx, caller;
	if (copy_insn_from_guest(c, b, gate_end - sizeof b, sizeof b))
		return gate_end;
	if (!bytes_are(b + 8 - sizeof pushes, pushes, sizeof pushes) &&
	    !bytes_are(b, pushes_mov, sizeof pushes_mov))
		return gate_end;
	if (copy_from_guest(c, &caller, f->rsp + 16, sizeof caller))
		return gate_end;
	return caller;
}
