/*
 * The guest's debug registers, as Xen keeps them for a PV vCPU, written
 * and read by HYPERVISOR_set_debugreg / get_debugreg and by `mov` to and
 * from %drN in the guest kernel (emulate_privileged.c), which Xen runs
 * through the same rules.  Xen's checks: DR0-3 must be guest addresses
 * (-EPERM); DR6 and DR7 must have a clear upper half (-EINVAL) and get
 * their reserved bits forced; DR7 may not set GD (-EPERM), nor enable an
 * I/O breakpoint unless the guest's CR4.DE is set (-EPERM); with DE the
 * I/O breakpoints' enables are kept apart (Xen emulates them, the CPU
 * never sees them) and read back with DR7.  DR4/DR5 alias DR6/DR7 while
 * CR4.DE is clear and are -ENODEV with it, as any other register is.
 *
 * The values are the guest's view only: the breakpoints are not armed in
 * the CPU (this host's KVM does not load debug registers for CPL3 code),
 * so a guest gets no #DB from them; only TF single-steps reach its
 * handler.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/core/departure.h"

#define DR6_RESET    0xffff0ff0ULL
#define DR6_ZERO     0x00001000ULL /* reserved 0: bit 12 */
#define DR7_RESET    0x00000400ULL
#define DR7_ZERO     0x0000d800ULL /* reserved 0: bits 11, 12, 14, 15 */
#define DR7_GD       0x00002000ULL
#define DR7_ENABLES  0xffULL
#define DR7_TYPE_IO  2

static uint64_t dr6(const struct traps_vcpu *t)
{
	return t->debugregs_set ? t->dr6 : DR6_RESET;
}

static uint64_t dr7(const struct traps_vcpu *t)
{
	return t->debugregs_set ? t->dr7 | t->dr7_io : DR7_RESET;
}

static int cr4_de(struct core *c)
{
	return (guest_cr4_read(c) & GUEST_CR4_DE) != 0;
}

/* The L/G enable bits of value's I/O breakpoints (R/W = 2). */
static uint64_t io_breakpoint_enables(uint64_t value)
{
	uint64_t enables = 0;
	for (unsigned i = 0; i < 4; i++)
		if (((value >> (16 + 4 * i)) & 3) == DR7_TYPE_IO)
			enables |= value & (3ULL << (2 * i));
	return enables;
}

static long set_dr7(struct core *c, struct traps_vcpu *t, uint64_t value)
{
	if (value >> 32)
		return -XEN_EINVAL;
	value = (value & ~DR7_ZERO) | DR7_RESET;
	if (value & DR7_GD)
		return -XEN_EPERM;
	uint64_t io = 0;
	if (value & DR7_ENABLES) {
		io = io_breakpoint_enables(value);
		if (io && !cr4_de(c))
			return -XEN_EPERM;
	}
	t->dr7_io = io;
	t->dr7 = value & ~io;
	if (value & DR7_ENABLES)
		core_departure(c, DEPARTURE_DEBUGREG_UNARMED, "set_debugreg(7) "
			       "enables a breakpoint this host never fires");
	return 0;
}

long traps_set_debugreg(struct core *c, unsigned reg, uint64_t value)
{
	struct traps_vcpu *t = &core_vcpu(c)->traps;
	if (!t->debugregs_set) {
		t->dr6 = DR6_RESET;
		t->dr7 = DR7_RESET;
		t->dr7_io = 0;
		t->debugregs_set = 1;
	}
	switch (reg) {
	case 0: case 1: case 2: case 3:
		if (!traps_guest_address_ok(value))
			return -XEN_EPERM;
		t->dr[reg] = value;
		return 0;
	case 4:
		if (cr4_de(c))
			return -XEN_ENODEV;
		/* fall through */
	case 6:
		if (value >> 32)
			return -XEN_EINVAL;
		t->dr6 = (value & ~DR6_ZERO) | DR6_RESET;
		return 0;
	case 5:
		if (cr4_de(c))
			return -XEN_ENODEV;
		/* fall through */
	case 7:
		return set_dr7(c, t, value);
	default:
		return -XEN_ENODEV;
	}
}

int traps_get_debugreg(struct core *c, unsigned reg, uint64_t *value)
{
	const struct traps_vcpu *t = &core_vcpu(c)->traps;
	switch (reg) {
	case 0: case 1: case 2: case 3:
		*value = t->dr[reg];
		return 0;
	case 4:
	case 5:
		if (cr4_de(c))
			return -1;
		*value = reg == 4 ? dr6(t) : dr7(t);
		return 0;
	case 6:
		*value = dr6(t);
		return 0;
	case 7:
		*value = dr7(t);
		return 0;
	default:
		return -1;
	}
}

/* Xen's register argument is an int: a negative one is no register. */
long hypercall_set_debugreg(struct core *c, const uint64_t args[5])
{
	return traps_set_debugreg(c, (unsigned)(int)args[0], args[1]);
}

long hypercall_get_debugreg(struct core *c, const uint64_t args[5])
{
	uint64_t value;
	if (traps_get_debugreg(c, (unsigned)(int)args[0], &value))
		return -XEN_ENODEV;
	return (long)value;
}
