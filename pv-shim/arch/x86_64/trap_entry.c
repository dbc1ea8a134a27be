/*
 * Guest trap path: trap_common calls here with the frame on the trap stack
 * and the core handles it in place.  A trap taken while the shim itself was
 * running (CPL0) is a shim bug: report it and stop rather than guess.
 */
#include "pv-shim/shim_abi.h"
#include "pv-shim/arch/x86_64/cpu.h"
#include "pv-shim/arch/x86_64/shim.h"

void shim_trap(struct trap_frame *f)
{
	struct core *c = shim_core_at(f);
	shim_serve_flush(c->vcpu); /* before anything can make it wait */
	if (f->vector == 14)
		core_vcpu(c)->cr2 = read_cr2();
	if ((f->cs & 3) == 0) {
		core_stop_fault(c, f, "fault inside the shim (CPL0)");
		outl(SHIM_PORT_STOP, 1);
		halt_forever();
	}
	if (core_handle_trap(c, f) == CORE_STOP) {
		outl(SHIM_PORT_STOP, 0);
		halt_forever();
	}
}
