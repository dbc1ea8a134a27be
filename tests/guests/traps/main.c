/*
 * Guest traps the Xen way: a trap table, exceptions bounced to its
 * handlers with Xen's x86_64 frame on the kernel stack, iret back through
 * the hypercall page, software interrupts and their DPL, a nested trap
 * with events masked, and (when the guest can have user page tables) a
 * trip to guest user mode and back through an exception and a syscall.
 *
 * It also gives the guest a GDT of its own (set_gdt, update_descriptor).
 *
 *   (no option)        all of the above
 *   xt.step=unhandled  clears the trap table and divides by zero: the run
 *                      must end (it prints "traps: expect #DE at rip=0x..."
 *                      first)
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/errno.h>

#include "cmdline.h"
#include "hypercall.h"
#include "libc.h"
#include "test.h"
#include "traps-guest.h"

const char test_title[] = "trap table, exception bounces, iret, guest user mode";

#define RFLAGS_IF       0x200

static const struct trap_info table[] = {
	{ 0, 0, FLAT_KERNEL_CS, (unsigned long)handler_de },
	{ 1, 0, FLAT_KERNEL_CS, (unsigned long)handler_db },
	{ 3, 3, FLAT_KERNEL_CS, (unsigned long)handler_bp },
	{ 6, GATE_MASK_EVENTS, FLAT_KERNEL_CS, (unsigned long)handler_ud },
	{ 7, 0, FLAT_KERNEL_CS, (unsigned long)handler_nm },
	{ 13, 0, FLAT_KERNEL_CS, (unsigned long)handler_gp },
	{ 14, 0, FLAT_KERNEL_CS, (unsigned long)handler_pf },
	{ 0x80, 3, FLAT_KERNEL_CS, (unsigned long)handler_int80 },
	{ 0x81, 0, FLAT_KERNEL_CS, (unsigned long)handler_int81 },
	{ 0, 0, 0, 0 },
};

static uint8_t kernel_stack[16384] __attribute__((aligned(16)));
static uint8_t user_stack[8192] __attribute__((aligned(16)));
static uint8_t shared_info_va[4096] __attribute__((aligned(4096)));
static uint64_t gdt_page[512] __attribute__((aligned(4096)));
static uint64_t kernel_gs_word = 0x6b65726e656c4753ULL;
static uint64_t user_gs_word = 0x7573657247530000ULL;
uint64_t user_gs_word2 = 0x7573657247530002ULL;
uint64_t user_fs_word = 0x7573657246530000ULL;

static long set_trap_table(const struct trap_info *t)
{
	return hypercall_via_page(__HYPERVISOR_set_trap_table, (unsigned long)t, 0, 0, 0, 0);
}

static unsigned initial_mask;

static unsigned frame_mask(const struct trap_record *r)
{
	return (unsigned)(r->cs >> 32) & 0xff;
}

/* Checks what every bounce frame from guest kernel mode must show. */
static void check_kernel_frame(const char *what, const struct trap_record *r,
			       uint64_t rsp, unsigned mask)
{
	unsigned words = r->has_error ? 8 : 7;
	uint64_t top = r->frame_addr + words * 8;
	check_msg((r->cs & 0xffffffffULL) == KERNEL_FRAME_CS, "%s: cs 0x%lx", what, r->cs);
	check_msg(r->cs >> 40 == 0, "%s: cs high bits 0x%lx", what, r->cs);
	check_msg(frame_mask(r) == mask, "%s: saved upcall mask %u, expected %u", what,
		  frame_mask(r), mask);
	check_msg(!!(r->rflags & RFLAGS_IF) == !mask, "%s: rflags 0x%lx with mask %u",
		  what, r->rflags, mask);
	check_msg(r->rsp == rsp, "%s: frame rsp 0x%lx, was 0x%lx", what, r->rsp, rsp);
	check_msg(r->ss == FRAME_SS, "%s: ss 0x%lx", what, r->ss);
	check_msg(top % 16 == 0 && top <= rsp && rsp - top < 16,
		  "%s: frame at 0x%lx (%u words) for rsp 0x%lx", what, r->frame_addr,
		  words, rsp);
}

/* Faults at code with every register set; checks they all survive and
 * returns the one record the handler made. */
