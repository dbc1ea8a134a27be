/*
 * The hypercall/trap core on a fake guest (tests/unit/fake_guest.h): the
 * software page walk behind copy_from_guest/copy_to_guest against broken
 * and hostile page tables, both trap paths into the hypercall dispatcher,
 * each implemented hypercall with good and bad arguments, the #GP and #UD
 * emulation, the fault stop, and core_format against the C library.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/hypercall_trace_line.h"
#include "pv-shim/core/emulate/cpuid_policy.h"
#include "pv-shim/core/emulate/emulate.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/platform.h"
#include "emu/build/cpuid_table.h"
#include "pv-shim/shim_abi.h"
#include "tests/unit/fake_guest.h"

#define KBASE 0xffffffff80000000ULL
#define KPAGE(i) (KBASE + (uint64_t)(i) * FG_PAGE)
#define NR_PAGES 128
#define DATA_PFN 32          /* tables come from pfn 1 up, data from here */
#define OUTSIDE_PFN 1000     /* a frame the guest does not have */

/* The kernel-area pages, KPAGE(i), and what each one is. */
enum {
	P_RW_FIRST = 0, P_RW_LAST = 7, /* user, writable: pfn DATA_PFN + i */
	P_RO = 8,                      /* user, read-only */
	P_SUPER = 9,                   /* supervisor only */
	P_OUTSIDE = 10,                /* leaf names a frame outside RAM */
	P_ABSENT = 11,                 /* not present */
	P_AFTER_ABSENT = 12,           /* writable again */
	NR_KPAGES
};
#define PFN_OF(i) (DATA_PFN + (i))

/* Regions each broken at one level above the leaf. */
#define VA_L2_PS       (KBASE + (2ULL << 20))  /* L2 entry with PS set */
#define VA_L2_SUPER    (KBASE + (4ULL << 20))  /* L2 entry without US */
#define VA_L2_RO       (KBASE + (6ULL << 20))  /* L2 entry without RW */
#define VA_L2_OUTSIDE  (KBASE + (8ULL << 20))  /* L2 entry names no RAM */
#define VA_L4_SUPER    0x0000100000000000ULL   /* L4 entry without US */
#define VA_BIG         (KBASE + (16ULL << 20)) /* 17 writable pages */
#define BIG_PAGES 17
#define BIG_PFN 64
/* Addresses around Xen's hole and the ends of the canonical halves, all
 * mapped so that only the core's address checks can refuse them. */
#define VA_HOLE_FIRST  0xffff800000000000ULL
#define VA_HOLE_LAST   0xffff87fffffff000ULL
#define VA_AFTER_HOLE  0xffff880000000000ULL
#define VA_LOW_LAST    0x00007ffffffff000ULL
#define VA_TOP_PAGE    0xfffffffffffff000ULL
#define PFN_HOLE_FIRST 48
#define PFN_HOLE_LAST  49
#define PFN_AFTER_HOLE 50
#define PFN_ZERO       51
#define PFN_LOW_LAST   52
#define PFN_TOP_PAGE   53

#define TRAMPOLINE SHIM_VA(SHIM_OFF_TRAMPOLINE)
#define RET_RIP 0xffffffff81234567ULL

#define X86_VEC_UD 6
#define X86_VEC_GP 13
#define X86_VEC_PF 14

static struct fake_guest g;

static uint8_t pattern(uint64_t pfn, unsigned off)
{
	return (uint8_t)(pfn * 31 + off * 7 + (off >> 8));
}

static void fill_pattern(uint64_t pfn)
{
	uint8_t *p = fake_guest_page(&g, pfn);
	for (unsigned i = 0; i < FG_PAGE; i++)
		p[i] = pattern(pfn, i);
}

static void setup(void)
{
	fake_guest_init(&g, NR_PAGES);
	g.core.layout.syscall_trampoline = TRAMPOLINE;
	for (int i = P_RW_FIRST; i <= P_RW_LAST; i++)
		fake_guest_map(&g, KPAGE(i), PFN_OF(i), FG_USER_RW);
	fake_guest_map(&g, KPAGE(P_RO), PFN_OF(P_RO), FG_P | FG_US);
	fake_guest_map(&g, KPAGE(P_SUPER), PFN_OF(P_SUPER), FG_P | FG_RW);
	fake_guest_map(&g, KPAGE(P_OUTSIDE), OUTSIDE_PFN, FG_USER_RW);
	fake_guest_map(&g, KPAGE(P_AFTER_ABSENT), PFN_OF(P_AFTER_ABSENT), FG_USER_RW);
	for (int i = 0; i < NR_KPAGES; i++)
		fill_pattern(PFN_OF(i));

	*fake_guest_entry(&g, VA_L2_PS, 1) = FG_USER_RW | FG_PS;
	fake_guest_map(&g, VA_L2_SUPER, PFN_OF(0), FG_USER_RW);
	*fake_guest_entry(&g, VA_L2_SUPER, 1) &= ~FG_US;
	fake_guest_map(&g, VA_L2_RO, PFN_OF(1), FG_USER_RW);
	*fake_guest_entry(&g, VA_L2_RO, 1) &= ~FG_RW;
	*fake_guest_entry(&g, VA_L2_OUTSIDE, 1) = (5000 * FG_PAGE) | FG_USER_RW;
	fake_guest_map(&g, VA_L4_SUPER, PFN_OF(2), FG_USER_RW);
	*fake_guest_entry(&g, VA_L4_SUPER, 3) &= ~FG_US;

	for (int i = 0; i < BIG_PAGES; i++) {
		fake_guest_map(&g, VA_BIG + i * FG_PAGE, BIG_PFN + i, FG_USER_RW);
		fill_pattern(BIG_PFN + i);
	}

	fake_guest_map(&g, VA_HOLE_FIRST, PFN_HOLE_FIRST, FG_USER_RW);
	fake_guest_map(&g, VA_HOLE_LAST, PFN_HOLE_LAST, FG_USER_RW);
	fake_guest_map(&g, VA_AFTER_HOLE, PFN_AFTER_HOLE, FG_USER_RW);
	fake_guest_map(&g, 0, PFN_ZERO, FG_USER_RW);
	fake_guest_map(&g, VA_LOW_LAST, PFN_LOW_LAST, FG_USER_RW);
	fake_guest_map(&g, VA_TOP_PAGE, PFN_TOP_PAGE, FG_USER_RW);
	ck_assert_uint_lt(g.next_table_pfn, DATA_PFN);
}

static void teardown(void)
{
	fake_guest_free(&g);
}

/* ---- copy_from_guest / copy_to_guest ---------------------------------- */

static int readable(uint64_t va, size_t len)
{
	uint8_t *buf = malloc(len);
	int rc = copy_from_guest(&g.core, buf, va, len);
	free(buf);
	return rc == 0;
}

static int writable(uint64_t va, size_t len)
{
	uint8_t *buf = calloc(1, len);
	int rc = copy_to_guest(&g.core, va, buf, len);
	free(buf);
	return rc == 0;
}

START_TEST(copy_reads_across_pages)
{
	uint8_t buf[3 * FG_PAGE];
	uint64_t va = KPAGE(2) + 4000;
	size_t len = 5000;
	ck_assert_int_eq(copy_from_guest(&g.core, buf, va, len), 0);
	for (size_t i = 0; i < len; i++) {
		uint64_t off = (va & (FG_PAGE - 1)) + i;
		ck_assert_uint_eq(buf[i], pattern(PFN_OF(2 + off / FG_PAGE), off % FG_PAGE));
	}
	/* All eight writable pages in one go. */
	uint8_t *all = malloc(8 * FG_PAGE);
	ck_assert_int_eq(copy_from_guest(&g.core, all, KPAGE(0), 8 * FG_PAGE), 0);
	ck_assert_int_eq(memcmp(all, fake_guest_page(&g, PFN_OF(0)), 8 * FG_PAGE), 0);
	free(all);
}
END_TEST

START_TEST(copy_writes_across_pages)
{
	uint8_t src[300];
	for (unsigned i = 0; i < sizeof src; i++)
		src[i] = (uint8_t)(i ^ 0x5a);
	uint64_t va = KPAGE(4) - 100;
	ck_assert_int_eq(copy_to_guest(&g.core, va, src, sizeof src), 0);
	ck_assert_int_eq(memcmp(fake_guest_page(&g, PFN_OF(3)) + FG_PAGE - 100, src, 100), 0);
	ck_assert_int_eq(memcmp(fake_guest_page(&g, PFN_OF(4)), src + 100, 200), 0);
	/* Nothing around it was touched. */
	ck_assert_uint_eq(fake_guest_page(&g, PFN_OF(3))[FG_PAGE - 101],
			  pattern(PFN_OF(3), FG_PAGE - 101));
	ck_assert_uint_eq(fake_guest_page(&g, PFN_OF(4))[200], pattern(PFN_OF(4), 200));
}
END_TEST

START_TEST(copy_respects_leaf_permissions)
{
	ck_assert(readable(KPAGE(P_RO), FG_PAGE));
	ck_assert(!writable(KPAGE(P_RO), 1));
	ck_assert(!writable(KPAGE(P_RO - 1) + FG_PAGE - 8, 16)); /* into it */
	ck_assert_uint_eq(fake_guest_page(&g, PFN_OF(P_RO))[0], pattern(PFN_OF(P_RO), 0));

	ck_assert(!readable(KPAGE(P_SUPER), 1));
	ck_assert(!writable(KPAGE(P_SUPER), 1));
	ck_assert(!readable(KPAGE(P_SUPER) - 8, 16));
	ck_assert(!readable(KPAGE(P_OUTSIDE), 1));
	ck_assert(!writable(KPAGE(P_OUTSIDE) + 100, 8));
	ck_assert(!readable(KPAGE(P_ABSENT), 1));
	ck_assert(!readable(KPAGE(P_ABSENT) + FG_PAGE - 1, 2));
	ck_assert(!readable(KPAGE(P_AFTER_ABSENT) - 1, 2));
	ck_assert(readable(KPAGE(P_AFTER_ABSENT), FG_PAGE));
}
END_TEST

START_TEST(copy_respects_upper_levels)
{
	ck_assert(!readable(VA_L2_PS, 1));
	ck_assert(!readable(VA_L2_PS + 0x12345, 4));
	ck_assert(!writable(VA_L2_PS, 1));
	ck_assert(!readable(VA_L2_SUPER, 1));
	ck_assert(readable(VA_L2_RO, 64));
	ck_assert(!writable(VA_L2_RO, 1));
	ck_assert(!readable(VA_L2_OUTSIDE, 1));
	ck_assert(!readable(VA_L4_SUPER, 1));
	/* With the US bit back the same walk succeeds: the bit was the cause. */
	*fake_guest_entry(&g, VA_L4_SUPER, 3) |= FG_US;
	ck_assert(readable(VA_L4_SUPER, 1));
}
END_TEST

