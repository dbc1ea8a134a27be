/*
 * Guest traps on a fake guest (tests/unit/fake_guest.h): the virtual IDT
 * and its checks, Xen's x86_64 bounce frame word by word (kernel and user
 * mode, with and without error code, alignment, the saved event mask, the
 * flags the handler runs with), #PF's cr2 and error code, software
 * interrupts against their gate's DPL, bad stacks and the failsafe
 * callback, the iret hypercall restoring each register and mode, user-mode
 * syscalls, compat-mode user code (iret to it, its frames, int $0x80,
 * sysenter, the 32-bit syscall), and the callback, segment-base and
 * vm_assist hypercalls.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv-shim/core/xen_abi.h"
#include <xen/callback.h>
#include <xen/physdev.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/shim_abi.h"
#include "tests/unit/fake_guest.h"

#define KBASE 0xffffffff80000000ULL
#define KPAGE(i) (KBASE + (uint64_t)(i) * FG_PAGE)
#define NR_PAGES 96
#define DATA_PFN 32
#define NR_RW 16            /* KPAGE(0..15): user, writable */
#define P_RO 16             /* KPAGE(16): user, read-only */
#define P_ABSENT 17         /* KPAGE(17): not mapped */
#define TRAMPOLINE SHIM_VA(SHIM_OFF_TRAMPOLINE)

#define STACK_TOP   KPAGE(4)        /* a kernel stack: KPAGE(2..3) */
#define KSTACK_TOP  KPAGE(8)        /* stack_switch's: KPAGE(6..7) */
#define BOOT_STACK  KPAGE(12)       /* the start-of-day stack */
#define TABLE_VA    KPAGE(0)
#define H(v)        (KBASE + 0x100000 + (uint64_t)(v) * 0x10) /* handlers */
#define USER_PFN    40              /* user mode's L4: a copy of the kernel's */
#define USER_CR3    (USER_PFN * FG_PAGE)

#define VEC_DE 0
#define VEC_BP 3
#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14
#define RF_IF  0x200ULL
#define RF_TF  0x100ULL
#define RF_DF  0x400ULL
#define RF_NT  0x4000ULL
#define RF_RF  0x10000ULL
#define RF_AC  0x40000ULL
#define RF_IOPL 0x3000ULL

static struct fake_guest g;
static uint8_t *shim;

static struct vcpu_info *vi(void)
{
	return &core_shared_info(&g.core)->vcpu_info[0];
}

static void setup(void)
{
	fake_guest_init(&g, NR_PAGES);
	shim = calloc(1, SHIM_REGION_SIZE); /* the vCPU blocks too */
	ck_assert_ptr_nonnull(shim);
	g.plat.shim_region = shim;
	((struct shim_boot_params *)(shim + SHIM_OFF_BOOT))->guest_stack = BOOT_STACK;
	g.core.layout.syscall_trampoline = TRAMPOLINE;
	for (int i = 0; i < NR_RW; i++)
		fake_guest_map(&g, KPAGE(i), DATA_PFN + i, FG_USER_RW);
	fake_guest_map(&g, KPAGE(P_RO), DATA_PFN + P_RO, FG_P | FG_US);
	g.st->vcpu[0].user_cr3 = USER_CR3;
	ck_assert_uint_lt(g.next_table_pfn, DATA_PFN);
	/* The kernel's L4 is frame 0 (fake_guest.h); user mode sees the same
	 * pages through its own copy, which instruction fetches walk. */
	memcpy(fake_guest_page(&g, USER_PFN), fake_guest_page(&g, 0), FG_PAGE);
}

static void teardown(void)
{
	fake_guest_free(&g);
	free(shim);
}

static long hcall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	const uint64_t args[5] = { a0, a1, a2, 0, 0 };
	return core_hypercall(&g.core, nr, args);
}

static void put(uint64_t va, const void *p, size_t n)
{
	ck_assert_int_eq(copy_to_guest(&g.core, va, p, n), 0);
}

static uint64_t word(uint64_t va)
{
	uint64_t w;
	ck_assert_int_eq(copy_from_guest(&g.core, &w, va, 8), 0);
	return w;
}

/* Installs one gate (through set_trap_table, as a guest would). */
static void gate(uint8_t vector, uint8_t flags)
{
	struct trap_info t[2] = { { vector, flags, FLAT_KERNEL_CS, H(vector) }, { 0 } };
	put(TABLE_VA, t, sizeof t);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_trap_table, TABLE_VA, 0, 0), 0);
}

static struct trap_frame exc(uint64_t vector, uint64_t error, uint64_t rsp)
{
	struct trap_frame f = {
		.r15 = 15, .r14 = 14, .r13 = 13, .r12 = 12, .r11 = 0x11, .r10 = 10,
		.r9 = 9, .r8 = 8, .rbp = 0xbb, .rdi = 0xd1, .rsi = 0x51, .rdx = 0xd0,
		.rcx = 0xc0, .rbx = 0xb0, .rax = 0xa0, .vector = vector,
		.error_code = error, .rip = KBASE + 0x2345, .cs = SHIM_SEL_USER_CS,
		.rflags = 0x202 | RF_TF | RF_NT | RF_RF | RF_AC | 0x1 /* CF */,
		.rsp = rsp, .ss = SHIM_SEL_USER_DS,
	};
	return f;
}

/* Checks f was sent to H(vector) with a frame of n words below rsp (in
 * the current mode's stack), everything but rip/rsp/rflags unchanged. */
static uint64_t check_bounced(const struct trap_frame *f, const struct trap_frame *before,
			      unsigned vector, unsigned n, uint64_t stack)
{
	uint64_t base = (stack & ~0xfULL) - n * 8;
	ck_assert_uint_eq(f->rip, H(vector));
	ck_assert_uint_eq(f->rsp, base);
	ck_assert_uint_eq(f->rflags & (RF_TF | RF_NT | RF_RF | RF_AC | RF_IOPL), 0);
	ck_assert_uint_eq(f->rflags & (RF_IF | 2), RF_IF | 2);
	ck_assert_uint_eq(f->rflags & 1, before->rflags & 1);
	struct trap_frame same = *f;
	same.rip = before->rip;
	same.rsp = before->rsp;
	same.rflags = before->rflags;
	ck_assert_int_eq(memcmp(&same, before, sizeof same), 0);
	ck_assert_uint_eq(word(base), before->rcx);
	ck_assert_uint_eq(word(base + 8), before->r11);
	return base;
}

/* ---- set_trap_table ------------------------------------------------------ */

START_TEST(table_stores_gates)
{
	struct trap_info t[] = {
		{ 0, 0, 0x1234, H(0) }, { 14, 0xff, 0, H(14) }, { 0x80, 3, 0, H(0x80) },
		{ 255, 4, 0, H(255) }, { 0, 0, 0, 0 },
	};
	put(TABLE_VA, t, sizeof t);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_trap_table, TABLE_VA, 0, 0), 0);
	const struct traps_gate *gt = g.st->vcpu[0].traps.gate;
	ck_assert_uint_eq(gt[0].address, H(0));
	ck_assert_uint_eq(gt[14].address, H(14));
	ck_assert_uint_eq(gt[14].flags, 7);     /* DPL and the event bit only */
	ck_assert_uint_eq(gt[0x80].flags, 3);
	ck_assert_uint_eq(gt[255].flags, 4);
	ck_assert_uint_eq(gt[1].address, 0);
	/* A later table adds to it; a null one clears it. */
	gate(1, 0);
	ck_assert_uint_eq(gt[0].address, H(0));
	ck_assert_uint_eq(gt[1].address, H(1));
	ck_assert_int_eq(hcall(__HYPERVISOR_set_trap_table, 0, 0, 0), 0);
	for (int v = 0; v < TRAPS_NR_GATES; v++)
		ck_assert_uint_eq(gt[v].address, 0);
}
END_TEST

START_TEST(table_refuses)
{
	static const uint64_t bad[] = {
		0x0000800000000000ULL, 0xffff7fffffffffffULL, /* not canonical */
		0xffff800000000000ULL, 0xffff87ffffffffffULL, /* Xen's hole */
	};
	for (unsigned i = 0; i < 4; i++) {
		struct trap_info t[] = { { 1, 0, 0, H(1) }, { 2, 0, 0, bad[i] },
					 { 3, 0, 0, H(3) }, { 0 } };
		put(TABLE_VA, t, sizeof t);
		ck_assert_int_eq(hcall(__HYPERVISOR_set_trap_table, TABLE_VA, 0, 0),
				 -XEN_EINVAL);
		ck_assert_uint_eq(g.st->vcpu[0].traps.gate[1].address, H(1)); /* kept */
		ck_assert_uint_eq(g.st->vcpu[0].traps.gate[2].address, 0);
		ck_assert_uint_eq(g.st->vcpu[0].traps.gate[3].address, 0);
	}
	/* The first address past the hole is fine. */
	struct trap_info ok[] = { { 2, 0, 0, 0xffff880000000000ULL }, { 0 } };
	put(TABLE_VA, ok, sizeof ok);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_trap_table, TABLE_VA, 0, 0), 0);

	/* Unreadable: the list itself, or its end running into a hole. */
	ck_assert_int_eq(hcall(__HYPERVISOR_set_trap_table, KPAGE(P_ABSENT), 0, 0),
			 -XEN_EFAULT);
	struct trap_info last = { 9, 0, 0, H(9) };
	memcpy(fake_guest_page(&g, DATA_PFN + P_RO) + FG_PAGE - sizeof last, &last,
	       sizeof last);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_trap_table, KPAGE(P_ABSENT) - sizeof last,
			       0, 0), -XEN_EFAULT);
	ck_assert_uint_eq(g.st->vcpu[0].traps.gate[9].address, H(9));
}
END_TEST

START_TEST(table_one_entry_per_vector)
{
	struct trap_info t[257];
	for (int v = 0; v < 256; v++)
		t[v] = (struct trap_info){ (uint8_t)v, 0, 0, H(v) };
	t[256] = (struct trap_info){ 0 };
	put(KPAGE(1), t, sizeof t);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_trap_table, KPAGE(1), 0, 0), 0);
	ck_assert_uint_eq(g.st->vcpu[0].traps.gate[255].address, H(255));
	t[256] = (struct trap_info){ 7, 0, 0, H(7) };
	put(KPAGE(1), t, sizeof t);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_trap_table, KPAGE(1), 0, 0), -XEN_E2BIG);
}
END_TEST

/* ---- the bounce frame ---------------------------------------------------- */

/* From kernel mode, for every alignment of the interrupted stack. */
START_TEST(bounce_kernel_frame)
{
	gate(VEC_DE, 0);
	gate(VEC_GP, 0);
	for (unsigned k = 0; k < 32; k++) {
		int with_error = k & 1;
		uint64_t rsp = STACK_TOP - 0x200 + k * 3;
		unsigned vector = with_error ? VEC_GP : VEC_DE;
		struct trap_frame f = exc(vector, with_error ? 0x1238 : 0, rsp), before = f;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		unsigned n = with_error ? 8 : 7;
		uint64_t base = check_bounced(&f, &before, vector, n, rsp);
		unsigned i = 2;
		if (with_error)
			ck_assert_uint_eq(word(base + 8 * i++), 0x1238);
		ck_assert_uint_eq(word(base + 8 * i++), before.rip);
		ck_assert_uint_eq(word(base + 8 * i++), 0xe030);  /* RPL 0: kernel */
		ck_assert_uint_eq(word(base + 8 * i++), (before.rflags & ~RF_IOPL) | RF_IF);
		ck_assert_uint_eq(word(base + 8 * i++), rsp);
		ck_assert_uint_eq(word(base + 8 * i++), 0xe02b);
		ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
		ck_assert_uint_eq(vi()->evtchn_upcall_mask, 0);
	}
	ck_assert_uint_eq(g.st->stats.traps[VEC_GP], 16);
}
END_TEST

/* The saved mask rides in cs bits 32-39 and as rflags.IF; a gate with
 * bit 2 masks events for the handler. */
START_TEST(bounce_event_mask)
{
	gate(VEC_DE, 4);
	gate(VEC_BP, 3);
	for (int masked = 0; masked < 2; masked++) {
		vi()->evtchn_upcall_mask = (uint8_t)masked;
		struct trap_frame f = exc(VEC_DE, 0, STACK_TOP), before = f;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		uint64_t base = check_bounced(&f, &before, VEC_DE, 7, STACK_TOP);
		ck_assert_uint_eq(word(base + 24), 0xe030 | ((uint64_t)masked << 32));
		ck_assert_uint_eq(word(base + 32) & RF_IF, masked ? 0 : RF_IF);
		ck_assert_uint_eq(vi()->evtchn_upcall_mask, 1);
	}
	vi()->evtchn_upcall_mask = 0;
	struct trap_frame f = exc(VEC_BP, 0, STACK_TOP);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(vi()->evtchn_upcall_mask, 0);
}
END_TEST

START_TEST(bounce_page_fault)
{
	gate(VEC_PF, 0);
	static const uint64_t errors[] = { 0x6, 0x7, 0x15, 0x2 };
	for (int user = 0; user < 2; user++)
		for (unsigned i = 0; i < 4; i++) {
			g.st->vcpu[0].kernel_mode = !user;
			g.st->vcpu[0].cr2 = 0xdead000 + i;
			struct trap_frame f = exc(VEC_PF, errors[i], STACK_TOP);
			ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
			ck_assert_uint_eq(vi()->arch.cr2, 0xdead000 + i);
			uint64_t want = (errors[i] & ~4ULL) | (user ? 4 : 0);
			ck_assert_uint_eq(word(f.rsp + 16), want);
			ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
		}
}
END_TEST

