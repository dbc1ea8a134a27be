/*
 * abi: Xen's x86_64 PV ABI where guests other than Linux lean on it, as
 * Xen's own test guests do.
 *
 *   - Xen's flat selectors, from its reserved GDT page: FLAT_KERNEL_DS
 *     (FLAT_RING3_DS32, 0xe02b) loads into %ds, %es, %fs, %gs and %ss and
 *     reads memory through each; a far return to FLAT_RING3_CS64 (0xe033)
 *     runs on; Xen's ring 0 selectors, an empty entry and one past the
 *     table's limit give #GP with the selector as error code;
 *   - iret to guest user mode on FLAT_RING3_CS64/SS, user code loading
 *     FLAT_RING3_DS32 itself, and back through the syscall callback;
 *   - MMUEXT_SET_LDT: an LDT's selectors load (a DPL 0 entry as DPL 3, as
 *     Xen fixes it up), a call gate to ring 0 in it and a selector past its
 *     end give #GP, and with the LDT dropped its selectors do too;
 *   - set_gdt: the guest's own descriptors load at any index below Xen's
 *     reserved ones (a DPL 0 one as DPL 3), a far return to its own 64-bit
 *     code selector runs on, an empty entry gives #GP; the frame cannot be
 *     mapped writable while it is the GDT (-EBUSY), update_descriptor
 *     changes what loads, and an empty GDT lets the frame go;
 *   - HYPERVISOR_iret to a rip in Xen's hole: a #PF there, in the guest;
 *   - an iret entry in a multicall: the entries before it run, it
 *     returns where its frame says with its %rax, the rest do not run;
 *   - update_descriptor: a DPL 0 data segment stored as DPL 3, a call
 *     gate stored with DPL 0 and its DPL in the target's RPL, a call gate
 *     to Xen's ring 0 code segment refused with -EINVAL;
 *   - the syscall32 and sysenter callbacks registered (and, like every
 *     callback but NMI, not unregistered);
 *   - sysctl and domctl refused with -EPERM (-EACCES for another interface
 *     version), MMUEXT_MARK_SUPER/UNMARK_SUPER with -EOPNOTSUPP, an empty
 *     MMUEXT_SET_LDT taken.
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/errno.h>
#include <xen/version.h>

#include "hypercall.h"
#include "pv_mmu.h"
#include "test.h"
#include "trap_entry.h"
#include "abi-guest.h"

const char test_title[] = "Xen's descriptor tables, callbacks and refusals";

#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14
/* In Xen's hole (PML4 slot 257, where Xen keeps its own mappings too):
 * nothing the guest may run. */
#define HOLE_RIP 0xffff808000001000UL
#define XEN_RING0_CS  0xe008
#define XEN_RING0_DS  0xe010
#define XEN_EMPTY_SEL 0xe018
#define PAST_LIMIT    0xf000 /* Xen's GDT ends with its reserved page */
#define SEL_ERROR_MASK 0xfffc /* a #GP's error code: the selector but its RPL */
#define LDT_SEL(i)    ((i) << 3 | 4 | 3)
/* Xen 4.17's <xen/sysctl.h> and <xen/domctl.h> (tools-only headers). */
#define SYSCTL_VERSION 0x15
#define SYSCTL_physinfo 3
#define DOMCTL_VERSION 0x15
#define DOMCTL_getdomaininfo 5
#define SELF_DOMID 1

__asm__(".pushsection .text\n"
	TRAP_STUB(handler_ud, 6, 0)
	TRAP_STUB(handler_gp, 13, 1)
	TRAP_STUB(handler_pf, 14, 1)
	".popsection\n");
extern const char handler_ud[], handler_gp[], handler_pf[];

static const struct trap_info table[] = {
	{ VEC_UD, 0, FLAT_KERNEL_CS, (unsigned long)handler_ud },
	{ VEC_GP, 0, FLAT_KERNEL_CS, (unsigned long)handler_gp },
	{ VEC_PF, 0, FLAT_KERNEL_CS, (unsigned long)handler_pf },
	{ 0, 0, 0, 0 },
};