START_TEST(copy_refuses_xen_hole)
{
	ck_assert(!readable(VA_HOLE_FIRST, 1));
	ck_assert(!writable(VA_HOLE_FIRST, 1));
	ck_assert(!readable(VA_HOLE_LAST + FG_PAGE - 1, 1));
	ck_assert(!readable(VA_HOLE_LAST + FG_PAGE - 8, 16)); /* out of it */
	ck_assert(readable(VA_AFTER_HOLE, FG_PAGE));
	ck_assert(writable(VA_AFTER_HOLE, 8));
}
END_TEST

START_TEST(copy_refuses_non_canonical)
{
	/* Both walk through mapped L4 slots (256 and 0) if not refused. */
	ck_assert(!readable(0x0000800000000000ULL, 1));
	ck_assert(!readable(0x8000000000000000ULL, 1));
	ck_assert(!writable(0x0000800000000000ULL, 1));
	ck_assert(readable(VA_LOW_LAST, FG_PAGE));
	ck_assert(!readable(VA_LOW_LAST + FG_PAGE - 8, 16));
	ck_assert(!writable(VA_LOW_LAST + FG_PAGE - 8, 16));
}
END_TEST

START_TEST(copy_refuses_wrap_past_top)
{
	ck_assert(readable(VA_TOP_PAGE, FG_PAGE));
	ck_assert(readable(0, FG_PAGE));
	/* The last page and then page 0: no such range exists. */
	ck_assert(!readable(0xfffffffffffffff0ULL, 32));
	ck_assert(!writable(0xfffffffffffffff0ULL, 32));
	ck_assert_uint_eq(fake_guest_page(&g, PFN_ZERO)[0], 0);
}
END_TEST

START_TEST(copy_refuses_bad_cr3)
{
	g.st->vcpu[0].cr3 = OUTSIDE_PFN * FG_PAGE;
	ck_assert(!readable(KPAGE(0), 1));
	g.st->vcpu[0].cr3 = (NR_PAGES * FG_PAGE) - 8; /* last word of RAM */
	ck_assert(!readable(KPAGE(0), 1));
}
END_TEST

/* ---- traps and hypercalls ----------------------------------------------- */

enum path { VIA_HOST, VIA_GUEST };

static struct trap_frame syscall_frame(enum path path, uint64_t nr, uint64_t a0,
				       uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct trap_frame f = {
		.r15 = 15, .r14 = 14, .r13 = 13, .r12 = 12, .r9 = 9, .rbp = 0xb0,
		.rbx = 0xb1, .rax = nr, .rdi = a0, .rsi = a1, .rdx = a2, .r10 = a3,
		.r8 = a4, .rcx = RET_RIP, .r11 = 0x246, .cs = SHIM_SEL_USER_CS,
		.ss = SHIM_SEL_USER_DS, .rsp = KPAGE(7) + 0x800, .rflags = 0x202,
	};
	f.vector = path == VIA_HOST ? CORE_VEC_SYSCALL : X86_VEC_UD;
	f.rip = TRAMPOLINE;
	return f;
}

/* One hypercall through the guest trap path; returns %rax. */
static long hc_action(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		      enum core_action *action)
{
	struct trap_frame f = syscall_frame(VIA_GUEST, nr, a0, a1, a2, 0, 0);
	*action = core_handle_trap(&g.core, &f);
	ck_assert_uint_eq(f.rip, RET_RIP);
	return (long)f.rax;
}

static long hc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	enum core_action action;
	long rc = hc_action(nr, a0, a1, a2, &action);
	ck_assert_int_eq(action, CORE_RESUME);
	ck_assert_uint_eq(g.st->stop_reason, CORE_RUNNING);
	return rc;
}

static void check_syscall_return(enum path path)
{
	uint64_t before_transitions = g.st->stats.transitions;
	uint64_t before_calls = g.st->stats.hypercalls[__HYPERVISOR_console_io];
	static const char msg[] = "hello";
	ck_assert_int_eq(copy_to_guest(&g.core, KPAGE(1), msg, 5), 0);

	struct trap_frame f = syscall_frame(path, __HYPERVISOR_console_io, CONSOLEIO_write,
					    5, KPAGE(1), 0xdead10, 0xdead08);
	f.r11 = ~0ULL; /* every flag, including IOPL 3, NT, TF, VM, RF */
	struct trap_frame want = f;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_int_eq((long)f.rax, 0);
	size_t len;
	const char *out = fake_guest_console(&g, &len);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(out, msg, 5), 0);

	ck_assert_uint_eq(f.rip, RET_RIP);
	ck_assert_uint_eq(f.rflags & 0x3000, 0);   /* IOPL */
	ck_assert_uint_eq(f.rflags & 0x4000, 0);   /* NT */
	ck_assert_uint_eq(f.rflags & 0x100, 0);    /* TF */
	ck_assert_uint_eq(f.rflags & 0x20000, 0);  /* VM */
	ck_assert_uint_ne(f.rflags & 0x200, 0);    /* IF */
	ck_assert_uint_ne(f.rflags & 0x2, 0);      /* reserved, always 1 */
	ck_assert_uint_ne(f.rflags & 0x1, 0);      /* CF kept */
	ck_assert_uint_ne(f.rflags & 0x400, 0);    /* DF kept */
	/* Everything else is as the guest left it. */
	want.rax = f.rax;
	want.rip = f.rip;
	want.rflags = f.rflags;
	ck_assert_int_eq(memcmp(&f, &want, sizeof f), 0);

	/* Flags from r11 with none set: only the fixed ones come back. */
	f = syscall_frame(path, __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	f.r11 = 0;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rflags, 0x202);

	ck_assert_uint_eq(g.st->stats.hypercalls[__HYPERVISOR_console_io], before_calls + 1);
	ck_assert_uint_eq(g.st->stats.hypercalls[__HYPERVISOR_sched_op], 1);
	ck_assert_uint_eq(g.st->stats.transitions,
			  before_transitions + (path == VIA_GUEST ? 2 : 0));
}

START_TEST(syscall_host_path)
{
	check_syscall_return(VIA_HOST);
	ck_assert_uint_eq(g.st->stats.traps[X86_VEC_UD], 0);
}
END_TEST

START_TEST(syscall_guest_path)
{
	check_syscall_return(VIA_GUEST);
	ck_assert_uint_eq(g.st->stats.traps[X86_VEC_UD], 2);
}
END_TEST

START_TEST(syscall_arguments_in_abi_registers)
{
	/* sched_op shutdown reads its struct from %rsi; xen_version writes to
	 * %rsi; console_io takes count in %rsi and the buffer in %rdx.  Junk
	 * in the unused argument registers changes nothing. */
	struct sched_shutdown sd = { .reason = SHUTDOWN_reboot };
	ck_assert_int_eq(copy_to_guest(&g.core, KPAGE(5), &sd, sizeof sd), 0);
	struct trap_frame f = syscall_frame(VIA_HOST, __HYPERVISOR_sched_op,
					    SCHEDOP_shutdown, KPAGE(5), ~0ULL, ~0ULL, ~0ULL);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_uint_eq(g.st->shutdown_code, SHUTDOWN_reboot);
	ck_assert_uint_eq(f.rip, RET_RIP);
	ck_assert_int_eq((long)f.rax, 0);
}
END_TEST

START_TEST(syscall_from_user_mode_stops)
{
	static const char msg[] = "user";
	ck_assert_int_eq(copy_to_guest(&g.core, KPAGE(1), msg, 4), 0);
	g.st->vcpu[0].kernel_mode = 0;
	for (int path = VIA_HOST; path <= VIA_GUEST; path++) {
		g.st->stop_reason = CORE_RUNNING;
		struct trap_frame f = syscall_frame(path, __HYPERVISOR_console_io,
						    CONSOLEIO_write, 4, KPAGE(1), 0, 0);
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
		ck_assert_uint_eq(g.st->stop_reason, CORE_STOP_FAULT);
		ck_assert_ptr_nonnull(strstr(g.st->stop_message, "syscall"));
		ck_assert_uint_eq(g.st->stop_frame.rip, TRAMPOLINE);
	}
	size_t len;
	fake_guest_console(&g, &len);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(g.st->stats.hypercalls[__HYPERVISOR_console_io], 0);
}
END_TEST

START_TEST(ud_next_to_trampoline_is_not_a_syscall)
{
	struct trap_frame f = syscall_frame(VIA_GUEST, __HYPERVISOR_sched_op,
					    SCHEDOP_yield, 0, 0, 0, 0);
	f.rip = TRAMPOLINE + 1;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_uint_eq(g.st->stop_reason, CORE_STOP_FAULT);
	ck_assert_uint_eq(g.st->stats.hypercalls[__HYPERVISOR_sched_op], 0);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "#UD"));
}
END_TEST

/* ---- xen_version --------------------------------------------------------- */

START_TEST(xen_version_numbers)
{
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0), (4 << 16) | 17);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0), 4096);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_commandline, KPAGE(0), 0),
			 -XEN_EPERM);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_build_id, KPAGE(0), 0),
			 -XEN_EPERM);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, 99, KPAGE(0), 0), -XEN_ENOSYS);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, 1ULL << 40, KPAGE(0), 0), -XEN_ENOSYS);
	/* The hypercall exists: an unknown sub-op is no unimplemented hypercall. */
	ck_assert_uint_eq(fake_guest_log_lines(&g), 0);
	ck_assert_uint_eq(g.st->last_enosys, 0);
}
END_TEST

/* A fixed-size string field: NUL-terminated, NUL-padded to its size, and
 * nothing written past it.  Placed across a page boundary. */
static void check_string_field(unsigned cmd, size_t field, const char *must_contain)
{
	uint64_t va = KPAGE(3) - field / 2;
	uint8_t *host = fake_guest_page(&g, PFN_OF(2)) + FG_PAGE - field / 2;
	memset(host, 0xaa, field + 16);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, cmd, va, 0), 0);
	size_t n = strnlen((char *)host, field);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, field);
	for (size_t i = n; i < field; i++)
		ck_assert_uint_eq(host[i], 0);
	for (size_t i = field; i < field + 16; i++)
		ck_assert_uint_eq(host[i], 0xaa);
	if (must_contain)
		ck_assert_ptr_nonnull(strstr((char *)host, must_contain));

	/* Unmapped, read-only, or running into either: -EFAULT. */
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, cmd, KPAGE(P_ABSENT), 0), -XEN_EFAULT);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, cmd, KPAGE(P_RO), 0), -XEN_EFAULT);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, cmd, KPAGE(P_RO) - field + 1, 0),
			 -XEN_EFAULT);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, cmd, VA_HOLE_FIRST, 0), -XEN_EFAULT);
}

START_TEST(xen_version_strings)
{
	check_string_field(XENVER_extraversion, sizeof(xen_extraversion_t), NULL);
	check_string_field(XENVER_capabilities, sizeof(xen_capabilities_info_t),
			   "xen-3.0-x86_64");
	check_string_field(XENVER_changeset, sizeof(xen_changeset_info_t), NULL);
}
END_TEST