/* From user mode: onto stack_switch's stack (the boot stack before it),
 * kernel mode and its page tables, cs shows user mode. */
START_TEST(bounce_from_user_mode)
{
	gate(VEC_UD, 0);
	g.st->vcpu[0].cr3 = 0;
	for (int switched = 0; switched < 2; switched++) {
		if (switched)
			ck_assert_int_eq(hcall(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
					       KSTACK_TOP + 8, 0), 0);
		g.st->vcpu[0].kernel_mode = 0;
		g.plat.cr3 = USER_CR3;
		uint64_t user_rsp = 0x00007ffffffff123ULL;
		struct trap_frame f = exc(VEC_UD, 0, user_rsp), before = f;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		uint64_t stack = switched ? KSTACK_TOP + 8 : BOOT_STACK;
		uint64_t base = check_bounced(&f, &before, VEC_UD, 7, stack);
		ck_assert_uint_eq(word(base + 16), before.rip);
		ck_assert_uint_eq(word(base + 24), 0xe033);         /* RPL 3: user */
		ck_assert_uint_eq(word(base + 40), user_rsp);
		ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
		ck_assert_uint_eq(g.plat.cr3, g.st->vcpu[0].cr3);
	}
	ck_assert_uint_eq(g.st->vcpu[0].traps.kernel_ss, FLAT_KERNEL_SS);
}
END_TEST

START_TEST(bounce_bad_stack_stops)
{
	gate(VEC_DE, 0);
	static const uint64_t stacks[] = {
		KPAGE(P_RO) + 0x800, KPAGE(P_ABSENT) + 0x800, 0xffff800000100000ULL,
		0x0000800000000040ULL, 0x30,
	};
	for (unsigned i = 0; i < 5; i++) {
		teardown();
		setup();
		gate(VEC_DE, 0);
		struct trap_frame f = exc(VEC_DE, 0, stacks[i]), before = f;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
		ck_assert_int_eq(memcmp(&g.st->stop_frame, &before, sizeof before), 0);
		ck_assert_msg(strstr(g.st->stop_message, "unwritable"), "%s",
			      g.st->stop_message);
		ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
	}
}
END_TEST

/* A registered failsafe callback gets Xen's failsafe frame (rcx, r11, ds,
 * es, fs, gs, rip, cs, rflags, rsp, ss) on the stack_switch stack. */
START_TEST(bounce_bad_stack_failsafe)
{
	gate(VEC_DE, 0);
	struct callback_register cb = { CALLBACKTYPE_failsafe, CALLBACKF_mask_events, H(300) };
	put(KPAGE(1), &cb, sizeof cb);
	ck_assert_int_eq(hcall(__HYPERVISOR_callback_op, CALLBACKOP_register, KPAGE(1), 0), 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_stack_switch, 0, KSTACK_TOP, 0), 0);
	struct trap_frame f = exc(VEC_DE, 0, KPAGE(P_RO) + 0x800), before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	uint64_t base = KSTACK_TOP - 11 * 8;
	ck_assert_uint_eq(f.rip, H(300));
	ck_assert_uint_eq(f.rsp, base);
	ck_assert_uint_eq(word(base), before.rcx);
	ck_assert_uint_eq(word(base + 8), before.r11);
	for (int i = 2; i < 6; i++)
		ck_assert_uint_eq(word(base + 8 * i), 0);
	ck_assert_uint_eq(word(base + 48), before.rip);
	ck_assert_uint_eq(word(base + 56), 0xe030);
	ck_assert_uint_eq(word(base + 72), before.rsp);
	ck_assert_uint_eq(vi()->evtchn_upcall_mask, 1);

	/* The failsafe stack bad too: the domain ends. */
	ck_assert_int_eq(hcall(__HYPERVISOR_stack_switch, 0, KPAGE(P_ABSENT) + 64, 0), 0);
	f = exc(VEC_DE, 0, KPAGE(P_RO) + 0x800);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "failsafe"));
}
END_TEST

START_TEST(no_handler_stops)
{
	gate(VEC_GP, 0);
	static const unsigned vectors[] = { 0, 1, 3, 4, 5, 6, 10, 11, 12, 14, 16, 17, 19 };
	for (unsigned i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		struct trap_frame f = exc(vectors[i], 0, STACK_TOP), before = f;
		g.st->stop_reason = CORE_RUNNING;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
		ck_assert_int_eq(memcmp(&g.st->stop_frame, &before, sizeof before), 0);
	}
	/* Xen never bounces NMI, #DF, #MC or reserved vectors, handler or not. */
	static const unsigned never[] = { 2, 8, 18, 20, 31 };
	for (unsigned i = 0; i < 5; i++) {
		gate((uint8_t)never[i], 0);
		struct trap_frame f = exc(never[i], 0, STACK_TOP);
		g.st->stop_reason = CORE_RUNNING;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	}
}
END_TEST

/* ---- software interrupts -------------------------------------------------- */

static struct trap_frame soft_int(uint64_t vector, const uint8_t *insn, size_t n,
				  uint64_t error)
{
	struct trap_frame f = exc(vector, error, STACK_TOP);
	put(f.rip, insn, n);
	return f;
}

START_TEST(soft_int_dpl)
{
	static const uint8_t int80[] = { 0xcd, 0x80 }, int3[] = { 0xcc };
	struct trap_info t[] = { { 0x80, 3, 0, H(0x80) }, { 0x81, 1, 0, H(0x81) },
				 { 0x82, 0, 0, H(0x82) }, { 3, 3, 0, H(3) },
				 { 13, 0, 0, H(13) }, { 0 } };
	put(TABLE_VA, t, sizeof t);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_trap_table, TABLE_VA, 0, 0), 0);

	/* #GP naming the IDT entry (hardware) or #UD at `int` (this KVM). */
	for (int via_ud = 0; via_ud < 2; via_ud++)
		for (int user = 0; user < 2; user++)
			for (unsigned v = 0x80; v <= 0x82; v++) {
				uint8_t insn[2] = { 0xcd, (uint8_t)v };
				g.st->vcpu[0].kernel_mode = !user;
				struct trap_frame f = via_ud ? soft_int(VEC_UD, insn, 2, 0)
					: soft_int(VEC_GP, insn, 2, (v << 3) | 2);
				struct trap_frame before = f;
				ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
				int allowed = v == 0x80 || (v == 0x81 && !user);
				uint64_t stack = user ? BOOT_STACK : STACK_TOP;
				if (allowed) {
					before.rip += 2;
					uint64_t base = check_bounced(&f, &before, v, 7, stack);
					ck_assert_uint_eq(word(base + 16), before.rip);
				} else {
					uint64_t base = check_bounced(&f, &before, 13, 8, stack);
					ck_assert_uint_eq(word(base + 16), (v << 3) | 2);
					ck_assert_uint_eq(word(base + 24), before.rip);
				}
			}
	/* int3 through a DPL 0 IDT gate. */
	g.st->vcpu[0].kernel_mode = 1;
	struct trap_frame f = soft_int(VEC_GP, int3, 1, (3 << 3) | 2), before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	before.rip += 1;
	check_bounced(&f, &before, 3, 7, STACK_TOP);
	ck_assert_uint_eq(word(f.rsp + 16), before.rip);

	/* The error code names a vector the instruction does not: plain #GP. */
	f = soft_int(VEC_GP, int80, 2, (0x81 << 3) | 2);
	before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	check_bounced(&f, &before, 13, 8, STACK_TOP);
}
END_TEST

START_TEST(soft_int_without_gp_handler_stops)
{
	static const uint8_t int81[] = { 0xcd, 0x81 };
	gate(0x81, 0);
	struct trap_frame f = soft_int(VEC_UD, int81, 2, 0), before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_int_eq(memcmp(&g.st->stop_frame, &before, sizeof before), 0);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "0x81"));
}
END_TEST

/* ---- iret ------------------------------------------------------------------ */

/* The hypercall page's iret entry: iret_context at rsp, then `syscall`. */
static struct trap_frame iret_call(const struct iret_context *ic, uint64_t rsp, int via_host)
{
	put(rsp, ic, sizeof *ic);
	struct trap_frame f = {
		.r15 = 15, .r14 = 14, .r13 = 13, .r12 = 12, .r10 = 10, .r9 = 9,
		.r8 = 8, .rbp = 0xbb, .rdi = 0xd1, .rsi = 0x51, .rdx = 0xd0,
		.rbx = 0xb0, .rax = __HYPERVISOR_iret, .rcx = KBASE + 0x777,
		.r11 = 0x246, .rsp = rsp, .rip = TRAMPOLINE, .rflags = 0x202,
		.cs = SHIM_SEL_USER_CS, .ss = SHIM_SEL_USER_DS,
		.vector = via_host ? 256 : VEC_UD,
	};
	return f;
}

/* An iret entry in a multicall: the entries before it run, it restores
 * the registers from the iret_context at the guest's rsp, and ends the
 * batch (Xen's mc_exit), its result the %rax restored. */
START_TEST(iret_in_multicall)
{
	for (int via_host = 0; via_host < 2; via_host++) {
		teardown();
		setup();
		struct iret_context ic = {
			.rax = 0xaaaa, .r11 = 0x1111, .rcx = 0xcccc,
			.rip = KBASE + 0x4000, .cs = 0xe030, .rflags = RF_IF,
			.rsp = STACK_TOP - 0x40, .ss = 0xe02b,
		};
		struct multicall_entry mc[3] = {
			{ .op = __HYPERVISOR_vm_assist, .args = { VMASST_CMD_enable, 2 },
			  .result = 0x5a },
			{ .op = __HYPERVISOR_iret, .result = 0x5a },
			{ .op = __HYPERVISOR_vm_assist, .args = { VMASST_CMD_enable, 3 },
			  .result = 0x5a },
		};
		put(KPAGE(9), mc, sizeof mc);
		struct trap_frame f = iret_call(&ic, STACK_TOP - 0x100, via_host);
		f.rax = __HYPERVISOR_multicall;
		f.rdi = KPAGE(9);
		f.rsi = 3;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		ck_assert_uint_eq(f.rip, KBASE + 0x4000);
		ck_assert_uint_eq(f.rsp, STACK_TOP - 0x40);
		ck_assert_uint_eq(f.rax, 0xaaaa);
		ck_assert_uint_eq(f.rcx, 0xcccc);
		ck_assert_uint_eq(f.r11, 0x1111);
		ck_assert_uint_eq(vi()->evtchn_upcall_mask, 0);
		ck_assert_uint_eq(word(KPAGE(9) + offsetof(struct multicall_entry, result)), 0);
		ck_assert_uint_eq(word(KPAGE(9) + sizeof mc[0] +
				       offsetof(struct multicall_entry, result)), 0xaaaa);
		ck_assert_uint_eq(word(KPAGE(9) + 2 * sizeof mc[0] +
				       offsetof(struct multicall_entry, result)), 0x5a);
		ck_assert_uint_ne(g.st->traps.vm_assist & (1ULL << 2), 0);
		ck_assert_uint_eq(g.st->traps.vm_assist & (1ULL << 3), 0);
	}
	/* No guest registers to iret on (a nested multicall's, dom0's):
	 * refused as before. */
	struct multicall_entry alone = { .op = __HYPERVISOR_iret };
	put(KPAGE(9), &alone, sizeof alone);
	ck_assert_int_eq(hcall(__HYPERVISOR_multicall, KPAGE(9), 1, 0), 0);
	ck_assert_int_eq((long)word(KPAGE(9) + offsetof(struct multicall_entry, result)),
			 -XEN_EINVAL);
}
END_TEST

START_TEST(iret_restores_registers)
{
	for (int via_host = 0; via_host < 2; via_host++)
		for (int masked = 0; masked < 2; masked++) {
			struct iret_context ic = {
				.rax = 0xaaaa, .r11 = 0x1111, .rcx = 0xcccc, .flags = 0,
				.rip = KBASE + 0x4000, .cs = 0xe030,
				.rflags = (masked ? 0 : RF_IF) | RF_IOPL | RF_NT | 0x8d5 | RF_TF,
				.rsp = STACK_TOP - 0x40, .ss = 0xe02b,
			};
			vi()->evtchn_upcall_mask = (uint8_t)!masked;
			struct trap_frame f = iret_call(&ic, STACK_TOP - 0x100, via_host);
			struct trap_frame before = f;
			ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
			ck_assert_uint_eq(f.rax, 0xaaaa);
			ck_assert_uint_eq(f.rcx, 0xcccc);
			ck_assert_uint_eq(f.r11, 0x1111);
			ck_assert_uint_eq(f.rip, KBASE + 0x4000);
			ck_assert_uint_eq(f.rsp, STACK_TOP - 0x40);
			ck_assert_uint_eq(f.rflags, 0x8d5 | RF_TF | RF_IF | 2);
			ck_assert_uint_eq(f.cs, SHIM_SEL_USER_CS);
			ck_assert_uint_eq(f.ss, SHIM_SEL_USER_DS);
			ck_assert_uint_eq(vi()->evtchn_upcall_mask, masked);
			ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
			struct trap_frame same = f;
			same.rax = before.rax; same.rcx = before.rcx; same.r11 = before.r11;
			same.rip = before.rip; same.rsp = before.rsp;
			same.rflags = before.rflags; same.vector = before.vector;
			ck_assert_int_eq(memcmp(&same, &before, sizeof same), 0);
		}
	ck_assert_uint_eq(g.st->stats.hypercalls[__HYPERVISOR_iret], 4);
}
END_TEST