static uint8_t kernel_stack[16384] __attribute__((aligned(16)));
static uint8_t user_stack[8192] __attribute__((aligned(16)));
static uint64_t desc_page[512] __attribute__((aligned(4096)));
static uint64_t ldt_page[512] __attribute__((aligned(4096)));
static uint64_t gdt_page[512] __attribute__((aligned(4096)));
static uint64_t word = 0x666c61745f647300ULL;

/* The last trap: its vector and error code; where it resumes. */
static unsigned nr_faults;
static uint64_t fault_vector, fault_error, fault_rip, resume_at;

static void record_fault(struct trap_stack *s)
{
	nr_faults++;
	fault_vector = s->vector;
	fault_error = s->has_error ? s->frame[2] : 0;
	fault_rip = s->frame[trap_rip_slot(s)];
	s->frame[trap_rip_slot(s)] = resume_at;
}

static long hypercall(unsigned nr, unsigned long a1, unsigned long a2)
{
	return hypercall_via_page(nr, a1, a2, 0, 0, 0);
}

static const struct {
	const char *name;
	uint64_t (*probe)(uint64_t sel, const uint64_t *p);
} segments[] = {
	{ "ds", probe_ds }, { "es", probe_es }, { "fs", probe_fs },
	{ "gs", probe_gs }, { "ss", probe_ss },
};

static void test_data_selectors(void)
{
	static const uint16_t refused[] = { XEN_RING0_DS, XEN_RING0_CS, XEN_EMPTY_SEL,
					    PAST_LIMIT };
	resume_at = (uint64_t)probe_faulted;
	for (unsigned i = 0; i < sizeof segments / sizeof segments[0]; i++) {
		nr_faults = 0;
		uint64_t got = segments[i].probe(FLAT_KERNEL_DS32, &word);
		check_msg(got == word && nr_faults == 0, "%%%s = 0xe02b: read 0x%lx, %u "
			  "faults (vector %lu error 0x%lx)", segments[i].name, got,
			  nr_faults, fault_vector, fault_error);
		for (unsigned k = 0; k < sizeof refused / sizeof refused[0]; k++) {
			nr_faults = 0;
			got = segments[i].probe(refused[k], &word);
			check_msg(got == PROBE_FAULTED && nr_faults == 1 &&
				  fault_vector == VEC_GP &&
				  fault_error == (refused[k] & SEL_ERROR_MASK),
				  "%%%s = 0x%x: read 0x%lx, %u faults, vector %lu error "
				  "0x%lx", segments[i].name, refused[k], got, nr_faults,
				  fault_vector, fault_error);
		}
	}
	/* Not checked: these hosts' KVM shows its own selector (a platform
	 * limit guest-abi.sh reports). */
	printk("abi: %%ds loaded with 0xe02b reads back as 0x%lx\n",
	       read_back_ds(FLAT_KERNEL_DS32));
	printk("abi: FLAT_KERNEL_DS loads into ds es fs gs ss; Xen's ring 0, empty "
	       "and past-the-limit selectors give #GP(selector)\n");
}

static void test_code_selectors(void)
{
	resume_at = (uint64_t)far_faulted;
	nr_faults = 0;
	check_msg(far_return_via(FLAT_RING3_CS64) == 1 && nr_faults == 0,
		  "far return to 0xe033: %u faults (vector %lu error 0x%lx)", nr_faults,
		  fault_vector, fault_error);
	static const uint16_t refused[] = { XEN_RING0_CS, FLAT_RING3_DS32 };
	for (unsigned k = 0; k < sizeof refused / sizeof refused[0]; k++) {
		nr_faults = 0;
		uint64_t ok = far_return_via(refused[k]);
		check_msg(!ok && nr_faults == 1 && fault_vector == VEC_GP &&
			  fault_error == (refused[k] & SEL_ERROR_MASK), "far return to 0x%x: %lu, %u faults, "
			  "vector %lu error 0x%lx", refused[k], ok, nr_faults, fault_vector,
			  fault_error);
	}
	printk("abi: far return to FLAT_RING3_CS64 runs on; to ring 0 or data "
	       "selectors #GP(selector)\n");
}

