/*
 * SMP on a fake guest of NR_VCPUS vCPUs: one struct core per vCPU on the
 * one core state, as the launcher has, and SMP hooks that record what the
 * core asks of the platform (the domain lock, kicks, starts, TLB
 * shootdowns) and check platform.h's contract as they go: one vCPU in the
 * core at a time, the lock never held across platform_block, never a kick
 * of the caller, shootdowns only under the lock.  Every call is made
 * through core_handle_trap, which must take the lock once, and once more
 * after each sleep.
 *
 * Covered: VCPUOP_initialise's checks (Xen's errors, nothing held after a
 * refusal) and what it takes; up/down/is_up and the platform calls they
 * make; the start from the context (CORE_VEC_START); a vCPU taken down
 * parking until it is up again, and the last one ending the domain; the
 * timers and vcpu_info of another vCPU; per-vCPU event channels and the
 * kicks their events cause, 2-level and FIFO; and the shootdowns of every
 * remote flush and of a type change.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdlib.h>
#include <string.h>

#include "pv-shim/core/xen_abi.h"
#include <xen/event_channel.h>
#include <xen/vcpu.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/core/sched/vtime.h"
#include "pv-shim/shim_abi.h"
#include "tests/unit/fake_guest.h"

#define NR_VCPUS 4
#define NR_PAGES 64
#define KBASE 0xffffffff80000000ULL
#define KPAGE(i) (KBASE + (uint64_t)(i) * FG_PAGE)
#define DATA0 16          /* KPAGE(i) maps pfn DATA0 + i, writable */
#define NR_DATA 16
#define SPARE 40          /* pfns 40.. are not mapped */
#define ARG_VA KPAGE(0)   /* event_channel_op and vcpu_op arguments */
#define OPS_VA KPAGE(1)   /* mmu_update / mmuext_op requests ... */
#define MASK_VA (KPAGE(1) + 2048) /* ... and a vCPU mask */
#define CTX_VA KPAGE(2)   /* a vcpu_guest_context: KPAGE(2..3) */
#define RETYPED (DATA0 + 5)  /* KPAGE(5)'s frame, made a table and back */
#define REMAPPED KPAGE(6)    /* update_va_mapping's address */
#define SHARED_MFN (NR_PAGES + 10)
#define M2P_L4E 0x3234567007ULL
#define TRAMPOLINE SHIM_VA(SHIM_OFF_TRAMPOLINE)
#define RET_RIP 0xffffffff81234567ULL
#define DOMID 1
#define STORE 1
#define CONSOLE 2
#define TSC_KHZ 2500000ULL   /* 2.5 ticks per ns */
#define TSC0 1000000ULL
#define MS 1000000ULL
#define NONCANONICAL 0x0000800000000000ULL
#define IN_XEN_HOLE 0xffff800000001000ULL

/* vCPU 1's context (good_context) */
#define ENTRY1 (KBASE + 0x10000)
#define STACK1 KPAGE(12)
#define KSTACK1 KPAGE(14)
#define EVENT_CB (KBASE + 0x20000)
#define FAILSAFE_CB (KBASE + 0x20100)
#define SYSCALL_CB (KBASE + 0x20200)
#define PF_HANDLER (KBASE + 0x30000)
#define BP_HANDLER (KBASE + 0x30100)
#define FS1 0x00007f0000001000ULL
#define GS1_KERNEL 0xffffffff81400000ULL
#define GS1_USER 0x00007f0000002000ULL
#define GDT_PFN (SPARE + 3)
#define USER_L4 (SPARE + 7)

#define NONE (~0u)
#define MAX_REC 32
#define MAX_SLEEPS 16 /* more means a vCPU would never have woken */

struct kick {
	unsigned from, to;
	int interrupt;
};

/* What the core asked of the platform, and who holds the domain lock. */
static struct {
	unsigned holder; /* NONE, or the vCPU in the core */
	unsigned locks[NR_VCPUS], unlocks[NR_VCPUS], sleeps[NR_VCPUS];
	unsigned nr_kicks, nr_ups, nr_shootdowns;
	unsigned all_shootdowns; /* never reset: for the core's count */
	struct kick kick[MAX_REC];
	unsigned up_from[MAX_REC], up[MAX_REC];
	unsigned shootdown_from[MAX_REC];
	uint64_t shootdown[MAX_REC];
} rec;

/* A test's own action while vCPU v sleeps for the nth time (the lock is
 * free then: other vCPUs may run the core). */
static void (*on_sleep)(unsigned v, unsigned nth);

static struct fake_guest g;
static uint8_t *shim;
static uint64_t tsc;
static unsigned ids[NR_VCPUS] = { 0, 1, 2, 3 }; /* the hooks' opaque */
/* vCPUs 1..: vCPU 0's are g.plat and g.core (cpu(), plat()) */
static struct host_platform plats[NR_VCPUS];
static struct core cores[NR_VCPUS];
static struct vcpu_guest_context ctx;

static unsigned who(void *opaque)
{
	return *(unsigned *)opaque;
}

static void smp_lock(void *opaque)
{
	unsigned v = who(opaque);
	/* One thread runs every vCPU here: a held lock would be a deadlock
	 * (or two vCPUs in the core) in the launcher. */
	ck_assert_msg(rec.holder == NONE, "vCPU %u takes the lock vCPU %u holds", v,
		      rec.holder);
	rec.holder = v;
	rec.locks[v]++;
}

static void smp_unlock(void *opaque)
{
	unsigned v = who(opaque);
	ck_assert_msg(rec.holder == v, "vCPU %u lets go of a lock it does not hold", v);
	rec.holder = NONE;
	rec.unlocks[v]++;
}

static void smp_kick(void *opaque, unsigned vcpu, int interrupt)
{
	unsigned v = who(opaque);
	ck_assert_msg(vcpu != v, "vCPU %u kicks itself", v);
	ck_assert_uint_lt(vcpu, NR_VCPUS);
	ck_assert_uint_lt(rec.nr_kicks, MAX_REC);
	rec.kick[rec.nr_kicks++] = (struct kick){ v, vcpu, interrupt };
}

static void smp_vcpu_up(void *opaque, unsigned vcpu)
{
	ck_assert_uint_lt(rec.nr_ups, MAX_REC);
	rec.up_from[rec.nr_ups] = who(opaque);
	rec.up[rec.nr_ups++] = vcpu;
}

static void smp_tlb_shootdown(void *opaque, uint64_t mask)
{
	unsigned v = who(opaque);
	ck_assert_msg(rec.holder == v, "vCPU %u asks for a shootdown without the lock", v);
	ck_assert_uint_lt(rec.nr_shootdowns, MAX_REC);
	rec.shootdown_from[rec.nr_shootdowns] = v;
	rec.shootdown[rec.nr_shootdowns++] = mask;
	rec.all_shootdowns++;
}

static void smp_sleep(void *opaque)
{
	unsigned v = who(opaque);
	ck_assert_msg(rec.holder == NONE, "vCPU %u sleeps holding the domain lock", v);
	rec.sleeps[v]++;
	ck_assert_msg(rec.sleeps[v] <= MAX_SLEEPS, "vCPU %u is never woken", v);
	if (on_sleep)
		on_sleep(v, rec.sleeps[v]);
}

static const struct host_smp smp_ops = {
	.lock = smp_lock, .unlock = smp_unlock, .kick = smp_kick,
	.vcpu_up = smp_vcpu_up, .tlb_shootdown = smp_tlb_shootdown,
};

static struct core *cpu(unsigned v)
{
	return v ? &cores[v] : &g.core;
}

static struct host_platform *plat(unsigned v)
{
	return v ? &plats[v] : &g.plat;
}

static struct mm_frame *frame(uint64_t pfn)
{
	return mm_frame(&g.core, pfn);
}

static uint64_t *table(uint64_t pfn)
{
	return (uint64_t *)fake_guest_page(&g, pfn);
}

static void setup(void)
{
	fake_guest_init(&g, NR_PAGES);
	shim = calloc(1, shim_region_size(NR_PAGES));
	ck_assert_ptr_nonnull(shim);
	g.plat.shim_region = shim;
	g.plat.fake_tsc = &tsc;
	g.core.layout.nr_vcpus = NR_VCPUS;
	g.core.layout.shared_info_mfn = SHARED_MFN;
	g.core.layout.syscall_trampoline = TRAMPOLINE;
	for (int i = 0; i < NR_DATA; i++)
		fake_guest_map(&g, KPAGE(i), DATA0 + i, FG_USER_RW);
	ck_assert_uint_eq(g.next_table_pfn, 4); /* L4 0, L3 1, L2 2, L1 3 */
	/* The domain as run.c builds it, before any vCPU runs. */
	ck_assert_int_eq(mm_domain_init(&g.core, 0, M2P_L4E), 0);
	evtchn_domain_init(&g.core, DOMID, STORE, CONSOLE, 1);
	tsc = TSC0;
	vtime_init(&g.core, TSC_KHZ, TSC0, 1700000000ULL, 0);

	memset(&rec, 0, sizeof rec);
	rec.holder = NONE;
	on_sleep = NULL;
	g.plat.smp = &smp_ops;
	g.plat.block = smp_sleep;
	for (unsigned v = 0; v < NR_VCPUS; v++) {
		if (v) {
			plats[v] = g.plat;
			cores[v] = g.core;
			cores[v].plat = &plats[v];
			cores[v].vcpu = v;
		}
		plat(v)->smp_opaque = plat(v)->block_opaque = &ids[v];
		plat(v)->cpu_ops = calloc(1, SHIM_CPU_OPS_SIZE);
		ck_assert_ptr_nonnull(plat(v)->cpu_ops);
	}
}