START_TEST(iret_in_syscall)
{
	struct iret_context ic = {
		.rax = 5, .r11 = 0x1111, .rcx = 0xcccc, .flags = VGCF_in_syscall,
		.rip = KBASE + 0x4000, .cs = 0xe030, .rflags = 0x246,
		.rsp = STACK_TOP - 0x40, .ss = 0xe02b,
	};
	struct trap_frame f = iret_call(&ic, STACK_TOP - 0x100, 0);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rcx, KBASE + 0x4000);
	ck_assert_uint_eq(f.r11, f.rflags);
	ck_assert_uint_eq(f.rax, 5);
}
END_TEST

/* RPL 3 in the saved cs: to guest user mode (its page tables, and its
 * `syscall`s to the trampoline's exit rather than the kernel's entry),
 * even with a Linux selector; then a trap from there comes back to kernel
 * mode. */
START_TEST(iret_to_user_mode)
{
	static const uint64_t user_cs[] = { 0xe033, 0x33 };
	gate(VEC_UD, 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_stack_switch, 0, KSTACK_TOP, 0), 0);
	for (unsigned i = 0; i < 2; i++) {
		struct iret_context ic = {
			.rip = 0x400000, .cs = user_cs[i], .rflags = 0x202,
			.rsp = 0x7fff0000, .ss = 0x2b,
		};
		struct trap_frame f = iret_call(&ic, STACK_TOP - 0x100, (int)i);
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 0);
		ck_assert_int_eq(g.plat.guest_kernel_mode, 0);
		ck_assert_uint_eq(g.plat.cr3, USER_CR3);
		ck_assert_uint_eq(f.rip, 0x400000);
		f = exc(VEC_UD, 0, 0x7fff0000);
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
		ck_assert_int_eq(g.plat.guest_kernel_mode, 1);
		ck_assert_uint_eq(g.plat.cr3, g.st->vcpu[0].cr3);
		ck_assert_uint_eq(f.rsp, KSTACK_TOP - 7 * 8);
	}
	/* RPL 0 from kernel mode stays in kernel mode. */
	g.plat.cr3 = 0x999000;
	struct iret_context ic = { .rip = KBASE, .cs = 0x10, .rflags = 0x202,
				   .rsp = STACK_TOP, .ss = 0x18 };
	struct trap_frame f = iret_call(&ic, STACK_TOP - 0x100, 0);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
	ck_assert_uint_eq(g.plat.cr3, 0x999000); /* no switch */
}
END_TEST

/* A guest GDT of one frame whose entry 4 is Linux's __USER32_CS (0x23): a
 * 32-bit DPL 3 code segment. */
static void gdt_with_user32_cs(void)
{
	uint64_t frame = DATA_PFN + 5, code32[5] = { [4] = 0x00cffb000000ffffULL };
	put(KPAGE(5), code32, sizeof code32);
	put(KPAGE(1), &frame, sizeof frame);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(1), 5, 0), 0);
}

START_TEST(iret_refused)
{
	struct iret_context good = { .rip = KBASE, .cs = 0xe033, .rflags = 0x202,
				     .rsp = 0x7fff0000, .ss = 0x2b };
	/* User mode without user page tables. */
	g.st->vcpu[0].user_cr3 = 0;
	struct trap_frame f = iret_call(&good, STACK_TOP - 0x100, 0), before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_int_eq(memcmp(&g.st->stop_frame, &before, sizeof before), 0);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "user page tables"));
	ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);

	struct iret_context bad[] = { good, good, good, good };
	bad[0].rip = 0x0000800000000000ULL;
	bad[1].rsp = 0x0000900000000000ULL;
	bad[2].cs = 0xe023;       /* compat mode above 4 GiB */
	bad[2].rip = 0x100000000ULL;
	bad[3].cs = 0x23;         /* compat mode on a code selector as ss */
	bad[3].rip = 0x400000;
	bad[3].ss = 0x33;
	for (unsigned i = 0; i < 4; i++) {
		teardown();
		setup();
		gdt_with_user32_cs();
		f = iret_call(&bad[i], STACK_TOP - 0x100, 0);
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
		ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
		/* Xen would run the failsafe callback: a departure. */
		ck_assert_uint_eq(g.st->departures[DEPARTURE_IRET_ENDS_DOMAIN], 1);
	}
	/* Taken as Xen takes them: a rip and rsp in Xen's hole (canonical)
	 * fault in the guest once it runs there. */
	struct iret_context hole = good;
	hole.cs = 0xe030;
	hole.rip = 0xffff808000001000ULL;
	hole.rsp = 0xffff800000001000ULL;
	teardown();
	setup();
	f = iret_call(&hole, STACK_TOP - 0x100, 0);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, hole.rip);
	ck_assert_uint_eq(f.rsp, hole.rsp);
	/* The frame runs from a read-only page into an unmapped one. */
	teardown();
	setup();
	f = iret_call(&good, STACK_TOP - 0x100, 0);
	memcpy(fake_guest_page(&g, DATA_PFN + P_RO) + FG_PAGE - 0x20, &good, 0x20);
	f.rsp = KPAGE(P_ABSENT) - 0x20;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "unreadable"));
}
END_TEST

/* ---- syscall from guest user mode ------------------------------------------- */

static struct trap_frame user_syscall(int via_host)
{
	g.st->vcpu[0].kernel_mode = 0;
	struct trap_frame f = {
		.rax = 39, .rdi = 1, .rcx = 0x401002, .r11 = 0x246 | RF_DF | RF_TF,
		.rsp = 0x7fff1000, .rip = TRAMPOLINE, .rflags = 0x202,
		.cs = SHIM_SEL_USER_CS, .ss = SHIM_SEL_USER_DS,
		.vector = via_host ? 256 : VEC_UD,
	};
	return f;
}

START_TEST(user_syscall_callback)
{
	struct callback_register cb = { CALLBACKTYPE_syscall, CALLBACKF_mask_events, H(400) };
	put(KPAGE(1), &cb, sizeof cb);
	ck_assert_int_eq(hcall(__HYPERVISOR_callback_op, CALLBACKOP_register, KPAGE(1), 0), 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_stack_switch, 0, KSTACK_TOP, 0), 0);
	for (int via_host = 0; via_host < 2; via_host++) {
		vi()->evtchn_upcall_mask = 0;
		g.plat.cr3 = USER_CR3;
		struct trap_frame f = user_syscall(via_host), before = f;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		uint64_t base = KSTACK_TOP - 7 * 8;
		ck_assert_uint_eq(f.rip, H(400));
		ck_assert_uint_eq(f.rsp, base);
		ck_assert_uint_eq(f.rflags & (RF_DF | RF_TF), 0);
		ck_assert_uint_eq(f.rax, 39);
		ck_assert_uint_eq(word(base), before.rcx);
		ck_assert_uint_eq(word(base + 8), before.r11);
		ck_assert_uint_eq(word(base + 16), 0x401002);
		ck_assert_uint_eq(word(base + 24), 0xe033);
		ck_assert_uint_eq(word(base + 32), (before.r11 | RF_IF));
		ck_assert_uint_eq(word(base + 40), 0x7fff1000);
		ck_assert_uint_eq(word(base + 48), 0xe02b);
		ck_assert_uint_eq(vi()->evtchn_upcall_mask, 1);
		ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
		ck_assert_uint_eq(g.plat.cr3, g.st->vcpu[0].cr3);
	}
}
END_TEST

/* No syscall callback: #UD at the syscall instruction, as Xen does. */
START_TEST(user_syscall_without_callback)
{
	struct trap_frame f = user_syscall(0), before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_int_eq(memcmp(&g.st->stop_frame, &before, sizeof before), 0);
	teardown();
	setup();
	gate(VEC_UD, 0);
	f = user_syscall(1);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, H(VEC_UD));
	ck_assert_uint_eq(word(f.rsp + 16), 0x401000);
}
END_TEST

/* ---- callbacks, segment bases, vm_assist ------------------------------------- */

static long reg_cb(uint16_t type, uint16_t flags, uint64_t address)
{
	struct callback_register cb = { type, flags, address };
	put(KPAGE(1), &cb, sizeof cb);
	return hcall(__HYPERVISOR_callback_op, CALLBACKOP_register, KPAGE(1), 0);
}

static long unreg_cb(uint16_t type)
{
	struct callback_unregister u = { type, 0 };
	put(KPAGE(1), &u, sizeof u);
	return hcall(__HYPERVISOR_callback_op, CALLBACKOP_unregister, KPAGE(1), 0);
}

START_TEST(callbacks)
{
	const struct traps_vcpu *t = &g.st->vcpu[0].traps;
	ck_assert_int_eq(reg_cb(CALLBACKTYPE_event, 0, H(1)), 0);
	ck_assert_int_eq(reg_cb(CALLBACKTYPE_failsafe, CALLBACKF_mask_events, H(2)), 0);
	ck_assert_int_eq(reg_cb(CALLBACKTYPE_syscall, 0, H(3)), 0);
	ck_assert_int_eq(reg_cb(CALLBACKTYPE_nmi, 0, H(4)), 0);
	ck_assert_uint_eq(t->event.address, H(1));
	ck_assert_uint_eq(t->failsafe.address, H(2));
	ck_assert_uint_eq(t->failsafe.mask_events, 1);
	ck_assert_uint_eq(t->syscall.address, H(3));
	ck_assert_uint_eq(t->syscall.mask_events, 0);
	ck_assert_uint_eq(t->gate[2].address, H(4));
	ck_assert_uint_eq(t->gate[2].flags, 4);
	/* Kept for 64-bit PV as Xen keeps them, each with its own flag. */
	ck_assert_int_eq(reg_cb(CALLBACKTYPE_syscall32, CALLBACKF_mask_events, H(5)), 0);
	ck_assert_int_eq(reg_cb(CALLBACKTYPE_sysenter, 0, H(6)), 0);
	ck_assert_uint_eq(t->syscall32.address, H(5));
	ck_assert_uint_eq(t->syscall32.mask_events, 1);
	ck_assert_uint_eq(t->sysenter.address, H(6));
	ck_assert_uint_eq(t->sysenter.mask_events, 0);
	ck_assert_int_eq(reg_cb(CALLBACKTYPE_sysenter, 0, 0x0000800000000000ULL), -XEN_EINVAL);
	ck_assert_uint_eq(t->sysenter.address, H(6));
	ck_assert_int_eq(unreg_cb(CALLBACKTYPE_sysenter), -XEN_EINVAL);
	ck_assert_int_eq(reg_cb(99, 0, H(5)), -XEN_ENOSYS);
	ck_assert_int_eq(reg_cb(CALLBACKTYPE_event, 0, 0xffff800000000000ULL), -XEN_EINVAL);
	ck_assert_int_eq(reg_cb(CALLBACKTYPE_event, 0, 0x0000800000000000ULL), -XEN_EINVAL);
	ck_assert_uint_eq(t->event.address, H(1));
	ck_assert_int_eq(unreg_cb(CALLBACKTYPE_event), -XEN_EINVAL);
	ck_assert_int_eq(unreg_cb(CALLBACKTYPE_syscall), -XEN_EINVAL);
	ck_assert_int_eq(unreg_cb(99), -XEN_ENOSYS);
	ck_assert_int_eq(unreg_cb(CALLBACKTYPE_nmi), 0);
	ck_assert_uint_eq(t->gate[2].address, 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_callback_op, 2, KPAGE(1), 0), -XEN_ENOSYS);
	ck_assert_int_eq(hcall(__HYPERVISOR_callback_op, CALLBACKOP_register,
			       KPAGE(P_ABSENT), 0), -XEN_EFAULT);

	/* set_callbacks: all three, without flags; a bad one is skipped. */
	ck_assert_int_eq(hcall(__HYPERVISOR_set_callbacks, H(7), 0xffff800000000000ULL,
			       H(9)), 0);
	ck_assert_uint_eq(t->event.address, H(7));
	ck_assert_uint_eq(t->failsafe.address, H(2));
	ck_assert_uint_eq(t->syscall.address, H(9));
	ck_assert_uint_eq(t->syscall.mask_events, 0);
}
END_TEST

START_TEST(segment_bases)
{
	const struct core_vcpu *v = &g.st->vcpu[0];
	ck_assert_int_eq(hcall(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0x1000, 0), 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER, 0x2000, 0), 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_segment_base, SEGBASE_GS_KERNEL, KBASE, 0), 0);
	ck_assert_uint_eq(v->fs_base, 0x1000);
	ck_assert_uint_eq(v->gs_base_user, 0x2000);
	ck_assert_uint_eq(v->gs_base_kernel, KBASE);
	for (uint64_t which = 0; which < 3; which++)
		ck_assert_int_eq(hcall(__HYPERVISOR_set_segment_base, which,
				       0x0000800000000000ULL, 0), -XEN_EINVAL);
	ck_assert_uint_eq(v->fs_base, 0x1000);
	ck_assert_uint_eq(v->gs_base_user, 0x2000);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL, 0x2b, 0), 0);
	ck_assert_uint_eq(v->gs_base_user, 0);
	ck_assert_uint_eq(v->gs_base_kernel, KBASE);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_segment_base, 4, 0, 0), -XEN_EINVAL);
}
END_TEST

