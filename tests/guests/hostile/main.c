/*
 * hostile: a guest kernel that attacks the isolation rules
 * (docs/threat-model.md), and checks each attack fails the way Xen makes
 * it fail while the domain goes on working:
 *
 *  - the xenstore and console rings (written by dom0 for the domain's
 *    life) with the guest's own writable mapping dropped: no pin as
 *    L1..L4, no L2 entry making one an L1, no NEW_BASEPTR or
 *    NEW_USER_BASEPTR to one; mapping them read-write again works, and
 *    both rings still carry traffic (an XS_READ answered, a console line);
 *  - frames past guest RAM (the shim region), by mmu_update and
 *    update_va_mapping, as L1 and L2 entries;
 *  - a writable mapping dropped without a flush, the frame then pinned as
 *    an L1: the old address must fault, not write the table (the
 *    launcher's retype_flushes count must show the flush it took);
 *  - stray I/O to the hypercall port from kernel and user mode (ports.c).
 *
 * It prints "hostile: ..." for what each step saw.  No command line.
 */
#include <stdint.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

#include "hostile.h"
#include "libc.h"
#include "pv_mmu.h"
#include "test.h"
#include "trap_entry.h"

const char test_title[] = "hostile guest: dom0's rings, the shim region, retype flushes, "
	"stray hypercall-port I/O";

__asm__(".pushsection .text\n"
	TRAP_STUB(handler_ud, 6, 0)
	TRAP_STUB(handler_gp, 13, 1)
	TRAP_STUB(handler_pf, 14, 1)
	/* void poke(void *at, uint8_t value): one store between labels */
	".global poke, poke_insn, poke_end\n"
	"poke:\n"
	"poke_insn: movb %sil, (%rdi)\n"
	"poke_end: ret\n"
	".popsection\n");
extern const char handler_ud[], handler_gp[], handler_pf[];
void poke(volatile void *at, uint8_t value);
extern const char poke_insn[], poke_end[];

static const struct trap_info table[] = {
	{ 6, 0, FLAT_KERNEL_CS, (unsigned long)handler_ud },
	{ 13, 0, FLAT_KERNEL_CS, (unsigned long)handler_gp },
	{ 14, 0, FLAT_KERNEL_CS, (unsigned long)handler_pf },
	{ 0, 0, 0, 0 },
};

struct hit hits[MAX_HITS];
volatile unsigned nr_hits;
static const struct expected_trap *trap_plan;
static unsigned trap_plan_len;

void expect_traps(const struct expected_trap *plan, unsigned n)
{
	trap_plan = plan;
	trap_plan_len = n;
	nr_hits = 0;
}

void expect_no_traps(void)
{
	trap_plan = 0;
	trap_plan_len = 0;
}

static void on_trap(struct trap_stack *s)
{
	unsigned slot = trap_rip_slot(s), n = nr_hits;
	uint64_t *rip = &s->frame[slot];
	if (n >= trap_plan_len || n >= MAX_HITS) {
		check_msg(false, "unexpected trap: vector %lu error 0x%lx at rip 0x%lx cs 0x%lx",
			  s->vector, s->has_error ? s->frame[2] : 0, *rip, s->frame[slot + 1]);
		test_finish();
	}
	hits[n] = (struct hit){
		.vector = s->vector, .has_error = s->has_error,
		.error = s->has_error ? s->frame[2] : 0, .rip = *rip, .cs = s->frame[slot + 1],
		.frame_top = (uint64_t)&s->frame[slot + 5],
	};
	nr_hits = n + 1;
	const struct expected_trap *e = &trap_plan[n];
	*rip = *rip == (uint64_t)e->start ? *rip + (uint64_t)(e->end - e->start)
					   : (uint64_t)e->end;
}

struct shared_info *shared;

static void map_shared_info(void)
{
	static uint8_t window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	long rc = update_va(window, boot_start_info->shared_info | PTE_P | PTE_RW | PTE_A | PTE_D,
			    UVMF_INVLPG);
	require(rc == 0, "update_va_mapping of shared_info (outside RAM, allowed): %ld", rc);
	shared = (struct shared_info *)window;
}

/* The value of the bootstrap table entry at machine address maddr (the
 * tables lie in the linearly mapped image). */
static uint64_t boot_entry(uint64_t maddr)
{
	return *(volatile const uint64_t *)(VIRT_BASE + maddr);
}

/* The machine address of a non-present entry of the live L2 that maps
 * the kernel image: a place to hook a new L1 in. */
static uint64_t free_l2_slot(void)
{
	uint64_t l2 = boot_entry_maddr(VIRT_BASE, 2) & ~(PAGE_SIZE - 1);
	require(l2, "no bootstrap L2 for VIRT_BASE");
	for (unsigned i = 511; i > 0; i--)
		if (!(boot_entry(l2 + i * 8) & PTE_P))
			return l2 + i * 8;
	require(false, "the kernel's L2 has no free slot");
	return 0;
}

