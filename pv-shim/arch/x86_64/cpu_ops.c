/*
 * Page-table stores, TLB/CR3 operations and LDT loads at CPL0.  The core
 * running in the shim asks for them one at a time (platform_*); the core
 * running in the launcher resumes the vCPU in a chain of handlers that
 * make them (entry.S), which for a long queue calls
 * shim_apply_queued_cpu_ops().  Either way the stores are made by guest
 * code, which is what KVM here needs to see.
 */
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/arch/x86_64/cpu.h"
#include "pv-shim/arch/x86_64/shim.h"

static void store_pte(struct core *c, uint64_t maddr, uint64_t value)
{
	volatile uint64_t *pte = platform_guest_ram(c, maddr & ~7ULL, 8);
	if (pte)
		*pte = value;
}

/* Stores an entry again, as it is in RAM. */
static void restore_entry(struct core *c, uint64_t maddr)
{
	volatile uint64_t *pte = platform_guest_ram(c, maddr & ~7ULL, 8);
	if (pte)
		*pte = *pte;
}

/* Stores every entry of a table page again, as it is in RAM. */
static void restore_page(struct core *c, uint64_t maddr)
{
	volatile uint64_t *pte = platform_guest_ram(c, maddr & ~0xfffULL, 4096);
	for (unsigned i = 0; pte && i < 512; i++)
		pte[i] = pte[i];
}

static void apply(struct core *c, uint64_t kind, uint64_t addr, uint64_t value)
{
	switch (kind) {
	case SHIM_CPU_OP_RESTORE_ENTRY:
		restore_entry(c, addr);
		break;
	case SHIM_CPU_OP_INVLPG:
		invlpg(addr);
		break;
	case SHIM_CPU_OP_LOAD_CR3:
		write_cr3(value);
		break;
	case SHIM_CPU_OP_RESTORE_PAGE:
		restore_page(c, addr);
		break;
	case SHIM_CPU_OP_LOAD_LDT:
		load_ldt((uint16_t)value);
		break;
	}
}

void platform_write_pte(struct core *c, uint64_t maddr, uint64_t value)
{
	store_pte(c, maddr, value);
}

/* At CPL0 every store is seen: one like any other. */
void platform_write_entry(struct core *c, uint64_t maddr, uint64_t old, uint64_t value,
			  int leaf)
{
	(void)old;
	(void)leaf;
	platform_write_pte(c, maddr, value);
}

void platform_invlpg(struct core *c, uint64_t va)
{
	apply(c, SHIM_CPU_OP_INVLPG, va, 0);
}

void platform_flush_tlb(struct core *c)
{
	(void)c;
	write_cr3(read_cr3()); /* no global pages: this flushes everything */
}

void platform_load_cr3(struct core *c, uint64_t cr3)
{
	apply(c, SHIM_CPU_OP_LOAD_CR3, 0, cr3);
}

void platform_load_ldt(struct core *c, uint16_t selector)
{
	apply(c, SHIM_CPU_OP_LOAD_LDT, 0, selector);
}

size_t platform_cpu_ops_room(struct core *c)
{
	(void)c;
	return (size_t)-1; /* nothing is queued in here */
}

/* SHIM_CHAIN_APPLY_QUEUE, on the trap stack at sp: the whole queue the
 * launcher left in this vCPU's page. */
void shim_apply_queued_cpu_ops(const void *sp)
{
	struct core *c = shim_core_at(sp);
	struct shim_cpu_ops *q = (struct shim_cpu_ops *)SHIM_VA(shim_off_cpu_ops(c->vcpu));
	uint32_t n = q->count;
	if (n > SHIM_CPU_OPS_MAX)
		n = SHIM_CPU_OPS_MAX;
	for (uint32_t i = 0; i < n; i++)
		apply(c, q->op[i].kind, q->op[i].addr, q->op[i].value);
	if (q->flush_tlb)
		platform_flush_tlb(c);
	q->count = 0;
	q->flush_tlb = 0;
}