/* A data descriptor with a base, present, DPL 3. */
static uint64_t data_desc(uint32_t base)
{
	return 0x00cff2000000ffffULL | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)(base >> 24) << 56);
}

/* Xen's check_descriptor for a 64-bit PV guest: taken as given, fixed
 * up, or refused. */
START_TEST(descriptor_check)
{
	static const struct { uint64_t in, out; int ok; const char *what; } cases[] = {
		{ 0, 0, 1, "empty" },
		{ 0x0000090000000067ULL, 0x0000090000000067ULL, 1, "TSS, not present" },
		{ 0x00cff3000000ffffULL, 0x00cff3000000ffffULL, 1, "DPL 3 data" },
		{ 0x00cf93000000ffffULL, 0x00cff3000000ffffULL, 1, "DPL 0 data: DPL 3" },
		{ 0x00afbb000000ffffULL, 0x00affb000000ffffULL, 1, "DPL 1 code: DPL 3" },
		{ 0x00af9b000000ffffULL, 0x00affb000000ffffULL, 1, "DPL 0 code: DPL 3" },
		{ 0x0000800000000000ULL, 0x0000800000000000ULL, 1, "type 0 (gate's upper half)" },
		{ 0x0000ec0000100000ULL, 0x00008c0000130000ULL, 1,
		  "call gate DPL 3 to 0x10: DPL 0, RPL 3" },
		{ 0x00008c0000000000ULL, 0x00008c0000030000ULL, 1, "call gate to null" },
		{ 0x0000ec00e0330000ULL, 0x00008c00e0330000ULL, 1, "call gate to FLAT_KERNEL_CS" },
		{ 0x0000ec00e0070000ULL, 0x00008c00e0070000ULL, 1, "call gate to an LDT selector" },
		{ 0x0000ec00dff80000ULL, 0x00008c00dffb0000ULL, 1, "call gate to the last guest entry" },
		{ 0x0000ec00e0080000ULL, 0, 0, "call gate to Xen's ring 0 cs" },
		{ 0x00008c00e0100000ULL, 0, 0, "call gate to Xen's ring 0 ds" },
		{ 0x0000ec00e0300000ULL, 0, 0, "call gate to 0xe030" },
		{ 0x0000ec0100100000ULL, 0, 0, "call gate with reserved bits" },
		{ 0x0000890000000067ULL, 0, 0, "present TSS" },
		{ 0x0000820000000000ULL, 0, 0, "present LDT" },
		{ 0x00008e0000100000ULL, 0, 0, "interrupt gate" },
		{ 0x00008f0000100000ULL, 0, 0, "trap gate" },
		{ 0x0000850000100000ULL, 0, 0, "task gate" },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t d = cases[i].in;
		int ok = traps_descriptor_check(&d);
		ck_assert_msg(ok == cases[i].ok, "%s: %d", cases[i].what, ok);
		if (ok)
			ck_assert_msg(d == cases[i].out, "%s: %#lx", cases[i].what,
				      (unsigned long)d);
		else
			ck_assert_msg(d == cases[i].in, "%s: changed", cases[i].what);
	}
}
END_TEST

START_TEST(set_gdt)
{
	uint64_t gdt[24] = {
		0, 0x00cf9b000000ffffULL, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL,
		0x00cffb000000ffffULL, 0x00cff3000000ffffULL, 0x00affb000000ffffULL,
		0, 0, 0, 0, 0, data_desc(0x12345678), data_desc(0xfedcba98),
		0x0000000000000000ULL, 0x0000ec0000100000ULL, /* call gate to 0x10 */
	};
	uint64_t frame = DATA_PFN + 5;
	put(KPAGE(5), gdt, sizeof gdt);
	put(KPAGE(1), &frame, sizeof frame);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(1), 16, 0), 0);
	ck_assert_uint_eq(g.st->vcpu[0].traps.gdt_entries, 16);
	ck_assert_uint_eq(g.st->vcpu[0].traps.gdt_frames[0], frame);
	/* Fixed up in place: ring 0 descriptors made DPL 3, the gate DPL 0
	 * with its DPL in the target's RPL; the rest as it was. */
	ck_assert_uint_eq(word(KPAGE(5) + 1 * 8), 0x00cffb000000ffffULL);
	ck_assert_uint_eq(word(KPAGE(5) + 2 * 8), 0x00affb000000ffffULL);
	ck_assert_uint_eq(word(KPAGE(5) + 3 * 8), 0x00cff3000000ffffULL);
	ck_assert_uint_eq(word(KPAGE(5) + 6 * 8), 0x00affb000000ffffULL);
	ck_assert_uint_eq(word(KPAGE(5) + 12 * 8), data_desc(0x12345678));
	ck_assert_uint_eq(word(KPAGE(5) + 15 * 8), 0x00008c0000130000ULL);

	/* The user GS base from a selector. */
	static const struct { uint16_t sel; uint64_t base; } sels[] = {
		{ 12 * 8 + 3, 0x12345678 }, { 13 * 8 + 3, 0xfedcba98 }, { 0x2b, 0 },
		{ 0, 0 }, { 3, 0 }, { 0xe02b, 0 }, { 12 * 8 + 4 + 3, 0 } /* LDT */,
		{ 16 * 8 + 3, 0 } /* past the table */, { 15 * 8, 0 } /* a gate */,
	};
	for (unsigned i = 0; i < sizeof sels / sizeof sels[0]; i++) {
		g.st->vcpu[0].gs_base_user = 0x5555;
		ck_assert_int_eq(hcall(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL,
				       0xffff0000u | sels[i].sel, 0), 0);
		ck_assert_uint_eq(g.st->vcpu[0].gs_base_user, sels[i].base);
	}

	/* Refused, the old table kept and the frame unchanged: a TSS past
	 * the entries given (Xen checks whole frames), a gate to Xen's ring
	 * 0 cs, too many entries, a frame not the guest's, no list. */
	gdt[1] = 0x00cf9b000000ffffULL;
	gdt[20] = 0x0000890000000067ULL;
	put(KPAGE(5), gdt, sizeof gdt);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(1), 16, 0), -XEN_EINVAL);
	/* Fixed up as far as the check went, as Xen's alloc_segdesc_page. */
	ck_assert_uint_eq(word(KPAGE(5) + 1 * 8), 0x00cffb000000ffffULL);
	gdt[20] = 0;
	gdt[15] = 0x0000ec00e0080000ULL;
	put(KPAGE(5), gdt, sizeof gdt);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(1), 16, 0), -XEN_EINVAL);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(1), 14 * 512 + 1, 0), -XEN_EINVAL);
	uint64_t outside = NR_PAGES;
	put(KPAGE(1), &outside, sizeof outside);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(1), 1, 0), -XEN_EINVAL);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(P_ABSENT), 1, 0), -XEN_EFAULT);
	ck_assert_uint_eq(g.st->vcpu[0].traps.gdt_entries, 16);
	ck_assert_uint_eq(g.st->vcpu[0].traps.gdt_frames[0], frame);

	/* All 14 frames' worth. */
	uint64_t frames[14];
	for (int i = 0; i < 14; i++)
		frames[i] = DATA_PFN + 6 + i % 4; /* zeroed pages: all not present */
	put(KPAGE(1), frames, sizeof frames);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(1), 14 * 512, 0), 0);
	ck_assert_uint_eq(g.st->vcpu[0].traps.gdt_frames[13], DATA_PFN + 7);
	/* An empty table. */
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(P_ABSENT), 0, 0), 0);
	ck_assert_uint_eq(g.st->vcpu[0].traps.gdt_entries, 0);
}
END_TEST

/* Into any frame the guest could map writable, never a page table. */
START_TEST(update_descriptor)
{
	uint8_t *big = calloc(1, shim_region_size(NR_PAGES));
	ck_assert_ptr_nonnull(big);
	memcpy(big, shim, SHIM_OFF_CORE);
	free(shim);
	shim = big;
	g.plat.shim_region = shim;
	g.st->mm.active = 1; /* a frame table, every frame untyped */
	uint64_t frame = DATA_PFN + 5, at = frame * FG_PAGE + 12 * 8;
	ck_assert_int_eq(hcall(__HYPERVISOR_update_descriptor, at, data_desc(0x1234), 0), 0);
	ck_assert_uint_eq(word(KPAGE(5) + 12 * 8), data_desc(0x1234));
	ck_assert_uint_eq(mm_frame(&g.core, frame)->type_count, 0);
	/* Stored as Xen fixes it up: DPL 0 data becomes DPL 3. */
	ck_assert_int_eq(hcall(__HYPERVISOR_update_descriptor, at + 8, 0x00cf93000000ffffULL, 0), 0);
	ck_assert_uint_eq(word(KPAGE(5) + 13 * 8), 0x00cff3000000ffffULL);
	/* Refused: misaligned, a TSS, a call gate to Xen's ring 0 cs,
	 * outside RAM, a page table. */
	ck_assert_int_eq(hcall(__HYPERVISOR_update_descriptor, at + 4, 0, 0), -XEN_EINVAL);
	ck_assert_int_eq(hcall(__HYPERVISOR_update_descriptor, at, 0x0000890000000067ULL, 0),
			 -XEN_EINVAL);
	ck_assert_int_eq(hcall(__HYPERVISOR_update_descriptor, at, 0x0000ec00e0080000ULL, 0),
			 -XEN_EINVAL);
	ck_assert_int_eq(hcall(__HYPERVISOR_update_descriptor, NR_PAGES * FG_PAGE, 0, 0),
			 -XEN_EINVAL);
	struct mm_frame *table = mm_frame(&g.core, frame);
	table->type = MM_TYPE_L1;
	table->type_count = 1;
	ck_assert_int_eq(hcall(__HYPERVISOR_update_descriptor, at, 0, 0), -XEN_EINVAL);
	ck_assert_uint_eq(word(KPAGE(5) + 12 * 8), data_desc(0x1234));
	ck_assert_uint_eq(table->type_count, 1);
}
END_TEST

/* set_gdt's frames become descriptor pages, which nothing but
 * update_descriptor writes, and the CPU's copy follows them. */
START_TEST(gdt_frames_typed_and_copied)
{
	uint8_t *big = calloc(1, shim_region_size(NR_PAGES));
	ck_assert_ptr_nonnull(big);
	memcpy(big, shim, SHIM_REGION_SIZE);
	free(shim);
	shim = big;
	g.plat.shim_region = shim;
	g.st->mm.active = 1; /* a frame table, every frame untyped */
	const uint64_t *copy = (const uint64_t *)(shim + shim_off_guest_gdt(0));
	uint64_t gdt[8] = { 0, 0x00cf93000000ffffULL, data_desc(0x1000) };
	uint64_t frame = DATA_PFN + 5, other = DATA_PFN + 6;
	put(KPAGE(5), gdt, sizeof gdt);
	put(KPAGE(6), gdt, sizeof gdt);
	put(KPAGE(1), &frame, sizeof frame);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(1), 3, 0), 0);
	struct mm_frame *f = mm_frame(&g.core, frame);
	ck_assert_uint_eq(f->type, MM_TYPE_SEG_DESC);
	ck_assert_uint_eq(f->type_count, 1);
	/* The copy holds the entries given, fixed up; none past them. */
	ck_assert_uint_eq(copy[1], 0x00cff3000000ffffULL);
	ck_assert_uint_eq(copy[2], data_desc(0x1000));
	ck_assert_uint_eq(copy[3], 0);

	/* No writable use of it: an mmu_update store, a writable type. */
	struct mmu_update store = { .ptr = (frame * FG_PAGE + 8) | MMU_NORMAL_PT_UPDATE,
				    .val = 0x00cf9b000000ffffULL };
	put(KPAGE(2), &store, sizeof store);
	ck_assert_int_lt(hcall(__HYPERVISOR_mmu_update, KPAGE(2), 1, 0), 0);
	ck_assert_int_eq(mm_get_type(&g.core, frame, MM_TYPE_WRITABLE), -XEN_EINVAL);
	ck_assert_uint_eq(word(KPAGE(5) + 8), 0x00cff3000000ffffULL);

	/* update_descriptor changes the frame and the copy, past the count
	 * only the frame. */
	uint64_t at = frame * FG_PAGE;
	ck_assert_int_eq(hcall(__HYPERVISOR_update_descriptor, at + 2 * 8, data_desc(0x2000), 0), 0);
	ck_assert_uint_eq(word(KPAGE(5) + 2 * 8), data_desc(0x2000));
	ck_assert_uint_eq(copy[2], data_desc(0x2000));
	ck_assert_int_eq(hcall(__HYPERVISOR_update_descriptor, at + 5 * 8, data_desc(0x3000), 0), 0);
	ck_assert_uint_eq(word(KPAGE(5) + 5 * 8), data_desc(0x3000));
	ck_assert_uint_eq(copy[5], 0);
	ck_assert_uint_eq(f->type_count, 1);

	/* A frame the guest writes (a writable type held) is refused, the
	 * old table kept. */
	ck_assert_int_eq(mm_get_type(&g.core, other, MM_TYPE_WRITABLE), 0);
	put(KPAGE(1), &other, sizeof other);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(1), 2, 0), -XEN_EINVAL);
	ck_assert_uint_eq(g.st->vcpu[0].traps.gdt_frames[0], frame);
	ck_assert_uint_eq(copy[2], data_desc(0x2000));
	/* Once it is not, it replaces the old, whose type goes; the copy
	 * holds its two entries and no more. */
	mm_put_type(&g.core, other);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(1), 2, 0), 0);
	ck_assert_uint_eq(f->type_count, 0);
	ck_assert_uint_eq(mm_frame(&g.core, other)->type, MM_TYPE_SEG_DESC);
	ck_assert_uint_eq(copy[1], 0x00cff3000000ffffULL);
	ck_assert_uint_eq(copy[2], 0);
	ck_assert_int_eq(mm_get_type(&g.core, frame, MM_TYPE_WRITABLE), 0);

	/* A descriptor Xen refuses fails the type: the frame stays untyped. */
	uint64_t tss = 0x0000890000000067ULL, third = DATA_PFN + 7;
	put(KPAGE(7) + 100 * 8, &tss, sizeof tss);
	put(KPAGE(1), &third, sizeof third);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_gdt, KPAGE(1), 1, 0), -XEN_EINVAL);
	ck_assert_uint_eq(mm_frame(&g.core, third)->type_count, 0);
	ck_assert_uint_eq(g.st->vcpu[0].traps.gdt_frames[0], other);
}
END_TEST