static void teardown(void)
{
	for (unsigned v = 0; v < NR_VCPUS; v++)
		free(plat(v)->cpu_ops);
	fake_guest_free(&g);
	free(shim);
}

/* One entry of vCPU v into the core, as the launcher makes it (a new
 * exit: its CPU-ops queue starts empty); the lock taken once, and again
 * after each sleep, and free afterwards. */
static enum core_action trap(unsigned v, struct trap_frame *f)
{
	unsigned locks = rec.locks[v], sleeps = rec.sleeps[v];
	host_cpu_ops_restart(plat(v));
	enum core_action a = core_handle_trap(cpu(v), f);
	ck_assert_uint_eq(rec.holder, NONE);
	ck_assert_uint_eq(rec.locks[v] - locks, 1 + rec.sleeps[v] - sleeps);
	ck_assert_uint_eq(rec.unlocks[v], rec.locks[v]);
	return a;
}

static struct trap_frame syscall_frame(uint64_t nr, uint64_t a0, uint64_t a1,
				       uint64_t a2, uint64_t a3)
{
	return (struct trap_frame){
		.rax = nr, .rdi = a0, .rsi = a1, .rdx = a2, .r10 = a3,
		.rcx = RET_RIP, .r11 = 0x246, .vector = CORE_VEC_SYSCALL,
		.rip = TRAMPOLINE, .cs = SHIM_SEL_USER_CS, .ss = SHIM_SEL_USER_DS,
		.rsp = KPAGE(11), .rflags = 0x202,
	};
}

/* Hypercall nr made by the guest kernel on vCPU v. */
static long hc(unsigned v, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct trap_frame f = syscall_frame(nr, a0, a1, a2, a3);
	ck_assert_int_eq(trap(v, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, RET_RIP); /* no continuation */
	return (long)f.rax;
}

static long vcpu_op(unsigned on, uint64_t cmd, uint64_t target, uint64_t arg)
{
	return hc(on, __HYPERVISOR_vcpu_op, cmd, target, arg, 0);
}

static void put(uint64_t va, const void *p, size_t n)
{
	ck_assert_int_eq(copy_to_guest(&g.core, va, p, n), 0);
}

/* event_channel_op(cmd, arg) on vCPU v, the argument read back. */
static long evop(unsigned v, int cmd, void *arg, size_t len)
{
	put(ARG_VA, arg, len);
	long rc = hc(v, __HYPERVISOR_event_channel_op, (uint64_t)cmd, ARG_VA, 0, 0);
	ck_assert_int_eq(copy_from_guest(&g.core, arg, ARG_VA, len), 0);
	return rc;
}

static long ext(unsigned v, const struct mmuext_op *op)
{
	put(OPS_VA, op, sizeof *op);
	return hc(v, __HYPERVISOR_mmuext_op, OPS_VA, 1, 0, DOMID_SELF);
}

static long ext_mask(unsigned v, unsigned cmd, uint64_t va, uint64_t mask)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.linear_addr = va };
	op.arg2.vcpumask.p = (const void *)(uintptr_t)MASK_VA;
	put(MASK_VA, &mask, sizeof mask);
	return ext(v, &op);
}

static long ext1(unsigned v, unsigned cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };
	return ext(v, &op);
}

/* The L1 entry (machine address) that maps KPAGE(i). */
static uint64_t l1e_ptr(unsigned i)
{
	return 3 * FG_PAGE + ((KPAGE(i) >> 12) & 511) * 8;
}

static long mmu1(unsigned v, uint64_t ptr, uint64_t val)
{
	struct mmu_update r = { ptr, val };
	put(OPS_VA, &r, sizeof r);
	return hc(v, __HYPERVISOR_mmu_update, OPS_VA, 1, 0, DOMID_SELF);
}

/* ---- what the hooks recorded --------------------------------------------- */

/* Each check names the line that made it: the hooks' records are looked
 * at from many places. */
static void expect_kick_at(int line, unsigned from, unsigned to, int interrupt)
{
	ck_assert_msg(rec.nr_kicks == 1, "line %d: %u kicks, not 1", line, rec.nr_kicks);
	ck_assert_msg(rec.kick[0].from == from && rec.kick[0].to == to &&
		      rec.kick[0].interrupt == interrupt,
		      "line %d: kick of %u by %u (interrupt %d), not of %u by %u (%d)", line,
		      rec.kick[0].to, rec.kick[0].from, rec.kick[0].interrupt, to, from,
		      interrupt);
	rec.nr_kicks = 0;
}
#define expect_kick(from, to, interrupt) expect_kick_at(__LINE__, from, to, interrupt)

#define expect_no_kick()                                                    \
	ck_assert_msg(rec.nr_kicks == 0, "%u kicks, to vCPU %u first", rec.nr_kicks, \
		      rec.kick[0].to)

/* The one shootdown asked for since the last look, by vCPU from. */
static uint64_t shootdown_by_at(int line, unsigned from)
{
	ck_assert_msg(rec.nr_shootdowns == 1, "line %d: %u shootdowns, not 1", line,
		      rec.nr_shootdowns);
	ck_assert_msg(rec.shootdown_from[0] == from, "line %d: asked by vCPU %u, not %u",
		      line, rec.shootdown_from[0], from);
	rec.nr_shootdowns = 0;
	return rec.shootdown[0];
}
#define shootdown_by(from) shootdown_by_at(__LINE__, from)

#define expect_no_shootdown()                                               \
	ck_assert_msg(rec.nr_shootdowns == 0, "%u shootdowns, of %#lx first",   \
		      rec.nr_shootdowns, (unsigned long)rec.shootdown[0])

/* ---- vCPU contexts ------------------------------------------------------- */

/* A context as Linux's cpu_initialize_context builds one, with a value
 * of its own in every field the core takes. */
static void good_context(void)
{
	memset(&ctx, 0, sizeof ctx);
	ctx.flags = VGCF_in_kernel | VGCF_failsafe_disables_events;
	struct cpu_user_regs *r = &ctx.user_regs;
	r->r15 = 0x15; r->r14 = 0x14; r->r13 = 0x13; r->r12 = 0x12;
	r->r11 = 0x11; r->r10 = 0x10; r->r9 = 0x9; r->r8 = 0x8;
	r->rbp = 0xb9; r->rdi = 0xd1; r->rsi = 0x51; r->rdx = 0xd0;
	r->rcx = 0xc0; r->rbx = 0xb0; r->rax = 0xa0;
	r->rip = ENTRY1;
	r->rsp = STACK1;
	/* IOPL 1 and CF; IF clear, TF set: the vCPU still starts with IF
	 * set and TF clear, which the guest does not control. */
	r->rflags = 0x1000 | 0x100 | 0x1;
	/* By index: the vector field is not what places a gate. */
	ctx.trap_ctxt[14] = (struct trap_info){ 99, 4 /* DPL 0, events masked */,
					       FLAT_KERNEL_CS, PF_HANDLER };
	ctx.trap_ctxt[3] = (struct trap_info){ 3, 0xff, FLAT_KERNEL_CS, BP_HANDLER };
	ctx.kernel_ss = FLAT_KERNEL_SS;
	ctx.kernel_sp = KSTACK1;
	ctx.ctrlreg[3] = 0; /* the bootstrap L4, shared with vCPU 0 */
	ctx.event_callback_eip = EVENT_CB;
	ctx.failsafe_callback_eip = FAILSAFE_CB;
	ctx.syscall_callback_eip = SYSCALL_CB;
	ctx.fs_base = FS1;
	ctx.gs_base_kernel = GS1_KERNEL;
	ctx.gs_base_user = GS1_USER;
	/* A GDT of three entries: null, null, flat data. */
	memset(fake_guest_page(&g, GDT_PFN), 0, FG_PAGE);
	table(GDT_PFN)[2] = 0x00cf92000000ffffULL;
	ctx.gdt_frames[0] = GDT_PFN;
	ctx.gdt_ents = 3;
}

static long initialise(unsigned on, unsigned target)
{
	put(CTX_VA, &ctx, sizeof ctx);
	return vcpu_op(on, VCPUOP_initialise, target, CTX_VA);
}

/* vCPU v initialised from good_context and up, as Linux brings up an AP;
 * what that asked of the platform forgotten. */
static void bring_up(unsigned v)
{
	good_context();
	ck_assert_int_eq(initialise(0, v), 0);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_up, v, 0), 0);
	ck_assert_uint_eq(g.st->vcpu[v].started, 1);
	rec.nr_ups = rec.nr_kicks = rec.nr_shootdowns = 0;
}