static const struct trap_record *run_probe(const char *what, const void *code)
{
	static uint64_t salt = 0x0123456789abcdefULL;
	salt = salt * 6364136223846793005ULL + 1442695040888963407ULL;
	for (int i = 0; i < NR_REGS; i++)
		probe_in[i] = salt ^ (0x1111111111111111ULL * (uint64_t)(i + 1));
	nr_records = 0;
	resume_at = (uint64_t)probe_resume;
	probe(code);
	for (int i = 0; i < NR_REGS; i++)
		check_msg(probe_out[i] == probe_in[i], "%s: register %d 0x%lx, was 0x%lx",
			  what, i, probe_out[i], probe_in[i]);
	check_msg(probe_rsp_after == probe_rsp_before, "%s: rsp 0x%lx, was 0x%lx", what,
		  probe_rsp_after, probe_rsp_before);
	require(nr_records >= 1, "%s: no handler ran", what);
	const struct trap_record *r = &records[0];
	check_msg(r->rcx == probe_in[R_RCX] && r->r11 == probe_in[R_R11],
		  "%s: frame rcx 0x%lx r11 0x%lx", what, r->rcx, r->r11);
	check_kernel_frame(what, r, probe_rsp_before, initial_mask);
	return r;
}

static void expect_trap(const char *what, const void *code, uint64_t vector,
			int has_error, uint64_t error, uint64_t rip)
{
	const struct trap_record *r = run_probe(what, code);
	check_msg(nr_records == 1, "%s: %u handlers ran", what, nr_records);
	check_msg(r->vector == vector, "%s: vector 0x%lx", what, r->vector);
	check_msg(r->has_error == (uint64_t)has_error, "%s: handler with%s error code",
		  what, r->has_error ? "" : "out");
	if (has_error)
		check_msg(r->error == error, "%s: error code 0x%lx, expected 0x%lx",
			  what, r->error, error);
	check_msg(r->rip == rip, "%s: rip 0x%lx, expected 0x%lx", what, r->rip, rip);
}

/* shared_info mapped over a page of our own, if the MMU hypercalls let
 * us; NULL otherwise. */
static struct shared_info *map_shared_info(void)
{
	uint64_t pte = boot_start_info->shared_info | 0x67; /* P RW US A D */
	long rc = hypercall_via_page(__HYPERVISOR_update_va_mapping,
				     (unsigned long)shared_info_va, pte, UVMF_INVLPG, 0, 0);
	if (rc) {
		printk("traps: shared_info not mapped (update_va_mapping: %ld): "
		       "cr2 in vcpu_info not checked\n", rc);
		return 0;
	}
	return (struct shared_info *)shared_info_va;
}

static void test_table_refused(void)
{
	static const struct trap_info noncanonical[] = {
		{ 5, 0, FLAT_KERNEL_CS, 0x8000000000000000UL }, { 0, 0, 0, 0 } };
	static const struct trap_info in_hole[] = {
		{ 5, 0, FLAT_KERNEL_CS, 0xffff800000001000UL }, { 0, 0, 0, 0 } };
	check_eq(set_trap_table(noncanonical), -XEN_EINVAL);
	check_eq(set_trap_table(in_hole), -XEN_EINVAL);
	check_eq(set_trap_table((const struct trap_info *)0x1000), -XEN_EFAULT);
}

static void test_exceptions(struct shared_info *si)
{
	expect_trap("#DE", snip_de, 0, 0, 0, (uint64_t)snip_de);
	expect_trap("#UD", snip_ud, 6, 0, 0, (uint64_t)snip_ud);
	expect_trap("#GP (cli)", snip_gp, 13, 1, 0, (uint64_t)snip_gp);
	expect_trap("#PF", snip_pf, 14, 1, 2 /* write, kernel mode */, (uint64_t)snip_pf);
	if (si)
		check_eq(si->vcpu_info[0].arch.cr2, PF_ADDRESS);
}

/* TF set by the guest: one #DB after the next instruction, the handler
 * itself not single-stepped (the bounce clears TF), the frame's rflags
 * showing TF. */
static void test_single_step(void)
{
	const struct trap_record *r = run_probe("#DB (single step)", snip_db);
	check_msg(nr_records == 1, "single step: %u handlers ran", nr_records);
	check_eq(r->vector, 1);
	check_eq(r->rip, (uint64_t)snip_db_after);
	check_msg(r->rflags & 0x100, "single step: frame rflags 0x%lx", r->rflags);
	check_msg(!(probe_rflags_after & 0x100), "TF still set after the iret: 0x%lx",
		  probe_rflags_after);
}

