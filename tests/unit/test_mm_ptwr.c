/*
 * Writable page tables on a fake guest: the kernel's own stores to an L1
 * entry (mov, mov imm, xchg, lock cmpxchg; 8 and 4 bytes; any ModRM, SIB
 * and displacement) made with the references an mmu_update takes, and the
 * faults that stay the guest's: misaligned, not an L1, an entry Xen
 * refuses, user mode, reads, instructions not decoded.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdlib.h>
#include <string.h>

#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/shim_abi.h"
#include "tests/unit/fake_guest.h"

#define NR_PAGES 64
#define KBASE 0xffffffff80000000ULL
#define KPAGE(i) (KBASE + (uint64_t)(i) * FG_PAGE)
#define DATA0 16          /* KPAGE(i) maps pfn DATA0 + i, writable */
#define NR_DATA 16
#define TABLES_VA 32      /* KPAGE(TABLES_VA + k) maps table pfn k read-only */
#define L1_PFN 3
#define CODE 2            /* the instructions are at KPAGE(CODE) */
#define TARGET 5          /* the entry stored to: the one mapping KPAGE(5) */
#define SHARED_MFN (NR_PAGES + 10)
#define PF_KERNEL_WRITE 0x7ULL /* present, write, user (CPL3 kernel) */
#define RFLAGS_ZF 0x40ULL

static struct fake_guest g;
static uint8_t *shim;

static uint64_t *table(uint64_t pfn)
{
	return (uint64_t *)fake_guest_page(&g, pfn);
}

static uint32_t type_count(uint64_t pfn)
{
	return mm_frame(&g.core, pfn)->type_count;
}

static void setup(void)
{
	fake_guest_init(&g, NR_PAGES);
	shim = calloc(1, shim_region_size(NR_PAGES));
	ck_assert_ptr_nonnull(shim);
	g.plat.shim_region = shim;
	g.core.layout.shared_info_mfn = SHARED_MFN;
	for (int i = 0; i < NR_DATA; i++)
		fake_guest_map(&g, KPAGE(i), DATA0 + i, FG_USER_RW);
	for (int k = 0; k < 4; k++)
		fake_guest_map(&g, KPAGE(TABLES_VA + k), k, FG_P | FG_US);
	ck_assert_uint_eq(g.next_table_pfn, 4); /* L4 0, L3 1, L2 2, L1 3 */
	ck_assert_int_eq(mm_domain_init(&g.core, 0, 0), 0);
	ck_assert_uint_eq(mm_frame(&g.core, L1_PFN)->type, MM_TYPE_L1);
}

static void teardown(void)
{
	fake_guest_free(&g);
	free(shim);
}

static unsigned target_idx(void)
{
	return (unsigned)((KPAGE(TARGET) >> 12) & 511);
}

/* Where the guest sees the entry for KPAGE(TARGET), plus off bytes. */
static uint64_t target_va(unsigned off)
{
	return KPAGE(TABLES_VA + L1_PFN) + target_idx() * 8 + off;
}

static uint64_t target(void)
{
	return table(L1_PFN)[target_idx()];
}

/* A #PF with error code err at cr2, raised by the instruction bytes. */
static enum core_action fault(struct trap_frame *f, const uint8_t *insn,
			      size_t len, uint64_t cr2, uint64_t err)
{
	memcpy(fake_guest_page(&g, DATA0 + CODE), insn, len);
	f->vector = 14;
	f->error_code = err;
	f->rip = KPAGE(CODE);
	f->cs = SHIM_SEL_USER_CS;
	f->ss = SHIM_SEL_USER_DS;
	f->rflags = 0x202;
	if (!f->rsp)
		f->rsp = KPAGE(15);
	g.st->vcpu[0].cr2 = cr2;
	return core_handle_trap(&g.core, f);
}

/* The entry mapping pfn writable, as Linux makes kernel entries. */
static uint64_t rw_entry(uint64_t pfn)
{
	return pfn << 12 | FG_USER_RW | 0x60;
}

