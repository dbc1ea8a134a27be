/*
 * privops: privileged instructions as Xen's PV emulation runs them for a
 * 64-bit domU.
 *
 *   - `mov` to and from %dr0-%dr7 in guest kernel mode: values round-trip
 *     and agree with HYPERVISOR_get_debugreg; a breakpoint in Xen's hole,
 *     DR7.GD, an I/O breakpoint without CR4.DE, a set upper half of DR6
 *     give #GP(0); DR8 #UD; DR4/DR5 alias DR6/DR7; with CR4.DE (when
 *     CPUID offers DE) DR4 is #UD and an I/O breakpoint is taken;
 *   - `mov` to and from %cr4: the bits the guest controls stick, PGE and
 *     PAE's absence are dropped without a fault;
 *   - rdmsr/wrmsr of the MSRs Xen answers (PLATFORM_INFO, PAT, EFER,
 *     APIC_BASE, MISC_FEATURES_ENABLES, the TSC) and #GP(0) for DEBUGCTL;
 *   - from guest user mode: forced-emulation CPUID answered, `mov %dr7`
 *     and rdmsr #GP(0);
 *   - I/O privilege: `cli` from the kernel needs IOPL 1, from user mode
 *     IOPL 3 (#GP(0) otherwise); with VMASST_TYPE_architectural_iopl the
 *     kernel may always, iret loads the IOPL from its rflags and the
 *     frames of later traps show it.
 *
 *   xt.step=breakpoint  instead: a dr0 instruction breakpoint on a
 *                       function it then calls; SUCCESS when its #DB
 *                       arrives with DR6.B0 set, SKIP (saying so) when
 *                       none does, as on hosts whose KVM never loads debug
 *                       registers for CPL3 code.
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/errno.h>
#include <xen/physdev.h>

#include "cmdline.h"
#include "hypercall.h"
#include "libc.h"
#include "pv_mmu.h"
#include "pvclock.h"
#include "test.h"
#include "trap_entry.h"
#include "privops-guest.h"

const char test_title[] = "privileged instructions, debug registers and I/O privilege";

#define VEC_DB 1
#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14
#define RFLAGS_IOPL 0x3000UL
#define CR4_DE  0x8UL
#define CR4_PGE 0x80UL
#define HOLE_VA 0xffff800000001000UL

__asm__(".pushsection .text\n"
	TRAP_STUB(handler_db, 1, 0)
	TRAP_STUB(handler_ud, 6, 0)
	TRAP_STUB(handler_gp, 13, 1)
	TRAP_STUB(handler_pf, 14, 1)
	".popsection\n");
extern const char handler_db[], handler_ud[], handler_gp[], handler_pf[];

static const struct trap_info table[] = {
	{ VEC_DB, 0, FLAT_KERNEL_CS, (unsigned long)handler_db },
	{ VEC_UD, 0, FLAT_KERNEL_CS, (unsigned long)handler_ud },
	{ VEC_GP, 0, FLAT_KERNEL_CS, (unsigned long)handler_gp },
	{ VEC_PF, 0, FLAT_KERNEL_CS, (unsigned long)handler_pf },
	{ 0, 0, 0, 0 },
};

static uint8_t kernel_stack[16384] __attribute__((aligned(16)));
static uint8_t user_stack[8192] __attribute__((aligned(16)));

/* The last fault: its vector, error code, rip and the rflags its frame
 * showed; the handler resumes after the faulting instruction. */
static unsigned nr_faults, nr_db;
static uint64_t fault_vector, fault_error, fault_rip, fault_rflags, db_dr6, db_rip;

static long hypercall(unsigned nr, unsigned long a1, unsigned long a2)
{
	return hypercall_via_page(nr, a1, a2, 0, 0, 0);
}

/* The length of the instructions these tests let fault. */
static unsigned insn_length(const uint8_t *p)
{
	if (p[0] == 0x44)                       /* REX.R: dr8 */
		return p[1] == 0x0f && p[2] >= 0x20 && p[2] <= 0x23 ? 4 : 0;
	if (p[0] == 0xfa || p[0] == 0xfb)
		return 1;                       /* cli, sti */
	if (p[0] == 0x0f && (p[1] == 0x30 || p[1] == 0x32))
		return 2;                       /* wrmsr, rdmsr */
	if (p[0] == 0x0f && p[1] >= 0x20 && p[1] <= 0x23)
		return 3;                       /* mov cr/dr with rax */
	return 0;
}