static void test_software_interrupts(void)
{
	expect_trap("int3", snip_int3, 3, 0, 0, (uint64_t)snip_int3 + 1);
	expect_trap("int $0x80 (DPL 3)", snip_int80, 0x80, 0, 0, (uint64_t)snip_int80 + 2);
	/* DPL 0: not for the guest; a #GP naming the IDT entry instead. */
	expect_trap("int $0x81 (DPL 0)", snip_int81, 13, 1, (0x81 << 3) | 2,
		    (uint64_t)snip_int81);
}

/* #UD's gate masks events: an int3 inside its handler sees the mask set,
 * and the iret puts the old mask back. */
static void test_nested_masked(void)
{
	nested_int3_in_ud = 1;
	run_probe("#UD with a nested int3", snip_ud);
	nested_int3_in_ud = 0;
	require(nr_records == 2, "nested: %u handlers ran", nr_records);
	const struct trap_record *r = &records[1];
	check_eq(records[0].vector, 6);
	check_eq(r->vector, 3);
	check_eq(r->depth, 2);
	check_eq(r->rip, (uint64_t)nested_int3_insn + 1);
	check_eq(r->cs & 0xffff, KERNEL_FRAME_CS);
	check_msg(frame_mask(r) == 1, "nested: saved mask %u inside a masking gate",
		  frame_mask(r));
	check_msg(!(r->rflags & RFLAGS_IF), "nested: rflags 0x%lx", r->rflags);
	expect_trap("#DE after the nested one", snip_de, 0, 0, 0, (uint64_t)snip_de);
}

static long fpu_taskswitch(int set)
{
	return hypercall_via_page(__HYPERVISOR_fpu_taskswitch, (unsigned long)set, 0, 0, 0, 0);
}

/*
 * A virtual CR0.TS makes the next SSE instruction raise #NM, once.  The
 * core sets the real CR0.TS for it; on hosts whose KVM runs CPL3 code
 * natively without the guest's CR0 (kvm-on-these-machines.md) no #NM
 * comes, and the guest says so instead.
 */
static void test_fpu_taskswitch(void)
{
	check_eq(fpu_taskswitch(1), 0);
	nr_records = 0;
	resume_at = (uint64_t)probe_resume;
	probe(snip_nm);
	if (nr_records == 0) {
		printk("traps: fpu_taskswitch: no #NM at CPL3 with CR0.TS set on "
		       "this host\n");
		check_eq(fpu_taskswitch(0), 0);
		return;
	}
	check_eq(records[0].vector, 7);
	check_eq(records[0].rip, (uint64_t)snip_nm);
	nr_records = 0;
	probe(snip_fpu_ok);
	check_msg(nr_records == 0, "SSE after the #NM: %u traps", nr_records);

	check_eq(fpu_taskswitch(1), 0);
	check_eq(fpu_taskswitch(0), 0);
	nr_records = 0;
	probe(snip_fpu_ok);
	check_msg(nr_records == 0, "SSE after fpu_taskswitch(0): %u traps", nr_records);
	printk("traps: fpu_taskswitch: #NM delivered once\n");
}