START_TEST(vcpu_op_past_the_domain)
{
	good_context();
	put(CTX_VA, &ctx, sizeof ctx);
	const uint64_t targets[] = { NR_VCPUS, CORE_MAX_VCPUS, 0xffffffffULL };
	for (unsigned t = 0; t < 3; t++)
		for (uint64_t cmd = VCPUOP_initialise; cmd <= VCPUOP_register_vcpu_time_memory_area + 1;
		     cmd++)
			ck_assert_msg(vcpu_op(0, cmd, targets[t], CTX_VA) == -XEN_ENOENT,
				      "vcpu_op %lu on vCPU %lu", (unsigned long)cmd,
				      (unsigned long)targets[t]);
	ck_assert_uint_eq(frame(0)->type_count, 2);
	ck_assert_uint_eq(rec.nr_ups + rec.nr_kicks, 0);
}
END_TEST

/* Each context Xen's arch_set_info_guest refuses (and the LDT this host
 * does not offer), refused the same way, with nothing of it held or
 * kept: for each case, its change to good_context, the error and a name. */
static long spoil(unsigned i, const char **what)
{
	switch (i) {
	case 0: *what = "no VGCF_in_kernel"; ctx.flags = VGCF_failsafe_disables_events; break;
	case 1: *what = "rip"; ctx.user_regs.rip = NONCANONICAL; break;
	case 2: *what = "rip in Xen's hole"; ctx.user_regs.rip = IN_XEN_HOLE; break;
	case 3: *what = "event callback"; ctx.event_callback_eip = NONCANONICAL; break;
	case 4: *what = "failsafe callback"; ctx.failsafe_callback_eip = NONCANONICAL; break;
	case 5: *what = "syscall callback"; ctx.syscall_callback_eip = IN_XEN_HOLE; break;
	case 6: *what = "trap handler"; ctx.trap_ctxt[14].address = NONCANONICAL; break;
	case 7: *what = "last trap handler"; ctx.trap_ctxt[255].address = IN_XEN_HOLE; break;
	case 8: *what = "fs base"; ctx.fs_base = NONCANONICAL; break;
	case 9: *what = "kernel gs base"; ctx.gs_base_kernel = NONCANONICAL; break;
	case 10: *what = "user gs base"; ctx.gs_base_user = NONCANONICAL; break;
	case 11: *what = "rsp"; ctx.user_regs.rsp = NONCANONICAL; break;
	case 12: *what = "kernel_sp"; ctx.kernel_sp = NONCANONICAL; break;
	case 13: *what = "cr3 past RAM"; ctx.ctrlreg[3] = (uint64_t)NR_PAGES << 12; break;
	case 14: *what = "cr3 far past RAM"; ctx.ctrlreg[3] = ~0xfffULL; break;
	case 15: *what = "cr3 an L3"; ctx.ctrlreg[3] = 1ULL << 12; break;
	case 16: *what = "cr3 mapped writable"; ctx.ctrlreg[3] = (uint64_t)DATA0 << 12; break;
	case 17:
		*what = "cr3 an L4 that does not validate";
		memset(fake_guest_page(&g, SPARE), 0, FG_PAGE);
		table(SPARE)[0] = ((uint64_t)(NR_PAGES + 100) << 12) | FG_P | FG_RW;
		ctx.ctrlreg[3] = (uint64_t)SPARE << 12;
		break;
	case 18: *what = "user cr3 an L3"; ctx.ctrlreg[1] = 1ULL << 12; break;
	case 19: *what = "user cr3 past RAM"; ctx.ctrlreg[1] = (uint64_t)NR_PAGES << 12; break;
	case 20: *what = "gdt_ents"; ctx.gdt_ents = FIRST_RESERVED_GDT_ENTRY + 1; break;
	case 21: *what = "GDT frame past RAM"; ctx.gdt_frames[0] = NR_PAGES; break;
	case 22:
		*what = "a TSS descriptor in the GDT";
		table(GDT_PFN)[1] = 0x0000890000000067ULL;
		break;
	case 23: *what = "ldt_base"; ctx.ldt_base = 0x1001; break;
	case 24: *what = "ldt_ents past 8192"; ctx.ldt_ents = 8193; break;
	case 25: *what = "an LDT"; ctx.ldt_ents = 1; return -XEN_ENOSYS;
	default: return 1;
	}
	return -XEN_EINVAL;
}

START_TEST(initialise_refusals)
{
	static const struct core_vcpu untouched;
	const uint32_t l3_count = frame(1)->type_count;
	const char *what;
	long want;
	unsigned cases = 0;
	for (unsigned i = 0; good_context(), (want = spoil(i, &what)) != 1; i++, cases++) {
		ck_assert_msg(initialise(0, 1) == want, "%s: not %ld", what, want);
		ck_assert_msg(frame(0)->type_count == 2, "%s: the L4 kept a reference", what);
		ck_assert_uint_eq(frame(1)->type_count, l3_count);
		ck_assert_msg(frame(SPARE)->type == MM_TYPE_NONE &&
			      frame(SPARE)->type_count == 0, "%s: the L4 kept a type", what);
		ck_assert_msg(memcmp(&g.st->vcpu[1], &untouched, sizeof untouched) == 0,
			      "%s: part of the context was taken", what);
	}
	ck_assert_uint_eq(cases, 26);
	/* unreadable */
	ck_assert_int_eq(vcpu_op(0, VCPUOP_initialise, 1, KPAGE(NR_DATA)), -XEN_EFAULT);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_initialise, 1, KPAGE(NR_DATA - 1)), -XEN_EFAULT);
	ck_assert_int_eq(memcmp(&g.st->vcpu[1], &untouched, sizeof untouched), 0);
	/* vCPU 0 has a context from the start */
	good_context();
	ck_assert_int_eq(initialise(0, 0), -XEN_EEXIST);
	ck_assert_uint_eq(frame(0)->type_count, 2);
	ck_assert_uint_eq(g.st->vcpu[0].cr3, 0);
	ck_assert_uint_eq(rec.nr_ups + rec.nr_kicks + rec.nr_shootdowns, 0);
}
END_TEST

START_TEST(initialise_takes_the_context)
{
	good_context();
	ctx.flags |= VGCF_syscall_disables_events;
	ctx.flags &= ~(unsigned long)VGCF_failsafe_disables_events;
	ck_assert_int_eq(initialise(0, 1), 0);
	ck_assert_uint_eq(frame(0)->type_count, 3); /* the vCPU's reference */
	const struct core_vcpu *v = &g.st->vcpu[1];
	ck_assert_uint_eq(v->initialised, 1);
	ck_assert_uint_eq(v->up, 0);
	ck_assert_uint_eq(v->started, 0);
	ck_assert_uint_eq(v->kernel_mode, 1);
	ck_assert_uint_eq(v->cr3, 0);
	ck_assert_uint_eq(v->user_cr3, 0);
	const struct traps_vcpu *t = &v->traps;
	ck_assert_uint_eq(t->gate[14].address, PF_HANDLER);
	ck_assert_uint_eq(t->gate[14].flags, TRAPS_GATE_MASK_EVENTS);
	ck_assert_uint_eq(t->gate[99].address, 0);
	ck_assert_uint_eq(t->gate[3].address, BP_HANDLER);
	ck_assert_uint_eq(t->gate[3].flags, TRAPS_GATE_DPL | TRAPS_GATE_MASK_EVENTS);
	ck_assert_uint_eq(t->kernel_ss, FLAT_KERNEL_SS);
	ck_assert_uint_eq(t->kernel_sp, KSTACK1);
	ck_assert_uint_eq(t->kernel_sp_set, 1);
	ck_assert_uint_eq(t->event.address, EVENT_CB);
	ck_assert_uint_eq(t->failsafe.address, FAILSAFE_CB);
	ck_assert_uint_eq(t->failsafe.mask_events, 0);
	ck_assert_uint_eq(t->syscall.address, SYSCALL_CB);
	ck_assert_uint_eq(t->syscall.mask_events, 1);
	ck_assert_uint_eq(t->gdt_frames[0], GDT_PFN);
	ck_assert_uint_eq(t->gdt_entries, 3);
	ck_assert_uint_eq(t->iopl, 1);
	ck_assert_uint_eq(v->fs_base, FS1);
	ck_assert_uint_eq(v->gs_base_kernel, GS1_KERNEL);
	ck_assert_uint_eq(v->gs_base_user, GS1_USER);
	ck_assert_uint_eq(v->start.rip, ENTRY1);
	ck_assert_uint_eq(v->start.rsp, STACK1);
	ck_assert_uint_eq(v->start.rdi, 0xd1);
	ck_assert_uint_eq(v->start.r15, 0x15);
	ck_assert_uint_eq(v->start.rflags, 0x202 | 0x1); /* IF kept, IOPL and TF not */
	/* vCPU 0 is untouched */
	ck_assert_uint_eq(g.st->vcpu[0].traps.gate[14].address, 0);
	ck_assert_uint_eq(g.st->vcpu[0].fs_base, 0);

	/* Taken once: a second context is refused, and holds nothing. */
	ck_assert_int_eq(initialise(0, 1), -XEN_EEXIST);
	ck_assert_uint_eq(frame(0)->type_count, 3);
	ck_assert_uint_eq(rec.nr_ups + rec.nr_kicks, 0);

	/* A user table is held as an L4 too (an empty one validates). */
	memset(fake_guest_page(&g, USER_L4), 0, FG_PAGE);
	good_context();
	ctx.ctrlreg[1] = (uint64_t)USER_L4 << 12;
	ck_assert_int_eq(initialise(0, 2), 0);
	ck_assert_uint_eq(frame(0)->type_count, 4);
	ck_assert_uint_eq(frame(USER_L4)->type, MM_TYPE_L4);
	ck_assert_uint_eq(frame(USER_L4)->type_count, 1);
	ck_assert_uint_eq(g.st->vcpu[2].user_cr3, (uint64_t)USER_L4 << 12);
	ck_assert_uint_eq(g.st->vcpu[1].user_cr3, 0);
}
END_TEST