static void on_trap(struct trap_stack *s)
{
	unsigned at = trap_rip_slot(s);
	if (s->vector == VEC_DB) {
		/* An instruction breakpoint is a fault: drop it before going
		 * back to the instruction. */
		nr_db++;
		db_rip = s->frame[at];
		db_dr6 = (uint64_t)hypercall(__HYPERVISOR_get_debugreg, 6, 0);
		hypercall(__HYPERVISOR_set_debugreg, 7, 0);
		return;
	}
	nr_faults++;
	fault_vector = s->vector;
	fault_error = s->has_error ? s->frame[2] : ~0UL;
	fault_rip = s->frame[at];
	fault_rflags = s->frame[at + 2];
	unsigned len = insn_length((const uint8_t *)fault_rip);
	require(len, "fault %lu at rip 0x%lx, not at an instruction of the tests",
		fault_vector, fault_rip);
	s->frame[at] += len;
}

/* Each of these runs one instruction with fixed registers (so that a
 * fault's handler knows its length) and returns rax, untouched when the
 * instruction faulted. */
#define MOV_FROM_DR(n) ({                                                    \
	uint64_t v_ = 0xbadbadbadULL;                                        \
	__asm__ volatile("movq %%dr" #n ", %%rax" : "+a"(v_) :: "memory");   \
	v_; })