static void test_user_mode(void)
{
	uint64_t l4_pfn = (boot_start_info->pt_base - 0xffffffff80000000UL) >> 12;
	struct mmuext_op op = {
		.cmd = MMUEXT_NEW_USER_BASEPTR,
		.arg1.mfn = ((unsigned long *)boot_start_info->mfn_list)[l4_pfn],
	};
	long rc = hypercall_via_page(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0,
				     DOMID_SELF, 0);
	if (rc) {
		printk("traps: guest user mode not tested: MMUEXT_NEW_USER_BASEPTR "
		       "returned %ld\n", rc);
		return;
	}
	struct callback_register cb = {
		.type = CALLBACKTYPE_syscall, .address = (unsigned long)user_syscall_entry,
	};
	check_eq(hypercall_via_page(__HYPERVISOR_callback_op, CALLBACKOP_register,
				    (unsigned long)&cb, 0, 0, 0), 0);
	check_eq(hypercall_via_page(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
				    (unsigned long)kernel_stack + sizeof kernel_stack, 0, 0, 0), 0);
	check_eq(hypercall_via_page(__HYPERVISOR_set_segment_base, SEGBASE_GS_KERNEL,
				    (unsigned long)&kernel_gs_word, 0, 0, 0), 0);
	check_eq(hypercall_via_page(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER,
				    (unsigned long)&user_gs_word, 0, 0, 0), 0);

	uint64_t user_stack_top = (uint64_t)user_stack + sizeof user_stack;
	nr_records = 0;
	resume_at = (uint64_t)user_after_ud;
	user_enter(user_code, user_stack_top);
	uint64_t kernel_gs_read;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(kernel_gs_read));
	/* The user's GS base, as the core kept it when user mode ended. */
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000102u));
	uint64_t shadow_gs = (uint64_t)hi << 32 | lo;

	/* The #UD in user mode: on the stack_switch stack, user cs; then the
	 * one after user code's wrgsbase/wrfsbase. */
	require(nr_records == 2, "user mode: %u handlers ran", nr_records);
	check_eq(records[1].vector, 6);
	check_eq(records[1].cs & 0xffff, USER_FRAME_CS);
	const struct trap_record *r = &records[0];
	check_eq(r->vector, 6);
	check_eq(r->rip, (uint64_t)user_code);
	check_eq(r->cs & 0xffff, USER_FRAME_CS);
	check_eq(r->rsp, user_stack_top);
	check_eq(r->frame_addr + 7 * 8, (uint64_t)kernel_stack + sizeof kernel_stack);

	/* The syscall: rcx, r11, rip, cs, rflags, rsp, ss */
	check_eq(user_syscall_frame_addr + 7 * 8, (uint64_t)kernel_stack + sizeof kernel_stack);
	check_eq(user_syscall_frame[0], (uint64_t)user_after_syscall);
	/* Not answered as the hypercall it looks like (the trampoline's kernel
	 * entry is for guest kernel mode only). */
	check_eq(user_syscall_rax, 24);
	check_eq(user_syscall_frame[2], (uint64_t)user_after_syscall);
	check_eq(user_syscall_frame[3] & 0xffff, USER_FRAME_CS);
	check_eq(user_syscall_frame[5], user_stack_top);
	check_eq(user_syscall_frame[6], FRAME_SS);
	check_msg(user_syscall_rbx == user_gs_word, "user mode read 0x%lx at %%gs:0",
		  user_syscall_rbx);
	check_msg(kernel_gs_read == kernel_gs_word, "kernel mode read 0x%lx at %%gs:0",
		  kernel_gs_read);
	check_msg(user_syscall_r12 == user_gs_word2, "after its wrgsbase and a trap, user "
		  "mode read 0x%lx at %%gs:0", user_syscall_r12);
	check_msg(user_syscall_r13 == user_fs_word, "after its wrfsbase and a trap, user "
		  "mode read 0x%lx at %%fs:0", user_syscall_r13);
	check_msg(shadow_gs == (uint64_t)&user_gs_word2, "rdmsr(SHADOW_GS_BASE) "
		  "in kernel mode: 0x%lx, user mode's wrgsbase set 0x%lx", shadow_gs,
		  (unsigned long)&user_gs_word2);
	printk("traps: guest user mode round trip done\n");
	if (user_syscall_r12 == user_gs_word2 && user_syscall_r13 == user_fs_word)
		printk("traps: user-mode wrgsbase/wrfsbase survive a trap and a syscall "
		       "(the CPU runs them at CPL3 although CPUID hides FSGSBASE)\n");
}

static unsigned long mfn_of(const void *va)
{
	uint64_t pfn = ((uint64_t)va - 0xffffffff80000000UL) >> 12;
	return ((unsigned long *)boot_start_info->mfn_list)[pfn];
}

/* A GDT of the guest's own, read-only as Xen wants it, one descriptor
 * rewritten through the hypervisor. */