START_TEST(xen_version_string_wrapping)
{
	/* A field that starts in the last page and would end past 2^64. */
	memset(fake_guest_page(&g, PFN_ZERO), 0xaa, FG_PAGE);
	uint64_t va = 0xfffffffffffffe00ULL;
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_capabilities, va, 0),
			 -XEN_EFAULT);
	for (unsigned i = 0; i < FG_PAGE; i++)
		if (fake_guest_page(&g, PFN_ZERO)[i] != 0xaa)
			ck_abort_msg("byte %u at address 0 written", i);
}
END_TEST

START_TEST(xen_version_structs)
{
	struct xen_platform_parameters pp;
	memset(&pp, 0xaa, sizeof pp);
	ck_assert_int_eq(copy_to_guest(&g.core, KPAGE(1), &pp, sizeof pp), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_platform_parameters,
			    KPAGE(1), 0), 0);
	ck_assert_int_eq(copy_from_guest(&g.core, &pp, KPAGE(1), sizeof pp), 0);
	ck_assert_uint_eq(pp.virt_start, 0xffff800000000000ULL);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_platform_parameters,
			    KPAGE(P_RO), 0), -XEN_EFAULT);

	struct xen_compile_info ci;
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_compile_info, KPAGE(2), 0), 0);
	ck_assert_int_eq(copy_from_guest(&g.core, &ci, KPAGE(2), sizeof ci), 0);
	ck_assert_uint_lt(strnlen(ci.compiler, sizeof ci.compiler), sizeof ci.compiler);
	ck_assert_uint_lt(strnlen(ci.compile_by, sizeof ci.compile_by), sizeof ci.compile_by);
	ck_assert_uint_lt(strnlen(ci.compile_domain, sizeof ci.compile_domain),
			  sizeof ci.compile_domain);
	ck_assert_uint_lt(strnlen(ci.compile_date, sizeof ci.compile_date),
			  sizeof ci.compile_date);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_compile_info,
			    KPAGE(P_SUPER), 0), -XEN_EFAULT);

	xen_domain_handle_t h;
	memset(h, 0xaa, sizeof h);
	ck_assert_int_eq(copy_to_guest(&g.core, KPAGE(3), h, sizeof h), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_guest_handle, KPAGE(3), 0), 0);
	ck_assert_int_eq(copy_from_guest(&g.core, h, KPAGE(3), sizeof h), 0);
	for (size_t i = 0; i < sizeof h; i++)
		ck_assert_uint_eq(h[i], 0);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_guest_handle, KPAGE(P_ABSENT), 0),
			 -XEN_EFAULT);
}
END_TEST

START_TEST(xen_version_features)
{
	struct xen_feature_info fi = { .submap_idx = 0, .submap = 0 };
	uint64_t va = KPAGE(2) - 4; /* across a page boundary */
	ck_assert_int_eq(copy_to_guest(&g.core, va, &fi, sizeof fi), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_get_features, va, 0), 0);
	ck_assert_int_eq(copy_from_guest(&g.core, &fi, va, sizeof fi), 0);
	ck_assert_uint_eq(fi.submap_idx, 0);
	ck_assert_uint_ne(fi.submap & (1u << XENFEAT_gnttab_map_avail_bits), 0);
	/* Nothing promised that PV guests here do not get. */
	ck_assert_uint_eq(fi.submap & (1u << XENFEAT_auto_translated_physmap), 0);
	ck_assert_uint_eq(fi.submap & (1u << XENFEAT_hvm_callback_vector), 0);

	for (unsigned idx = 1; idx < 3; idx++) {
		struct xen_feature_info bad = { .submap_idx = idx == 1 ? 1 : ~0u,
						.submap = 0x1234 };
		ck_assert_int_eq(copy_to_guest(&g.core, va, &bad, sizeof bad), 0);
		ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_get_features, va, 0),
				 -XEN_EINVAL);
		ck_assert_int_eq(copy_from_guest(&g.core, &fi, va, sizeof fi), 0);
		ck_assert_uint_eq(fi.submap, 0x1234);
	}
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_get_features, KPAGE(P_ABSENT), 0),
			 -XEN_EFAULT);
	/* Readable but not writable: the answer cannot be given. */
	memset(fake_guest_page(&g, PFN_OF(P_RO)), 0, sizeof fi);
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_get_features, KPAGE(P_RO), 0),
			 -XEN_EFAULT);
}
END_TEST

/* ---- console_io ---------------------------------------------------------- */

static void check_console(const uint8_t *want, size_t want_len)
{
	size_t len;
	const char *out = fake_guest_console(&g, &len);
	ck_assert_uint_eq(len, want_len);
	if (want_len)
		ck_assert_int_eq(memcmp(out, want, want_len), 0);
}

START_TEST(console_write)
{
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, 0, KPAGE(0)), 0);
	check_console(NULL, 0);
	/* 1000 bytes across two page boundaries and several copy chunks. */
	uint64_t va = KPAGE(2) - 300;
	uint8_t *want = malloc(1000);
	ck_assert_int_eq(copy_from_guest(&g.core, want, va, 1000), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, 1000, va), 0);
	check_console(want, 1000);
	/* A read-only page is fine to print from. */
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, 10, KPAGE(P_RO)), 0);
	ck_assert_uint_eq(g.console_len, 1010);
	free(want);
}
END_TEST

START_TEST(console_write_limit)
{
	size_t max = 64 * 1024;
	uint8_t *want = malloc(max);
	ck_assert_int_eq(copy_from_guest(&g.core, want, VA_BIG, max), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, max, VA_BIG), 0);
	check_console(want, max);
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, max + 1, VA_BIG),
			 -XEN_EINVAL);
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, 1ULL << 63, VA_BIG),
			 -XEN_EINVAL);
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, ~0ULL, VA_BIG),
			 -XEN_EINVAL);
	check_console(want, max);
	free(want);
}
END_TEST

START_TEST(console_write_bad_buffer)
{
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, 5, KPAGE(P_ABSENT)),
			 -XEN_EFAULT);
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, 5, KPAGE(P_SUPER)),
			 -XEN_EFAULT);
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, 5, VA_HOLE_FIRST),
			 -XEN_EFAULT);
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, 5,
			    0x0000800000000000ULL), -XEN_EFAULT);
	check_console(NULL, 0);
	/* Running off the end of readable memory: the call fails, and what
	 * reached the console is the start of the buffer, never other bytes. */
	uint64_t va = KPAGE(P_SUPER) - 600;
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, 1000, va), -XEN_EFAULT);
	size_t len;
	const char *out = fake_guest_console(&g, &len);
	ck_assert_uint_lt(len, 600);
	uint8_t want[600];
	ck_assert_int_eq(copy_from_guest(&g.core, want, va, sizeof want), 0);
	ck_assert_int_eq(memcmp(out, want, len), 0);
}
END_TEST

START_TEST(console_write_wrapping_buffer)
{
	/* Each chunk is a valid range, the buffer as a whole wraps past 2^64:
	 * nothing from address 0 may be printed as if it followed. */
	memset(fake_guest_page(&g, PFN_ZERO), '0', FG_PAGE);
	memset(fake_guest_page(&g, PFN_TOP_PAGE), 'T', FG_PAGE);
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_write, 256,
			    0xffffffffffffff80ULL), -XEN_EFAULT);
	size_t len;
	const char *out = fake_guest_console(&g, &len);
	ck_assert_ptr_null(memchr(out, '0', len));
}
END_TEST

START_TEST(console_other_commands)
{
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, CONSOLEIO_read, 100, KPAGE(0)), 0);
	ck_assert_uint_eq(fake_guest_page(&g, PFN_OF(0))[0], pattern(PFN_OF(0), 0));
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, 2, 5, KPAGE(0)), -XEN_ENOSYS);
	ck_assert_int_eq(hc(__HYPERVISOR_console_io, ~0ULL, 5, KPAGE(0)), -XEN_ENOSYS);
	check_console(NULL, 0);
}
END_TEST

/* ---- sched_op ------------------------------------------------------------ */

START_TEST(sched_yield)
{
	ck_assert_int_eq(hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_sched_op, 99, 0, 0), -XEN_ENOSYS);
}
END_TEST

static const unsigned stop_reasons[] = {
	SHUTDOWN_poweroff, SHUTDOWN_reboot, SHUTDOWN_crash, SHUTDOWN_watchdog, SHUTDOWN_MAX,
};

START_TEST(sched_shutdown_stops)
{
	unsigned reason = stop_reasons[_i];
	struct sched_shutdown sd = { .reason = reason };
	uint64_t va = KPAGE(1) - 2; /* across a page boundary */
	ck_assert_int_eq(copy_to_guest(&g.core, va, &sd, sizeof sd), 0);
	enum core_action action;
	ck_assert_int_eq(hc_action(__HYPERVISOR_sched_op, SCHEDOP_shutdown, va, 0, &action), 0);
	ck_assert_int_eq(action, CORE_STOP);
	ck_assert_uint_eq(g.st->stop_reason, CORE_STOP_SHUTDOWN);
	ck_assert_uint_eq(g.st->shutdown_code, reason);
}
END_TEST

START_TEST(sched_shutdown_bad_arguments)
{
	static const unsigned bad[] = { SHUTDOWN_MAX + 1, 1000, 0x80000000u, ~0u };
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sched_shutdown sd = { .reason = bad[i] };
		ck_assert_int_eq(copy_to_guest(&g.core, KPAGE(1), &sd, sizeof sd), 0);
		ck_assert_int_eq(hc(__HYPERVISOR_sched_op, SCHEDOP_shutdown, KPAGE(1), 0),
				 -XEN_EINVAL);
	}
	ck_assert_int_eq(hc(__HYPERVISOR_sched_op, SCHEDOP_shutdown, KPAGE(P_ABSENT), 0),
			 -XEN_EFAULT);
	ck_assert_int_eq(hc(__HYPERVISOR_sched_op, SCHEDOP_shutdown, KPAGE(P_SUPER), 0),
			 -XEN_EFAULT);
	ck_assert_int_eq(hc(__HYPERVISOR_sched_op, SCHEDOP_shutdown, KPAGE(P_SUPER) - 2, 0),
			 -XEN_EFAULT);
	ck_assert_int_eq(hc(__HYPERVISOR_sched_op, SCHEDOP_shutdown, 0x0000800000000000ULL, 0),
			 -XEN_EFAULT);
	ck_assert_uint_eq(g.st->shutdown_code, 0);
	/* Still running, and the next call works. */
	ck_assert_int_eq(hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0), 0);
}
END_TEST

/* ---- tracing and departures (--trace, --trace-hypercalls, --strict) ----- */