static void test_user_mode_on_flat_selectors(void)
{
	require(user_mode_prepare(kernel_stack + sizeof kernel_stack) == 0,
		"user tables, syscall callback and stack_switch for user mode");
	resume_at = 0;
	nr_faults = 0;
	user_syscall_rbx = 0;
	user_enter_selectors(user_code, (uint64_t)user_stack + sizeof user_stack,
			     FLAT_RING3_CS64, FLAT_RING3_SS64);
	check_msg(nr_faults == 0, "user mode: %u faults (vector %lu error 0x%lx)",
		  nr_faults, fault_vector, fault_error);
	check_msg(user_syscall_rbx == user_word, "user mode read 0x%lx through "
		  "FLAT_RING3_DS32", user_syscall_rbx);
	check_eq(user_syscall_frame[3] & 0xffff, FLAT_RING3_CS64);
	check_eq(user_syscall_frame[6] & 0xffff, FLAT_RING3_SS64);
	printk("abi: iret to user mode on FLAT_RING3_CS64/SS64 and back by syscall\n");
}

static long set_ldt(const void *base, unsigned nr_ents)
{
	struct mmuext_op op = {
		.cmd = MMUEXT_SET_LDT, .arg1.linear_addr = (unsigned long)base,
		.arg2.nr_ents = nr_ents,
	};
	return hypercall_via_page(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0,
				  DOMID_SELF, 0);
}

/* Loads sel into %ds and reads word through it: checks that it loads, or
 * that it gives #GP(sel). */
static void check_ldt_load(uint16_t sel, int loads, const char *what)
{
	nr_faults = 0;
	uint64_t got = probe_ds(sel, &word);
	if (loads)
		check_msg(got == word && nr_faults == 0, "%s: %%ds = 0x%x read 0x%lx, %u "
			  "faults (vector %lu error 0x%lx)", what, sel, got, nr_faults,
			  fault_vector, fault_error);
	else
		check_msg(got == PROBE_FAULTED && nr_faults == 1 && fault_vector == VEC_GP &&
			  fault_error == (sel & SEL_ERROR_MASK), "%s: %%ds = 0x%x read 0x%lx, "
			  "%u faults (vector %lu error 0x%lx)", what, sel, got, nr_faults,
			  fault_vector, fault_error);
}

static void test_ldt(void)
{
	ldt_page[1] = 0x00cff2000000ffffULL; /* DPL 3 data */
	ldt_page[2] = 0x00cf92000000ffffULL; /* DPL 0 data: Xen makes it DPL 3 */
	ldt_page[3] = 0x0000ec00e0080000ULL; /* call gate to Xen's ring 0 cs */
	/* Xen uses an LDT page only while nothing maps it writable. */
	check_eq(update_va(ldt_page, (pfn_of(ldt_page) << 12) | PTE_P | PTE_A,
			   UVMF_INVLPG | UVMF_LOCAL), 0);
	check_eq(set_ldt(ldt_page, 4), 0);
	resume_at = (uint64_t)probe_faulted;
	check_ldt_load(LDT_SEL(1), 1, "LDT data segment");
	check_ldt_load(LDT_SEL(2), 1, "LDT DPL 0 data segment");
	check_ldt_load(LDT_SEL(3), 0, "LDT call gate");
	check_ldt_load(LDT_SEL(4), 0, "past the LDT");
	check_eq(set_ldt(0, 0), 0);
	check_ldt_load(LDT_SEL(1), 0, "no LDT");
	printk("abi: MMUEXT_SET_LDT installs an LDT whose selectors load\n");
}

#define GDT_SEL(i) ((i) << 3 | 3)

static long set_gdt(const uint64_t *frames, unsigned entries)
{
	return hypercall(__HYPERVISOR_set_gdt, (unsigned long)frames, entries);
}

