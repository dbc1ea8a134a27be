/*
 * Times XENVER_version hypercalls, xt.calls (default 10000) through the
 * hypercall page and as many as raw syscalls, then as many hypercalls
 * that change what the CPU sees: an mmu_update of one L1 entry (a store
 * the shim must make), an update_va_mapping with INVLPG (a store and an
 * invlpg), and an MMUEXT_NEW_BASEPTR to the tables in use (a CR3 load);
 * each call on its own with rdtsc, and prints per kind
 *
 *     bench: <kind> median_ticks=N min_ticks=N calls=N
 *
 * The runner turns ticks into time with the launcher's tsc_khz.  With
 * xt.calls=0 it makes no call: a baseline for the launcher's exit and
 * transition counts.
 */
#include <stdint.h>

#include "cmdline.h"
#include "hypercall.h"
#include "pv_mmu.h"
#include "sort.h"
#include "test.h"

const char test_title[] = "hypercall cost: XENVER_version, page and syscall; "
	"page-table changes";

#define DEFAULT_CALLS 10000
#define MAX_CALLS 100000
static uint64_t ticks[MAX_CALLS];

typedef long hypercall_fn(unsigned nr, unsigned long a1, unsigned long a2,
			  unsigned long a3, unsigned long a4, unsigned long a5);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

/* Two pages whose kernel mapping the page-table calls flip between. */
static uint8_t page_a[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t page_b[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static long version(unsigned long i, hypercall_fn *call)
{
	(void)i;
	return call(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0) !=
	       ((4 << 16) | 17);
}

/* page_b's entry pointed at page_a's frame and back, in turn: after an
 * even number of calls the mapping is as it was. */
static uint64_t flip_entry(unsigned long i)
{
	return (pfn_of(i % 2 ? page_b : page_a) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D;
}

static long one_mmu_update(unsigned long i, hypercall_fn *call)
{
	(void)call;
	return mmu_update(boot_entry_maddr((uint64_t)(uintptr_t)page_b, 1), flip_entry(i), 0);
}

static long one_update_va(unsigned long i, hypercall_fn *call)
{
	(void)call;
	return update_va(page_b, flip_entry(i), UVMF_INVLPG | UVMF_LOCAL);
}

static long one_new_baseptr(unsigned long i, hypercall_fn *call)
{
	(void)i;
	(void)call;
	return mmuext(MMUEXT_NEW_BASEPTR,
		      pfn_of((const void *)boot_start_info->pt_base));
}

static void bench(const char *name, long (*one)(unsigned long, hypercall_fn *),
		  hypercall_fn *call, unsigned long calls)
{
	unsigned long wrong = 0;

	for (unsigned long i = 0; i < calls; i++) {
		uint64_t t0 = rdtsc();
		long rc = one(i, call);
		ticks[i] = rdtsc() - t0;
		wrong += rc != 0;
	}
	check_msg(!wrong, "%s: %lu of %lu calls failed", name, wrong, calls);
	if (!calls) {
		printk("bench: %s calls=0\n", name);
		return;
	}
	sort_u64(ticks, calls);
	printk("bench: %s median_ticks=%lu min_ticks=%lu calls=%lu\n", name,
	       ticks[calls / 2], ticks[0], calls);
}

void test_main(void)
{
	uint64_t calls = DEFAULT_CALLS;

	require(cmdline_u64(test_cmdline(), "xt.calls", &calls) != CMDLINE_BAD &&
		calls <= MAX_CALLS, "xt.calls is a number up to %u", MAX_CALLS);
	require(calls % 2 == 0, "xt.calls is even (the page-table calls flip a mapping)");
	bench("hypercall_page", version, hypercall_via_page, calls);
	bench("syscall", version, hypercall_via_syscall, calls);
	page_a[0] = 0xaa;
	page_b[0] = 0xbb;
	bench("mmu_update", one_mmu_update, 0, calls);
	bench("update_va_mapping", one_update_va, 0, calls);
	check_eq(*(volatile uint8_t *)page_b, 0xbb);
	bench("new_baseptr", one_new_baseptr, 0, calls);
}