static unsigned present_words(const void *page)
{
	const volatile uint64_t *w = page;
	unsigned n = 0;
	for (unsigned i = 0; i < 512; i++)
		n += (unsigned)(w[i] & PTE_P);
	return n;
}

/*
 * One of dom0's ring pages, at mfn: drop the guest's writable mapping
 * (non-present or read-only), then try every way of making it a page
 * table.  The rings start all zeros but for xenstore's feature word (1:
 * a read-only entry for frame 0), so as a table they would validate: each
 * refusal here is the dom0 hold's doing, not the contents'.  Anything
 * that wrongly succeeds is undone so the rest can run.
 */
static void ring_not_a_table(const char *name, uint64_t mfn, int drop_to_nonpresent)
{
	volatile uint8_t *va = (volatile uint8_t *)(VIRT_BASE + mfn * PAGE_SIZE);
	uint64_t l1e = boot_entry_maddr((uint64_t)va, 1);
	require(l1e, "%s ring: no bootstrap L1 entry for 0x%lx", name, (uint64_t)va);
	uint64_t e = boot_entry(l1e);
	printk("hostile: %s ring mfn 0x%lx at 0x%lx, L1 entry at 0x%lx = 0x%lx, "
	       "%u present words as a table\n", name, mfn, (uint64_t)va, l1e, e,
	       present_words((const void *)va));
	check_msg((e & PTE_ADDR) >> 12 == mfn && (e & PTE_RW), "%s ring: bootstrap entry 0x%lx",
		  name, e);

	uint64_t dropped = drop_to_nonpresent ? 0 : (mfn << 12) | PTE_P | PTE_A;
	check_eq(update_va((const void *)va, dropped, UVMF_INVLPG), 0);
	check_eq(boot_entry(l1e) & (PTE_P | PTE_RW), dropped & (PTE_P | PTE_RW));

	static const unsigned pins[] = { MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE,
					 MMUEXT_PIN_L3_TABLE, MMUEXT_PIN_L4_TABLE };
	for (unsigned i = 0; i < 4; i++) {
		long rc = mmuext(pins[i], mfn);
		printk("hostile: %s ring: PIN_L%u_TABLE -> %ld\n", name, i + 1, rc);
		check_msg(rc == -XEN_EINVAL, "%s ring pinned as L%u: %ld", name, i + 1, rc);
		if (rc == 0)
			mmuext(MMUEXT_UNPIN_TABLE, mfn);
	}

	uint64_t slot = free_l2_slot();
	long rc = mmu_update(slot, (mfn << 12) | PTE_P | PTE_RW, 0);
	printk("hostile: %s ring: L2 entry at 0x%lx to it (an L1) -> %ld\n", name, slot, rc);
	check_msg(rc == -XEN_EINVAL, "%s ring hooked in as an L1: %ld", name, rc);
	if (rc == 0)
		mmu_update(slot, 0, 0);

	rc = mmuext(MMUEXT_NEW_USER_BASEPTR, mfn);
	printk("hostile: %s ring: NEW_USER_BASEPTR -> %ld\n", name, rc);
	check_msg(rc == -XEN_EINVAL, "%s ring as the user L4: %ld", name, rc);
	if (rc == 0)
		mmuext(MMUEXT_NEW_USER_BASEPTR, 0);
	rc = mmuext(MMUEXT_NEW_BASEPTR, mfn);
	printk("hostile: %s ring: NEW_BASEPTR -> %ld\n", name, rc);
	check_msg(rc == -XEN_EINVAL, "%s ring as the kernel L4: %ld", name, rc);

	/* The guest must still be able to map its rings read-write. */
	rc = update_va((const void *)va, (mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
		       UVMF_INVLPG);
	printk("hostile: %s ring: mapped read-write again -> %ld\n", name, rc);
	check_msg(rc == 0, "%s ring: read-write mapping refused: %ld", name, rc);
}

static long evtchn_send(uint32_t port)
{
	struct evtchn_send s = { .port = port };
	return hypercall_via_syscall(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
				     (unsigned long)&s, 0, 0, 0);
}

/* XS_READ of "domid" (relative: our home) over the xenstore ring, as a
 * kernel's xenbus does; prints and checks the answer. */
static void xenstore_still_answers(void)
{
	struct xenstore_domain_interface *x =
		(void *)(VIRT_BASE + boot_start_info->store_mfn * PAGE_SIZE);
	static const char path[] = "domid";
	struct xsd_sockmsg req = { .type = XS_READ, .req_id = 0x4855, .len = sizeof path };
	char msg[sizeof req + sizeof path];
	memcpy(msg, &req, sizeof req);
	memcpy(msg + sizeof req, path, sizeof path);

	XENSTORE_RING_IDX prod = x->req_prod;
	require(prod - x->req_cons + sizeof msg <= XENSTORE_RING_SIZE, "xenstore ring full");
	for (unsigned i = 0; i < sizeof msg; i++)
		x->req[MASK_XENSTORE_IDX(prod + i)] = msg[i];
	__atomic_store_n(&x->req_prod, prod + (XENSTORE_RING_IDX)sizeof msg, __ATOMIC_RELEASE);
	check_eq(evtchn_send(boot_start_info->store_evtchn), 0);

	/* The daemon answers from its own thread: yield until it has (each
	 * yield is a hypercall; the bound is tens of seconds here). */
	struct xsd_sockmsg rsp;
	XENSTORE_RING_IDX cons = x->rsp_cons;
	for (unsigned i = 0; i < 200000; i++) {
		XENSTORE_RING_IDX p = __atomic_load_n(&x->rsp_prod, __ATOMIC_ACQUIRE);
		if (p - cons >= sizeof rsp) {
			for (unsigned j = 0; j < sizeof rsp; j++)
				((char *)&rsp)[j] = x->rsp[MASK_XENSTORE_IDX(cons + j)];
			if (p - cons >= sizeof rsp + rsp.len)
				break;
		}
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	}
	XENSTORE_RING_IDX avail = __atomic_load_n(&x->rsp_prod, __ATOMIC_ACQUIRE) - cons;
	require(avail >= sizeof rsp && avail >= sizeof rsp + rsp.len,
		"no xenstore answer (%u bytes in the response ring)", avail);
	char value[32] = "";
	unsigned len = rsp.len < sizeof value - 1 ? rsp.len : sizeof value - 1;
	for (unsigned j = 0; j < len; j++)
		value[j] = x->rsp[MASK_XENSTORE_IDX(cons + sizeof rsp + j)];
	__atomic_store_n(&x->rsp_cons, cons + (XENSTORE_RING_IDX)(sizeof rsp + rsp.len),
			 __ATOMIC_RELEASE);
	printk("hostile: xenstore ring: XS_READ domid -> type %u req_id 0x%x \"%s\"\n",
	       rsp.type, rsp.req_id, value);
	check_msg(rsp.type == XS_READ && rsp.req_id == 0x4855,
		  "xenstore answer type %u req_id 0x%x (%s)", rsp.type, rsp.req_id, value);
	check_msg(len > 0 && value[0] >= '1' && value[0] <= '9', "domid \"%s\"", value);
}

/* A line through the console ring; dom0's daemon has consumed it when
 * the send returns (the integration test looks for it on stdout). */
static void console_still_prints(void)
{
	struct xencons_interface *r =
		(void *)(VIRT_BASE + boot_start_info->console.domU.mfn * PAGE_SIZE);
	static const char line[] = "hostile: console ring still carries output\n";
	XENCONS_RING_IDX prod = r->out_prod;
	require(prod - r->out_cons + sizeof line - 1 <= sizeof r->out, "console ring full");
	for (unsigned i = 0; i < sizeof line - 1; i++)
		r->out[MASK_XENCONS_IDX(prod + i, r->out)] = line[i];
	__atomic_store_n(&r->out_prod, prod + (XENCONS_RING_IDX)(sizeof line - 1),
			 __ATOMIC_RELEASE);
	check_eq(evtchn_send(boot_start_info->console.domU.evtchn), 0);
	check_eq(r->out_cons, r->out_prod);
}

static uint8_t spare[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* Frames past guest RAM: the first one, the shim region (1 GiB-aligned
 * above RAM) and shared_info's neighbours there; only shared_info itself
 * may be mapped (map_shared_info did). */
static void shim_region_unreachable(void)
{
	uint64_t nr = boot_start_info->nr_pages;
	uint64_t shim = ((nr << 12) + (1ul << 30) - 1) >> 30 << 18;
	uint64_t si = boot_start_info->shared_info >> 12;
	const uint64_t frames[] = { nr, shim, shim + 1, si - 1, si + 1 };
	uint64_t l1e = boot_entry_maddr((uint64_t)spare, 1);
	require(l1e, "no bootstrap L1 entry for 0x%lx", (uint64_t)spare);
	uint64_t before = boot_entry(l1e);
	uint64_t slot = free_l2_slot();
	for (unsigned i = 0; i < sizeof frames / sizeof frames[0]; i++) {
		uint64_t f = frames[i] << 12;
		long rw = mmu_update(l1e, f | PTE_P | PTE_RW, 0);
		long ro = mmu_update(l1e, f | PTE_P, 0);
		long uva = update_va(spare, f | PTE_P | PTE_RW, UVMF_INVLPG);
		long l2 = mmu_update(slot, f | PTE_P | PTE_RW, 0);
		printk("hostile: frame 0x%lx (RAM ends at 0x%lx, shim at 0x%lx): L1 rw %ld "
		       "ro %ld, update_va_mapping %ld, as an L1 %ld\n", frames[i], nr, shim,
		       rw, ro, uva, l2);
		check_msg(rw == -XEN_EPERM || rw == -XEN_EINVAL, "frame 0x%lx mapped rw: %ld",
			  frames[i], rw);
		check_msg(ro == -XEN_EPERM || ro == -XEN_EINVAL, "frame 0x%lx mapped ro: %ld",
			  frames[i], ro);
		check_msg(uva == -XEN_EPERM || uva == -XEN_EINVAL,
			  "frame 0x%lx mapped by update_va_mapping: %ld", frames[i], uva);
		check_msg(l2 == -XEN_EINVAL, "frame 0x%lx hooked in as an L1: %ld", frames[i], l2);
	}
	check_eq(boot_entry(l1e), before);
	check_eq(boot_entry(slot), 0);
	spare[7] = 0x77; /* still our own page */
	check_eq(spare[7], 0x77);
}

static uint8_t victim[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/*
 * A frame whose last writable mapping went without a flush becomes an
 * L1: the core must flush before it validates, or the old translation
 * would let the guest write the validated table.
 */
static void retype_flush(void)
{
	const uint64_t v = pfn_of(victim);
	uint64_t l1e = boot_entry_maddr((uint64_t)window, 1);
	require(l1e, "no bootstrap L1 entry for 0x%lx", (uint64_t)window);
	memset(victim, 0, sizeof victim); /* all entries non-present */
	/* Its only writable mapping will be window's. */
	check_eq(update_va(victim, (v << 12) | PTE_P | PTE_A, UVMF_INVLPG), 0);
	check_eq(update_va(window, (v << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG), 0);
	volatile uint8_t *w = window;
	const volatile uint8_t *table = victim;
	w[16] = 0x5a; /* the TLB now holds window -> victim, writable */
	check_eq(table[16], 0x5a);
	w[16] = 0;
	/* A plain update: no UVMF flag, no INVLPG, no flush. */
	check_eq(mmu_update(l1e, 0, 0), 0);
	long rc = mmuext(MMUEXT_PIN_L1_TABLE, v);
	printk("hostile: frame 0x%lx, writable mapping at 0x%lx dropped without a flush, "
	       "PIN_L1_TABLE -> %ld\n", v, (uint64_t)window, rc);
	require(rc == 0, "PIN_L1_TABLE of an all-zero frame: %ld", rc);

	const struct expected_trap plan = { poke_insn, poke_end };
	expect_traps(&plan, 1);
	poke(w + 16, 0x66);
	expect_no_traps();
	printk("hostile: store through the old address: %u traps", nr_hits);
	if (nr_hits)
		printk(", vector %lu error 0x%lx rip 0x%lx cr2 0x%lx", hits[0].vector,
		       hits[0].error, hits[0].rip, shared->vcpu_info[0].arch.cr2);
	printk("; table byte 16 = 0x%x\n", victim[16]);
	require(nr_hits == 1, "the store through a dropped mapping did not fault");
	check_eq(hits[0].vector, 14);
	check_msg((hits[0].error & 3) == 2, "#PF error 0x%lx: not a not-present write",
		  hits[0].error);
	check_eq(hits[0].rip, (uint64_t)poke_insn);
	check_eq(shared->vcpu_info[0].arch.cr2, (uint64_t)(w + 16));
	check_eq(present_words(victim), 0);
	check_eq(victim[16], 0);

	/* Undone: data again, window its own page again. */
	check_eq(mmuext(MMUEXT_UNPIN_TABLE, v), 0);
	check_eq(update_va(victim, (v << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG), 0);
	check_eq(update_va(window, (pfn_of(window) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
			   UVMF_INVLPG), 0);
	victim[0] = 1;
	window[0] = 2;
	check_eq(victim[0] + window[0], 3);
}

void test_main(void)
{
	trap_hook = on_trap;
	require(hypercall_via_page(__HYPERVISOR_set_trap_table, (unsigned long)table,
				   0, 0, 0, 0) == 0, "set_trap_table");
	map_shared_info();

	/* Before any traffic: the rings hold nothing a table would refuse. */
	ring_not_a_table("xenstore", boot_start_info->store_mfn, 1);
	ring_not_a_table("console", boot_start_info->console.domU.mfn, 0);
	xenstore_still_answers();
	console_still_prints();

	shim_region_unreachable();
	retype_flush();
	stray_port_io();
}