static long dr_get(int reg)
{
	return hcall(__HYPERVISOR_get_debugreg, (uint64_t)reg, 0, 0);
}

static long dr_set(int reg, uint64_t value)
{
	return hcall(__HYPERVISOR_set_debugreg, (uint64_t)reg, value, 0);
}

START_TEST(debug_registers)
{
	ck_assert_int_eq(dr_get(6), 0xffff0ff0);
	ck_assert_int_eq(dr_get(7), 0x400);
	ck_assert_int_eq(dr_get(4), 0xffff0ff0);
	for (int r = 0; r < 4; r++) {
		ck_assert_int_eq(dr_get(r), 0);
		ck_assert_int_eq(dr_set(r, KBASE + (uint64_t)r), 0);
		ck_assert_int_eq(dr_get(r), (long)(KBASE + (uint64_t)r));
		ck_assert_int_eq(dr_set(r, 0xffff800000000000ULL), -XEN_EPERM);
		ck_assert_int_eq(dr_set(r, 0x0000800000000000ULL), -XEN_EPERM);
		ck_assert_int_eq(dr_get(r), (long)(KBASE + (uint64_t)r));
	}
	/* Reserved bits forced, a set upper half refused (-EINVAL); DR4/DR5
	 * alias DR6/DR7. */
	ck_assert_int_eq(dr_set(6, 0xffffffffffffffffULL), -XEN_EINVAL);
	ck_assert_int_eq(dr_set(6, 0xffffffffULL), 0);
	ck_assert_int_eq(dr_get(6), 0xffffefff);
	ck_assert_int_eq(dr_set(4, 0), 0);
	ck_assert_int_eq(dr_get(6), 0xffff0ff0);
	ck_assert_int_eq(dr_set(7, 0x0000000f000d0003ULL), -XEN_EINVAL);
	ck_assert_int_eq(dr_set(7, 0x000d0003ULL | 0xd800), 0);
	ck_assert_int_eq(dr_get(7), 0x000d0403);
	ck_assert_int_eq(dr_get(5), 0x000d0403);
	/* GD, or an enabled I/O breakpoint: refused, DR7 kept. */
	ck_assert_int_eq(dr_set(7, 0x2000), -XEN_EPERM);
	ck_assert_int_eq(dr_set(5, 0x00200004), -XEN_EPERM); /* bp 1 enabled, R/W=2 */
	ck_assert_int_eq(dr_set(7, 0x00200000), 0);           /* same, not enabled */
	ck_assert_int_eq(dr_get(7), 0x00200400);
	ck_assert_int_eq(dr_set(8, 0), -XEN_ENODEV);
	ck_assert_int_eq(dr_get(8), -XEN_ENODEV);
	ck_assert_int_eq(dr_get(-1), -XEN_ENODEV);
	/* The register is an int: the upper half is not part of it. */
	ck_assert_int_eq(hcall(__HYPERVISOR_set_debugreg, 0x100000000ULL, KBASE, 0), 0);
	ck_assert_int_eq(dr_get(0), (long)KBASE);
}
END_TEST

START_TEST(vm_assists)
{
	static const unsigned ok[] = { 0, 1, 2, 3, 4, 5, 32 };
	for (unsigned i = 0; i < 7; i++) {
		ck_assert_int_eq(hcall(__HYPERVISOR_vm_assist, VMASST_CMD_enable, ok[i], 0), 0);
		ck_assert_uint_ne(g.st->traps.vm_assist & (1ULL << ok[i]), 0);
	}
	ck_assert_int_eq(hcall(__HYPERVISOR_vm_assist, VMASST_CMD_disable, 2, 0), 0);
	ck_assert_uint_eq(g.st->traps.vm_assist & 4, 0);
	static const uint64_t bad[] = { 6, 31, 33, 63, 64, 1ULL << 40 };
	for (unsigned i = 0; i < 6; i++)
		ck_assert_int_eq(hcall(__HYPERVISOR_vm_assist, VMASST_CMD_enable, bad[i], 0),
				 -XEN_EINVAL);
	ck_assert_int_eq(hcall(__HYPERVISOR_vm_assist, 2, 1, 0), -XEN_ENOSYS);
}
END_TEST

/* ---- event upcalls --------------------------------------------------------- */

static struct trap_frame xen_version_call(void)
{
	struct trap_frame f = {
		.rax = __HYPERVISOR_xen_version, .rdi = XENVER_version,
		.rcx = KBASE + 0x321, .r11 = 0x246, .rsp = STACK_TOP - 0x18,
		.rip = TRAMPOLINE, .rflags = 0x202, .cs = SHIM_SEL_USER_CS,
		.ss = SHIM_SEL_USER_DS, .vector = 256,
	};
	return f;
}

START_TEST(event_upcall)
{
	struct trap_frame f = xen_version_call();
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	uint64_t version = f.rax;

	/* Pending but no callback, masked, or not pending: a plain return. */
	vi()->evtchn_upcall_pending = 1;
	f = xen_version_call();
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, KBASE + 0x321);
	ck_assert_int_eq(reg_cb(CALLBACKTYPE_event, 0, H(500)), 0); /* flags ignored */
	vi()->evtchn_upcall_mask = 1;
	f = xen_version_call();
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, KBASE + 0x321);
	vi()->evtchn_upcall_mask = 0;
	vi()->evtchn_upcall_pending = 0;
	f = xen_version_call();
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, KBASE + 0x321);

	/* Pending and unmasked: the callback, events masked, interrupting
	 * the hypercall's return with its result in rax. */
	vi()->evtchn_upcall_pending = 1;
	f = xen_version_call();
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	uint64_t base = (STACK_TOP - 0x20) - 7 * 8;
	ck_assert_uint_eq(f.rip, H(500));
	ck_assert_uint_eq(f.rsp, base);
	ck_assert_uint_eq(f.rax, version);
	ck_assert_uint_eq(word(base + 16), KBASE + 0x321);
	ck_assert_uint_eq(word(base + 24), 0xe030);
	ck_assert_uint_eq(word(base + 32) & RF_IF, RF_IF);
	ck_assert_uint_eq(word(base + 40), STACK_TOP - 0x18);
	ck_assert_uint_eq(vi()->evtchn_upcall_mask, 1);

	/* The iret that unmasks with an event still pending: straight back
	 * into the callback. */
	struct iret_context ic = { .rax = 7, .rip = KBASE + 0x321, .cs = 0xe030,
				   .rflags = 0x202, .rsp = STACK_TOP - 0x18, .ss = 0xe02b };
	f = iret_call(&ic, STACK_TOP - 0x200, 1);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, H(500));
	ck_assert_uint_eq(f.rax, 7);
	ck_assert_uint_eq(vi()->evtchn_upcall_mask, 1);
	/* An exception's bounce is not disturbed: the upcall comes after, on
	 * top of it, once the handler's frame is in place. */
	vi()->evtchn_upcall_mask = 0;
	gate(VEC_DE, 0);
	f = exc(VEC_DE, 0, STACK_TOP);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, H(500));
	ck_assert_uint_eq(word(f.rsp + 16), H(VEC_DE));
}
END_TEST

/* ---- virtual CR0.TS ------------------------------------------------------- */

START_TEST(fpu_taskswitch)
{
	gate(7, 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_fpu_taskswitch, 1, 0, 0), 0);
	ck_assert_int_eq(g.plat.cr0_ts, 1);
	ck_assert_uint_eq(g.st->vcpu[0].traps.cr0_ts, 1);
	/* The #NM it causes: real TS cleared, the guest's handler, once. */
	struct trap_frame f = exc(7, 0, STACK_TOP), before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	check_bounced(&f, &before, 7, 7, STACK_TOP);
	ck_assert_int_eq(g.plat.cr0_ts, 0);
	ck_assert_uint_eq(g.st->vcpu[0].traps.cr0_ts, 0);
	/* An #NM the guest did not ask for: the instruction runs again. */
	g.plat.cr0_ts = 1;
	f = exc(7, 0, STACK_TOP);
	before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_int_eq(memcmp(&f, &before, sizeof f), 0);
	ck_assert_int_eq(g.plat.cr0_ts, 0);
	/* Set then cleared: nothing for the guest. */
	ck_assert_int_eq(hcall(__HYPERVISOR_fpu_taskswitch, 1, 0, 0), 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_fpu_taskswitch, 0, 0, 0), 0);
	ck_assert_int_eq(g.plat.cr0_ts, 0);
	ck_assert_uint_eq(g.st->vcpu[0].traps.cr0_ts, 0);
	/* Any non-zero int sets it, as in Xen; the upper half is not part of it. */
	ck_assert_int_eq(hcall(__HYPERVISOR_fpu_taskswitch, 0x100000000ULL, 0, 0), 0);
	ck_assert_uint_eq(g.st->vcpu[0].traps.cr0_ts, 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_fpu_taskswitch, 0x80000000ULL, 0, 0), 0);
	ck_assert_uint_eq(g.st->vcpu[0].traps.cr0_ts, 1);
}
END_TEST

START_TEST(fpu_fault_without_handler_stops)
{
	ck_assert_int_eq(hcall(__HYPERVISOR_fpu_taskswitch, 1, 0, 0), 0);
	struct trap_frame f = exc(7, 0, STACK_TOP);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "#NM"));
}
END_TEST

/* ---- mov from control registers, VCPUOP_down ------------------------------ */

static struct trap_frame priv_insn(const uint8_t *insn, size_t n)
{
	struct trap_frame f = exc(VEC_GP, 0, STACK_TOP);
	put(f.rip, insn, n);
	return f;
}

START_TEST(mov_from_cr)
{
	static const struct { uint8_t insn[4]; unsigned len; } cases[] = {
		{ { 0x0f, 0x20, 0xc0 }, 3 },       /* cr0 -> rax */
		{ { 0x0f, 0x20, 0xd3 }, 3 },       /* cr2 -> rbx */
		{ { 0x41, 0x0f, 0x20, 0xdc }, 4 }, /* cr3 -> r12 */
		{ { 0x0f, 0x20, 0xe1 }, 3 },       /* cr4 -> rcx */
		{ { 0x48, 0x0f, 0x20, 0xc4 }, 4 }, /* cr0 -> rsp, REX.W */
	};
	g.st->vcpu[0].cr2 = 0xdead123;
	for (int ts = 0; ts < 2; ts++) {
		ck_assert_int_eq(hcall(__HYPERVISOR_fpu_taskswitch, (uint64_t)ts, 0, 0), 0);
		const uint64_t want[] = { 0x80050033 | (ts ? 8 : 0), 0xdead123, g.st->vcpu[0].cr3, 0x620,
					  0x80050033 | (ts ? 8 : 0) };
		for (unsigned i = 0; i < 5; i++) {
			struct trap_frame f = priv_insn(cases[i].insn, cases[i].len), before = f;
			ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
			ck_assert_uint_eq(f.rip, before.rip + cases[i].len);
			uint64_t *dst[] = { &f.rax, &f.rbx, &f.r12, &f.rcx, &f.rsp };
			uint64_t *src[] = { &before.rax, &before.rbx, &before.r12, &before.rcx,
					    &before.rsp };
			ck_assert_uint_eq(*dst[i], want[i]);
			*dst[i] = *src[i];
			f.rip = before.rip;
			ck_assert_int_eq(memcmp(&f, &before, sizeof f), 0);
		}
	}
}
END_TEST