START_TEST(hypercall_trace_only_when_asked)
{
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0), (4 << 16) | 17);
	ck_assert_ptr_null(strstr(fake_guest_log(&g), "xenlet-hypercall"));
	g.st->trace_flags = CORE_TRACE_HYPERCALLS;
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0), (4 << 16) | 17);
	ck_assert_int_eq(hc(50, 1, 0x123456, 3), -XEN_ENOSYS);
	ck_assert_ptr_nonnull(strstr(fake_guest_log(&g),
		"xenlet-hypercall: vcpu0 xen_version(0, 0) = 262161\n"));
	/* A number Xen has no hypercall for: all five arguments. */
	ck_assert_ptr_nonnull(strstr(fake_guest_log(&g),
		"xenlet-hypercall: vcpu0 hypercall_50(1, 0x123456, 3, 0, 0) = -38\n"));
}
END_TEST

START_TEST(hypercall_trace_line_format)
{
	char line[128];
	const uint64_t mmu[5] = { 0xffff888000001000ULL, 1, 0, DOMID_SELF, 7 };
	core_hypercall_trace_line(line, sizeof line, 3, __HYPERVISOR_mmu_update, mmu, 0);
	ck_assert_str_eq(line, "vcpu3 mmu_update(0xffff888000001000, 1, 0, DOMID_SELF) = 0");
	const uint64_t none[5] = { 0 };
	core_hypercall_trace_line(line, sizeof line, 1, __HYPERVISOR_iret, none, -14);
	ck_assert_str_eq(line, "vcpu1 iret() = -14");
	const uint64_t big[5] = { ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL };
	core_hypercall_trace_line(line, sizeof line, 0, ~0ULL, big, -38);
	/* Cut at the buffer's end, NUL-terminated. */
	ck_assert_uint_eq(strlen(line), sizeof line - 1);
	ck_assert_ptr_eq(strstr(line, "vcpu0 hypercall_18446744073709551615(0xffffffffffffffff, "
				"0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, "
				"0xff"), line);
	char tiny[8];
	core_hypercall_trace_line(tiny, sizeof tiny, 0, __HYPERVISOR_sched_op, mmu, 0);
	ck_assert_str_eq(tiny, "vcpu0 s");
}
END_TEST

START_TEST(trace_entries_name_the_cause)
{
	ck_assert_int_eq(hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0), (4 << 16) | 17);
	ck_assert_uint_eq(g.st->vcpu[0].trace_cause, 0); /* off: nothing noted */
	g.st->trace_flags = CORE_TRACE_ENTRIES;
	for (int path = VIA_HOST; path <= VIA_GUEST; path++) {
		struct trap_frame f = syscall_frame(path, __HYPERVISOR_xen_version,
						    XENVER_version, 0, 0, 0, 0);
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		ck_assert_uint_eq(g.st->vcpu[0].trace_cause, CORE_TRACE_CAUSE_HYPERCALL);
		ck_assert_uint_eq(g.st->vcpu[0].trace_code, __HYPERVISOR_xen_version);
		ck_assert_uint_eq(g.st->vcpu[0].trace_arg, XENVER_version);
		ck_assert_uint_eq(g.st->vcpu[0].trace_rip, RET_RIP);
	}
	/* From guest user mode the same syscall is no hypercall. */
	g.st->vcpu[0].kernel_mode = 0;
	struct trap_frame f = syscall_frame(VIA_GUEST, 1, 2, 3, 0, 0, 0);
	core_handle_trap(&g.core, &f);
	ck_assert_uint_eq(g.st->vcpu[0].trace_cause, CORE_TRACE_CAUSE_TRAP);
	ck_assert_uint_eq(g.st->vcpu[0].trace_code, CORE_VEC_SYSCALL);
	ck_assert_uint_eq(g.st->vcpu[0].trace_rip, RET_RIP);
}
END_TEST

START_TEST(departures_counted_and_named_once)
{
	ck_assert_int_eq(hc(__HYPERVISOR_fpu_taskswitch, 1, 0, 0), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_fpu_taskswitch, 0, 0, 0), 0);
	ck_assert_uint_eq(g.st->departures[DEPARTURE_FPU_TASKSWITCH], 1);
	ck_assert_uint_eq(fake_guest_log_lines(&g), 0); /* counted, not said */
	g.st->trace_flags = CORE_TRACE_STRICT;
	ck_assert_int_eq(hc(__HYPERVISOR_fpu_taskswitch, 1, 0, 0), 0);
	ck_assert_uint_eq(g.st->departures[DEPARTURE_FPU_TASKSWITCH], 2);
	/* Said only for a kind's first departure. */
	ck_assert_uint_eq(fake_guest_log_lines(&g), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_set_debugreg, 7, 0x1, 0), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_set_debugreg, 7, 0x2, 0), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_set_debugreg, 7, 0, 0), 0);
	ck_assert_uint_eq(g.st->departures[DEPARTURE_DEBUGREG_UNARMED], 2);
	ck_assert_uint_eq(fake_guest_log_lines(&g), 1);
	ck_assert_ptr_nonnull(strstr(fake_guest_log(&g),
		"strict: departure from Xen (debugreg_not_armed): set_debugreg(7)"));
	ck_assert_str_eq(core_departure_name(DEPARTURE_EXCHANGE_SHORT), "exchange_short_of_frames");
	ck_assert_str_eq(core_departure_name(CORE_DEPARTURE_KINDS), "unknown");
}
END_TEST

/* ---- unimplemented hypercalls -------------------------------------------- */

START_TEST(enosys_logged_once_per_number)
{
	static const uint64_t numbers[] = { 38, 63, 37 };
	for (unsigned i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
		uint64_t nr = numbers[i];
		unsigned lines = fake_guest_log_lines(&g);
		for (int k = 0; k < 2; k++) {
			ck_assert_int_eq(hc(nr, 1, 2, 3), -XEN_ENOSYS);
			ck_assert_uint_eq(g.st->last_enosys, nr + 1);
			ck_assert_uint_eq(g.st->last_enosys_rip, RET_RIP);
		}
		ck_assert_uint_eq(fake_guest_log_lines(&g), lines + 1);
		ck_assert_uint_eq(g.st->stats.hypercalls[nr], 2);
		char want[32];
		snprintf(want, sizeof want, "(%lu)", (unsigned long)nr);
		ck_assert_ptr_nonnull(strstr(fake_guest_log(&g), want));
	}
	ck_assert_ptr_nonnull(strstr(fake_guest_log(&g), "kexec_op"));
}
END_TEST

START_TEST(enosys_out_of_range)
{
	static const uint64_t numbers[] = { 64, 1000, 0xffffffffULL, 1ULL << 63, ~0ULL };
	for (unsigned i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
		uint64_t nr = numbers[i];
		unsigned lines = fake_guest_log_lines(&g);
		for (int k = 0; k < 2; k++) {
			ck_assert_int_eq(hc(nr, 1, 2, 3), -XEN_ENOSYS);
			ck_assert_uint_ne(g.st->last_enosys, 0);
		}
		/* A guest cannot flood the launcher's log with one number. */
		ck_assert_uint_le(fake_guest_log_lines(&g), lines + 1);
		if (nr < 0xffffffffULL)
			ck_assert_uint_eq(g.st->last_enosys, nr + 1);
	}
	ck_assert_uint_eq(g.st->stats.hypercalls_out_of_range, 10);
	ck_assert_uint_ge(fake_guest_log_lines(&g), 1);
	ck_assert_ptr_nonnull(strstr(fake_guest_log(&g), "(64)"));
	/* Nor with many different ones. */
	for (uint64_t nr = 2000; nr < 3000; nr++)
		ck_assert_int_eq(hc(nr, 0, 0, 0), -XEN_ENOSYS);
	ck_assert_uint_le(fake_guest_log_lines(&g), 5);
	ck_assert_uint_eq(g.st->last_enosys, 3000);
}
END_TEST

START_TEST(hypercall_direct)
{
	/* core_hypercall runs the handler alone: not counted, not reported. */
	uint64_t args[5] = { XENVER_version, 0, 0, 0, 0 };
	ck_assert_int_eq(core_hypercall(&g.core, __HYPERVISOR_xen_version, args),
			 (4 << 16) | 17);
	ck_assert_int_eq(core_hypercall(&g.core, __HYPERVISOR_mmu_update, args), -XEN_ENOSYS);
	ck_assert_int_eq(core_hypercall(&g.core, 1ULL << 40, args), -XEN_ENOSYS);
	ck_assert_uint_eq(g.st->stats.hypercalls[__HYPERVISOR_xen_version], 0);
	ck_assert_uint_eq(g.st->stats.hypercalls_out_of_range, 0);
	ck_assert_uint_eq(g.st->last_enosys, 0);
	ck_assert_uint_eq(fake_guest_log_lines(&g), 0);

	ck_assert_str_eq(core_hypercall_name(__HYPERVISOR_sched_op), "sched_op");
	ck_assert_str_eq(core_hypercall_name(__HYPERVISOR_set_trap_table), "set_trap_table");
	ck_assert_str_eq(core_hypercall_name(__HYPERVISOR_mmuext_op), "mmuext_op");
	ck_assert_str_eq(core_hypercall_name(CORE_NR_HYPERCALLS - 1), "unknown");
	ck_assert_str_eq(core_hypercall_name(CORE_NR_HYPERCALLS), "unknown");
	ck_assert_str_eq(core_hypercall_name(~0ULL), "unknown");
}
END_TEST

/* sysctl and domctl: Xen's answers to a domU, in Xen's order. */
START_TEST(control_ops_refused)
{
	struct { uint32_t cmd, version; uint16_t domain; } op = { 3, 0x15, 0 };
	ck_assert_int_eq(copy_to_guest(&g.core, KPAGE(0), &op, sizeof op), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_sysctl, KPAGE(0), 0, 0), -XEN_EPERM);
	ck_assert_int_eq(hc(__HYPERVISOR_sysctl, KPAGE(P_ABSENT), 0, 0), -XEN_EFAULT);
	static const struct { uint32_t cmd, version; uint16_t domain; long rc; } domctls[] = {
		{ 5, 0x15, 1, -XEN_EPERM },          /* getdomaininfo of itself */
		{ 5, 0x15, 0, -XEN_EPERM },          /* of dom0 */
		{ 5, 0x15, 2, -XEN_ESRCH },          /* no domain 2 */
		{ 5, 0x15, DOMID_SELF, -XEN_ESRCH }, /* not an id to domctl */
		{ 1, 0x15, 7, -XEN_EPERM },          /* createdomain names none */
		{ 45, 0x15, DOMID_INVALID, -XEN_EPERM }, /* test_assign_device */
		{ 37, 0x15, DOMID_IO, -XEN_EPERM },  /* assign_device to dom_io */
		{ 37, 0x15, DOMID_INVALID, -XEN_ESRCH },
		{ 5, 0x14, 1, -XEN_EACCES },         /* another interface version */
	};
	for (unsigned i = 0; i < sizeof domctls / sizeof domctls[0]; i++) {
		op.cmd = domctls[i].cmd;
		op.version = domctls[i].version;
		op.domain = domctls[i].domain;
		ck_assert_int_eq(copy_to_guest(&g.core, KPAGE(0), &op, sizeof op), 0);
		ck_assert_int_eq(hc(__HYPERVISOR_domctl, KPAGE(0), 0, 0), domctls[i].rc);
	}
	op.version = 0x14;
	ck_assert_int_eq(copy_to_guest(&g.core, KPAGE(0), &op, sizeof op), 0);
	ck_assert_int_eq(hc(__HYPERVISOR_sysctl, KPAGE(0), 0, 0), -XEN_EACCES);
	ck_assert_int_eq(hc(__HYPERVISOR_domctl, KPAGE(P_ABSENT), 0, 0), -XEN_EFAULT);
	ck_assert_uint_eq(g.st->last_enosys, 0);
}
END_TEST