START_TEST(up_down_is_up)
{
	ck_assert_int_eq(vcpu_op(0, VCPUOP_up, 1, 0), -XEN_EINVAL); /* no context yet */
	ck_assert_int_eq(vcpu_op(0, VCPUOP_is_up, 1, 0), 0);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_is_up, 0, 0), 1);
	good_context();
	ck_assert_int_eq(initialise(0, 1), 0);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_is_up, 1, 0), 0);
	ck_assert_uint_eq(rec.nr_ups, 0);

	ck_assert_int_eq(vcpu_op(0, VCPUOP_up, 1, 0), 0);
	ck_assert_uint_eq(g.st->vcpu[1].up, 1);
	ck_assert_uint_eq(g.st->vcpu[1].started, 1);
	ck_assert_uint_eq(rec.nr_ups, 1);
	ck_assert_uint_eq(rec.up[0], 1);
	ck_assert_uint_eq(rec.up_from[0], 0);
	expect_no_kick();
	ck_assert_int_eq(vcpu_op(0, VCPUOP_is_up, 1, 0), 1);
	struct vcpu_runstate_info rs;
	ck_assert_int_eq(vcpu_op(0, VCPUOP_get_runstate_info, 1, ARG_VA), 0);
	ck_assert_int_eq(copy_from_guest(&g.core, &rs, ARG_VA, sizeof rs), 0);
	ck_assert_int_eq(rs.state, RUNSTATE_running);

	/* Up already: nothing to do. */
	ck_assert_int_eq(vcpu_op(0, VCPUOP_up, 1, 0), 0);
	ck_assert_uint_eq(rec.nr_ups, 1);
	expect_no_kick();

	/* Down from vCPU 0: vCPU 1 must come into the core to stop. */
	ck_assert_int_eq(vcpu_op(0, VCPUOP_down, 1, 0), 0);
	ck_assert_uint_eq(g.st->vcpu[1].up, 0);
	expect_kick(0, 1, 1);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_is_up, 1, 0), 0);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_get_runstate_info, 1, ARG_VA), 0);
	ck_assert_int_eq(copy_from_guest(&g.core, &rs, ARG_VA, sizeof rs), 0);
	ck_assert_int_eq(rs.state, RUNSTATE_offline);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_down, 1, 0), 0); /* down already */
	expect_no_kick();
	/* A vCPU never up is down already, and stays unstarted. */
	ck_assert_int_eq(vcpu_op(0, VCPUOP_down, 2, 0), 0);
	expect_no_kick();

	/* Up again: it was started once, so it is woken where it sleeps. */
	ck_assert_int_eq(vcpu_op(0, VCPUOP_up, 1, 0), 0);
	ck_assert_uint_eq(g.st->vcpu[1].up, 1);
	expect_kick(0, 1, 1);
	ck_assert_uint_eq(rec.nr_ups, 1);
	ck_assert_uint_eq(frame(0)->type_count, 3);
}
END_TEST

/* ---- the start from the context ------------------------------------------ */

START_TEST(start_from_the_context)
{
	bring_up(1);
	tsc = TSC0 + 1000;
	struct trap_frame f = { .vector = CORE_VEC_START }; /* the shim's empty frame */
	uint64_t transitions = g.st->stats.transitions;
	ck_assert_int_eq(trap(1, &f), CORE_RESUME);
	const struct trap_frame want = {
		.r15 = 0x15, .r14 = 0x14, .r13 = 0x13, .r12 = 0x12, .r11 = 0x11, .r10 = 0x10,
		.r9 = 0x9, .r8 = 0x8, .rbp = 0xb9, .rdi = 0xd1, .rsi = 0x51, .rdx = 0xd0,
		.rcx = 0xc0, .rbx = 0xb0, .rax = 0xa0, .vector = CORE_VEC_START,
		.rip = ENTRY1, .cs = SHIM_SEL_USER_CS, .rflags = 0x203, .rsp = STACK1,
		.ss = SHIM_SEL_USER_DS,
	};
	ck_assert_uint_eq(f.rip, want.rip);
	ck_assert_uint_eq(f.rsp, want.rsp);
	ck_assert_uint_eq(f.cs, want.cs);
	ck_assert_uint_eq(f.ss, want.ss);
	ck_assert_uint_eq(f.rflags, want.rflags);
	ck_assert_int_eq(memcmp(&f, &want, sizeof f), 0);
	/* Its own bases, on its own CPU; the kernel's GS base is live. */
	ck_assert_uint_eq(plats[1].seg_base[SEGMENT_BASE_FS], FS1);
	ck_assert_uint_eq(plats[1].seg_base[SEGMENT_BASE_GS], GS1_KERNEL);
	ck_assert_uint_eq(g.plat.seg_base[SEGMENT_BASE_FS], 0);
	ck_assert_uint_eq(g.plat.seg_base[SEGMENT_BASE_GS], 0);
	/* Its own time, written as it starts. */
	struct shared_info *s = core_shared_info(&g.core);
	ck_assert_uint_eq(s->vcpu_info[1].time.tsc_timestamp, TSC0 + 1000);
	ck_assert_uint_eq(s->vcpu_info[1].time.version % 2, 0);
	ck_assert_uint_eq(s->vcpu_info[0].time.tsc_timestamp, TSC0);
	ck_assert_uint_eq(g.st->stats.transitions, transitions);
	ck_assert_uint_eq(g.st->stop_reason, CORE_RUNNING);

	/* Its first hypercall runs on its own state. */
	ck_assert_int_eq(ext1(1, MMUEXT_TLB_FLUSH_LOCAL, 0), 0);
	ck_assert_int_eq(plats[1].cpu_ops_flush, 1);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 0);
}
END_TEST

START_TEST(start_nobody_asked_for)
{
	/* vCPU 0 starts at the domain's entry, never from a context. */
	struct trap_frame f = { .vector = CORE_VEC_START };
	ck_assert_int_eq(trap(0, &f), CORE_STOP);
	ck_assert_uint_eq(g.st->stop_reason, CORE_STOP_FAULT);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "vector 257"));
	/* Once stopped, every vCPU's next entry stops. */
	f = syscall_frame(__HYPERVISOR_xen_version, 0, 0, 0, 0);
	ck_assert_int_eq(trap(0, &f), CORE_STOP);

	/* Initialised, not up (so never started); and never initialised. */
	for (unsigned v = 2; v < NR_VCPUS; v++) {
		g.st->stop_reason = CORE_RUNNING;
		if (v == 2) {
			good_context();
			ck_assert_int_eq(initialise(0, 2), 0);
		}
		f = (struct trap_frame){ .vector = CORE_VEC_START };
		ck_assert_int_eq(trap(v, &f), CORE_STOP);
		ck_assert_uint_eq(g.st->stop_reason, CORE_STOP_FAULT);
		ck_assert_ptr_nonnull(strstr(g.st->stop_message, "vector 257"));
		ck_assert_uint_eq(plats[v].seg_base[SEGMENT_BASE_GS], 0);
		ck_assert_uint_eq(rec.sleeps[v], 0);
	}
	ck_assert_uint_eq(rec.nr_ups, 0);
}
END_TEST

/* The core of an executor with a vCPU the domain does not have stops,
 * under the lock. */
START_TEST(executor_past_the_domain)
{
	struct core bad = cores[3];
	bad.vcpu = NR_VCPUS;
	struct trap_frame f = syscall_frame(__HYPERVISOR_xen_version, 0, 0, 0, 0);
	ck_assert_int_eq(core_handle_trap(&bad, &f), CORE_STOP);
	ck_assert_uint_eq(rec.holder, NONE);
	ck_assert_uint_eq(rec.locks[3], 1);
	ck_assert_uint_eq(rec.unlocks[3], 1);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "vCPU the domain does not have"));
}
END_TEST

/* ---- down: parked, or the end -------------------------------------------- */