static void test_gdt(void)
{
	static const uint64_t linux_like[8] = {
		0, 0x00cf9b000000ffffULL, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL,
		0x00cffb000000ffffULL, 0x00cff3000000ffffULL, 0x00affb000000ffffULL, 0,
	};
	const uint64_t tls = 0x00cff3000000ffffULL | (0x345678ULL << 16) | (0x12ULL << 56);
	memcpy(gdt_page, linux_like, sizeof linux_like);
	unsigned long mfn = mfn_of(gdt_page);
	check_eq(hypercall_via_page(__HYPERVISOR_update_va_mapping, (unsigned long)gdt_page,
				    ((uint64_t)mfn << 12) | 0x25 /* P US A */, UVMF_INVLPG,
				    0, 0), 0);
	check_eq(hypercall_via_page(__HYPERVISOR_set_gdt, (unsigned long)&mfn, 16, 0, 0, 0), 0);
	check_eq(hypercall_via_page(__HYPERVISOR_set_gdt, (unsigned long)&mfn, 14 * 512 + 1,
				    0, 0, 0), -XEN_EINVAL);

	uint64_t at = ((uint64_t)mfn << 12) + 12 * 8;
	check_eq(hypercall_via_page(__HYPERVISOR_update_descriptor, at, tls, 0, 0, 0), 0);
	check_eq(gdt_page[12], tls);
	check_eq(hypercall_via_page(__HYPERVISOR_update_descriptor, at + 4, tls, 0, 0, 0),
		 -XEN_EINVAL);
	check_eq(hypercall_via_page(__HYPERVISOR_update_descriptor, at,
				    0x0000890000000067ULL /* a TSS */, 0, 0, 0), -XEN_EINVAL);
	uint64_t l4 = (uint64_t)mfn_of((const void *)boot_start_info->pt_base) << 12;
	check_eq(hypercall_via_page(__HYPERVISOR_update_descriptor, l4 + 8 * 300, 0, 0, 0, 0),
		 -XEN_EINVAL);
	check_eq(gdt_page[12], tls);
}

/* An event upcall pending and unmasked goes to the event callback on the
 * way back from any hypercall, as Linux relies on to flush its events. */
static void test_event_upcall(struct shared_info *si)
{
	if (!si)
		return;
	struct vcpu_info *vi = &si->vcpu_info[0];
	struct callback_register cb = {
		.type = CALLBACKTYPE_event, .address = (unsigned long)handler_event,
	};
	check_eq(hypercall_via_page(__HYPERVISOR_callback_op, CALLBACKOP_register,
				    (unsigned long)&cb, 0, 0, 0), 0);
	long version = HYPERVISOR_xen_version(XENVER_version, 0);
	upcall_pending = &vi->evtchn_upcall_pending;
	resume_at = 0;

	nr_records = 0;
	vi->evtchn_upcall_mask = 1;
	vi->evtchn_upcall_pending = 1;
	check_eq(HYPERVISOR_xen_version(XENVER_version, 0), version);
	check_msg(nr_records == 0, "masked: %u upcalls", nr_records);

	vi->evtchn_upcall_mask = 0;
	check_eq(HYPERVISOR_xen_version(XENVER_version, 0), version);
	require(nr_records == 1, "unmasked: %u upcalls", nr_records);
	const struct trap_record *r = &records[0];
	check_eq(r->vector, EVENT_VECTOR);
	check_eq(r->cs, KERNEL_FRAME_CS);         /* mask 0 when it came */
	check(r->rflags & RFLAGS_IF);
	check_eq(vi->evtchn_upcall_pending, 0);
	check_eq(vi->evtchn_upcall_mask, 0);      /* the iret unmasked again */
	upcall_pending = 0;
	printk("traps: event upcall delivered\n");
}

static void unhandled(void)
{
	check_eq(set_trap_table(0), 0);
	printk("traps: expect #DE at rip=0x%lx\n", (unsigned long)snip_de);
	probe(snip_de);
	check_msg(false, "#DE without a handler did not end the run");
}

void test_main(void)
{
	char step[32] = "";
	cmdline_str(test_cmdline(), "xt.step", step, sizeof step);

	trap_hook = trap_record;
	require(set_trap_table(table) == 0, "set_trap_table refused the table");
	if (!strcmp(step, "unhandled"))
		unhandled();

	struct shared_info *si = map_shared_info();
	/* The mask events start with, as the first bounce shows it. */
	nr_records = 0;
	resume_at = (uint64_t)probe_resume;
	probe(snip_int3);
	require(nr_records == 1, "int3: %u handlers ran", nr_records);
	initial_mask = frame_mask(&records[0]);
	if (si)
		check_eq(si->vcpu_info[0].evtchn_upcall_mask, initial_mask);
	printk("traps: event upcall mask %u\n", initial_mask);

	test_table_refused();
	test_exceptions(si);
	test_software_interrupts();
	test_single_step();
	test_nested_masked();
	test_fpu_taskswitch();
	test_gdt();
	test_event_upcall(si);
	test_user_mode();
}