/* ---- #GP: wrmsr / rdmsr -------------------------------------------------- */

#define MSR_FS_BASE        0xc0000100u
#define MSR_GS_BASE        0xc0000101u
#define MSR_SHADOW_GS_BASE 0xc0000102u

static struct trap_frame insn_frame(unsigned vector, uint64_t rip, const uint8_t *bytes,
				    size_t n)
{
	if (n)
		ck_assert_int_eq(copy_to_guest(&g.core, rip, bytes, n), 0);
	struct trap_frame f = {
		.vector = vector, .rip = rip, .cs = SHIM_SEL_USER_CS,
		.ss = SHIM_SEL_USER_DS, .rflags = 0x202, .rsp = KPAGE(7),
		.rbx = 0xb1, .r12 = 12,
	};
	return f;
}

static const uint8_t WRMSR[] = { 0x0f, 0x30 };
static const uint8_t RDMSR[] = { 0x0f, 0x32 };

static enum core_action wrmsr(uint32_t msr, uint64_t value, struct trap_frame *f)
{
	*f = insn_frame(X86_VEC_GP, KPAGE(3) + 100, WRMSR, 2);
	f->rcx = msr | 0xabcd000000000000ULL;     /* upper half: ignored */
	f->rax = (value & 0xffffffff) | 0x1111111100000000ULL;
	f->rdx = (value >> 32) | 0x2222222200000000ULL;
	return core_handle_trap(&g.core, f);
}

static uint64_t rdmsr(uint32_t msr)
{
	struct trap_frame f = insn_frame(X86_VEC_GP, KPAGE(3) + 200, RDMSR, 2);
	f.rcx = msr;
	f.rax = f.rdx = ~0ULL;
	ck_assert_msg(core_handle_trap(&g.core, &f) == CORE_RESUME, "rdmsr %#x: %s", msr,
		      g.st->stop_message);
	ck_assert_uint_eq(f.rip, KPAGE(3) + 202);
	ck_assert_uint_eq(f.rax >> 32, 0);
	ck_assert_uint_eq(f.rdx >> 32, 0);
	return f.rdx << 32 | f.rax;
}

START_TEST(wrmsr_segment_bases)
{
	static const struct { uint32_t msr; uint64_t value; } w[] = {
		{ MSR_GS_BASE, 0xffff888012345678ULL },
		{ MSR_FS_BASE, 0x00007f0012345000ULL },
		{ MSR_SHADOW_GS_BASE, 0x00007fffffffffffULL },
		{ MSR_GS_BASE, 0 },
	};
	for (unsigned i = 0; i < sizeof w / sizeof w[0]; i++) {
		struct trap_frame f;
		ck_assert_int_eq(wrmsr(w[i].msr, w[i].value, &f), CORE_RESUME);
		ck_assert_uint_eq(f.rip, KPAGE(3) + 102);
		ck_assert_uint_eq(rdmsr(w[i].msr), w[i].value);
	}
	ck_assert_uint_eq(g.st->vcpu[0].fs_base, 0x00007f0012345000ULL);
	ck_assert_uint_eq(g.st->vcpu[0].gs_base_kernel, 0);
	ck_assert_uint_eq(g.st->vcpu[0].gs_base_user, 0x00007fffffffffffULL);
	ck_assert_int_eq(g.plat.failed, 0);
	ck_assert_uint_eq(g.st->stats.traps[X86_VEC_GP], 8);
	ck_assert_uint_eq(g.st->stats.transitions, 8);
}
END_TEST

START_TEST(wrmsr_refused)
{
	static const struct { uint32_t msr; uint64_t value; const char *name; } w[] = {
		{ MSR_GS_BASE, 0x0000800000000000ULL, "0xc0000101" },
		{ MSR_FS_BASE, 0xfffe000000000000ULL, "0xc0000100" },
		{ MSR_SHADOW_GS_BASE, 0x8000000000000000ULL, "0xc0000102" },
		{ 0x1b, 0xfee00900, "0x1b" },          /* APIC base */
		{ 0xc0000080, 0x501, "0xc0000080" },   /* EFER */
		{ 0xc0000082, 0, "0xc0000082" },       /* LSTAR */
	};
	for (unsigned i = 0; i < sizeof w / sizeof w[0]; i++) {
		teardown();
		setup();
		g.st->vcpu[0].fs_base = 0x1000;
		g.st->vcpu[0].gs_base_kernel = 0x2000;
		g.st->vcpu[0].gs_base_user = 0x3000;
		struct trap_frame f;
		ck_assert_int_eq(wrmsr(w[i].msr, w[i].value, &f), CORE_STOP);
		ck_assert_uint_eq(g.st->stop_reason, CORE_STOP_FAULT);
		ck_assert_msg(strstr(g.st->stop_message, w[i].name) &&
			      strstr(g.st->stop_message, "wrmsr"),
			      "message '%s' names no wrmsr %s", g.st->stop_message, w[i].name);
		ck_assert_uint_eq(g.st->stop_frame.rip, KPAGE(3) + 100);
		ck_assert_int_eq(memcmp(&g.st->stop_frame, &f, sizeof f), 0);
		ck_assert_uint_eq(g.st->vcpu[0].fs_base, 0x1000);
		ck_assert_uint_eq(g.st->vcpu[0].gs_base_kernel, 0x2000);
		ck_assert_uint_eq(g.st->vcpu[0].gs_base_user, 0x3000);
	}
}
END_TEST

START_TEST(rdmsr_refused)
{
	struct trap_frame f = insn_frame(X86_VEC_GP, KPAGE(3) + 200, RDMSR, 2);
	f.rcx = 0x1d9; /* DEBUGCTL */
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "rdmsr"));
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "0x1d9"));
}
END_TEST

/* A cpuid table whose leaf 0 names VENDOR (12 characters). */
static struct kvm_cpuid2 *vendor_cpuid(const char *vendor)
{
	struct kvm_cpuid2 *t = calloc(1, sizeof *t + sizeof t->entries[0]);
	ck_assert_ptr_nonnull(t);
	struct kvm_cpuid_entry2 *e = &t->entries[t->nent++];
	e->function = 0;
	e->eax = 0xd;
	memcpy(&e->ebx, vendor, 4);
	memcpy(&e->edx, vendor + 4, 4);
	memcpy(&e->ecx, vendor + 8, 4);
	return t;
}

/* MSR 0x8b, Intel's microcode revision: Linux's early_init_intel writes
 * 0 to it, then reads it, at every boot; Xen takes the write on Intel
 * only and only of 0 (#GP otherwise), and answers the read on Intel and
 * AMD. */
START_TEST(ucode_rev_msr_as_xen)
{
	static const struct { const char *vendor; uint64_t value; bool write_ok, read_ok; } v[] = {
		{ "GenuineIntel", 0, true, true },
		{ "GenuineIntel", 0x1234ULL << 32, false, true },
		{ "AuthenticAMD", 0, false, true },
		{ "CentaurHauls", 0, false, false },
	};
	for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
		teardown();
		setup();
		struct kvm_cpuid2 *t = vendor_cpuid(v[i].vendor);
		g.plat.cpuid = t;
		struct trap_frame f;
		enum core_action a = wrmsr(0x8b, v[i].value, &f);
		if (v[i].write_ok) {
			ck_assert_int_eq(a, CORE_RESUME);
			ck_assert_uint_eq(f.rip, KPAGE(3) + 102);
		} else {
			ck_assert_msg(a == CORE_STOP && strstr(g.st->stop_message, "wrmsr 0x8b"),
				      "%s: wrmsr 0x8b <- %#llx taken", v[i].vendor,
				      (unsigned long long)v[i].value);
		}
		teardown();
		setup();
		g.plat.cpuid = t;
		if (v[i].read_ok) {
			ck_assert_uint_eq(rdmsr(0x8b), 0);
		} else {
			f = insn_frame(X86_VEC_GP, KPAGE(3) + 200, RDMSR, 2);
			f.rcx = 0x8b;
			ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
		}
		g.plat.cpuid = NULL;
		free(t);
	}
}
END_TEST

/* rdmsr that must be refused: the guest's #GP(0), or the end of a guest
 * without a handler (as here) naming the MSR. */
static void rdmsr_gp(uint32_t msr)
{
	struct trap_frame f = insn_frame(X86_VEC_GP, KPAGE(3) + 200, RDMSR, 2);
	f.rcx = msr;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_msg(strstr(g.st->stop_message, "rdmsr"), "rdmsr %#x taken", msr);
	g.st->stop_reason = CORE_RUNNING;
}

/* The MSRs Xen answers a PV domU itself (guest_rdmsr, read_msr), per
 * vendor; DEBUGCTL is not among them (#GP both ways). */