/* The store was emulated: resumed after the instruction of length len. */
static void emulated(enum core_action a, const struct trap_frame *f, unsigned len)
{
	ck_assert_int_eq(a, CORE_RESUME);
	ck_assert_uint_eq(f->rip, KPAGE(CODE) + len);
	ck_assert_uint_eq(g.st->stop_reason, CORE_RUNNING);
}

/* The guest got its #PF: it has no handler here, so the run stops, with
 * nothing stored. */
static void bounced(enum core_action a, uint64_t entry_before)
{
	ck_assert_int_eq(a, CORE_STOP);
	ck_assert_uint_eq(target(), entry_before);
}

START_TEST(mov_r64_moves_references)
{
	uint64_t old = target();
	uint32_t old_count = type_count(DATA0 + TARGET), new_count = type_count(DATA0 + 9);
	static const uint8_t mov[] = { 0x48, 0x89, 0x10 }; /* mov %rdx,(%rax) */
	struct trap_frame f = { .rax = target_va(0), .rdx = rw_entry(DATA0 + 9) };
	emulated(fault(&f, mov, sizeof mov, target_va(0), PF_KERNEL_WRITE), &f, 3);
	ck_assert_uint_eq(target(), rw_entry(DATA0 + 9));
	ck_assert_uint_eq(f.rdx, rw_entry(DATA0 + 9));
	ck_assert_uint_eq(type_count(DATA0 + 9), new_count + 1);
	ck_assert_uint_eq(type_count(DATA0 + TARGET), old_count - 1);
	ck_assert_uint_ne(old, target());
}
END_TEST

START_TEST(mov_rip_relative_and_imm)
{
	/* mov %r9,disp32(%rip): REX.WR, ModRM 00 001 101 */
	static const uint8_t mov[] = { 0x4c, 0x89, 0x0d, 0x10, 0x20, 0x30, 0x40 };
	struct trap_frame f = { .r9 = rw_entry(DATA0 + 7) };
	emulated(fault(&f, mov, sizeof mov, target_va(0), PF_KERNEL_WRITE), &f, 7);
	ck_assert_uint_eq(target(), rw_entry(DATA0 + 7));
	/* movq $0,0x8(%rbx,%rcx,8): ModRM 01 000 100, SIB, disp8, imm32 */
	static const uint8_t clear[] = { 0x48, 0xc7, 0x44, 0xcb, 0x08, 0, 0, 0, 0 };
	uint32_t count = type_count(DATA0 + 7);
	struct trap_frame f2 = { 0 };
	emulated(fault(&f2, clear, sizeof clear, target_va(0), PF_KERNEL_WRITE), &f2, 9);
	ck_assert_uint_eq(target(), 0);
	ck_assert_uint_eq(type_count(DATA0 + 7), count - 1);
}
END_TEST

START_TEST(xchg_returns_old_entry)
{
	uint64_t old = target();
	/* xchg %r8,0x12345678(%rsp): REX.WR, ModRM 10 000 100, SIB 0x24, disp32 */
	static const uint8_t xchg[] = { 0x4c, 0x87, 0x84, 0x24, 0x78, 0x56, 0x34, 0x12 };
	struct trap_frame f = { .r8 = 0 };
	emulated(fault(&f, xchg, sizeof xchg, target_va(0), PF_KERNEL_WRITE), &f, 8);
	ck_assert_uint_eq(target(), 0);
	ck_assert_uint_eq(f.r8, old);
	/* xchg %rsp is register 4, not a SIB: the frame's rsp gets the entry */
	static const uint8_t xchg_rsp[] = { 0x48, 0x87, 0x27 }; /* xchg %rsp,(%rdi) */
	struct trap_frame f2 = { .rsp = rw_entry(DATA0 + 3) };
	emulated(fault(&f2, xchg_rsp, sizeof xchg_rsp, target_va(0), PF_KERNEL_WRITE), &f2, 3);
	ck_assert_uint_eq(target(), rw_entry(DATA0 + 3));
	ck_assert_uint_eq(f2.rsp, 0);
}
END_TEST