START_TEST(mov_from_cr_refused)
{
	static const uint8_t cr8[] = { 0x44, 0x0f, 0x20, 0xc0 }, cr5[] = { 0x0f, 0x20, 0xe8 },
		rex_other[] = { 0x48, 0x0f, 0x24, 0xc0 };
	const uint8_t *bad[] = { cr8, cr5, rex_other };
	const size_t len[] = { 4, 3, 4 };
	for (unsigned i = 0; i < 3; i++) {
		struct trap_frame f = priv_insn(bad[i], len[i]);
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
		ck_assert_ptr_nonnull(strstr(g.st->stop_message, "#GP"));
		g.st->stop_reason = CORE_RUNNING;
	}
	/* From guest user mode: the guest's own #GP. */
	gate(VEC_GP, 0);
	g.st->vcpu[0].kernel_mode = 0;
	static const uint8_t cr0[] = { 0x0f, 0x20, 0xc0 };
	struct trap_frame f = priv_insn(cr0, 3), before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	check_bounced(&f, &before, VEC_GP, 8, BOOT_STACK);
	/* The third byte on an unmapped page. */
	memcpy(fake_guest_page(&g, DATA_PFN + P_RO) + FG_PAGE - 2, cr0, 2);
	g.st->vcpu[0].kernel_mode = 1;
	ck_assert_int_eq(hcall(__HYPERVISOR_set_trap_table, 0, 0, 0), 0);
	f = exc(VEC_GP, 0, STACK_TOP);
	f.rip = KPAGE(P_ABSENT) - 2;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "unreadable"));
}
END_TEST

/* As on hardware the ModRM mod field of mov cr/dr is ignored: 0f 20 00
 * is `mov %cr0, %rax`. */
START_TEST(mov_cr_ignores_mod)
{
	static const uint8_t mem_form[] = { 0x0f, 0x20, 0x00 };
	struct trap_frame f = priv_insn(mem_form, 3);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rax, 0x80050033);
}
END_TEST

/* A #UD Xen would raise, for a guest without a handler: the run ends
 * with the #GP the CPU raised as its report, saying so. */
START_TEST(mov_dr8_without_handler_stops)
{
	static const uint8_t dr8[] = { 0x44, 0x0f, 0x21, 0xc0 };
	struct trap_frame f = priv_insn(dr8, 4), before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "dr8: no such register (#UD)"));
	ck_assert_int_eq(memcmp(&g.st->stop_frame, &before, sizeof before), 0);
}
END_TEST

/* `mov` to/from a debug register; the frame after, which must be past
 * the instruction (CORE_RESUME) with the value in rax. */
static struct trap_frame mov_dr(int to, unsigned dr, uint64_t rax)
{
	uint8_t insn[4] = { 0x0f, to ? 0x23 : 0x21, (uint8_t)(0xc0 | (dr & 7) << 3) };
	unsigned len = 3;
	if (dr & 8) {
		memmove(insn + 1, insn, 3);
		insn[0] = 0x44; /* REX.R */
		len = 4;
	}
	struct trap_frame f = priv_insn(insn, len);
	f.rax = rax;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	return f;
}

/* Checks mov_dr(...) emulated: past its 3 bytes, rax as given. */
static void mov_dr_ok(int to, unsigned dr, uint64_t rax, uint64_t want_rax)
{
	struct trap_frame f = mov_dr(to, dr, rax);
	ck_assert_uint_eq(f.rip, KBASE + 0x2345 + 3);
	ck_assert_uint_eq(f.rax, want_rax);
}

/* Checks mov_dr(...) went to the guest's handler for vector with error
 * code 0 (#GP) or none (#UD). */
static void mov_dr_raises(int to, unsigned dr, uint64_t rax, unsigned vector)
{
	struct trap_frame f = mov_dr(to, dr, rax);
	ck_assert_uint_eq(f.rip, H(vector));
	if (vector == VEC_GP)
		ck_assert_uint_eq(word(f.rsp + 16), 0);
	ck_assert_uint_eq(word(f.rsp + (vector == VEC_GP ? 24 : 16)), KBASE + 0x2345);
}

/* Xen's emulator runs `mov %drN` through set_debugreg/get_debugreg:
 * -EPERM and -EINVAL are #GP(0), -ENODEV and a read of a register the
 * guest has not #UD. */
START_TEST(mov_debug_registers)
{
	gate(VEC_GP, 0);
	gate(VEC_UD, 0); /* set_trap_table adds to the table */

	mov_dr_ok(0, 6, 0, 0xffff0ff0);
	mov_dr_ok(0, 7, 0, 0x400);
	for (unsigned r = 0; r < 4; r++) {
		mov_dr_ok(1, r, KBASE + 0x100 * r, KBASE + 0x100 * r);
		mov_dr_ok(0, r, 0, KBASE + 0x100 * r);
		ck_assert_int_eq(dr_get((int)r), (long)(KBASE + 0x100 * r));
		mov_dr_raises(1, r, 0xffff800000000000ULL, VEC_GP); /* Xen's hole */
	}
	mov_dr_ok(1, 7, 0x00010001, 0x00010001);           /* dr0 execute bp */
	mov_dr_ok(0, 7, 0, 0x00010401);
	mov_dr_ok(0, 5, 0, 0x00010401);                    /* DR5 is DR7 */
	mov_dr_ok(1, 4, 0xffffffff, 0xffffffff);           /* DR4 is DR6 */
	mov_dr_ok(0, 6, 0, 0xffffefff);
	mov_dr_raises(1, 7, 0x2000, VEC_GP);               /* GD */
	mov_dr_raises(1, 7, 0x00020002, VEC_GP);           /* I/O bp without DE */
	mov_dr_raises(1, 6, 1ULL << 32, VEC_GP);           /* upper half */
	mov_dr_raises(1, 8, 0, VEC_UD);                    /* no DR8 */
	mov_dr_raises(0, 9, 0, VEC_UD);

	/* With CR4.DE (offered when the CPU has DE): DR4/DR5 are gone, and
	 * an I/O breakpoint may be enabled, read back with DR7. */
	struct kvm_cpuid2 *de = calloc(1, sizeof *de + sizeof de->entries[0]);
	ck_assert_ptr_nonnull(de);
	de->nent = 1;
	de->entries[0].function = 1;
	de->entries[0].edx = 0x4; /* DE */
	g.plat.cpuid = de;
	static const uint8_t mov_rax_cr4[] = { 0x0f, 0x22, 0xe0 }, mov_cr4_rcx[] = { 0x0f, 0x20, 0xe1 };
	struct trap_frame f = priv_insn(mov_rax_cr4, 3);
	f.rax = 0x8;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	f = priv_insn(mov_cr4_rcx, 3);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rcx, 0x628);
	mov_dr_raises(0, 4, 0, VEC_UD);
	mov_dr_raises(1, 5, 0, VEC_UD);
	ck_assert_int_eq(dr_get(5), -XEN_ENODEV);
	ck_assert_int_eq(dr_set(4, 0), -XEN_ENODEV);
	mov_dr_ok(1, 7, 0x00020002, 0x00020002);           /* dr0 I/O bp */
	mov_dr_ok(0, 7, 0, 0x00020402);
	ck_assert_uint_eq(g.st->vcpu[0].traps.dr7, 0x00020400);
	/* Dropping DE again: DR4/5 alias once more. */
	f = priv_insn(mov_rax_cr4, 3);
	f.rax = 0;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	mov_dr_ok(0, 5, 0, 0x00020402);
	g.plat.cpuid = NULL;
	free(de);

	/* From guest user mode: the #GP the instruction raised. */
	g.st->vcpu[0].kernel_mode = 0;
	static const uint8_t mov_dr7_rax[] = { 0x0f, 0x21, 0xf8 };
	f = priv_insn(mov_dr7_rax, 3);
	f.error_code = 0;
	struct trap_frame before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	check_bounced(&f, &before, VEC_GP, 8, BOOT_STACK);
	ck_assert_uint_eq(f.rax, before.rax);
}
END_TEST

static long set_iopl(uint32_t iopl);

/* cli at f's rip from the current mode: 1 if it ran as a no-op (past it,
 * nothing else changed), 0 if it went to the guest's #GP handler. */
static int cli_runs(void)
{
	static const uint8_t cli[] = { 0xfa, 0x90 };
	struct trap_frame f = priv_insn(cli, 2), before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	if (f.rip == before.rip + 1) {
		f.rip = before.rip;
		ck_assert_int_eq(memcmp(&f, &before, sizeof f), 0);
		return 1;
	}
	ck_assert_uint_eq(f.rip, H(VEC_GP));
	return 0;
}

/* Xen's iopl_ok: the kernel runs at ring 1 (0 with architectural_iopl),
 * user mode at 3; each may cli/sti and do port I/O when its ring is
 * within the virtual IOPL. */
START_TEST(iopl_per_mode)
{
	gate(VEC_GP, 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_stack_switch, 0, KSTACK_TOP, 0), 0);
	static const struct { unsigned iopl, arch, kernel, user; } want[] = {
		{ 0, 0, 0, 0 }, { 1, 0, 1, 0 }, { 2, 0, 1, 0 }, { 3, 0, 1, 1 },
		{ 0, 1, 1, 0 }, { 1, 1, 1, 0 }, { 3, 1, 1, 1 },
	};
	for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
		g.st->vcpu[0].kernel_mode = 1;
		ck_assert_int_eq(hcall(__HYPERVISOR_vm_assist, want[i].arch ? VMASST_CMD_enable
				       : VMASST_CMD_disable, VMASST_TYPE_architectural_iopl, 0), 0);
		ck_assert_int_eq(set_iopl(want[i].iopl), 0);
		ck_assert_msg(cli_runs() == (int)want[i].kernel, "kernel, iopl %u arch %u",
			      want[i].iopl, want[i].arch);
		g.st->vcpu[0].kernel_mode = 0;
		ck_assert_msg(cli_runs() == (int)want[i].user, "user, iopl %u arch %u",
			      want[i].iopl, want[i].arch);
	}
	/* Port I/O from user mode with IOPL 3: emulated as the kernel's. */
	static const uint8_t in_al[] = { 0xe4, 0x60 };
	struct trap_frame f = priv_insn(in_al, 2);
	f.rax = 0x1122334455667788ULL;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rax, 0x11223344556677ffULL);
	/* rdmsr from user mode stays the #GP it raised, whatever the IOPL. */
	static const uint8_t rdmsr[] = { 0x0f, 0x32 };
	f = priv_insn(rdmsr, 2);
	f.rcx = 0xc0000100;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, H(VEC_GP));
}
END_TEST

/* With architectural_iopl, iret loads the virtual IOPL from the rflags it
 * returns with, and bounce frames show it; without, neither. */
START_TEST(architectural_iopl_iret_and_frames)
{
	gate(VEC_DE, 0);
	for (int arch = 0; arch < 2; arch++) {
		ck_assert_int_eq(hcall(__HYPERVISOR_vm_assist, arch ? VMASST_CMD_enable
				       : VMASST_CMD_disable, VMASST_TYPE_architectural_iopl, 0), 0);
		ck_assert_int_eq(set_iopl(1), 0);
		struct iret_context ic = {
			.rip = KBASE + 0x4000, .cs = 0xe030, .rflags = 0x202 | RF_IOPL,
			.rsp = STACK_TOP - 0x40, .ss = 0xe02b,
		};
		struct trap_frame f = iret_call(&ic, STACK_TOP - 0x100, 0);
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		ck_assert_uint_eq(f.rflags & RF_IOPL, 0); /* never the CPU's */
		ck_assert_uint_eq(g.st->vcpu[0].traps.iopl, arch ? 3 : 1);
		f = exc(VEC_DE, 0, STACK_TOP - 0x40);
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		ck_assert_uint_eq(f.rip, H(VEC_DE));
		ck_assert_uint_eq(word(f.rsp + 4 * 8) & RF_IOPL, arch ? RF_IOPL : 0);
	}
}
END_TEST

/* XSAVE offered with XCR0 0xe7, as on the project's machines. */
static void offer_xsave(uint64_t xcr0)
{
	g.core.layout.xcr0 = xcr0;
	g.core.layout.xsave_size = 2688;
	g.core.layout.xsavec_size = 2432;
	g.st->vcpu[0].cr4_guest = guest_cr4_initial(&g.core.layout);
	g.plat.cr4_osxsave = -1; /* no call yet */
}

/* Runs insn (len bytes) as a #GP from the guest kernel with rax..; it must
 * be emulated: past the instruction, no register changed. */
static void emulated(const uint8_t *insn, unsigned len, uint64_t rax, uint64_t rcx,
		     uint64_t rdx)
{
	struct trap_frame f = priv_insn(insn, len);
	f.rax = rax;
	f.rcx = rcx;
	f.rdx = rdx;
	f.r15 = rax;
	struct trap_frame before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, before.rip + len);
	f.rip = before.rip;
	ck_assert_int_eq(memcmp(&f, &before, sizeof f), 0);
}

static uint64_t read_cr4(void)
{
	static const uint8_t mov_cr4_rcx[] = { 0x0f, 0x20, 0xe1 };
	struct trap_frame f = priv_insn(mov_cr4_rcx, 3);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	return f.rcx;
}

static const uint8_t MOV_RAX_CR4[] = { 0x0f, 0x22, 0xe0 };
static const uint8_t MOV_R15_CR4[] = { 0x41, 0x0f, 0x22, 0xe7 };
static const uint8_t XSETBV[] = { 0x0f, 0x01, 0xd1 };