START_TEST(msrs_as_xen_answers)
{
	static const struct { uint32_t msr; uint64_t intel, amd; } both[] = {
		{ 0x1b, 0xfee00900, 0xfee00900 },          /* APIC_BASE, BSP */
		{ 0xce, 0, 0 },                            /* PLATFORM_INFO */
		{ 0x140, 0, 0 },                           /* MISC_FEATURES_ENABLES */
		{ 0x277, 0x050100070406ULL, 0x050100070406ULL }, /* PAT */
		{ 0x345, 0, 0 },                           /* PERF_CAPABILITIES */
		{ 0xc0000080, 0xd01, 0xd01 },              /* EFER */
		{ 0xc001001f, 0, 0 },                      /* NB_CFG */
	};
	static const uint32_t intel_only[] = { 0x3a, 0x198, 0x199, 0x19c };
	static const uint32_t amd_only[] = { 0xc0010015, 0xc0011029, 0xc0010041,
					     0xc0010061, 0xc001006b };
	for (int amd = 0; amd < 2; amd++) {
		teardown();
		setup();
		struct kvm_cpuid2 *t = vendor_cpuid(amd ? "AuthenticAMD" : "GenuineIntel");
		g.plat.cpuid = t;
		for (unsigned i = 0; i < sizeof both / sizeof both[0]; i++)
			ck_assert_msg(rdmsr(both[i].msr) == (amd ? both[i].amd : both[i].intel),
				      "rdmsr %#x", both[i].msr);
		for (unsigned i = 0; i < sizeof intel_only / sizeof intel_only[0]; i++) {
			if (amd)
				rdmsr_gp(intel_only[i]);
			else
				ck_assert_uint_eq(rdmsr(intel_only[i]), intel_only[i] == 0x3a);
		}
		for (unsigned i = 0; i < sizeof amd_only / sizeof amd_only[0]; i++) {
			if (!amd)
				rdmsr_gp(amd_only[i]);
			else
				ck_assert_uint_eq(rdmsr(amd_only[i]),
						  amd_only[i] == 0xc0011029 ? 2 : 0);
		}
		rdmsr_gp(0x1d9); /* DEBUGCTL */
		/* Xen gives Intel guests the host's MISC_ENABLE and PLATFORM_ID:
		 * none here, a departure each time. */
		uint64_t host_reads = g.st->departures[DEPARTURE_MSR_HOST_VALUE];
		rdmsr_gp(0x1a0);
		rdmsr_gp(0x17);
		ck_assert_uint_eq(g.st->departures[DEPARTURE_MSR_HOST_VALUE],
				  host_reads + (amd ? 0 : 2));
		/* The TSC as rdtsc gives it (Xen's native TSC mode). */
		uint64_t tsc0 = platform_read_tsc(&g.core), tsc = rdmsr(0x10);
		ck_assert_uint_ge(tsc, tsc0);
		ck_assert_uint_le(tsc, platform_read_tsc(&g.core));
		struct trap_frame f;
		/* Writes Xen drops: taken, nothing changes. */
		ck_assert_int_eq(wrmsr(0xc001001f, 0x1234, &f), CORE_RESUME);
		ck_assert_int_eq(wrmsr(0x140, 0, &f), CORE_RESUME);
		ck_assert_int_eq(wrmsr(0xc0000080, 0xd01, &f), CORE_RESUME);
		ck_assert_int_eq(wrmsr(0xc0011029, 0, &f), amd ? CORE_RESUME : CORE_STOP);
		g.st->stop_reason = CORE_RUNNING;
		ck_assert_int_eq(wrmsr(0x19a, 0, &f), amd ? CORE_STOP : CORE_RESUME);
		g.st->stop_reason = CORE_RUNNING;
		/* Refused: a change of EFER, CPUID faulting, DEBUGCTL, PAT,
		 * the read-only PLATFORM_INFO. */
		static const struct { uint32_t msr; uint64_t value; } bad[] = {
			{ 0xc0000080, 0x501 }, { 0x140, 1 }, { 0x1d9, 0 }, { 0x1d9, 1 },
			{ 0x277, 0x050100070406ULL }, { 0xce, 0 },
		};
		for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			ck_assert_msg(wrmsr(bad[i].msr, bad[i].value, &f) == CORE_STOP,
				      "wrmsr %#x taken", bad[i].msr);
			g.st->stop_reason = CORE_RUNNING;
		}
		g.plat.cpuid = NULL;
		free(t);
	}
}
END_TEST

START_TEST(gp_elsewhere_stops)
{
	static const uint8_t hlt[] = { 0xf4, 0x90 };
	struct trap_frame f = insn_frame(X86_VEC_GP, KPAGE(3) + 300, hlt, 2);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "#GP"));
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "f4 90"));

	/* cli without I/O privilege (no PHYSDEVOP_set_iopl) stays a #GP */
	g.st->stop_reason = CORE_RUNNING;
	static const uint8_t cli[] = { 0xfa, 0x90 };
	f = insn_frame(X86_VEC_GP, KPAGE(3) + 300, cli, 2);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "cli at I/O privilege 0"));

	/* with it, cli and sti are no-ops, as Xen runs them */
	g.st->stop_reason = CORE_RUNNING;
	g.st->vcpu[0].traps.iopl = 1;
	static const uint8_t sti[] = { 0xfb, 0x90 };
	for (int i = 0; i < 2; i++) {
		f = insn_frame(X86_VEC_GP, KPAGE(3) + 300, i ? sti : cli, 2);
		uint64_t rip = f.rip, rflags = f.rflags;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
		ck_assert_uint_eq(f.rip, rip + 1);
		ck_assert_uint_eq(f.rflags, rflags);
	}
	g.st->vcpu[0].traps.iopl = 0;

	/* wrmsr's first byte on the last readable byte, the second beyond. */
	uint64_t places[] = { KPAGE(P_SUPER) - 1, KPAGE(P_ABSENT), 0x0000800000000000ULL };
	for (unsigned i = 0; i < 3; i++) {
		teardown();
		setup();
		fake_guest_page(&g, PFN_OF(P_RO))[FG_PAGE - 1] = 0x0f;
		f = insn_frame(X86_VEC_GP, places[i], NULL, 0);
		f.rcx = MSR_GS_BASE;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
		ck_assert_ptr_nonnull(strstr(g.st->stop_message, "#GP"));
		ck_assert_uint_eq(g.st->vcpu[0].gs_base_kernel, 0);
	}
}
END_TEST

START_TEST(gp_from_user_mode_stops)
{
	g.st->vcpu[0].kernel_mode = 0;
	struct trap_frame f;
	ck_assert_int_eq(wrmsr(MSR_GS_BASE, 0x1000, &f), CORE_STOP);
	ck_assert_uint_eq(g.st->vcpu[0].gs_base_kernel, 0);
	ck_assert_uint_eq(g.st->stop_reason, CORE_STOP_FAULT);
}
END_TEST

/* ---- #UD: forced-emulation CPUID ----------------------------------------- */

static const uint8_t FORCED_CPUID[] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };
static const uint32_t all_leaves[] = {
	0, 1, 2, 4, 7, 0xd, 0x14, 0x80000000, 0x80000001, 0x80000008,
};
#define NR_LEAVES (sizeof all_leaves / sizeof all_leaves[0])

/* Leaf 0xd's component subleaves 1..7 (x87's and SSE's are in 0), as a
 * CPU with AVX-512 lists them: size, standard offset, 64-byte alignment. */
#define NR_XSTATE_SUBLEAVES 7
static const struct kvm_cpuid_entry2 xstate_subleaves[NR_XSTATE_SUBLEAVES] = {
	{ .function = 0xd, .index = 1, .eax = ~0u, .ebx = ~0u, .ecx = ~0u, .edx = ~0u },
	{ .function = 0xd, .index = 2, .eax = 256, .ebx = 576 },
	{ .function = 0xd, .index = 3, .eax = 64, .ebx = 960 },
	{ .function = 0xd, .index = 4, .eax = 64, .ebx = 1024 },
	{ .function = 0xd, .index = 5, .eax = 64, .ebx = 1088, .ecx = 2 },
	{ .function = 0xd, .index = 6, .eax = 512, .ebx = 1152, .ecx = 2 },
	{ .function = 0xd, .index = 7, .eax = 1024, .ebx = 1664, .ecx = 2 },
};

static struct kvm_cpuid2 *all_bits_cpuid(void)
{
	struct kvm_cpuid2 *t = calloc(1, sizeof *t + (NR_LEAVES + 1 + NR_XSTATE_SUBLEAVES) *
				      sizeof t->entries[0]);
	ck_assert_ptr_nonnull(t);
	for (unsigned i = 0; i < NR_LEAVES; i++) {
		struct kvm_cpuid_entry2 *e = &t->entries[t->nent++];
		e->function = all_leaves[i];
		e->eax = e->ebx = e->ecx = e->edx = 0xffffffff;
		if (all_leaves[i] == 7 || all_leaves[i] == 0xd || all_leaves[i] == 4)
			e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	}
	/* Leaf 7 subleaf 1 exists too, all ones. */
	struct kvm_cpuid_entry2 *e = &t->entries[t->nent++];
	*e = (struct kvm_cpuid_entry2){ .function = 7, .index = 1,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = ~0u, .ebx = ~0u, .ecx = ~0u, .edx = ~0u };
	for (unsigned i = 0; i < NR_XSTATE_SUBLEAVES; i++) {
		e = &t->entries[t->nent++];
		*e = xstate_subleaves[i];
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	}
	return t;
}

/* The guest is offered XSAVE with this XCR0 (sizes as for 0xe7). */
static void offer_xsave(uint64_t xcr0)
{
	g.core.layout.xcr0 = xcr0;
	g.core.layout.xsave_size = 2688;
	g.core.layout.xsavec_size = 2432;
	g.st->vcpu[0].cr4_guest = guest_cr4_initial(&g.core.layout);
}

static void cpuid(uint64_t leaf, uint64_t subleaf, uint32_t r[4])
{
	uint64_t rip = KPAGE(4) + 10;
	struct trap_frame f = insn_frame(X86_VEC_UD, rip, FORCED_CPUID, sizeof FORCED_CPUID);
	f.rax = leaf;
	f.rcx = subleaf;
	f.rbx = f.rdx = ~0ULL;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, rip + 7);
	ck_assert_uint_eq(f.rax >> 32, 0);
	ck_assert_uint_eq(f.rbx >> 32, 0);
	ck_assert_uint_eq(f.rcx >> 32, 0);
	ck_assert_uint_eq(f.rdx >> 32, 0);
	r[0] = (uint32_t)f.rax;
	r[1] = (uint32_t)f.rbx;
	r[2] = (uint32_t)f.rcx;
	r[3] = (uint32_t)f.rdx;
}

START_TEST(forced_cpuid_hypervisor_leaves)
{
	uint32_t r[4];
	cpuid(0x40000000, 0, r);
	char sig[13] = { 0 };
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	ck_assert_str_eq(sig, "XenVMMXenVMM");
	ck_assert_uint_ge(r[0], 0x40000002);
	ck_assert_uint_lt(r[0], 0x40000100);
	/* The version leaf agrees with XENVER_version. */
	cpuid(0x40000001, 0, r);
	ck_assert_uint_eq(r[0], (uint32_t)hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0));
	/* Upper halves of %rax and %rcx are not part of the leaf. */
	cpuid(0xffffffff40000000ULL, 0, r);
	ck_assert_uint_eq(r[1], 0x566e6558);
	ck_assert_uint_eq(g.st->stats.traps[X86_VEC_UD], 4); /* and one hypercall */
}
END_TEST