#define MOV_TO_DR(n, val)                                                    \
	__asm__ volatile("movq %%rax, %%dr" #n :: "a"((uint64_t)(val)) : "memory")

static uint64_t read_cr4(void)
{
	uint64_t v = 0xbadbadbadULL;
	__asm__ volatile("movq %%cr4, %%rax" : "+a"(v) :: "memory");
	return v;
}

static void write_cr4(uint64_t v)
{
	__asm__ volatile("movq %%rax, %%cr4" :: "a"(v) : "memory");
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo = 0xbad0bad0, hi = 0xbad1bad1;
	__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

static void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

/* Checks that the last statement raised exactly one vector fault (error
 * code 0 for #GP), or none (vector 0). */
#define check_raised(vector, what) do {                                      \
	if (vector)                                                          \
		check_msg(nr_faults == 1 && fault_vector == (vector) &&      \
			  fault_error == ((vector) == VEC_GP ? 0 : ~0UL),    \
			  "%s: %u faults, last vector %lu error 0x%lx", what,\
			  nr_faults, fault_vector, fault_error);             \
	else                                                                 \
		check_msg(nr_faults == 0, "%s: %u faults (vector %lu error " \
			  "0x%lx)", what, nr_faults, fault_vector, fault_error); \
	nr_faults = 0;                                                       \
} while (0)

/* DE as the guest's CPUID offers it (leaf 1 EDX bit 2). */
static int cpuid_has_de(void)
{
	uint32_t a = 1, b, c = 0, d;
	__asm__ volatile("ud2; .ascii \"xen\"; cpuid"
			 : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (d >> 2) & 1;
}

static void test_debug_registers(void)
{
	const uint64_t target = (uint64_t)breakpoint_target;
	check_eq(MOV_FROM_DR(6), 0xffff0ff0);
	check_eq(MOV_FROM_DR(7), 0x400);
	MOV_TO_DR(0, target);
	MOV_TO_DR(1, target + 1);
	MOV_TO_DR(2, target + 2);
	MOV_TO_DR(3, target + 3);
	check_raised(0, "mov to dr0-3");
	check_eq(MOV_FROM_DR(0), target);
	check_eq(MOV_FROM_DR(1), target + 1);
	check_eq(MOV_FROM_DR(2), target + 2);
	check_eq(MOV_FROM_DR(3), target + 3);
	check_eq(hypercall(__HYPERVISOR_get_debugreg, 3, 0), (long)(target + 3));
	/* Disabled breakpoints of every kind: taken, reserved bits forced. */
	MOV_TO_DR(7, 0xffff0000UL | 0xd800);
	check_raised(0, "mov to dr7, nothing enabled");
	check_eq(MOV_FROM_DR(7), 0xffff0400);
	check_eq(MOV_FROM_DR(5), 0xffff0400);     /* DR5 is DR7 without DE */
	MOV_TO_DR(4, 0x0000f00fUL);               /* DR4 is DR6 */
	check_eq(MOV_FROM_DR(6), 0xffffefff);
	MOV_TO_DR(7, 0);
	check_raised(0, "mov to dr4, dr7");

	MOV_TO_DR(0, HOLE_VA);
	check_raised(VEC_GP, "mov to dr0 of an address in Xen's hole");
	check_eq(MOV_FROM_DR(0), target);
	MOV_TO_DR(7, 0x2000);
	check_raised(VEC_GP, "mov to dr7 with GD");
	MOV_TO_DR(7, 0x00020002);
	check_raised(VEC_GP, "mov to dr7 enabling an I/O breakpoint without CR4.DE");
	MOV_TO_DR(6, 1UL << 32);
	check_raised(VEC_GP, "mov to dr6 with a set upper half");
	check_eq(MOV_FROM_DR(7), 0x400);
	__asm__ volatile("movq %%rax, %%dr8" :: "a"(0UL) : "memory");
	check_raised(VEC_UD, "mov to dr8");
	printk("privops: mov to/from dr0-7 as set_debugreg/get_debugreg; GD, hole "
	       "addresses, I/O breakpoints without DE, a set upper half #GP(0); dr8 #UD\n");

	if (!cpuid_has_de()) {
		write_cr4(read_cr4() | CR4_DE);
		check_eq(read_cr4() & CR4_DE, 0);
		printk("privops: CPUID offers no DE: CR4.DE stays clear\n");
		return;
	}
	uint64_t cr4 = read_cr4();
	write_cr4(cr4 | CR4_DE);
	check_eq(read_cr4(), cr4 | CR4_DE);
	(void)MOV_FROM_DR(4);
	check_raised(VEC_UD, "mov from dr4 with CR4.DE");
	MOV_TO_DR(5, 0);
	check_raised(VEC_UD, "mov to dr5 with CR4.DE");
	check_eq(hypercall(__HYPERVISOR_get_debugreg, 4, 0), -XEN_ENODEV);
	MOV_TO_DR(0, 0x80);
	MOV_TO_DR(7, 0x00020002);                 /* dr0: I/O breakpoint */
	check_raised(0, "mov to dr7 enabling an I/O breakpoint with CR4.DE");
	check_eq(MOV_FROM_DR(7), 0x00020402);
	MOV_TO_DR(7, 0);
	write_cr4(cr4);
	check_eq(read_cr4(), cr4);
	check_eq(MOV_FROM_DR(5), 0x400);
	check_raised(0, "CR4.DE cleared again");
	printk("privops: CR4.DE: dr4/dr5 #UD, an I/O breakpoint taken\n");
}

static void test_cr4(void)
{
	uint64_t cr4 = read_cr4();
	check_eq(cr4 & 0x620, 0x620);             /* PAE OSFXSR OSXMMEXCPT */
	write_cr4((cr4 | CR4_PGE | 0x4) & ~0x20UL); /* PGE, TSD; PAE cleared */
	check_raised(0, "mov to cr4");
	check_eq(read_cr4(), cr4 | 0x4);          /* TSD taken, the rest dropped */
	write_cr4(cr4);
	check_eq(read_cr4(), cr4);
	printk("privops: cr4 reads the guest's view; TSD taken, PGE and PAE dropped "
	       "without a fault\n");
}

static void test_msrs(void)
{
	check_eq(rdmsr(0xce), 0);                 /* PLATFORM_INFO */
	check_eq(rdmsr(0x140), 0);                /* MISC_FEATURES_ENABLES */
	check_eq(rdmsr(0x277), 0x050100070406UL); /* Xen's PAT */
	check_eq(rdmsr(0xc0000080), 0xd01);       /* EFER: SCE LME LMA NXE */
	check_eq(rdmsr(0x1b), 0xfee00900);        /* APIC_BASE of the BSP */
	uint64_t tsc0 = rdtsc(), tsc = rdmsr(0x10), tsc1 = rdtsc();
	check_msg(tsc0 <= tsc && tsc <= tsc1, "rdmsr TSC 0x%lx outside rdtsc's 0x%lx..0x%lx",
		  tsc, tsc0, tsc1);
	wrmsr(0xc0000080, 0xd01);
	wrmsr(0x140, 0);
	check_raised(0, "MSRs Xen answers");
	(void)rdmsr(0x1d9);
	check_raised(VEC_GP, "rdmsr DEBUGCTL");
	wrmsr(0x1d9, 0);
	check_raised(VEC_GP, "wrmsr DEBUGCTL");
	wrmsr(0x140, 1);
	check_raised(VEC_GP, "wrmsr MISC_FEATURES_ENABLES.CPUID_FAULTING");
	wrmsr(0xc0000080, 0x501);
	check_raised(VEC_GP, "wrmsr EFER changing it");
	printk("privops: rdmsr PLATFORM_INFO, PAT, EFER, APIC_BASE, TSC as Xen answers; "
	       "DEBUGCTL #GP(0)\n");
}

static long set_iopl(unsigned iopl)
{
	struct physdev_set_iopl s = { .iopl = iopl };
	return hypercall(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, (unsigned long)&s);
}

static long architectural_iopl(int on)
{
	return hypercall(__HYPERVISOR_vm_assist, on ? VMASST_CMD_enable : VMASST_CMD_disable,
			 VMASST_TYPE_architectural_iopl);
}

static uint64_t user_stack_top(void)
{
	return (uint64_t)user_stack + sizeof user_stack;
}

static void test_user_mode(void)
{
	uint32_t a = 0, b, c = 0, d;
	__asm__ volatile("ud2; .ascii \"xen\"; cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	user_syscall_rbx = user_syscall_r12 = user_syscall_r13 = 0;
	user_enter(user_forced_cpuid, user_stack_top());
	check_raised(0, "forced CPUID from user mode");
	check_eq(user_syscall_rbx, b);
	check_eq(user_syscall_r12, c);
	check_eq(user_syscall_r13, d);
	user_enter(user_rdmsr, user_stack_top());
	check_raised(VEC_GP, "rdmsr from user mode");
	printk("privops: user mode: forced CPUID answered, rdmsr #GP(0)\n");
}

/* user_cli_then_dr from user mode entered with rflags: whether its cli
 * faulted, and the IOPL the frame of its `mov %dr7` showed. */
static int user_cli_faults(uint64_t rflags, uint64_t *frame_iopl)
{
	user_enter_rflags(user_cli_then_dr, user_stack_top(), rflags);
	int cli_faulted = nr_faults == 2;
	check_msg(nr_faults == 1u + (unsigned)cli_faulted && fault_vector == VEC_GP && fault_error == 0,
		  "user cli, mov dr7: %u faults, last vector %lu error 0x%lx", nr_faults,
		  fault_vector, fault_error);
	*frame_iopl = fault_rflags & RFLAGS_IOPL;
	nr_faults = 0;
	return cli_faulted;
}

static void test_iopl(void)
{
	uint64_t iopl;
	check_eq(set_iopl(0), 0);
	cli();
	check_raised(VEC_GP, "kernel cli at IOPL 0");
	check_eq(user_cli_faults(0x202, &iopl), 1);
	check_eq(set_iopl(1), 0);
	cli();
	check_raised(0, "kernel cli at IOPL 1");
	check_eq(user_cli_faults(0x202, &iopl), 1);
	check_eq(set_iopl(3), 0);
	check_eq(user_cli_faults(0x202, &iopl), 0);
	check_eq(iopl, 0); /* frames show no IOPL without the assist */
	printk("privops: cli needs IOPL 1 in the kernel, 3 in user mode, else #GP(0)\n");

	check_eq(architectural_iopl(1), 0);
	check_eq(set_iopl(0), 0);
	cli();
	check_raised(0, "kernel cli at IOPL 0, architectural_iopl");
	/* iret loads the IOPL: user mode entered with IOPL 0 may not cli... */
	check_eq(user_cli_faults(0x202, &iopl), 1);
	check_eq(iopl, 0);
	/* ...with IOPL 3 it may, and the frame shows IOPL 3. */
	check_eq(user_cli_faults(0x3202, &iopl), 0);
	check_eq(iopl, RFLAGS_IOPL);
	/* A kernel-mode iret loads it too. */
	iret_with_rflags(0x1002);
	(void)MOV_FROM_DR(8);
	check_raised(VEC_UD, "mov from dr8");
	check_eq(fault_rflags & RFLAGS_IOPL, 0x1000);
	iret_with_rflags(0x0002);
	check_eq(architectural_iopl(0), 0);
	check_eq(set_iopl(0), 0);
	printk("privops: architectural_iopl: iret loads the IOPL, frames show it, the "
	       "kernel runs at its ring 0\n");
}

static void user_mode_setup(void)
{
	require(user_mode_prepare(kernel_stack + sizeof kernel_stack) == 0,
		"user tables, syscall callback and stack_switch for user mode");
}

/* Whether a dr0 instruction breakpoint fires at the guest's CPL3. */
static void test_breakpoint(void)
{
	const uint64_t target = (uint64_t)breakpoint_target;
	require(hypercall(__HYPERVISOR_set_debugreg, 0, target) == 0, "set dr0");
	require(hypercall(__HYPERVISOR_set_debugreg, 7, 0x1) == 0, "set dr7 (L0, execute)");
	breakpoint_target();
	hypercall(__HYPERVISOR_set_debugreg, 7, 0);
	if (nr_db == 0)
		test_skip("a dr0 instruction breakpoint did not fire at the guest's CPL3 "
			  "(this host's KVM does not load debug registers for CPL3 code)");
	check_eq(nr_db, 1);
	check_eq(db_rip, target);
	check_msg(db_dr6 & 1, "DR6 0x%lx: B0 clear", db_dr6);
	printk("privops: a dr0 instruction breakpoint fired with DR6.B0 set\n");
}

void test_main(void)
{
	trap_hook = on_trap;
	require(hypercall(__HYPERVISOR_set_trap_table, (unsigned long)table, 0) == 0,
		"set_trap_table");
	char step[16] = "";
	cmdline_str(test_cmdline(), "xt.step", step, sizeof step);
	if (!strcmp(step, "breakpoint")) {
		test_breakpoint();
		return;
	}
	user_mode_setup();
	test_debug_registers();
	test_cr4();
	test_msrs();
	test_user_mode();
	test_iopl();
}
