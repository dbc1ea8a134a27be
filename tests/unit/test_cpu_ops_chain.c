/*
 * The chain the host trap path resumes a vCPU in (emu/vcpu/cpu_ops_chain.c):
 * each queued operation becomes its handler's address and operands, the
 * first handler goes in RIP, and the chain always ends with
 * SHIM_CHAIN_END and the guest's rax, right below the CPU's frame.
 */
#include <check.h>
#include "emu/vcpu/cpu_ops_chain.h"
#include "tests/unit/check_run.h"

#define RAX 0x1234abcdULL

START_TEST(test_empty_queue_is_end_and_rax)
{
	uint64_t w[CPU_OPS_CHAIN_MAX_WORDS], first;
	size_t n = cpu_ops_chain_build(NULL, 0, 0, RAX, w, &first);
	ck_assert_uint_eq(first, SHIM_CHAIN_VA(SHIM_CHAIN_END));
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(w[0], RAX);
}
END_TEST

/* An entry is stored again as RAM holds it: its address, no value. */
START_TEST(test_one_entry_is_its_address)
{
	struct shim_cpu_op op = { SHIM_CPU_OP_RESTORE_ENTRY, 0x5008, 0 };
	uint64_t w[CPU_OPS_CHAIN_MAX_WORDS], first;
	size_t n = cpu_ops_chain_build(&op, 1, 0, RAX, w, &first);
	ck_assert_uint_eq(first, SHIM_CHAIN_VA(SHIM_CHAIN_RESTORE_ENTRY));
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(w[0], SHIM_PHYSMAP_BASE + 0x5008);
	ck_assert_uint_eq(w[1], SHIM_CHAIN_VA(SHIM_CHAIN_END));
	ck_assert_uint_eq(w[2], RAX);
}
END_TEST

START_TEST(test_every_kind_in_order_then_flush)
{
	const struct shim_cpu_op ops[] = {
		{ SHIM_CPU_OP_RESTORE_ENTRY, 0x3000, 0 },
		{ SHIM_CPU_OP_INVLPG, 0xffff888000001000ULL, 0 },
		{ SHIM_CPU_OP_RESTORE_PAGE, 0x4000, 0 },
		{ SHIM_CPU_OP_LOAD_LDT, 0, 0xe050 },
		{ SHIM_CPU_OP_LOAD_CR3, 0, 0x9000 },
	};
	uint64_t w[CPU_OPS_CHAIN_MAX_WORDS], first;
	size_t n = cpu_ops_chain_build(ops, 5, 1, RAX, w, &first);
	const uint64_t want[] = {
		SHIM_PHYSMAP_BASE + 0x3000,
		SHIM_CHAIN_VA(SHIM_CHAIN_INVLPG), 0xffff888000001000ULL,
		SHIM_CHAIN_VA(SHIM_CHAIN_RESTORE_PAGE), SHIM_PHYSMAP_BASE + 0x4000,
		SHIM_CHAIN_VA(SHIM_CHAIN_LOAD_LDT), 0xe050,
		SHIM_CHAIN_VA(SHIM_CHAIN_LOAD_CR3), 0x9000,
		SHIM_CHAIN_VA(SHIM_CHAIN_FLUSH_TLB),
		SHIM_CHAIN_VA(SHIM_CHAIN_END), RAX,
	};
	ck_assert_uint_eq(first, SHIM_CHAIN_VA(SHIM_CHAIN_RESTORE_ENTRY));
	ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(w[i], want[i]);
}
END_TEST

START_TEST(test_flush_alone)
{
	uint64_t w[CPU_OPS_CHAIN_MAX_WORDS], first;
	size_t n = cpu_ops_chain_build(NULL, 0, 1, RAX, w, &first);
	ck_assert_uint_eq(first, SHIM_CHAIN_VA(SHIM_CHAIN_FLUSH_TLB));
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(w[0], SHIM_CHAIN_VA(SHIM_CHAIN_END));
	ck_assert_uint_eq(w[1], RAX);
}
END_TEST

/* The longest chain fits its bound; one more operation goes to the C loop
 * over the queue's page, which takes the flush from there too. */
START_TEST(test_long_queue_goes_to_the_page)
{
	static struct shim_cpu_op ops[CPU_OPS_CHAIN_MAX_OPS + 1];
	for (unsigned i = 0; i <= CPU_OPS_CHAIN_MAX_OPS; i++)
		ops[i] = (struct shim_cpu_op){ SHIM_CPU_OP_RESTORE_ENTRY, 8ULL * i, 0 };
	uint64_t w[CPU_OPS_CHAIN_MAX_WORDS], first;
	size_t n = cpu_ops_chain_build(ops, CPU_OPS_CHAIN_MAX_OPS, 1, RAX, w, &first);
	ck_assert_uint_le(n, CPU_OPS_CHAIN_MAX_WORDS);
	ck_assert_uint_eq(n, 2 * CPU_OPS_CHAIN_MAX_OPS + 2);
	ck_assert_uint_eq(w[n - 1], RAX);
	n = cpu_ops_chain_build(ops, CPU_OPS_CHAIN_MAX_OPS + 1, 1, RAX, w, &first);
	ck_assert_uint_eq(first, SHIM_CHAIN_VA(SHIM_CHAIN_APPLY_QUEUE));
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(w[0], SHIM_CHAIN_VA(SHIM_CHAIN_END));
	ck_assert_uint_eq(w[1], RAX);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_ops_chain");
	TCase *tc = tcase_create("chain");
	tcase_add_test(tc, test_empty_queue_is_end_and_rax);
	tcase_add_test(tc, test_one_entry_is_its_address);
	tcase_add_test(tc, test_every_kind_in_order_then_flush);
	tcase_add_test(tc, test_flush_alone);
	tcase_add_test(tc, test_long_queue_goes_to_the_page);
	suite_add_tcase(s, tc);
	return check_run(s);
}