START_TEST(forced_cpuid_policy)
{
	struct kvm_cpuid2 *t = all_bits_cpuid();
	g.plat.cpuid = t;
	uint32_t r[4];

	cpuid(0, 0, r);
	ck_assert_uint_le(r[0], 0xd);
	ck_assert_uint_ge(r[0], 7);

	cpuid(1, 0, r);
	ck_assert_uint_ne(r[2] & (1u << 31), 0);     /* hypervisor */
	ck_assert_uint_eq(r[2] & (1u << 5), 0);      /* VMX */
	ck_assert_uint_eq(r[2] & (1u << 26), 0);     /* XSAVE */
	ck_assert_uint_eq(r[2] & (1u << 27), 0);     /* OSXSAVE */
	ck_assert_uint_eq(r[2] & (1u << 28), 0);     /* AVX */
	ck_assert_uint_eq(r[2] & (1u << 3), 0);      /* MONITOR */
	ck_assert_uint_eq(r[2] & (1u << 17), 0);     /* PCID */
	ck_assert_uint_eq(r[2] & (1u << 21), 0);     /* x2APIC */
	ck_assert_uint_ne(r[2] & (1u << 0), 0);      /* SSE3 passes */
	ck_assert_uint_eq(r[3] & (1u << 9), 0);      /* APIC */
	ck_assert_uint_eq(r[3] & (1u << 12), 0);     /* MTRR */
	ck_assert_uint_ne(r[3] & (1u << 25), 0);     /* SSE passes */
	ck_assert_uint_eq(r[1] >> 24, 0);            /* APIC id of vCPU 0 */

	cpuid(7, 0, r);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(r[1] & (1u << 0), 0);      /* FSGSBASE */
	ck_assert_uint_eq(r[1] & (1u << 5), 0);      /* AVX2 */
	ck_assert_uint_eq(r[1] & (1u << 7), 0);      /* SMEP */
	ck_assert_uint_eq(r[1] & (1u << 20), 0);     /* SMAP */
	ck_assert_uint_ne(r[1] & (1u << 3), 0);      /* BMI1 passes */
	ck_assert_uint_eq(r[2], 0);
	ck_assert_uint_eq(r[3], 0);
	cpuid(7, 1, r);
	ck_assert(!r[0] && !r[1] && !r[2] && !r[3]);

	cpuid(0xd, 0, r);                            /* XSAVE state: hidden */
	ck_assert(!r[0] && !r[1] && !r[2] && !r[3]);
	cpuid(0x14, 0, r);
	ck_assert(!r[0] && !r[1] && !r[2] && !r[3]);

	cpuid(0x80000000, 0, r);
	ck_assert_uint_le(r[0], 0x80000008);
	cpuid(0x80000001, 0, r);
	ck_assert_uint_ne(r[3] & (1u << 29), 0);     /* LM */
	ck_assert_uint_eq(r[3] & (1u << 27), 0);     /* RDTSCP */
	ck_assert_uint_eq(r[3] & (1u << 26), 0);     /* 1 GiB pages */
	ck_assert_uint_eq(r[2] & (1u << 2), 0);      /* SVM */
	free(t);
}
END_TEST

static const uint64_t xcr0s[] = { 0, 0x3, 0x7, 0xe7 };

/* Plain cpuid's table (KVM_SET_CPUID2) says what forced CPUID says, with
 * and without XSAVE (the loop's XCR0). */
START_TEST(plain_cpuid_table_policy)
{
	offer_xsave(xcr0s[_i]);
	const struct cpuid_xstate x = { g.core.layout.xcr0, g.core.layout.xsave_size,
					g.core.layout.xsavec_size, 1 };
	struct kvm_cpuid2 *sup = all_bits_cpuid();
	struct kvm_cpuid2 *big = calloc(1, sizeof *big + (sup->nent + 2) * sizeof big->entries[0]);
	ck_assert_ptr_nonnull(big);
	memcpy(big, sup, sizeof *sup + sup->nent * sizeof sup->entries[0]);
	/* KVM's own signature and feature leaves. */
	big->entries[big->nent++] = (struct kvm_cpuid_entry2){ .function = 0x40000000,
		.eax = 0x40000001, .ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d };
	big->entries[big->nent++] = (struct kvm_cpuid_entry2){ .function = 0x40000001,
		.eax = ~0u };
	struct kvm_cpuid2 *t = cpuid_table_for_guest(big, &x);
	ck_assert_ptr_nonnull(t);
	g.plat.cpuid = t;
	unsigned xen_leaves = 0;
	for (unsigned i = 0; i < t->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &t->entries[i];
		if (e->function >= XEN_CPUID_BASE && e->function <= XEN_CPUID_LAST)
			xen_leaves++;
		ck_assert_uint_ne(e->ebx, 0x4b4d564b);
		/* Forced CPUID over this table gives the entry itself: the
		 * policy changes nothing more, so both paths agree. */
		uint32_t r[4];
		cpuid(e->function, e->index, r);
		ck_assert_uint_eq(r[0], e->eax);
		ck_assert_uint_eq(r[1], e->ebx);
		ck_assert_uint_eq(r[2], e->ecx);
		ck_assert_uint_eq(r[3], e->edx);
		if (e->function == 1 && !x.xcr0) {
			ck_assert_uint_eq(e->ecx & (7u << 26), 0); /* XSAVE OSXSAVE AVX */
			ck_assert_uint_ne(e->ecx & 1, 0);          /* SSE3 */
			ck_assert_uint_ne(e->edx & (1u << 25), 0); /* SSE */
		}
		if (e->function == 7 && e->index == 0)
			ck_assert_uint_eq(e->ebx & (x.xcr0 & 4 ? 1 : 0x21), 0); /* FSGSBASE AVX2 */
		if (e->function == 0x40000000)
			ck_assert_uint_eq(e->ebx, 0x566e6558);     /* "XenV" */
	}
	ck_assert_uint_eq(xen_leaves, XEN_CPUID_LAST - XEN_CPUID_BASE + 1);
	ck_assert_uint_eq(t->nent, sup->nent + xen_leaves);
	free(t);
	free(big);
	free(sup);
}
END_TEST

/* XSAVE with the XCR0 guest CPL3 code runs with, and each feature whose
 * state it enables; never a component outside it. */
START_TEST(forced_cpuid_xstate)
{
	const uint64_t xcr0 = xcr0s[_i];
	const int ymm = (xcr0 & 4) != 0, avx512 = (xcr0 & 0xe0) != 0;
	struct kvm_cpuid2 *t = all_bits_cpuid();
	g.plat.cpuid = t;
	offer_xsave(xcr0);
	uint32_t r[4];

	cpuid(1, 0, r);
	ck_assert_uint_eq((r[2] >> 26) & 1, xcr0 != 0); /* XSAVE */
	ck_assert_uint_eq((r[2] >> 27) & 1, xcr0 != 0); /* OSXSAVE: virtual CR4 */
	ck_assert_uint_eq((r[2] >> 28) & 1, ymm);       /* AVX */
	ck_assert_uint_eq((r[2] >> 29) & 1, ymm);       /* F16C */
	ck_assert_uint_eq((r[2] >> 12) & 1, ymm);       /* FMA */
	ck_assert_uint_eq(r[2] & (1u << 5), 0);         /* VMX still hidden */

	cpuid(7, 0, r);
	ck_assert_uint_eq((r[1] >> 5) & 1, ymm);        /* AVX2 */
	ck_assert_uint_eq((r[1] >> 16) & 1, avx512);    /* AVX512F */
	ck_assert_uint_eq((r[1] >> 30) & 1, avx512);    /* AVX512BW */
	ck_assert_uint_eq((r[1] >> 31) & 1, avx512);    /* AVX512VL */
	ck_assert_uint_eq((r[2] >> 1) & 1, avx512);     /* AVX512_VBMI */
	ck_assert_uint_eq((r[2] >> 9) & 1, ymm);        /* VAES */
	ck_assert_uint_eq(r[1] & 1, 0);                 /* FSGSBASE */
	ck_assert_uint_eq(r[2] & (3u << 3), 0);         /* PKU OSPKE */
	ck_assert_uint_eq(r[3] & ~((1u << 2) | (1u << 3) | (1u << 8) | (1u << 23)), 0);
	ck_assert_uint_eq(r[3] != 0, avx512);

	cpuid(0xd, 0, r);
	ck_assert_uint_eq(r[0], xcr0);
	ck_assert_uint_eq(r[3], 0);
	ck_assert_uint_eq(r[1], xcr0 ? 2688 : 0);
	ck_assert_uint_eq(r[2], r[1]);
	cpuid(0xd, 1, r);
	ck_assert_uint_eq(r[0], xcr0 ? 7 : 0);          /* XSAVEOPT XSAVEC XGETBV1 */
	ck_assert_uint_eq(r[1], xcr0 ? 2432 : 0);
	ck_assert_uint_eq(r[2], 0);
	ck_assert_uint_eq(r[3], 0);
	for (uint32_t i = 2; i <= 7; i++) {
		cpuid(0xd, i, r);
		if ((xcr0 >> i) & 1) {
			ck_assert_uint_eq(r[0], xstate_subleaves[i - 1].eax);
			ck_assert_uint_eq(r[1], xstate_subleaves[i - 1].ebx);
			ck_assert_uint_eq(r[2], xstate_subleaves[i - 1].ecx);
		} else {
			ck_assert(!r[0] && !r[1] && !r[2] && !r[3]);
		}
	}
	cpuid(0xd, 63, r);
	ck_assert(!r[0] && !r[1] && !r[2] && !r[3]);
	free(t);
}
END_TEST

/* OSXSAVE is the guest's virtual CR4's, which `mov` to CR4 changes. */
START_TEST(forced_cpuid_osxsave_follows_cr4)
{
	struct kvm_cpuid2 *t = all_bits_cpuid();
	g.plat.cpuid = t;
	offer_xsave(0xe7);
	uint32_t r[4];
	g.st->vcpu[0].cr4_guest = 0;
	cpuid(1, 0, r);
	ck_assert_uint_eq((r[2] >> 26) & 3, 1);         /* XSAVE, no OSXSAVE */
	g.st->vcpu[0].cr4_guest = GUEST_CR4_OSXSAVE;
	cpuid(1, 0, r);
	ck_assert_uint_eq((r[2] >> 26) & 3, 3);
	free(t);
}
END_TEST

/* Only an XCR0 whose every component the policy can describe is offered. */
START_TEST(xcr0_offerable)
{
	ck_assert_uint_eq(cpuid_policy_xcr0(0x3), 0x3);
	ck_assert_uint_eq(cpuid_policy_xcr0(0x7), 0x7);
	ck_assert_uint_eq(cpuid_policy_xcr0(0xe7), 0xe7);
	ck_assert_uint_eq(cpuid_policy_xcr0(0), 0);
	ck_assert_uint_eq(cpuid_policy_xcr0(0x1), 0);       /* no SSE */
	ck_assert_uint_eq(cpuid_policy_xcr0(0x5), 0);
	ck_assert_uint_eq(cpuid_policy_xcr0(0x207), 0);     /* PKRU */
	ck_assert_uint_eq(cpuid_policy_xcr0(0x1f), 0);      /* MPX */
	ck_assert_uint_eq(cpuid_policy_xcr0(0x600e7), 0);   /* AMX */
	ck_assert_uint_eq(cpuid_policy_xcr0(0x27), 0);      /* part of AVX-512 */
	ck_assert_uint_eq(cpuid_policy_xcr0(0xe3), 0);      /* AVX-512 without YMM */
	/* Unusable as a whole: no leaf 1 XSAVE, an empty leaf 0xd. */
	uint32_t r[4] = { ~0u, ~0u, ~0u, ~0u };
	const struct cpuid_xstate pkru = { 0x2e7, 2696, 2440, 1 };
	cpuid_policy_apply(&pkru, 0xd, 0, r);
	ck_assert(!r[0] && !r[1] && !r[2] && !r[3]);
	r[0] = r[1] = r[2] = r[3] = ~0u;
	cpuid_policy_apply(&pkru, 1, 0, r);
	ck_assert_uint_eq(r[2] & (0xfu << 26), 0);
}
END_TEST