START_TEST(mov_to_cr4)
{
	offer_xsave(0xe7);
	ck_assert_uint_eq(read_cr4(), 0x40620);      /* OSXSAVE from the start */
	/* Clear OSXSAVE; TSD sticks; PGE, FSGSBASE, DE (this CPUID has no DE),
	 * PAE's absence dropped. */
	emulated(MOV_RAX_CR4, 3, 0x10000 | 0x80 | 0x8 | 0x4, 0, 0);
	ck_assert_uint_eq(read_cr4(), 0x624);
	ck_assert_int_eq(g.plat.cr4_osxsave, 0);
	emulated(MOV_R15_CR4, 4, 0x40620, 0, 0);
	ck_assert_uint_eq(read_cr4(), 0x40620);
	ck_assert_int_eq(g.plat.cr4_osxsave, 1);
	/* No change of OSXSAVE: the vCPU's CR4 is left alone. */
	g.plat.cr4_osxsave = -1;
	emulated(MOV_RAX_CR4, 3, 0x40624, 0, 0);
	ck_assert_int_eq(g.plat.cr4_osxsave, -1);

	/* Without XSAVE offered OSXSAVE cannot be set. */
	offer_xsave(0);
	ck_assert_uint_eq(read_cr4(), 0x620);
	emulated(MOV_RAX_CR4, 3, 0x40620, 0, 0);
	ck_assert_uint_eq(read_cr4(), 0x620);
	ck_assert_int_eq(g.plat.cr4_osxsave, -1);
}
END_TEST

START_TEST(mov_to_cr_refused)
{
	static const uint8_t cr0[] = { 0x0f, 0x22, 0xc0 }, cr3[] = { 0x0f, 0x22, 0xd8 },
		cr8[] = { 0x44, 0x0f, 0x22, 0xc0 };
	const uint8_t *bad[] = { cr0, cr3, cr8 };
	const size_t len[] = { 3, 3, 4 };
	const char *why[] = { "mov to cr0", "mov to cr3", "mov to cr8" };
	for (unsigned i = 0; i < 3; i++) {
		struct trap_frame f = priv_insn(bad[i], len[i]);
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
		ck_assert_ptr_nonnull(strstr(g.st->stop_message, why[i]));
		g.st->stop_reason = CORE_RUNNING;
	}
}
END_TEST

START_TEST(xsetbv_accepted)
{
	offer_xsave(0xe7);
	emulated(XSETBV, 3, 0xe7, 0, 0);
	/* Only EDX:EAX and ECX's low halves are the instruction's. */
	emulated(XSETBV, 3, 0xabcd0000000000e7ULL, 0x100000000ULL, 0x5500000000ULL);
	offer_xsave(0x7);
	emulated(XSETBV, 3, 0x7, 0, 0);
}
END_TEST

/* Anything but the one XCR0 is Xen's #GP for an invalid value. */
START_TEST(xsetbv_refused)
{
	static const struct { uint64_t xcr0, rax, rcx, rdx; int osxsave_off; } bad[] = {
		{ 0xe7, 0x7, 0, 0, 0 },    /* fewer components than CPL3 runs with */
		{ 0xe7, 0x3, 0, 0, 0 },
		{ 0xe7, 0x2e7, 0, 0, 0 },  /* more */
		{ 0xe7, 0xe7, 0, 1, 0 },   /* bits 32+ */
		{ 0xe7, 0xe7, 1, 0, 0 },   /* XCR1 */
		{ 0xe7, 0xe7, 0, 0, 1 },   /* CR4.OSXSAVE clear */
		{ 0, 0x3, 0, 0, 0 },       /* XSAVE not offered */
		{ 0x207, 0x207, 0, 0, 0 }, /* PKRU: not offerable, so not offered */
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		offer_xsave(bad[i].xcr0);
		if (bad[i].osxsave_off)
			emulated(MOV_RAX_CR4, 3, 0x620, 0, 0);
		struct trap_frame f = priv_insn(XSETBV, 3);
		f.rax = bad[i].rax;
		f.rcx = bad[i].rcx;
		f.rdx = bad[i].rdx;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
		ck_assert_ptr_nonnull(strstr(g.st->stop_message, "#GP"));
		ck_assert_ptr_nonnull(strstr(g.st->stop_message, "xsetbv"));
		g.st->stop_reason = CORE_RUNNING;
	}
	/* The guest's own #GP handler gets it, as under Xen. */
	offer_xsave(0xe7);
	gate(VEC_GP, 0);
	struct trap_frame f = priv_insn(XSETBV, 3);
	f.rax = 0x7;
	struct trap_frame before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	check_bounced(&f, &before, VEC_GP, 8, STACK_TOP);
	/* From guest user mode, the right value too. */
	g.st->vcpu[0].kernel_mode = 0;
	f = priv_insn(XSETBV, 3);
	f.rax = 0xe7;
	before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	check_bounced(&f, &before, VEC_GP, 8, BOOT_STACK);
	/* Other 0f 01 instructions are not xsetbv. */
	g.st->vcpu[0].kernel_mode = 1;
	ck_assert_int_eq(hcall(__HYPERVISOR_set_trap_table, 0, 0, 0), 0);
	static const uint8_t xgetbv[] = { 0x0f, 0x01, 0xd0 };
	f = priv_insn(xgetbv, 3);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "0f 01 not emulated"));
}
END_TEST

static long set_iopl(uint32_t iopl)
{
	struct physdev_set_iopl s = { iopl };
	put(KPAGE(1), &s, sizeof s);
	return hcall(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, KPAGE(1), 0);
}

START_TEST(port_io)
{
	static const struct { uint8_t insn[3]; unsigned len; int in; uint64_t rax; } io[] = {
		{ { 0xec }, 1, 1, 0x11223344556677ffULL },          /* in  %dx, %al */
		{ { 0x66, 0xed }, 2, 1, 0x112233445566ffffULL },    /* in  %dx, %ax */
		{ { 0xed }, 1, 1, 0xffffffffULL },                  /* in  %dx, %eax */
		{ { 0xe4, 0x60 }, 2, 1, 0x11223344556677ffULL },    /* in  $0x60, %al */
		{ { 0x66, 0xe5, 0x60 }, 3, 1, 0x112233445566ffffULL },
		{ { 0xe5, 0x60 }, 2, 1, 0xffffffffULL },
		{ { 0xee }, 1, 0, 0 }, { { 0x66, 0xef }, 2, 0, 0 }, { { 0xef }, 1, 0, 0 },
		{ { 0xe6, 0x80 }, 2, 0, 0 }, { { 0x66, 0xe7, 0x80 }, 3, 0, 0 },
		{ { 0xe7, 0x80 }, 2, 0, 0 },
	};
	/* Without I/O privilege: a #GP the guest does not handle. */
	struct trap_frame f = priv_insn(io[0].insn, io[0].len);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "I/O privilege"));
	g.st->stop_reason = CORE_RUNNING;

	ck_assert_int_eq(set_iopl(4), -XEN_EINVAL);
	ck_assert_int_eq(set_iopl(1), 0);
	for (unsigned i = 0; i < sizeof io / sizeof io[0]; i++) {
		f = priv_insn(io[i].insn, io[i].len);
		f.rax = 0x1122334455667788ULL;
		struct trap_frame before = f;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		ck_assert_uint_eq(f.rip, before.rip + io[i].len);
		ck_assert_uint_eq(f.rax, io[i].in ? io[i].rax : before.rax);
		f.rip = before.rip;
		f.rax = before.rax;
		ck_assert_int_eq(memcmp(&f, &before, sizeof f), 0);
	}
	/* The PIT's channel 2 counts (test_time.c); here, without a clock,
	 * it holds the count written through `out`, read back by `in`. */
	static const struct { uint8_t insn[2]; uint64_t rax, rdx; } pit[] = {
		{ { 0xe6, 0x43 }, 0xb0, 0 },   /* channel 2, LSB then MSB, mode 0 */
		{ { 0xe6, 0x42 }, 0x34, 0 },
		{ { 0xee }, 0x12, 0x42 },      /* out %al, %dx */
	};
	for (unsigned i = 0; i < sizeof pit / sizeof pit[0]; i++) {
		f = priv_insn(pit[i].insn, pit[i].insn[0] == 0xee ? 1 : 2);
		f.rax = pit[i].rax;
		f.rdx = pit[i].rdx;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	}
	static const uint8_t in_42[] = { 0xe4, 0x42 };
	f = priv_insn(in_42, 2);
	f.rax = 0x1122334455667788ULL;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rax, 0x1122334455667734ULL);
	f = priv_insn(io[0].insn, io[0].len); /* in %dx, %al */
	f.rax = 0x1122334455667788ULL;
	f.rdx = 0x42;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rax, 0x1122334455667712ULL);
	/* Wider reads of it stay all ones. */
	f = priv_insn(io[1].insn, io[1].len); /* in %dx, %ax */
	f.rax = 0x1122334455667788ULL;
	f.rdx = 0x42;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rax, 0x112233445566ffffULL);
	/* String forms are not emulated. */
	static const uint8_t outsb[] = { 0x6e, 0x90 };
	f = priv_insn(outsb, 2);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	/* Other physdev ops: -ENOSYS, reported once each. */
	unsigned lines = fake_guest_log_lines(&g);
	for (int k = 0; k < 2; k++)
		ck_assert_int_eq(hcall(__HYPERVISOR_physdev_op, PHYSDEVOP_eoi, KPAGE(1), 0),
				 -XEN_ENOSYS);
	ck_assert_uint_eq(fake_guest_log_lines(&g), lines + 1);
	ck_assert_int_eq(hcall(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, KPAGE(P_ABSENT), 0),
			 -XEN_EFAULT);
	ck_assert_int_eq(hcall(__HYPERVISOR_physdev_op, 1ULL << 40, 0, 0), -XEN_ENOSYS);
	/* set_iobitmap, which Xen takes: -ENOSYS, a departure. */
	ck_assert_int_eq(hcall(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iobitmap, KPAGE(1), 0),
			 -XEN_ENOSYS);
	ck_assert_uint_eq(g.st->departures[DEPARTURE_IOBITMAP], 1);
}
END_TEST

/* The only vCPU taken down ends the run with a report; other vcpu_op
 * calls go to the vcpu_op handler (VCPUOP_up of the running vCPU: 0). */
START_TEST(last_vcpu_down)
{
	struct trap_frame f = {
		.rax = __HYPERVISOR_vcpu_op, .rdi = 1 /* VCPUOP_up */, .rsi = 0,
		.rcx = KBASE + 0x99, .r11 = 0x246, .rsp = STACK_TOP, .rip = TRAMPOLINE,
		.cs = SHIM_SEL_USER_CS, .ss = SHIM_SEL_USER_DS, .vector = VEC_UD,
	};
	struct trap_frame up = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &up), CORE_RESUME);
	ck_assert_int_eq((long)up.rax, 0);
	f.rdi = 2; /* VCPUOP_down */
	f.rsi = 1; /* another vCPU: there is none */
	struct trap_frame other = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &other), CORE_RESUME);
	f.rsi = 0;
	struct trap_frame before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_int_eq(memcmp(&g.st->stop_frame, &before, sizeof before), 0);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "VCPUOP_down"));
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "0xffffffff80000099"));
}
END_TEST

/* ---- user state the core does not own ------------------------------------ */

#define MSR_FS_BASE        0xc0000100u
#define MSR_GS_BASE        0xc0000101u
#define MSR_SHADOW_GS_BASE 0xc0000102u

static uint64_t rdmsr_in_kernel(uint32_t msr)
{
	static const uint8_t rdmsr[] = { 0x0f, 0x32 };
	struct trap_frame f = priv_insn(rdmsr, sizeof rdmsr);
	f.rcx = msr;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	return f.rdx << 32 | (f.rax & 0xffffffffULL);
}

static void to_user_mode(void)
{
	struct iret_context ic = { .rip = 0x400000, .cs = 0xe033, .rflags = 0x202,
				   .rsp = 0x7fff0000, .ss = 0xe02b };
	struct trap_frame f = iret_call(&ic, STACK_TOP - 0x100, 0);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 0);
}

/* Guest user code's wrgsbase/wrfsbase (they work at CPL3 on these hosts)
 * change the CPU's bases behind the core: leaving user mode, by a trap or
 * a syscall, keeps the user's GS base as it really is and gives it back on
 * the way to user mode; the kernel runs on its own; rdmsr reads the CPU. */