START_TEST(cmpxchg_success_and_failure)
{
	uint64_t old = target();
	static const uint8_t cmpxchg[] = { 0xf0, 0x48, 0x0f, 0xb1, 0x0a }; /* lock cmpxchg %rcx,(%rdx) */
	struct trap_frame f = { .rax = old ^ 0x20, .rcx = rw_entry(DATA0 + 11) };
	emulated(fault(&f, cmpxchg, sizeof cmpxchg, target_va(0), PF_KERNEL_WRITE), &f, 5);
	ck_assert_uint_eq(target(), old);        /* not equal: nothing stored */
	ck_assert_uint_eq(f.rax, old);
	ck_assert_uint_eq(f.rflags & RFLAGS_ZF, 0);
	struct trap_frame f2 = { .rax = old, .rcx = rw_entry(DATA0 + 11) };
	emulated(fault(&f2, cmpxchg, sizeof cmpxchg, target_va(0), PF_KERNEL_WRITE), &f2, 5);
	ck_assert_uint_eq(target(), rw_entry(DATA0 + 11));
	ck_assert_uint_eq(f2.rax, old);
	ck_assert_uint_eq(f2.rflags & RFLAGS_ZF, RFLAGS_ZF);
}
END_TEST

START_TEST(four_byte_stores_merge)
{
	uint64_t old = target();
	/* mov %edx,(%rax) into the high half: sets NX, keeps the low half */
	static const uint8_t mov32[] = { 0x89, 0x10 };
	struct trap_frame f = { .rdx = 0xffffffff80000000ULL };
	emulated(fault(&f, mov32, sizeof mov32, target_va(4), PF_KERNEL_WRITE), &f, 2);
	ck_assert_uint_eq(target(), old | 0x8000000000000000ULL);
	/* xchg %ecx,(%rax) on the low half: the old low half, zero-extended */
	static const uint8_t xchg32[] = { 0x87, 0x08 };
	struct trap_frame f2 = { .rcx = 0 };
	emulated(fault(&f2, xchg32, sizeof xchg32, target_va(0), PF_KERNEL_WRITE), &f2, 2);
	ck_assert_uint_eq(f2.rcx, old & 0xffffffffULL);
	ck_assert_uint_eq(target(), 0x8000000000000000ULL);
}
END_TEST

START_TEST(byte_and_or_as_clear_bit_and_set_bit)
{
	uint64_t old = target();
	ck_assert_uint_ne(old & 2, 0);
	/* ds andb $0xfd,(%r12): clear_bit(_PAGE_BIT_RW) with Linux's lock
	 * prefix patched to ds on one CPU, as ptep_set_wrprotect in fork */
	static const uint8_t and8[] = { 0x3e, 0x41, 0x80, 0x24, 0x24, 0xfd };
	struct trap_frame f = { .r12 = target_va(0), .rflags = 0x202 };
	emulated(fault(&f, and8, sizeof and8, target_va(0), PF_KERNEL_WRITE), &f, 6);
	ck_assert_uint_eq(target(), old & ~2ULL);
	ck_assert_uint_eq(f.rflags & 0x40, 0); /* result not zero: ZF clear */
	/* lock orb $0x02,(%rax) puts it back */
	static const uint8_t or8[] = { 0xf0, 0x80, 0x08, 0x02 };
	struct trap_frame f2 = { .rax = target_va(0) };
	emulated(fault(&f2, or8, sizeof or8, target_va(0), PF_KERNEL_WRITE), &f2, 4);
	ck_assert_uint_eq(target(), old);
	/* the byte at offset 1 of the entry: orb $0x08,1(%rax) sets bit 11 (an
	 * available bit Xen allows), so only that byte changes */
	static const uint8_t or8_hi[] = { 0x80, 0x48, 0x01, 0x08 };
	struct trap_frame f3 = { .rax = target_va(0) };
	emulated(fault(&f3, or8_hi, sizeof or8_hi, target_va(1), PF_KERNEL_WRITE), &f3, 4);
	ck_assert_uint_eq(target(), old | 0x800);
	/* adcb (80 /2) is not a PTE store Linux makes: the guest's #PF */
	static const uint8_t adc8[] = { 0x80, 0x10, 0x01 };
	struct trap_frame f4 = { .rax = target_va(0) };
	bounced(fault(&f4, adc8, sizeof adc8, target_va(0), PF_KERNEL_WRITE), old | 0x800);
}
END_TEST