START_TEST(ud_elsewhere_stops)
{
	static const uint8_t almost[] = { 0x0f, 0x0b, 'x', 'e', 'm', 0x0f, 0xa2 };
	struct trap_frame f = insn_frame(X86_VEC_UD, KPAGE(4) + 10, almost, sizeof almost);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_uint_eq(g.st->stop_reason, CORE_STOP_FAULT);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, "#UD"));
	ck_assert_uint_eq(g.st->stop_frame.rip, KPAGE(4) + 10);

	/* The prefix cut off by an unreadable page. */
	teardown();
	setup();
	uint64_t rip = KPAGE(P_SUPER) - 4;
	memcpy(fake_guest_page(&g, PFN_OF(P_RO)) + FG_PAGE - 4, FORCED_CPUID, 4);
	f = insn_frame(X86_VEC_UD, rip, NULL, 0);
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_uint_eq(g.st->stop_frame.rip, rip);

	/* Good prefix from guest user mode: Xen emulates it there too (it
	 * would #GP only with CPUID faulting on, which is never offered). */
	teardown();
	setup();
	g.st->vcpu[0].kernel_mode = 0;
	f = insn_frame(X86_VEC_UD, KPAGE(4), FORCED_CPUID, sizeof FORCED_CPUID);
	f.rax = 0;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_RESUME);
	ck_assert_uint_eq(f.rip, KPAGE(4) + sizeof FORCED_CPUID);
	uint32_t r[4];
	cpuid_for_guest(&g.core, 0, 0, r);
	ck_assert_uint_eq(f.rbx, r[1]);
	ck_assert_uint_eq(f.rdx, r[3]);
}
END_TEST

/* ---- exceptions without a handler ---------------------------------------- */

START_TEST(page_fault_stops)
{
	struct trap_frame f = insn_frame(X86_VEC_PF, KPAGE(4) + 0x33, NULL, 0);
	f.error_code = 6;
	g.st->vcpu[0].cr2 = 0xdeadbeef000ULL;
	ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
	ck_assert_uint_eq(g.st->stop_reason, CORE_STOP_FAULT);
	ck_assert_int_eq(memcmp(&g.st->stop_frame, &f, sizeof f), 0);
	ck_assert_msg(strstr(g.st->stop_message, "page fault") &&
		      strstr(g.st->stop_message, "0xdeadbeef000"),
		      "message: %s", g.st->stop_message);
	char rip[32];
	snprintf(rip, sizeof rip, "%#llx", (unsigned long long)f.rip);
	ck_assert_ptr_nonnull(strstr(g.st->stop_message, rip));
	ck_assert_uint_eq(g.st->stats.traps[X86_VEC_PF], 1);
}
END_TEST

START_TEST(other_vectors_stop)
{
	static const uint64_t vectors[] = { 0, 1, 3, 8, 17, 18, 21, 22, 31, 32, 255, 257, ~0ULL };
	for (unsigned i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		teardown();
		setup();
		struct trap_frame f = insn_frame(0, KPAGE(5) + 7, NULL, 0);
		f.vector = vectors[i];
		f.error_code = 0x18;
		ck_assert_int_eq(core_handle_trap(&g.core, &f), CORE_STOP);
		ck_assert_uint_eq(g.st->stop_reason, CORE_STOP_FAULT);
		ck_assert_int_eq(memcmp(&g.st->stop_frame, &f, sizeof f), 0);
		ck_assert_uint_gt(strlen(g.st->stop_message), 0);
		ck_assert_uint_lt(strlen(g.st->stop_message), sizeof g.st->stop_message);
		char vec[32];
		snprintf(vec, sizeof vec, "vector %lu", (unsigned long)vectors[i]);
		ck_assert_msg(strstr(g.st->stop_message, vec), "message: %s",
			      g.st->stop_message);
		if (vectors[i] < CORE_NR_VECTORS)
			ck_assert_uint_eq(g.st->stats.traps[vectors[i]], 1);
	}
}
END_TEST

/* ---- core_format --------------------------------------------------------- */

/* The C library's answer, through a va_list so that the compiler does
 * not warn about the truncation these tests ask for. */
static int __attribute__((format(printf, 3, 4)))
libc_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* core_format and the C library agree on the buffer and the length. */
#define CHECK_FORMAT(size, ...) do { \
	char want_[512], got_[512]; \
	memset(got_, 0x55, sizeof got_); \
	int n_ = libc_format(want_, (size), __VA_ARGS__); \
	size_t m_ = core_format((size) ? got_ : NULL, (size), __VA_ARGS__); \
	ck_assert_uint_eq(m_, (size_t)n_); \
	if ((size) > 0) \
		ck_assert_str_eq(got_, want_); \
	if ((size) < sizeof got_) \
		ck_assert_uint_eq((uint8_t)got_[(size)], 0x55); \
} while (0)

START_TEST(format_conversions)
{
	int x = 0;
	CHECK_FORMAT(256, "%s|%d|%u|%x|%c|%%", "abc", -42, 4000000000u, 0xbeefu, 'Z');
	CHECK_FORMAT(256, "%d %d %d", INT_MIN, INT_MAX, 0);
	CHECK_FORMAT(256, "%ld %ld %lu", LONG_MIN, LONG_MAX, ULONG_MAX);
	CHECK_FORMAT(256, "%#lx %#x %#llx", 0xffffffff80000000UL, 0x1bu, 0x123456789abcULL);
	CHECK_FORMAT(256, "%016lx|%08x|%02x|%016lx", 0xabcUL, 0xdeadu, 0xfu, ~0UL);
	CHECK_FORMAT(256, "%#018lx|%5d|%05d|%5u", 0xffffUL, -42, -42, 7u);
	CHECK_FORMAT(256, "%p", (void *)&x);
	CHECK_FORMAT(256, "%lu %llx", 18446744073709551615UL, 0ULL);
	CHECK_FORMAT(256, "no conversions at all");
	CHECK_FORMAT(256, "%s", "");
}
END_TEST

START_TEST(format_truncates)
{
	for (size_t size = 0; size < 40; size++) {
		CHECK_FORMAT(size, "rip %#lx code %d: %s", 0xffffffff81000000UL, -14,
			     "a page fault");
		CHECK_FORMAT(size, "%016lx", 0x1234UL);
	}
	char buf[8];
	ck_assert_uint_eq(core_format(buf, sizeof buf, "hello world"), 11);
	ck_assert_str_eq(buf, "hello w");
	ck_assert_uint_eq(core_format(buf, 1, "hello"), 5);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(format_hostile)
{
	char buf[64];
	/* A NULL string, and formats that end in the middle of a conversion. */
	const char *volatile nothing = NULL;
	core_format(buf, sizeof buf, "%s", nothing);
	ck_assert_str_eq(buf, "(null)");
	static const char *const odd[] = { "%", "x%", "%#", "%0", "%5", "%l", "%#08l" };
	for (unsigned i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		size_t n = core_format(buf, sizeof buf, odd[i], 0);
		ck_assert_uint_eq(n, strlen(buf));
		ck_assert_uint_lt(n, sizeof buf);
	}
	/* A width far larger than the buffer. */
	size_t n = core_format(buf, sizeof buf, "%999x|", 1u);
	ck_assert_uint_eq(n, 1000);
	ck_assert_uint_eq(strlen(buf), sizeof buf - 1);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	struct { const char *name; const TTest *tests[16]; } cases[] = {
		{ "guest_access", { copy_reads_across_pages, copy_writes_across_pages,
			copy_respects_leaf_permissions, copy_respects_upper_levels,
			copy_refuses_xen_hole, copy_refuses_non_canonical,
			copy_refuses_wrap_past_top, copy_refuses_bad_cr3 } },
		{ "syscall", { syscall_host_path, syscall_guest_path,
			syscall_arguments_in_abi_registers, syscall_from_user_mode_stops,
			ud_next_to_trampoline_is_not_a_syscall } },
		{ "xen_version", { xen_version_numbers, xen_version_strings,
			xen_version_string_wrapping, xen_version_structs,
			xen_version_features } },
		{ "console_io", { console_write, console_write_limit,
			console_write_bad_buffer, console_write_wrapping_buffer,
			console_other_commands } },
		{ "sched_op", { sched_yield, sched_shutdown_bad_arguments } },
		{ "trace", { hypercall_trace_only_when_asked, hypercall_trace_line_format,
			trace_entries_name_the_cause, departures_counted_and_named_once } },
		{ "enosys", { enosys_logged_once_per_number, enosys_out_of_range,
			hypercall_direct } },
		{ "control_ops", { control_ops_refused } },
		{ "gp", { wrmsr_segment_bases, wrmsr_refused, rdmsr_refused, ucode_rev_msr_as_xen,
			  msrs_as_xen_answers,
			gp_elsewhere_stops, gp_from_user_mode_stops } },
		{ "ud", { forced_cpuid_hypervisor_leaves, forced_cpuid_policy,
			forced_cpuid_osxsave_follows_cr4, xcr0_offerable,
			ud_elsewhere_stops } },
		{ "faults", { page_fault_stops, other_vectors_stop } },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		for (unsigned k = 0; cases[i].tests[k]; k++)
			tcase_add_test(tc, cases[i].tests[k]);
		if (!strcmp(cases[i].name, "sched_op"))
			tcase_add_loop_test(tc, sched_shutdown_stops, 0,
					    sizeof stop_reasons / sizeof stop_reasons[0]);
		if (!strcmp(cases[i].name, "ud")) {
			tcase_add_loop_test(tc, plain_cpuid_table_policy, 0,
					    sizeof xcr0s / sizeof xcr0s[0]);
			tcase_add_loop_test(tc, forced_cpuid_xstate, 0,
					    sizeof xcr0s / sizeof xcr0s[0]);
		}
		suite_add_tcase(s, tc);
	}
	TCase *fmt = tcase_create("format");
	tcase_add_test(fmt, format_conversions);
	tcase_add_test(fmt, format_truncates);
	tcase_add_test(fmt, format_hostile);
	suite_add_tcase(s, fmt);
	return s;
}

int main(void)
{
	return check_run(core_suite());
}