START_TEST(last_vcpu_down_ends_the_domain)
{
	good_context();
	ck_assert_int_eq(initialise(0, 1), 0); /* a context, never up */
	struct trap_frame f = syscall_frame(__HYPERVISOR_vcpu_op, VCPUOP_down, 0, 0, 0);
	ck_assert_int_eq(trap(0, &f), CORE_STOP);
	ck_assert_uint_eq(g.st->stop_reason, CORE_STOP_FAULT);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "last running vCPU (0)"));
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "VCPUOP_down"));
	ck_assert_uint_eq(rec.sleeps[0], 0);
}
END_TEST

START_TEST(last_vcpu_down_other_than_0)
{
	bring_up(1);
	/* vCPU 1 takes vCPU 0 down, then itself. */
	ck_assert_int_eq(vcpu_op(1, VCPUOP_down, 0, 0), 0);
	expect_kick(1, 0, 1);
	ck_assert_uint_eq(g.st->vcpu[0].up, 0);
	struct trap_frame f = syscall_frame(__HYPERVISOR_vcpu_op, VCPUOP_down, 1, 0, 0);
	ck_assert_int_eq(trap(1, &f), CORE_STOP);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "last running vCPU (1)"));
	ck_assert_uint_eq(rec.sleeps[1], 0);
	/* vCPU 0, kicked, finds the domain ended rather than sleeping. */
	f = (struct trap_frame){ .vector = CORE_VEC_EVENT, .rip = KBASE, .cs = SHIM_SEL_USER_CS,
				 .ss = SHIM_SEL_USER_DS, .rflags = 0x202 };
	ck_assert_int_eq(trap(0, &f), CORE_STOP);
	ck_assert_uint_eq(rec.sleeps[0], 0);
}
END_TEST

/* While vCPU 1 sleeps: first vCPU 0 flushes every TLB (vCPU 1, not up,
 * is left out: it flushes before it runs again), then takes it up. */
static void vcpu0_acts_while_1_sleeps(unsigned v, unsigned nth)
{
	if (v != 1)
		return;
	if (nth == 1) {
		ck_assert_int_eq(ext1(0, MMUEXT_TLB_FLUSH_ALL, 0), 0);
		expect_no_shootdown();
	} else if (nth == 2) {
		ck_assert_int_eq(vcpu_op(0, VCPUOP_up, 1, 0), 0);
	}
}

START_TEST(down_parks_until_up)
{
	bring_up(1);
	on_sleep = vcpu0_acts_while_1_sleeps;
	/* vCPU 1 takes itself down: the call returns once it is up again. */
	ck_assert_int_eq(vcpu_op(1, VCPUOP_down, 1, 0), 0);
	ck_assert_uint_eq(rec.sleeps[1], 2);
	ck_assert_uint_eq(g.st->vcpu[1].up, 1);
	ck_assert_int_eq(plats[1].cpu_ops_flush, 1); /* flushed on its way out */
	expect_kick(0, 1, 1);                        /* VCPUOP_up woke it */
	ck_assert_uint_eq(rec.nr_ups, 0);            /* not started again */
	ck_assert_uint_eq(g.st->stop_reason, CORE_RUNNING);

	/* Taken down by vCPU 0: kicked, it comes in (the event interrupt)
	 * and sleeps there until it is up. */
	memset(rec.sleeps, 0, sizeof rec.sleeps);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_down, 1, 0), 0);
	expect_kick(0, 1, 1);
	const struct trap_frame spin = {
		.vector = CORE_VEC_EVENT, .rip = KBASE + 0x777, .cs = SHIM_SEL_USER_CS,
		.ss = SHIM_SEL_USER_DS, .rflags = 0x202, .rsp = STACK1, .r12 = 0x1212,
	};
	struct trap_frame f = spin;
	ck_assert_int_eq(trap(1, &f), CORE_RESUME);
	ck_assert_uint_eq(rec.sleeps[1], 2);
	ck_assert_int_eq(memcmp(&f, &spin, sizeof f), 0); /* goes on where it was */
	ck_assert_int_eq(plats[1].cpu_ops_flush, 1);
	expect_kick(0, 1, 1);
}
END_TEST

/* Taken down by another vCPU, it runs guest code until its kick brings it
 * into the core: until it is parked there, flushes still reach it, or a
 * stale writable mapping of a frame about to become a page table could
 * survive on it. */
START_TEST(down_but_not_parked_is_flushed)
{
	bring_up(1);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_down, 1, 0), 0);
	expect_kick(0, 1, 1);
	ck_assert_int_eq(ext1(0, MMUEXT_TLB_FLUSH_ALL, 0), 0);
	ck_assert_uint_eq(shootdown_by(0), 1ULL << 1);
	ck_assert_uint_eq(g.st->vcpu[1].parked, 0);
}
END_TEST

/* ---- timers and vcpu_info of another vCPU -------------------------------- */

static uint32_t bind_virq(unsigned on, uint32_t virq, uint32_t vcpu, long want)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
	ck_assert_int_eq(evop(on, EVTCHNOP_bind_virq, &b, sizeof b), want);
	return b.port;
}

static int pending_2l(uint32_t port)
{
	return (core_shared_info(&g.core)->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

START_TEST(timers_of_another_vcpu)
{
	uint32_t port1 = bind_virq(0, VIRQ_TIMER, 1, 0);
	uint32_t port0 = bind_virq(0, VIRQ_TIMER, 0, 0);
	struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = 5 * MS };
	put(ARG_VA, &ss, sizeof ss);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_set_singleshot_timer, 1, ARG_VA), -XEN_EINVAL);
	ck_assert_uint_eq(g.st->vcpu[1].vtime.singleshot_ns, 0);
	g.st->vcpu[1].vtime.singleshot_ns = 7 * MS; /* as vCPU 1 would set it */
	ck_assert_int_eq(vcpu_op(0, VCPUOP_stop_singleshot_timer, 1, 0), -XEN_EINVAL);
	ck_assert_uint_eq(g.st->vcpu[1].vtime.singleshot_ns, 7 * MS);
	g.st->vcpu[1].vtime.singleshot_ns = 0;
	expect_no_kick();

	struct vcpu_set_periodic_timer p = { .period_ns = MS - 1 };
	put(ARG_VA, &p, sizeof p);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_set_periodic_timer, 1, ARG_VA), -XEN_EINVAL);
	expect_no_kick();
	p.period_ns = 4 * MS;
	put(ARG_VA, &p, sizeof p);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_set_periodic_timer, 1, ARG_VA), 0);
	expect_kick(0, 1, 1); /* it rearms its timer */
	ck_assert_uint_eq(g.st->vcpu[1].vtime.period_ns, 4 * MS);
	ck_assert_uint_eq(g.st->vcpu[0].vtime.period_ns, 0);
	ck_assert_uint_eq(vtime_next_deadline(cpu(1)), 4 * MS);
	ck_assert_uint_eq(vtime_next_deadline(cpu(0)), 0);
	/* The caller's own: no kick. */
	ck_assert_int_eq(vcpu_op(0, VCPUOP_set_periodic_timer, 0, ARG_VA), 0);
	expect_no_kick();
	ck_assert_int_eq(vcpu_op(0, VCPUOP_stop_periodic_timer, 0, 0), 0);

	/* Due: vCPU 1's VIRQ_TIMER, on its own port and vcpu_info. */
	tsc = TSC0 + 4 * MS * 5 / 2 + 3;
	ck_assert_int_eq(vtime_poll_timers(cpu(0)), 0);
	ck_assert_int_eq(pending_2l(port1), 0);
	ck_assert_int_eq(vtime_poll_timers(cpu(1)), 1);
	ck_assert_int_eq(pending_2l(port1), 1);
	ck_assert_int_eq(pending_2l(port0), 0);
	struct shared_info *s = core_shared_info(&g.core);
	ck_assert_uint_eq(s->vcpu_info[1].evtchn_upcall_pending, 1);
	ck_assert_uint_eq(s->vcpu_info[0].evtchn_upcall_pending, 0);
	ck_assert_uint_eq(vtime_next_deadline(cpu(1)), 8 * MS);
	expect_no_kick(); /* raised by vCPU 1 for itself */

	ck_assert_int_eq(vcpu_op(0, VCPUOP_stop_periodic_timer, 1, 0), 0);
	ck_assert_uint_eq(vtime_next_deadline(cpu(1)), 0);
}
END_TEST

#define VI_PFN (SPARE + 2)