static void test_gdt(void)
{
	gdt_page[1] = 0x00cff2000000ffffULL;   /* DPL 3 data */
	gdt_page[2] = 0x00cf92000000ffffULL;   /* DPL 0 data: Xen makes it DPL 3 */
	gdt_page[6] = 0x00affa000000ffffULL;   /* 64-bit DPL 3 code */
	gdt_page[500] = 0x00cff2000000ffffULL; /* far up the table */
	uint64_t pte = (pfn_of(gdt_page) << 12) | PTE_P | PTE_A;
	/* A descriptor page has no writable mapping. */
	check_eq(update_va(gdt_page, pte, UVMF_INVLPG | UVMF_LOCAL), 0);
	static uint64_t frames[1];
	frames[0] = pfn_of(gdt_page);
	check_eq(set_gdt(frames, 512), 0);
	check_eq(gdt_page[2], 0x00cff2000000ffffULL);
	resume_at = (uint64_t)probe_faulted;
	check_ldt_load(GDT_SEL(1), 1, "GDT data segment");
	check_ldt_load(GDT_SEL(2), 1, "GDT DPL 0 data segment");
	check_ldt_load(GDT_SEL(500), 1, "GDT entry 500");
	check_ldt_load(GDT_SEL(7), 0, "empty GDT entry");
	/* This host's own user data selector loads whatever the guest's GDT
	 * holds there (entry 5 is empty): said, not checked. */
	nr_faults = 0;
	printk("abi: the guest's empty GDT entry 5 (0x2b) %s\n",
	       probe_ds(GDT_SEL(5), &word) == word && nr_faults == 0 ? "loads" : "faults");
	resume_at = (uint64_t)far_faulted;
	nr_faults = 0;
	check_msg(far_return_via(GDT_SEL(6)) == 1 && nr_faults == 0,
		  "far return to the guest's 0x33: %u faults (vector %lu error 0x%lx)",
		  nr_faults, fault_vector, fault_error);
	check_eq(update_va(gdt_page, pte | PTE_RW, UVMF_INVLPG | UVMF_LOCAL), -XEN_EBUSY);
	uint64_t maddr = pfn_of(gdt_page) * PAGE_SIZE;
	check_eq(hypercall(__HYPERVISOR_update_descriptor, maddr + 7 * 8,
			   0x00cff2000000ffffULL), 0);
	resume_at = (uint64_t)probe_faulted;
	check_ldt_load(GDT_SEL(7), 1, "GDT entry set by update_descriptor");
	check_eq(hypercall(__HYPERVISOR_update_descriptor, maddr + 1 * 8, 0), 0);
	check_ldt_load(GDT_SEL(1), 0, "GDT entry emptied by update_descriptor");
	/* Fewer entries: those past them fault. */
	check_eq(set_gdt(frames, 100), 0);
	check_ldt_load(GDT_SEL(500), 0, "GDT entry past the table");
	check_ldt_load(GDT_SEL(7), 1, "GDT entry 7 of 100");
	check_eq(set_gdt(frames, 0), 0);
	check_ldt_load(GDT_SEL(7), 0, "no GDT");
	check_eq(update_va(gdt_page, pte | PTE_RW, UVMF_INVLPG | UVMF_LOCAL), 0);
	printk("abi: set_gdt's descriptors load at CPL3; its frame is read-only "
	       "but for update_descriptor\n");
}

/* Xen's iret takes any rip: one the guest cannot run at faults there, in
 * the guest (the domain goes on). */
static void test_iret_to_hole(void)
{
	resume_at = (uint64_t)iret_faulted;
	nr_faults = 0;
	iret_to(HOLE_RIP);
	check_msg(nr_faults == 1 && fault_vector == VEC_PF && fault_rip == HOLE_RIP,
		  "iret to 0x%lx: %u faults, vector %lu at rip 0x%lx", HOLE_RIP, nr_faults,
		  fault_vector, fault_rip);
	printk("abi: iret to a rip in Xen's hole faults there in the guest\n");
}

static long update_descriptor(unsigned index, uint64_t desc)
{
	uint64_t maddr = pfn_of(desc_page) * PAGE_SIZE + index * 8;
	return hypercall(__HYPERVISOR_update_descriptor, maddr, desc);
}