START_TEST(misaligned_is_the_guests_fault)
{
	uint64_t old = target();
	static const uint8_t mov[] = { 0x48, 0x89, 0x10 };
	struct trap_frame f = { .rdx = 0 };
	bounced(fault(&f, mov, sizeof mov, target_va(4), PF_KERNEL_WRITE), old);
	ck_assert_uint_eq(f.rip, KPAGE(CODE));
}
END_TEST

START_TEST(only_l1_frames)
{
	/* The L2 is mapped read-only too, but Xen emulates L1 stores only. */
	uint64_t l2e = table(2)[(KPAGE(0) >> 21) & 511];
	static const uint8_t mov[] = { 0x48, 0x89, 0x10 };
	struct trap_frame f = { .rdx = 0 };
	uint64_t va = KPAGE(TABLES_VA + 2) + ((KPAGE(0) >> 21) & 511) * 8;
	ck_assert_int_eq(fault(&f, mov, sizeof mov, va, PF_KERNEL_WRITE), CORE_STOP);
	ck_assert_uint_eq(table(2)[(KPAGE(0) >> 21) & 511], l2e);
	/* A writable data page is no table: its fault is the guest's. */
	g.st->stop_reason = CORE_RUNNING;
	struct trap_frame f2 = { .rdx = 1 };
	ck_assert_int_eq(fault(&f2, mov, sizeof mov, KPAGE(4), PF_KERNEL_WRITE), CORE_STOP);
	ck_assert_uint_eq(*(uint64_t *)fake_guest_page(&g, DATA0 + 4), 0);
}
END_TEST

START_TEST(refused_entry_is_the_guests_fault)
{
	uint64_t old = target();
	uint32_t count = type_count(DATA0 + TARGET);
	static const uint8_t mov[] = { 0x48, 0x89, 0x10 };
	/* A writable mapping of the L1 itself, then a frame past the domain. */
	struct trap_frame f = { .rdx = rw_entry(L1_PFN) };
	bounced(fault(&f, mov, sizeof mov, target_va(0), PF_KERNEL_WRITE), old);
	g.st->stop_reason = CORE_RUNNING;
	struct trap_frame f2 = { .rdx = rw_entry(NR_PAGES + 100) };
	bounced(fault(&f2, mov, sizeof mov, target_va(0), PF_KERNEL_WRITE), old);
	ck_assert_uint_eq(type_count(DATA0 + TARGET), count);
	ck_assert_uint_eq(mm_frame(&g.core, L1_PFN)->type, MM_TYPE_L1);
}
END_TEST

START_TEST(other_faults_are_the_guests)
{
	uint64_t old = target();
	static const uint8_t mov[] = { 0x48, 0x89, 0x10 };
	struct trap_frame f = { .rdx = 0 };
	/* a read, an instruction fetch, a reserved bit */
	bounced(fault(&f, mov, sizeof mov, target_va(0), 0x5), old);
	g.st->stop_reason = CORE_RUNNING;
	bounced(fault(&f, mov, sizeof mov, target_va(0), 0x17), old);
	g.st->stop_reason = CORE_RUNNING;
	bounced(fault(&f, mov, sizeof mov, target_va(0), 0xf), old);
	g.st->stop_reason = CORE_RUNNING;
	/* guest user mode */
	g.st->vcpu[0].kernel_mode = 0;
	bounced(fault(&f, mov, sizeof mov, target_va(0), PF_KERNEL_WRITE), old);
	g.st->vcpu[0].kernel_mode = 1;
	g.st->stop_reason = CORE_RUNNING;
	/* add %rdx,(%rax), mov to a register, lock mov, a truncated imm */
	static const uint8_t add[] = { 0x48, 0x01, 0x10 };
	static const uint8_t load[] = { 0x48, 0x89, 0xd0 };
	static const uint8_t lock_mov[] = { 0xf0, 0x48, 0x89, 0x10 };
	static const uint8_t c7_reg1[] = { 0x48, 0xc7, 0x08, 0, 0, 0, 0 };
	const uint8_t *bad[] = { add, load, lock_mov, c7_reg1 };
	const size_t len[] = { sizeof add, sizeof load, sizeof lock_mov, sizeof c7_reg1 };
	for (int i = 0; i < 4; i++) {
		g.st->stop_reason = CORE_RUNNING;
		bounced(fault(&f, bad[i], len[i], target_va(0), PF_KERNEL_WRITE), old);
	}
}
END_TEST