START_TEST(vcpu_info_of_another_vcpu)
{
	struct shared_info *s = core_shared_info(&g.core);
	s->vcpu_info[1].arch.cr2 = 0x1111; /* something to be copied */
	s->vcpu_info[0].arch.cr2 = 0xdead;
	memset(fake_guest_page(&g, VI_PFN), 0, FG_PAGE);
	struct vcpu_register_vcpu_info r = { .mfn = VI_PFN, .offset = 128 };
	put(ARG_VA, &r, sizeof r);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_register_vcpu_info, 1, ARG_VA), 0);
	struct vcpu_info *nv = (void *)(fake_guest_page(&g, VI_PFN) + 128);
	ck_assert_ptr_eq(vtime_vcpu_info_of(&g.core, 1), nv);
	ck_assert_ptr_eq(core_vcpu_info(&g.core), &s->vcpu_info[0]);
	ck_assert_uint_eq(nv->arch.cr2, 0x1111);
	ck_assert_uint_eq(nv->evtchn_upcall_mask, 1);
	ck_assert_uint_eq(nv->evtchn_upcall_pending, 1); /* rescan */
	ck_assert_uint_eq(nv->evtchn_pending_sel, ~0ULL);
	ck_assert_uint_eq(g.st->vcpu[1].vtime.vcpu_info_registered, 1);
	ck_assert_uint_eq(g.st->vcpu[0].vtime.vcpu_info_registered, 0);
	/* held writable: it cannot become a page table */
	ck_assert_uint_eq(frame(VI_PFN)->type, MM_TYPE_WRITABLE);
	ck_assert_uint_eq(frame(VI_PFN)->type_count, 1);
	memset(fake_guest_page(&g, VI_PFN), 0, FG_PAGE);
	ck_assert_int_eq(ext1(0, MMUEXT_PIN_L1_TABLE, VI_PFN), -XEN_EINVAL);
	/* once */
	ck_assert_int_eq(vcpu_op(0, VCPUOP_register_vcpu_info, 1, ARG_VA), -XEN_EINVAL);
	ck_assert_uint_eq(frame(VI_PFN)->type_count, 1);

	/* vCPU 1's events now land there (once it has rescanned). */
	nv->evtchn_pending_sel = 0;
	nv->evtchn_upcall_pending = 0;
	struct evtchn_bind_ipi b = { .vcpu = 1 };
	ck_assert_int_eq(evop(0, EVTCHNOP_bind_ipi, &b, sizeof b), 0);
	struct evtchn_send sn = { .port = b.port };
	ck_assert_int_eq(evop(0, EVTCHNOP_send, &sn, sizeof sn), 0);
	ck_assert_uint_eq(nv->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(s->vcpu_info[1].evtchn_upcall_pending, 0);
	ck_assert_uint_eq(s->vcpu_info[0].evtchn_upcall_pending, 0);
	expect_kick(0, 1, 1);
}
END_TEST

/* As Xen's map_vcpu_info: "on yourself or on other offline VCPUs" only. */
START_TEST(vcpu_info_of_a_running_vcpu)
{
	bring_up(1);
	memset(fake_guest_page(&g, VI_PFN), 0, FG_PAGE);
	struct vcpu_register_vcpu_info r = { .mfn = VI_PFN, .offset = 128 };
	put(ARG_VA, &r, sizeof r);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_register_vcpu_info, 1, ARG_VA), -XEN_EINVAL);
	ck_assert_uint_eq(g.st->vcpu[1].vtime.vcpu_info_registered, 0);
	ck_assert_uint_eq(frame(VI_PFN)->type_count, 0);
	/* its own, or once it is down */
	ck_assert_int_eq(vcpu_op(1, VCPUOP_register_vcpu_info, 1, ARG_VA), 0);
	ck_assert_uint_eq(g.st->vcpu[1].vtime.vcpu_info_registered, 1);
	bring_up(2);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_down, 2, 0), 0);
	r.offset = 512;
	put(ARG_VA, &r, sizeof r);
	ck_assert_int_eq(vcpu_op(0, VCPUOP_register_vcpu_info, 2, ARG_VA), 0);
	ck_assert_uint_eq(g.st->vcpu[2].vtime.vcpu_info_registered, 1);
	ck_assert_uint_eq(frame(VI_PFN)->type_count, 2);
}
END_TEST

/* ---- event channels ------------------------------------------------------ */

static struct evtchn_status status(uint32_t port)
{
	struct evtchn_status s = { .dom = DOMID_SELF, .port = port };
	ck_assert_int_eq(evop(0, EVTCHNOP_status, &s, sizeof s), 0);
	return s;
}

static uint32_t bind_ipi(unsigned on, uint32_t vcpu)
{
	struct evtchn_bind_ipi b = { .vcpu = vcpu };
	ck_assert_int_eq(evop(on, EVTCHNOP_bind_ipi, &b, sizeof b), 0);
	return b.port;
}

static long bind_vcpu(uint32_t port, uint32_t vcpu)
{
	struct evtchn_bind_vcpu b = { .port = port, .vcpu = vcpu };
	return evop(0, EVTCHNOP_bind_vcpu, &b, sizeof b);
}

static long send_on(unsigned v, uint32_t port)
{
	struct evtchn_send s = { .port = port };
	return evop(v, EVTCHNOP_send, &s, sizeof s);
}

static long unmask_on(unsigned v, uint32_t port)
{
	struct evtchn_unmask u = { .port = port };
	return evop(v, EVTCHNOP_unmask, &u, sizeof u);
}

START_TEST(ports_bound_per_vcpu)
{
	uint32_t timer1 = bind_virq(0, VIRQ_TIMER, 1, 0);
	struct evtchn_status s = status(timer1);
	ck_assert_uint_eq(s.status, EVTCHNSTAT_virq);
	ck_assert_uint_eq(s.u.virq, VIRQ_TIMER);
	ck_assert_uint_eq(s.vcpu, 1);
	bind_virq(0, VIRQ_TIMER, 1, -XEN_EEXIST);
	uint32_t timer0 = bind_virq(0, VIRQ_TIMER, 0, 0); /* one per vCPU */
	ck_assert_uint_ne(timer0, timer1);
	ck_assert_uint_eq(status(timer0).vcpu, 0);
	ck_assert_uint_eq(g.st->evtchn.virq_port[1][VIRQ_TIMER], timer1);
	/* A global VIRQ is bound on vCPU 0 only; a vCPU past the domain. */
	bind_virq(0, VIRQ_CONSOLE, 1, -XEN_EINVAL);
	bind_virq(0, VIRQ_DEBUG, NR_VCPUS, -XEN_ENOENT);
	uint32_t console = bind_virq(0, VIRQ_CONSOLE, 0, 0);

	struct evtchn_bind_ipi bi = { .vcpu = NR_VCPUS };
	ck_assert_int_eq(evop(0, EVTCHNOP_bind_ipi, &bi, sizeof bi), -XEN_ENOENT);
	uint32_t ipi3 = bind_ipi(0, 3);
	ck_assert_uint_eq(status(ipi3).status, EVTCHNSTAT_ipi);
	ck_assert_uint_eq(status(ipi3).vcpu, 3);

	/* bind_vcpu moves unbound, interdomain and global-VIRQ ports ... */
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	ck_assert_int_eq(evop(0, EVTCHNOP_alloc_unbound, &a, sizeof a), 0);
	ck_assert_int_eq(bind_vcpu(a.port, 1), 0);
	ck_assert_uint_eq(status(a.port).vcpu, 1);
	struct evtchn_bind_interdomain id = { .remote_dom = DOMID_SELF, .remote_port = a.port };
	ck_assert_int_eq(evop(0, EVTCHNOP_bind_interdomain, &id, sizeof id), 0);
	ck_assert_int_eq(bind_vcpu(id.local_port, 2), 0);
	ck_assert_uint_eq(status(id.local_port).vcpu, 2);
	ck_assert_uint_eq(status(id.local_port).status, EVTCHNSTAT_interdomain);
	ck_assert_int_eq(bind_vcpu(console, 3), 0);
	ck_assert_uint_eq(status(console).vcpu, 3);
	ck_assert_int_eq(bind_vcpu(CONSOLE, 1), 0); /* dom0's backend port */
	ck_assert_uint_eq(status(CONSOLE).vcpu, 1);
	/* ... but not a per-vCPU VIRQ or an IPI, nor to a vCPU past the domain */
	ck_assert_int_eq(bind_vcpu(timer1, 0), -XEN_EINVAL);
	ck_assert_uint_eq(status(timer1).vcpu, 1);
	ck_assert_int_eq(bind_vcpu(ipi3, 1), -XEN_EINVAL);
	ck_assert_uint_eq(status(ipi3).vcpu, 3);
	ck_assert_int_eq(bind_vcpu(a.port, NR_VCPUS), -XEN_ENOENT);
	ck_assert_uint_eq(status(a.port).vcpu, 1);

	/* A port moved notifies where it was moved to: a send on one end
	 * of the loopback pair raises the other, now vCPU 1's. */
	ck_assert_int_eq(send_on(0, id.local_port), 0);
	ck_assert_int_eq(pending_2l(a.port), 1);
	expect_kick(0, 1, 1);
	struct shared_info *sh = core_shared_info(&g.core);
	ck_assert_uint_eq(sh->vcpu_info[1].evtchn_upcall_pending, 1);
	ck_assert_uint_eq(sh->vcpu_info[0].evtchn_upcall_pending, 0);
}
END_TEST

