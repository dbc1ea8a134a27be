/*
 * MMUEXT_SET_LDT: the guest's LDT made the vCPU's.  Its descriptors are
 * copied into the vCPU's GDT page (shim_abi.h), each one checked and fixed
 * up as Xen checks a descriptor page; one Xen would not take, or a table
 * the core cannot read, is left not present there, so using it faults in
 * the guest as it would under Xen when its page is first used.  Xen keeps
 * the LDT across the guest's kernel/user switches, and so does the CPU.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/departure.h"

#define DESC_LDT_TYPE   0x2ULL
#define DESC_P          (1ULL << 47)

/* The 16-byte system descriptor of an LDT at base with nr_ents entries. */
static void ldt_descriptor(uint64_t *d, uint64_t base, uint64_t nr_ents)
{
	uint64_t limit = nr_ents * 8 - 1;
	d[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (DESC_LDT_TYPE << 40) |
	       DESC_P | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	d[1] = base >> 32;
}

long traps_set_ldt(struct core *c, uint64_t base, uint64_t nr_ents)
{
	struct traps_vcpu *t = &core_vcpu(c)->traps;
	if (nr_ents > SHIM_LDT_MAX) {
		core_departure(c, DEPARTURE_LDT_TOO_LARGE, "MMUEXT_SET_LDT of more "
			       "entries than the shim holds: -ENOSYS");
		return -XEN_ENOSYS;
	}
	if (nr_ents == 0 && t->ldt_ents == 0)
		return 0; /* nothing loaded, nothing to load */
	uint64_t *gdt = platform_shim_page(c, shim_off_gdt(c->vcpu));
	uint64_t *ldt = gdt + SHIM_GDT_LDT_FIRST;
	uint64_t copy[SHIM_LDT_MAX];
	int readable = nr_ents && !copy_from_guest(c, copy, base, nr_ents * 8);
	/* The old table's entries too: none may outlive it. */
	uint64_t clear = t->ldt_ents > nr_ents ? t->ldt_ents : nr_ents;
	if (clear > SHIM_LDT_MAX)
		clear = SHIM_LDT_MAX; /* the core state is guest-reachable memory */
	for (uint64_t i = 0; i < clear; i++) {
		uint64_t d = i < nr_ents && readable ? copy[i] : 0;
		ldt[i] = traps_descriptor_check(&d) ? d : 0;
	}
	if (nr_ents)
		ldt_descriptor(&gdt[SHIM_GDT_OWN_INDEX(SHIM_SEL_LDT)],
			       shim_gdt_window(c->vcpu) + SHIM_GDT_XEN_PAGE * 0x1000ULL +
				       SHIM_GDT_LDT_FIRST * 8, nr_ents);
	t->ldt_ents = (uint32_t)nr_ents;
	platform_load_ldt(c, nr_ents ? SHIM_SEL_LDT : 0);
	return 0;
}