static void test_update_descriptor(void)
{
	check_eq(update_descriptor(1, 0x00cf93000000ffffULL), 0);
	check_eq(desc_page[1], 0x00cff3000000ffffULL);  /* DPL 0 made 3 */
	check_eq(update_descriptor(2, 0x0000ec0000330000ULL), 0);
	check_eq(desc_page[2], 0x00008c0000330000ULL);  /* gate: DPL 0, RPL 3 */
	check_eq(update_descriptor(3, 0x0000ec00e0080000ULL), -XEN_EINVAL);
	check_eq(desc_page[3], 0);
	check_eq(update_descriptor(4, 0x0000890000000067ULL), -XEN_EINVAL); /* a TSS */
	printk("abi: update_descriptor fixes DPLs up and refuses a call gate to "
	       "ring 0\n");
}

/* An iret entry runs and ends the batch, as Xen's multicall does. */
static void test_iret_in_multicall(void)
{
	static struct multicall_entry mc[3];
	mc[0] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version,
					  .args = { XENVER_version }, .result = 0x5a };
	mc[1] = (struct multicall_entry){ .op = __HYPERVISOR_iret, .result = 0x5a };
	mc[2] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version,
					  .args = { XENVER_version }, .result = 0x5a };
	uint64_t rax = multicall_iret(mc, 3);
	check_eq(rax, MULTICALL_IRET_RAX);
	check_eq(mc[0].result, (uint64_t)hypercall(__HYPERVISOR_xen_version, XENVER_version, 0));
	check_eq(mc[1].result, MULTICALL_IRET_RAX);
	check_eq(mc[2].result, 0x5a);
	printk("abi: iret inside a multicall runs and ends the batch\n");
}

static void test_callbacks(void)
{
	static const uint16_t types[] = { CALLBACKTYPE_syscall32, CALLBACKTYPE_sysenter };
	for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
		struct callback_register r = {
			.type = types[i], .flags = CALLBACKF_mask_events,
			.address = (unsigned long)handler_ud,
		};
		check_msg(hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register,
				    (unsigned long)&r) == 0, "register callback %u", types[i]);
		struct callback_unregister u = { .type = types[i] };
		check_msg(hypercall(__HYPERVISOR_callback_op, CALLBACKOP_unregister,
				    (unsigned long)&u) == -XEN_EINVAL, "unregister callback %u",
			  types[i]);
	}
	printk("abi: syscall32 and sysenter callbacks registered\n");
}

static void test_refusals(void)
{
	/* Both ops' headers: cmd, interface_version, then domctl's domain. */
	static uint32_t op[64];
	op[0] = SYSCTL_physinfo;
	op[1] = SYSCTL_VERSION;
	check_eq(hypercall(__HYPERVISOR_sysctl, (unsigned long)op, 0), -XEN_EPERM);
	op[1] = SYSCTL_VERSION - 1;
	check_eq(hypercall(__HYPERVISOR_sysctl, (unsigned long)op, 0), -XEN_EACCES);
	op[0] = DOMCTL_getdomaininfo;
	op[1] = DOMCTL_VERSION;
	op[2] = SELF_DOMID;
	check_eq(hypercall(__HYPERVISOR_domctl, (unsigned long)op, 0), -XEN_EPERM);
	op[1] = DOMCTL_VERSION + 1;
	check_eq(hypercall(__HYPERVISOR_domctl, (unsigned long)op, 0), -XEN_EACCES);
	check_eq(mmuext(MMUEXT_MARK_SUPER, pfn_of(desc_page)), -XEN_EOPNOTSUPP);
	check_eq(mmuext(MMUEXT_UNMARK_SUPER, pfn_of(desc_page)), -XEN_EOPNOTSUPP);
	struct mmuext_op ldt = { .cmd = MMUEXT_SET_LDT };
	check_eq(hypercall_via_page(__HYPERVISOR_mmuext_op, (unsigned long)&ldt, 1, 0,
				    DOMID_SELF, 0), 0);
	printk("abi: sysctl and domctl -EPERM, MARK_SUPER -EOPNOTSUPP\n");
}

void test_main(void)
{
	trap_hook = record_fault;
	require(hypercall(__HYPERVISOR_set_trap_table, (unsigned long)table, 0) == 0,
		"set_trap_table");
	test_data_selectors();
	test_code_selectors();
	test_ldt();
	test_gdt();
	test_iret_to_hole();
	test_update_descriptor();
	test_iret_in_multicall();
	test_callbacks();
	test_refusals();
	test_user_mode_on_flat_selectors();
}