START_TEST(user_wrgsbase_survives)
{
	struct callback_register cb = { CALLBACKTYPE_syscall, 0, H(400) };
	put(KPAGE(1), &cb, sizeof cb);
	ck_assert_int_eq(hcall(__HYPERVISOR_callback_op, CALLBACKOP_register, KPAGE(1), 0), 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_stack_switch, 0, KSTACK_TOP, 0), 0);
	gate(VEC_UD, 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_segment_base, SEGBASE_GS_KERNEL, KBASE, 0), 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER, 0x2000, 0), 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0x1000, 0), 0);
	uint64_t *gs = &g.plat.seg_base[SEGMENT_BASE_GS], *fs = &g.plat.seg_base[SEGMENT_BASE_FS];
	ck_assert_uint_eq(*gs, KBASE);
	for (int by_syscall = 0; by_syscall < 2; by_syscall++) {
		uint64_t user_gs = 0x7f0000001000ULL + (uint64_t)by_syscall * 0x10000;
		uint64_t user_fs = 0x7f0000002000ULL + (uint64_t)by_syscall * 0x10000;
		to_user_mode();
		ck_assert_uint_eq(*gs, by_syscall ? user_gs - 0x10000 : 0x2000);
		*gs = user_gs; /* wrgsbase, wrfsbase in user mode */
		*fs = user_fs;
		struct trap_frame f = by_syscall ? user_syscall(0) : exc(VEC_UD, 0, 0x7fff0000);
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
		ck_assert_uint_eq(*gs, KBASE);
		ck_assert_uint_eq(*fs, user_fs);
		ck_assert_uint_eq(g.st->vcpu[0].gs_base_user, user_gs);
		ck_assert_uint_eq(rdmsr_in_kernel(MSR_SHADOW_GS_BASE), user_gs);
		ck_assert_uint_eq(rdmsr_in_kernel(MSR_GS_BASE), KBASE);
		ck_assert_uint_eq(rdmsr_in_kernel(MSR_FS_BASE), user_fs);
		ck_assert_uint_eq(g.st->vcpu[0].fs_base, user_fs);
	}
	to_user_mode();
	ck_assert_uint_eq(*gs, 0x7f0000011000ULL);
	ck_assert_int_eq(g.plat.failed, 0);
}
END_TEST

/* ---- 32-bit (compat-mode) user processes ---------------------------------- */

/* iret to 0x23/0xe023 runs compat mode on that cs and the ss given; a
 * fault there bounces with the user's own cs and ss in Xen's frame. */
START_TEST(iret_to_compat_mode)
{
	static const uint64_t cs[] = { 0x23, 0xe023 }, ss[] = { 0x2b, 0xe02b };
	gdt_with_user32_cs();
	gate(VEC_PF, 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_stack_switch, 0, KSTACK_TOP, 0), 0);
	for (unsigned i = 0; i < 2; i++) {
		struct iret_context ic = {
			.rip = 0x400010, .cs = cs[i] & ~3ULL, .rflags = 0x202,
			.rsp = 0x402000, .ss = ss[i],
		};
		ic.cs |= 3;
		struct trap_frame f = iret_call(&ic, STACK_TOP - 0x100, (int)i);
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 0);
		ck_assert_uint_eq(f.cs, cs[i]);
		ck_assert_uint_eq(f.ss, ss[i]);
		ck_assert_uint_eq(f.rip, 0x400010);
		f = exc(VEC_PF, 4, 0x401ff0);
		f.rip = 0x400020;
		f.cs = cs[i];
		f.ss = ss[i];
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
		uint64_t base = KSTACK_TOP - 8 * 8;
		ck_assert_uint_eq(f.rip, H(VEC_PF));
		ck_assert_uint_eq(f.rsp, base);
		ck_assert_uint_eq(f.cs, SHIM_SEL_USER_CS);   /* the kernel: 64-bit */
		ck_assert_uint_eq(word(base + 24), 0x400020);
		ck_assert_uint_eq(word(base + 32) & 0xffff, cs[i]);
		ck_assert_uint_eq(word(base + 48), 0x401ff0);
		ck_assert_uint_eq(word(base + 56), ss[i]);
	}
}
END_TEST

/* int $0x80 goes to trap 0x80's handler past the instruction whatever
 * DPL the guest gave it (Xen's entry_int80), from 32- or 64-bit user
 * code; with no handler, #GP(0x80 << 3 | 2) at the instruction. */
START_TEST(int80_as_xen)
{
	static const uint8_t int80[] = { 0xcd, 0x80 };
	gdt_with_user32_cs();
	gate(13, 0);
	for (int none = 1; none >= 0; none--) {
		if (!none)
			gate(0x80, 0); /* DPL 0 */
		for (int compat = 0; compat < 2; compat++) {
			g.st->vcpu[0].kernel_mode = 0;
			struct trap_frame f = soft_int(VEC_UD, int80, 2, 0);
			if (compat) {
				f.cs = 0x23;
				f.ss = 0x2b;
			}
			struct trap_frame before = f;
			ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
			uint64_t base = f.rsp;
			if (none) {
				ck_assert_uint_eq(f.rip, H(13));
				ck_assert_uint_eq(word(base + 16), (0x80 << 3) | 2);
				ck_assert_uint_eq(word(base + 24), before.rip);
				ck_assert_uint_eq(word(base + 32) & 0xffff, compat ? 0x23 : 0xe033);
			} else {
				ck_assert_uint_eq(f.rip, H(0x80));
				ck_assert_uint_eq(word(base), before.rcx);
				ck_assert_uint_eq(word(base + 16), before.rip + 2);
				ck_assert_uint_eq(word(base + 24) & 0xffff, compat ? 0x23 : 0xe033);
				ck_assert_uint_eq(word(base + 48), compat ? 0x2b : 0xe02b);
			}
			ck_assert_uint_eq(f.rax, before.rax);
			ck_assert_uint_eq(f.rbx, before.rbx);
		}
	}
}
END_TEST

/* sysenter (#GP(0) at `0f 34` with SYSENTER_CS 0, or #UD): the sysenter
 * callback with Xen's frame (rip 0, cs 3, rsp 0, FLAT_USER_SS), its mask
 * flag; none: #GP(0). */
START_TEST(sysenter_as_xen)
{
	static const uint8_t sysenter[] = { 0x0f, 0x34 };
	gate(VEC_GP, 0);
	ck_assert_int_eq(hcall(__HYPERVISOR_stack_switch, 0, KSTACK_TOP, 0), 0);
	for (int i = 0; i < 4; i++) {
		int registered = i >= 2, via_gp = i & 1;
		if (i == 2) {
			struct callback_register cb = { CALLBACKTYPE_sysenter,
							CALLBACKF_mask_events, H(401) };
			put(KPAGE(1), &cb, sizeof cb);
			ck_assert_int_eq(hcall(__HYPERVISOR_callback_op, CALLBACKOP_register,
					       KPAGE(1), 0), 0);
		}
		vi()->evtchn_upcall_mask = 0;
		g.st->vcpu[0].kernel_mode = 0;
		struct trap_frame f = soft_int(via_gp ? VEC_GP : VEC_UD, sysenter, 2, 0);
		f.cs = 0x23;
		f.ss = 0x2b;
		f.rbp = 0x401f00;
		struct trap_frame before = f;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
		unsigned n = registered ? 7 : 8;
		uint64_t base = KSTACK_TOP - n * 8, w = base + (n - 5) * 8;
		ck_assert_uint_eq(f.rip, registered ? H(401) : H(VEC_GP));
		ck_assert_uint_eq(f.rsp, base);
		ck_assert_uint_eq(word(base), before.rcx);
		ck_assert_uint_eq(word(base + 8), before.r11);
		if (!registered)
			ck_assert_uint_eq(word(base + 16), 0);
		ck_assert_uint_eq(word(w), 0);                  /* rip */
		ck_assert_uint_eq(word(w + 8) & 0xffff, 3);     /* cs */
		ck_assert_uint_eq(word(w + 8) >> 32, 0);        /* saved mask */
		ck_assert_uint_eq(word(w + 16) & RF_NT, 0);
		ck_assert_uint_eq(word(w + 24), 0);             /* rsp */
		ck_assert_uint_eq(word(w + 32), 0xe02b);        /* ss */
		ck_assert_uint_eq(vi()->evtchn_upcall_mask, registered);
		ck_assert_uint_eq(f.rbp, 0x401f00);
	}
}
END_TEST

/* The CSTAR stub's frame: the syscall32 callback, Xen's cstar_enter frame
 * (FLAT_USER_CS32/SS32), DF cleared, its mask flag; none: #UD at rip - 2. */
static struct trap_frame cstar_frame(void)
{
	g.st->vcpu[0].kernel_mode = 0;
	struct trap_frame f = {
		.rax = 0x44444444, .rbx = 0x55, .rcx = 0x400032,
		.r11 = 0x246 | RF_DF, .rip = 0x400032, .cs = 0xe023,
		.rflags = 0x246 | RF_DF, .rsp = 0x401ff8, .ss = 0xe02b,
		.vector = CORE_VEC_CSTAR,
	};
	return f;
}

START_TEST(syscall32_as_xen)
{
	ck_assert_int_eq(hcall(__HYPERVISOR_stack_switch, 0, KSTACK_TOP, 0), 0);
	gate(VEC_UD, 0);
	struct trap_frame f = cstar_frame(), before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, H(VEC_UD));
	ck_assert_uint_eq(word(f.rsp + 16), before.rcx - 2);
	ck_assert_uint_eq(word(f.rsp + 24) & 0xffff, 0xe023);

	ck_assert_int_eq(reg_cb(CALLBACKTYPE_syscall32, CALLBACKF_mask_events, H(402)), 0);
	vi()->evtchn_upcall_mask = 0;
	f = cstar_frame();
	before = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	uint64_t base = KSTACK_TOP - 7 * 8;
	ck_assert_uint_eq(f.rip, H(402));
	ck_assert_uint_eq(f.rsp, base);
	ck_assert_uint_eq(f.rflags & RF_DF, 0);
	ck_assert_uint_eq(f.rax, 0x44444444);
	ck_assert_uint_eq(f.rbx, 0x55);
	ck_assert_uint_eq(word(base), before.rcx);
	ck_assert_uint_eq(word(base + 8), before.r11);
	ck_assert_uint_eq(word(base + 16), 0x400032);
	ck_assert_uint_eq(word(base + 24), 0xe023);
	ck_assert_uint_eq(word(base + 32), before.r11 | RF_IF);
	ck_assert_uint_eq(word(base + 40), 0x401ff8);
	ck_assert_uint_eq(word(base + 48), 0xe02b);
	ck_assert_uint_eq(vi()->evtchn_upcall_mask, 1);
	ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 1);
}
END_TEST

/* xgetbv at a #UD (this KVM's emulator of compat-mode code lacks it): the
 * XCR0 CPL3 code runs with, for ECX 0 and 1; #GP(0) for another ECX; the
 * #UD stands without OSXSAVE. */
START_TEST(xgetbv_at_ud)
{
	static const uint8_t xgetbv[] = { 0x0f, 0x01, 0xd0 };
	gate(VEC_UD, 0);
	gate(VEC_GP, 0);
	offer_xsave(0xe7);
	for (unsigned ecx = 0; ecx < 3; ecx++) {
		g.st->vcpu[0].kernel_mode = 0;
		struct trap_frame f = soft_int(VEC_UD, xgetbv, 3, 0);
		f.cs = 0x23;
		f.rcx = 0xffffffff00000000ULL | ecx;
		struct trap_frame before = f;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		if (ecx < 2) {
			ck_assert_uint_eq(f.rip, before.rip + 3);
			ck_assert_uint_eq(f.rax, 0xe7);
			ck_assert_uint_eq(f.rdx, 0);
			ck_assert_uint_eq(g.st->vcpu[0].kernel_mode, 0);
		} else {
			ck_assert_uint_eq(f.rip, H(VEC_GP));
			ck_assert_uint_eq(word(f.rsp + 16), 0);
			ck_assert_uint_eq(word(f.rsp + 24), before.rip);
		}
	}
	g.st->vcpu[0].cr4_guest &= ~GUEST_CR4_OSXSAVE;
	g.st->vcpu[0].kernel_mode = 0;
	struct trap_frame f = soft_int(VEC_UD, xgetbv, 3, 0);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, H(VEC_UD));
}
END_TEST

static Suite *traps_suite(void)
{
	Suite *s = suite_create("traps");
	const struct { const char *name; const TTest *tests[8]; } cases[] = {
		{ "trap_table", { table_stores_gates, table_refuses,
				  table_one_entry_per_vector } },
		{ "bounce", { bounce_kernel_frame, bounce_event_mask, bounce_page_fault,
			      bounce_from_user_mode, bounce_bad_stack_stops,
			      bounce_bad_stack_failsafe, no_handler_stops } },
		{ "soft_int", { soft_int_dpl, soft_int_without_gp_handler_stops } },
		{ "iret", { iret_restores_registers, iret_in_syscall, iret_to_user_mode,
			    iret_refused, iret_in_multicall } },
		{ "user_syscall", { user_syscall_callback, user_syscall_without_callback } },
		{ "hypercalls", { callbacks, segment_bases, vm_assists, descriptor_check, set_gdt,
				  update_descriptor, debug_registers } },
		{ "gdt", { gdt_frames_typed_and_copied } },
		{ "fpu", { fpu_taskswitch, fpu_fault_without_handler_stops } },
		{ "events", { event_upcall } },
		{ "privileged", { mov_from_cr, mov_from_cr_refused, mov_to_cr4,
			mov_to_cr_refused, xsetbv_accepted, xsetbv_refused, last_vcpu_down,
			port_io } },
		{ "user_state", { user_wrgsbase_survives } },
		{ "debug_registers", { mov_cr_ignores_mod, mov_debug_registers,
				       mov_dr8_without_handler_stops } },
		{ "io_privilege", { iopl_per_mode, architectural_iopl_iret_and_frames } },
		{ "compat", { iret_to_compat_mode, int80_as_xen, sysenter_as_xen,
			      syscall32_as_xen, xgetbv_at_ud } },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		for (unsigned k = 0; k < 8 && cases[i].tests[k]; k++)
			tcase_add_test(tc, cases[i].tests[k]);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return check_run(traps_suite());
}
