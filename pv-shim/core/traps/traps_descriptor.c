/*
 * Xen's check of one segment descriptor a 64-bit PV guest gives it, in a
 * set_gdt frame or through update_descriptor: what is refused, and the
 * fix-ups made to what is taken (the descriptor is stored fixed up).
 *
 * The guest kernel runs at ring 3, so a DPL below 3 is raised to 3: no
 * descriptor the guest writes gives ring 0 or 1 anything.  Code and data
 * segments are taken as they are otherwise (no base or limit checks in
 * long mode); a not-present descriptor always faults, so it is taken
 * unchanged, as is type 0, the upper half of a call gate.  Of the system
 * types only call gates are taken, and only to a selector of the guest's
 * own (its GDT below Xen's reserved entries, its LDT, or FLAT_KERNEL_CS),
 * never to Xen's ring 0 selectors; their DPL is forced to 0 so that using
 * one faults (Xen emulates them from the #GP), the original DPL kept in
 * the target selector's RPL, and their reserved bits must be clear.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/traps/traps.h"

#define DESC_S            (1ULL << 44)
#define DESC_P            (1ULL << 47)
#define DESC_DPL_SHIFT    45
#define DESC_DPL          (3ULL << DESC_DPL_SHIFT)
#define DESC_TYPE(d)      (((d) >> 40) & 0xf)
#define TYPE_CALL_GATE    0xc
#define GATE_SEL_SHIFT    16
#define GATE_SEL          (0xffffULL << GATE_SEL_SHIFT)
#define GATE_RESERVED     (0xffULL << 32)
#define GUEST_KERNEL_RPL  3
#define SEL_LDT           4

static int gate_target_ok(uint16_t sel)
{
	return (sel >> 3) < FIRST_RESERVED_GDT_ENTRY || sel == FLAT_KERNEL_CS ||
	       (sel & SEL_LDT);
}

int traps_descriptor_check(uint64_t *desc)
{
	uint64_t d = *desc;
	if (!(d & DESC_P))
		return 1;
	unsigned dpl = (unsigned)((d & DESC_DPL) >> DESC_DPL_SHIFT);
	if (dpl < GUEST_KERNEL_RPL)
		dpl = GUEST_KERNEL_RPL;
	if (d & DESC_S) {
		*desc = (d & ~DESC_DPL) | ((uint64_t)dpl << DESC_DPL_SHIFT);
		return 1;
	}
	if (DESC_TYPE(d) == 0)
		return 1;
	if (DESC_TYPE(d) != TYPE_CALL_GATE)
		return 0;
	uint16_t sel = (uint16_t)((d & GATE_SEL) >> GATE_SEL_SHIFT);
	if (!gate_target_ok(sel) || (d & GATE_RESERVED))
		return 0;
	sel = (uint16_t)((sel & ~3u) | dpl);
	*desc = (d & ~(DESC_DPL | GATE_SEL)) | ((uint64_t)sel << GATE_SEL_SHIFT);
	return 1;
}
