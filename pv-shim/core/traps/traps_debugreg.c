/*
 * HYPERVISOR_set_debugreg / get_debugreg: the guest's debug registers, as
 * Xen keeps them for a PV vCPU.  Xen's checks: DR0-3 must be guest
 * addresses (-EPERM), DR6 and DR7 get their reserved bits forced, DR7 may
 * not set GD (-EPERM) nor I/O breakpoints (no CR4.DE for PV), DR4/DR5
 * alias DR6/DR7; any other register is -ENODEV.
 *
 * The values are the guest's view only: the breakpoints are not armed in
 * the CPU, so a guest gets no #DB from them (only TF single-steps reach
 * its handler).
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/core/departure.h"

#define DR6_RESET    0xffff0ff0ULL
#define DR6_ZERO     0xffffffff00001000ULL /* reserved 0: bit 12, upper half */
#define DR7_RESET    0x00000400ULL
#define DR7_ZERO     0xffffffff0000d800ULL /* reserved 0: bits 11, 12, 14, 15 */
#define DR7_GD       0x00002000ULL
#define DR7_ENABLES  0xffULL
#define DR7_TYPE_IO  2

static uint64_t dr6(const struct traps_vcpu *t)
{
	return t->debugregs_set ? t->dr6 : DR6_RESET;
}

static uint64_t dr7(const struct traps_vcpu *t)
{
	return t->debugregs_set ? t->dr7 : DR7_RESET;
}

/* An I/O breakpoint (R/W = 2) enabled in value. */
static int io_breakpoint(uint64_t value)
{
	for (unsigned i = 0; i < 4; i++)
		if (((value >> (2 * i)) & 3) && ((value >> (16 + 4 * i)) & 3) == DR7_TYPE_IO)
			return 1;
	return 0;
}

long hypercall_set_debugreg(struct core *c, const uint64_t args[5])
{
	struct traps_vcpu *t = &core_vcpu(c)->traps;
	uint64_t value = args[1];
	if (!t->debugregs_set) {
		t->dr6 = DR6_RESET;
		t->dr7 = DR7_RESET;
		t->debugregs_set = 1;
	}
	switch ((int)args[0]) {
	case 0: case 1: case 2: case 3:
		if (!traps_guest_address_ok(value))
			return -XEN_EPERM;
		t->dr[args[0] & 3] = value;
		return 0;
	case 4:
	case 6:
		t->dr6 = (value & ~DR6_ZERO) | DR6_RESET;
		return 0;
	case 5:
	case 7:
		value = (value & ~DR7_ZERO) | DR7_RESET;
		if ((value & DR7_GD) || ((value & DR7_ENABLES) && io_breakpoint(value)))
			return -XEN_EPERM;
		t->dr7 = value;
		if (value & DR7_ENABLES)
			core_departure(c, DEPARTURE_DEBUGREG_UNARMED, "set_debugreg(7) "
				       "enables a breakpoint this host never fires");
		return 0;
	default:
		return -XEN_ENODEV;
	}
}

long hypercall_get_debugreg(struct core *c, const uint64_t args[5])
{
	const struct traps_vcpu *t = &core_vcpu(c)->traps;
	switch ((int)args[0]) {
	case 0: case 1: case 2: case 3:
		return (long)t->dr[args[0] & 3];
	case 4:
	case 6:
		return (long)dr6(t);
	case 5:
	case 7:
		return (long)dr7(t);
	default:
		return -XEN_ENODEV;
	}
}
