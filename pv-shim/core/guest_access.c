/*
 * Copying to and from guest virtual addresses by walking the guest's own
 * page tables in software.  The walk is the guest's view as a CPL3 access
 * would see it: every level present and user-accessible, writable for
 * writes, no superpages (PV guests have none), and every frame it reaches
 * must be guest RAM — so a guest cannot point the core at the shim, at
 * shared_info or at memory it does not own.  Each entry is read once.
 * The tables are the guest kernel's, as Xen's copies run in guest kernel
 * context; only the bytes of an instruction that trapped are read through
 * the tables of the mode it ran in (a user process's own, which need not
 * map what the kernel's map, and the other way round).
 */
#include "pv-shim/core/core.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/shim_abi.h"

#define PTE_P    0x001ULL
#define PTE_RW   0x002ULL
#define PTE_US   0x004ULL
#define PTE_PS   0x080ULL
#define PTE_ADDR 0x000ffffffffff000ULL
#define PAGE_SIZE 4096ULL

/* Xen's reserved hole; the guest owns nothing in it. */
#define HOLE_START 0xffff800000000000ULL
#define HOLE_END   0xffff880000000000ULL

/* *writable: whether every level allows writes too. */
static int guest_va_to_gpa(struct core *c, uint64_t cr3, uint64_t va, int write,
			   uint64_t *gpa, unsigned *writable)
{
	uint64_t table = cr3 & PTE_ADDR;
	*writable = 1;
	for (int level = 3; level >= 0; level--) {
		unsigned idx = (va >> (12 + 9 * level)) & 511;
		const volatile uint64_t *entry =
			platform_guest_ram(c, table + idx * 8, 8);
		if (!entry)
			return -1;
		uint64_t e = *entry;
		if (!(e & PTE_P) || !(e & PTE_US) || (write && !(e & PTE_RW)))
			return -1;
		*writable &= (e & PTE_RW) != 0;
		if (level > 0 && (e & PTE_PS))
			return -1;
		table = e & PTE_ADDR;
	}
	*gpa = table | (va & (PAGE_SIZE - 1));
	return 0;
}

/*
 * The walk, or a recent one's answer for the same page of the same tables
 * while nothing has made it stale since (pt_generation, bumped by
 * mm_frames.c's walks_stale): in the shim each walk is a hundred
 * emulated instructions on these hosts, and a trap's copies (its bounce
 * frame, the runstate area, a hypercall's arguments) touch few pages.
 */
static int translate(struct core *c, uint64_t cr3, uint64_t va, int write, uint64_t *gpa)
{
	if (!core_is_canonical(va) || (va >= HOLE_START && va < HOLE_END))
		return -1;
	/* Without the frame table (unit tests of other parts) the core does
	 * not make every store, so nothing is cached. */
	unsigned cache = c->st->mm.active != 0;
	uint64_t generation = __atomic_load_n(&c->st->mm.pt_generation, __ATOMIC_SEQ_CST);
	uint64_t vpage = va & ~(PAGE_SIZE - 1);
	for (unsigned i = 0; cache && i < CORE_WALK_CACHE; i++) {
		const struct core_walk_cache *w = &c->walk[i];
		if (w->valid && w->generation == generation && w->cr3 == cr3 &&
		    w->vpage == vpage && (w->writable || !write)) {
			*gpa = w->gpage | (va & (PAGE_SIZE - 1));
			return 0;
		}
	}
	unsigned writable;
	if (guest_va_to_gpa(c, cr3, va, write, gpa, &writable))
		return -1;
	c->walk_next = (c->walk_next + 1) % CORE_WALK_CACHE;
	c->walk[c->walk_next] = (struct core_walk_cache){
		.generation = generation, .cr3 = cr3, .vpage = vpage,
		.gpage = *gpa & ~(PAGE_SIZE - 1), .valid = cache, .writable = writable,
	};
	return 0;
}

static int copy_guest(struct core *c, uint64_t cr3, uint64_t va, void *buf, size_t len,
		      int write)
{
	uint8_t *p = buf;
	if (len && va + (len - 1) < va)
		return -1; /* wraps past 2^64: the walk would go on at address 0 */
	while (len) {
		size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		uint64_t gpa;
		if (translate(c, cr3, va, write, &gpa))
			return -1;
		uint8_t *ram = platform_guest_ram(c, gpa, chunk);
		if (!ram)
			return -1;
		if (write)
			core_memcpy(ram, p, chunk);
		else
			core_memcpy(p, ram, chunk);
		p += chunk;
		va += chunk;
		len -= chunk;
	}
	return 0;
}

int copy_from_guest(struct core *c, void *dst, uint64_t va, size_t len)
{
	return copy_guest(c, core_vcpu(c)->cr3, va, dst, len, 0);
}

int copy_to_guest(struct core *c, uint64_t va, const void *src, size_t len)
{
	return copy_guest(c, core_vcpu(c)->cr3, va, (void *)src, len, 1);
}

int copy_insn_from_guest(struct core *c, void *dst, uint64_t va, size_t len)
{
	const struct core_vcpu *v = core_vcpu(c);
	/* User mode without user tables never runs (traps_enter_user refuses
	 * it): the kernel's are the only ones then. */
	uint64_t cr3 = !v->kernel_mode && v->user_cr3 ? v->user_cr3 : v->cr3;
	return copy_guest(c, cr3, va, dst, len, 0);
}