START_TEST(events_kick_their_vcpu_2l)
{
	struct shared_info *s = core_shared_info(&g.core);
	uint32_t ipi1 = bind_ipi(0, 1), ipi0 = bind_ipi(0, 0);
	ck_assert_int_eq(send_on(0, ipi1), 0);
	ck_assert_int_eq(pending_2l(ipi1), 1);
	ck_assert_uint_eq(s->vcpu_info[1].evtchn_upcall_pending, 1);
	ck_assert_uint_eq(s->vcpu_info[1].evtchn_pending_sel, 1);
	ck_assert_uint_eq(s->vcpu_info[0].evtchn_upcall_pending, 0);
	ck_assert_uint_eq(s->vcpu_info[0].evtchn_pending_sel, 0);
	expect_kick(0, 1, 1);
	/* Pending already: no upcall, but a wake (SCHEDOP_poll). */
	ck_assert_int_eq(send_on(0, ipi1), 0);
	expect_kick(0, 1, 0);
	/* The caller's own port: nobody to kick. */
	ck_assert_int_eq(send_on(0, ipi0), 0);
	ck_assert_uint_eq(s->vcpu_info[0].evtchn_upcall_pending, 1);
	expect_no_kick();

	/* Masked: pending, no upcall, a wake only; at unmask the upcall,
	 * and vCPU 1 is interrupted for it. */
	uint32_t masked = bind_ipi(0, 1);
	__atomic_fetch_or(&s->evtchn_mask[0], 1ULL << masked, __ATOMIC_SEQ_CST);
	s->vcpu_info[1].evtchn_upcall_pending = 0;
	s->vcpu_info[1].evtchn_pending_sel = 0;
	ck_assert_int_eq(send_on(0, masked), 0);
	ck_assert_int_eq(pending_2l(masked), 1);
	ck_assert_uint_eq(s->vcpu_info[1].evtchn_upcall_pending, 0);
	expect_kick(0, 1, 0);
	ck_assert_int_eq(unmask_on(0, masked), 0);
	ck_assert_uint_eq(s->vcpu_info[1].evtchn_upcall_pending, 1);
	expect_kick(0, 1, 1);

	/* From vCPU 1: its own ports kick nobody, vCPU 0's kick vCPU 0. */
	bring_up(1);
	s->evtchn_pending[0] = 0;
	s->vcpu_info[0].evtchn_upcall_pending = 0;
	s->vcpu_info[0].evtchn_pending_sel = 0;
	s->vcpu_info[1].evtchn_upcall_pending = 0;
	s->vcpu_info[1].evtchn_pending_sel = 0;
	ck_assert_int_eq(send_on(1, ipi1), 0);
	ck_assert_uint_eq(s->vcpu_info[1].evtchn_upcall_pending, 1);
	expect_no_kick();
	__atomic_fetch_or(&s->evtchn_mask[0], 1ULL << masked, __ATOMIC_SEQ_CST);
	ck_assert_int_eq(send_on(1, masked), 0);
	expect_no_kick();
	s->vcpu_info[1].evtchn_pending_sel = 0;
	s->vcpu_info[1].evtchn_upcall_pending = 0;
	ck_assert_int_eq(unmask_on(1, masked), 0);
	ck_assert_uint_eq(s->vcpu_info[1].evtchn_upcall_pending, 1);
	expect_no_kick();
	ck_assert_int_eq(send_on(1, ipi0), 0);
	ck_assert_uint_eq(s->vcpu_info[0].evtchn_upcall_pending, 1);
	expect_kick(1, 0, 1);
}
END_TEST

#define CB_PFN (SPARE + 4)
#define ARRAY_PFN (SPARE + 5)
#define CB_OFFSET(v) (256 * (v))
#define FIFO_BIT(n) (1u << (n))

static event_word_t *event_word(uint32_t port)
{
	return (event_word_t *)fake_guest_page(&g, ARRAY_PFN) + port;
}

static struct evtchn_fifo_control_block *control_block(unsigned v)
{
	return (void *)(fake_guest_page(&g, CB_PFN) + CB_OFFSET(v));
}

START_TEST(events_kick_their_vcpu_fifo)
{
	memset(fake_guest_page(&g, CB_PFN), 0, FG_PAGE);
	memset(fake_guest_page(&g, ARRAY_PFN), 0, FG_PAGE);
	for (unsigned v = 0; v < 2; v++) {
		struct evtchn_init_control ic = { .control_gfn = CB_PFN,
						  .offset = CB_OFFSET(v), .vcpu = v };
		ck_assert_int_eq(evop(0, EVTCHNOP_init_control, &ic, sizeof ic), 0);
	}
	struct evtchn_expand_array ea = { .array_gfn = ARRAY_PFN };
	ck_assert_int_eq(evop(0, EVTCHNOP_expand_array, &ea, sizeof ea), 0);
	struct shared_info *s = core_shared_info(&g.core);
	uint32_t ipi1 = bind_ipi(0, 1), ipi0 = bind_ipi(0, 0);
	const unsigned q = EVTCHN_FIFO_PRIORITY_DEFAULT;

	ck_assert_int_eq(send_on(0, ipi1), 0);
	ck_assert_uint_eq(control_block(1)->head[q], ipi1);
	ck_assert_uint_eq(control_block(1)->ready, FIFO_BIT(q));
	ck_assert_uint_eq(control_block(0)->ready, 0);
	ck_assert_uint_eq(s->vcpu_info[1].evtchn_upcall_pending, 1);
	ck_assert_uint_eq(s->vcpu_info[0].evtchn_upcall_pending, 0);
	expect_kick(0, 1, 1);
	ck_assert_int_eq(send_on(0, ipi1), 0); /* linked already */
	expect_kick(0, 1, 0);
	ck_assert_int_eq(send_on(0, ipi0), 0);
	ck_assert_uint_eq(control_block(0)->head[q], ipi0);
	ck_assert_uint_eq(s->vcpu_info[0].evtchn_upcall_pending, 1);
	expect_no_kick();

	/* The guest consumed vCPU 1's queue. */
	__atomic_store_n(event_word(ipi1), 0, __ATOMIC_SEQ_CST);
	control_block(1)->ready = 0;
	s->vcpu_info[1].evtchn_upcall_pending = 0;
	/* Masked: a wake only; at unmask (from vCPU 0), the upcall and the
	 * interrupt. */
	uint32_t masked = bind_ipi(0, 1);
	__atomic_store_n(event_word(masked), FIFO_BIT(EVTCHN_FIFO_MASKED), __ATOMIC_SEQ_CST);
	ck_assert_int_eq(send_on(0, masked), 0);
	ck_assert_uint_eq(*event_word(masked), FIFO_BIT(EVTCHN_FIFO_MASKED) |
			  FIFO_BIT(EVTCHN_FIFO_PENDING));
	ck_assert_uint_eq(s->vcpu_info[1].evtchn_upcall_pending, 0);
	expect_kick(0, 1, 0);
	ck_assert_int_eq(unmask_on(0, masked), 0);
	ck_assert_uint_eq(control_block(1)->head[q], masked);
	ck_assert_uint_eq(s->vcpu_info[1].evtchn_upcall_pending, 1);
	expect_kick(0, 1, 1);
}
END_TEST

/* ---- TLB shootdowns ------------------------------------------------------ */