START_TEST(instruction_at_the_end_of_its_mapping)
{
	/* The 3-byte mov in the last bytes of KPAGE(NR_DATA - 1), nothing
	 * mapped after it: still decoded from the bytes there are. */
	static const uint8_t mov[] = { 0x48, 0x89, 0x10 };
	uint8_t *last = fake_guest_page(&g, DATA0 + NR_DATA - 1);
	memcpy(last + FG_PAGE - 3, mov, 3);
	struct trap_frame f = {
		.vector = 14, .error_code = PF_KERNEL_WRITE, .rdx = 0,
		.rip = KPAGE(NR_DATA) - 3, .cs = SHIM_SEL_USER_CS,
		.ss = SHIM_SEL_USER_DS, .rflags = 0x202, .rsp = KPAGE(15),
	};
	g.st->vcpu[0].cr2 = target_va(0);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, KPAGE(NR_DATA));
	ck_assert_uint_eq(target(), 0);
	/* cut short: the missing bytes are not taken for an instruction */
	static const uint8_t xchg_sib[] = { 0x48, 0x87, 0x04 }; /* needs a SIB */
	memcpy(last + FG_PAGE - 3, xchg_sib, 3);
	f.rip = KPAGE(NR_DATA) - 3;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
}
END_TEST

START_TEST(no_room_reexecutes)
{
	uint64_t old = target();
	uint32_t count = type_count(DATA0 + 9);
	g.plat.cpu_ops = calloc(1, SHIM_CPU_OPS_SIZE);
	g.plat.cpu_ops_count = SHIM_CPU_OPS_MAX;
	static const uint8_t mov[] = { 0x48, 0x89, 0x10 };
	struct trap_frame f = { .rdx = rw_entry(DATA0 + 9) };
	ck_assert_int_eq(fault(&f, mov, sizeof mov, target_va(0), PF_KERNEL_WRITE), CORE_RESUME);
	ck_assert_uint_eq(f.rip, KPAGE(CODE)); /* the same store again later */
	ck_assert_uint_eq(target(), old);
	ck_assert_uint_eq(type_count(DATA0 + 9), count);
	free(g.plat.cpu_ops);
	g.plat.cpu_ops = 0;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mm_ptwr");
	TCase *t = tcase_create("ptwr");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, mov_r64_moves_references);
	tcase_add_test(t, mov_rip_relative_and_imm);
	tcase_add_test(t, xchg_returns_old_entry);
	tcase_add_test(t, cmpxchg_success_and_failure);
	tcase_add_test(t, four_byte_stores_merge);
	tcase_add_test(t, byte_and_or_as_clear_bit_and_set_bit);
	tcase_add_test(t, misaligned_is_the_guests_fault);
	tcase_add_test(t, only_l1_frames);
	tcase_add_test(t, refused_entry_is_the_guests_fault);
	tcase_add_test(t, other_faults_are_the_guests);
	tcase_add_test(t, instruction_at_the_end_of_its_mapping);
	tcase_add_test(t, no_room_reexecutes);
	suite_add_tcase(s, t);
	return check_run(s);
}