START_TEST(remote_flushes)
{
	bring_up(1);
	bring_up(2); /* vCPU 3 stays down */
	const uint64_t va = KPAGE(7);

	/* FLUSH_MULTI: the vCPUs named that are up, bits past the domain dropped */
	ck_assert_int_eq(ext_mask(0, MMUEXT_TLB_FLUSH_MULTI, 0, 1ULL << 1 | 1ULL << 5 |
				  1ULL << 63), 0);
	ck_assert_uint_eq(shootdown_by(0), 1ULL << 1);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 0);
	ck_assert_int_eq(ext_mask(0, MMUEXT_TLB_FLUSH_MULTI, 0, 1ULL << 0 | 1ULL << 2), 0);
	ck_assert_uint_eq(shootdown_by(0), 1ULL << 2);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 1);
	ck_assert_int_eq(ext_mask(0, MMUEXT_TLB_FLUSH_MULTI, 0, 1ULL << 3), 0);
	expect_no_shootdown(); /* vCPU 3 is not up */
	ck_assert_int_eq(ext_mask(0, MMUEXT_TLB_FLUSH_MULTI, 0, 1ULL << 0), 0);
	expect_no_shootdown();
	ck_assert_int_eq(g.plat.cpu_ops_flush, 1);

	/* FLUSH_ALL: every other vCPU that is up */
	ck_assert_int_eq(ext1(0, MMUEXT_TLB_FLUSH_ALL, 0), 0);
	ck_assert_uint_eq(shootdown_by(0), 1ULL << 1 | 1ULL << 2);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 1);
	ck_assert_int_eq(ext1(1, MMUEXT_TLB_FLUSH_ALL, 0), 0);
	ck_assert_uint_eq(shootdown_by(1), 1ULL << 0 | 1ULL << 2);
	ck_assert_int_eq(plats[1].cpu_ops_flush, 1);
	ck_assert_int_eq(ext1(2, MMUEXT_TLB_FLUSH_LOCAL, 0), 0);
	expect_no_shootdown();

	/* INVLPG_MULTI / INVLPG_ALL: a whole flush for the others, the
	 * caller's own invlpg queued */
	ck_assert_int_eq(ext_mask(0, MMUEXT_INVLPG_MULTI, va, 1ULL << 1 | 1ULL << 2 |
				  1ULL << 3 | 1ULL << 7), 0);
	ck_assert_uint_eq(shootdown_by(0), 1ULL << 1 | 1ULL << 2);
	ck_assert_uint_eq(g.plat.cpu_ops->count, 0);
	ck_assert_int_eq(ext_mask(0, MMUEXT_INVLPG_MULTI, va, 1ULL << 0 | 1ULL << 2), 0);
	ck_assert_uint_eq(shootdown_by(0), 1ULL << 2);
	ck_assert_uint_eq(g.plat.cpu_ops->count, 1);
	ck_assert_uint_eq(g.plat.cpu_ops->op[0].kind, SHIM_CPU_OP_INVLPG);
	ck_assert_uint_eq(g.plat.cpu_ops->op[0].addr, va);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 0);
	ck_assert_int_eq(ext_mask(2, MMUEXT_INVLPG_MULTI, va, 1ULL << 2), 0);
	expect_no_shootdown();
	ck_assert_uint_eq(plats[2].cpu_ops->count, 1);
	struct mmuext_op all = { .cmd = MMUEXT_INVLPG_ALL, .arg1.linear_addr = va };
	ck_assert_int_eq(ext(2, &all), 0);
	ck_assert_uint_eq(shootdown_by(2), 1ULL << 0 | 1ULL << 1);
	ck_assert_uint_eq(plats[2].cpu_ops->count, 1);
	/* a bad mask pointer: nothing flushed */
	struct mmuext_op bad = { .cmd = MMUEXT_TLB_FLUSH_MULTI };
	bad.arg2.vcpumask.p = (const void *)(uintptr_t)KPAGE(NR_DATA);
	ck_assert_int_eq(ext(0, &bad), -XEN_EFAULT);
	expect_no_shootdown();

	/* update_va_mapping: UVMF_ALL, UVMF_MULTI (the mask's address in
	 * the flags), UVMF_LOCAL, and no flush at all */
	const uint64_t ro = ((uint64_t)(SPARE + 6) << 12) | FG_P;
	ck_assert_int_eq(hc(0, __HYPERVISOR_update_va_mapping, REMAPPED, ro,
			    UVMF_INVLPG | UVMF_ALL, 0), 0);
	ck_assert_uint_eq(shootdown_by(0), 1ULL << 1 | 1ULL << 2);
	ck_assert_uint_eq(table(3)[(REMAPPED >> 12) & 511], ro | FG_US);
	uint64_t mask = 1ULL << 2 | 1ULL << 3;
	put(MASK_VA, &mask, sizeof mask);
	ck_assert_int_eq(hc(1, __HYPERVISOR_update_va_mapping, REMAPPED, ro,
			    UVMF_TLB_FLUSH | UVMF_MULTI | MASK_VA, 0), 0);
	ck_assert_uint_eq(shootdown_by(1), 1ULL << 2);
	ck_assert_int_eq(plats[1].cpu_ops_flush, 0);
	mask = 1ULL << 0 | 1ULL << 1;
	put(MASK_VA, &mask, sizeof mask);
	ck_assert_int_eq(hc(1, __HYPERVISOR_update_va_mapping, REMAPPED, ro,
			    UVMF_TLB_FLUSH | UVMF_MULTI | MASK_VA, 0), 0);
	ck_assert_uint_eq(shootdown_by(1), 1ULL << 0);
	ck_assert_int_eq(plats[1].cpu_ops_flush, 1);
	ck_assert_int_eq(hc(1, __HYPERVISOR_update_va_mapping, REMAPPED, ro,
			    UVMF_TLB_FLUSH | UVMF_LOCAL, 0), 0);
	expect_no_shootdown();
	ck_assert_int_eq(plats[1].cpu_ops_flush, 1);
	ck_assert_int_eq(hc(0, __HYPERVISOR_update_va_mapping, REMAPPED, ro,
			    UVMF_NONE | UVMF_ALL, 0), 0);
	expect_no_shootdown();
	ck_assert_int_eq(g.plat.cpu_ops_flush, 0);

	ck_assert_uint_eq(rec.all_shootdowns, 10);
	ck_assert_uint_eq(g.st->stats.tlb_shootdowns, rec.all_shootdowns);
}
END_TEST

/* A frame released with no flush since, taking another type: every vCPU
 * that is up may still cache a translation through it or of it; once
 * each has flushed, none can. */
START_TEST(retype_shoots_down_until_everyone_flushed)
{
	bring_up(1);
	bring_up(2); /* vCPU 3 stays down, and holds nothing back */
	memset(fake_guest_page(&g, RETYPED), 0, FG_PAGE);
	const uint64_t writable = ((uint64_t)RETYPED << 12) | FG_USER_RW;

	/* unmapped without a flush, then pinned as an L1 */
	ck_assert_int_eq(mmu1(0, l1e_ptr(5), 0), 0);
	ck_assert_int_eq(ext1(0, MMUEXT_PIN_L1_TABLE, RETYPED), 0);
	ck_assert_uint_eq(shootdown_by(0), 1ULL << 1 | 1ULL << 2);
	ck_assert_int_eq(g.plat.cpu_ops_flush, 1);
	ck_assert_uint_eq(g.st->stats.retype_flushes, 1);

	/* unpinned; vCPUs 0 and 1 flush, 2 does not: it may still walk
	 * through the table, so mapping it writable needs the shootdown */
	ck_assert_int_eq(ext1(1, MMUEXT_UNPIN_TABLE, RETYPED), 0);
	ck_assert_int_eq(ext1(0, MMUEXT_TLB_FLUSH_LOCAL, 0), 0);
	ck_assert_int_eq(ext1(1, MMUEXT_TLB_FLUSH_LOCAL, 0), 0);
	expect_no_shootdown();
	ck_assert_int_eq(mmu1(1, l1e_ptr(5), writable), 0);
	ck_assert_uint_eq(shootdown_by(1), 1ULL << 0 | 1ULL << 2);
	ck_assert_uint_eq(g.st->stats.retype_flushes, 2);

	/* unmapped again; now every vCPU up flushes, each on its own */
	ck_assert_int_eq(mmu1(0, l1e_ptr(5), 0), 0);
	for (unsigned v = 0; v < 3; v++) {
		ck_assert_int_eq(ext1(v, MMUEXT_TLB_FLUSH_LOCAL, 0), 0);
		ck_assert_int_eq(plat(v)->cpu_ops_flush, 1);
	}
	ck_assert_int_eq(ext1(2, MMUEXT_PIN_L1_TABLE, RETYPED), 0);
	expect_no_shootdown();
	ck_assert_int_eq(plats[2].cpu_ops_flush, 0);
	ck_assert_uint_eq(g.st->stats.retype_flushes, 2);
	ck_assert_uint_eq(frame(RETYPED)->type, MM_TYPE_L1);

	/* A whole shootdown counts as everyone's flush: released, then
	 * FLUSH_ALL, then retyped: nothing more needed. */
	ck_assert_int_eq(ext1(0, MMUEXT_UNPIN_TABLE, RETYPED), 0);
	ck_assert_int_eq(ext1(2, MMUEXT_TLB_FLUSH_ALL, 0), 0);
	ck_assert_uint_eq(shootdown_by(2), 1ULL << 0 | 1ULL << 1);
	ck_assert_int_eq(mmu1(0, l1e_ptr(5), writable), 0);
	expect_no_shootdown();
	ck_assert_int_eq(g.plat.cpu_ops_flush, 0);
	ck_assert_uint_eq(g.st->stats.retype_flushes, 2);
	ck_assert_uint_eq(rec.all_shootdowns, 3);
	ck_assert_uint_eq(g.st->stats.tlb_shootdowns, rec.all_shootdowns);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("smp");
	TCase *t = tcase_create("smp");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, vcpu_op_past_the_domain);
	tcase_add_test(t, initialise_refusals);
	tcase_add_test(t, initialise_takes_the_context);
	tcase_add_test(t, up_down_is_up);
	tcase_add_test(t, start_from_the_context);
	tcase_add_test(t, start_nobody_asked_for);
	tcase_add_test(t, executor_past_the_domain);
	tcase_add_test(t, last_vcpu_down_ends_the_domain);
	tcase_add_test(t, last_vcpu_down_other_than_0);
	tcase_add_test(t, down_parks_until_up);
	tcase_add_test(t, down_but_not_parked_is_flushed);
	tcase_add_test(t, timers_of_another_vcpu);
	tcase_add_test(t, vcpu_info_of_another_vcpu);
	tcase_add_test(t, vcpu_info_of_a_running_vcpu);
	tcase_add_test(t, ports_bound_per_vcpu);
	tcase_add_test(t, events_kick_their_vcpu_2l);
	tcase_add_test(t, events_kick_their_vcpu_fifo);
	tcase_add_test(t, remote_flushes);
	tcase_add_test(t, retype_shoots_down_until_everyone_flushed);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
