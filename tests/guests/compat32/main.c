/*
 * compat32: a 32-bit (compat-mode) user process under this 64-bit PV
 * kernel, as Xen runs one.  The kernel maps 32-bit code and a stack below
 * 4 GiB, registers trap 0x80, #GP, #PF and the sysenter and syscall32
 * callbacks (events masked by both), gives itself Linux's 32-bit user GDT
 * entries with set_gdt, and irets to the code on 0x23/0x2b.
 * The code makes `int $0x80` (its handler answers in eax and irets back),
 * `sysenter` (the kernel resumes it on Xen's FLAT_USER_CS32/SS32), a #PF,
 * a #GP (`cli`), an `out` to the port the host trap path opens to CPL3
 * (#GP there too), and a 32-bit `syscall`, which ends the trip (in the
 * syscall32 callback on AMD, where these hosts' KVM first faults at
 * CSTAR's low 32 bits and the shim's #PF stub goes on at the real one,
 * here with the user's esp right above a page that is not mapped;
 * Intel CPUs raise #UD for it, as under Xen there).  Each bounce frame is
 * checked: rip, the user's cs and ss, rsp, the registers.
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/callback.h>

#include "evtchn.h"
#include "hypercall.h"
#include "libc.h"
#include "pv_mmu.h"
#include "test.h"
#include "trap_entry.h"
#include "compat32-guest.h"

const char test_title[] = "32-bit (compat) user mode: int $0x80, sysenter, syscall, faults";

static uint8_t user_l4[PAGE_SIZE], l3[PAGE_SIZE], l2[PAGE_SIZE], l1[PAGE_SIZE], code_page[PAGE_SIZE],
	stack_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t kernel_stack[16384] __attribute__((aligned(16)));
static uint64_t gdt_page[PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));

/* Linux's GDT entries for 32-bit processes, as a PV Linux gives them with
 * set_gdt (under Xen the selectors below 0xe000 are the guest's own):
 * 4, __USER32_CS (0x23), 32-bit DPL 3 code, and 5, __USER32_DS (0x2b),
 * DPL 3 data; the page read-only first, as a descriptor page must be. */
static int linux_gdt(void)
{
	gdt_page[4] = 0x00cffa000000ffffULL;
	gdt_page[5] = 0x00cff2000000ffffULL;
	if (update_va(gdt_page, (pfn_of(gdt_page) << 12) | PTE_P | PTE_A,
		      UVMF_INVLPG | UVMF_LOCAL))
		return -1;
	static uint64_t frames[1];
	frames[0] = pfn_of(gdt_page);
	return (int)hypercall_via_page(__HYPERVISOR_set_gdt, (unsigned long)frames, 6,
				       0, 0, 0);
}

struct record {
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
	uint64_t rax, rbx, rcx, rdx, rsi, rbp;
	uint8_t upcall_mask;
};
#define MAX_RECORDS 8
static struct record records[MAX_RECORDS];
static unsigned nr_records;

static struct shared_info *shared;

static struct vcpu_info *vcpu0(void)
{
	return &shared->vcpu_info[0];
}

/* Makes each trip on as the kernel's answer for it; anything unexpected
 * ends the trip in kernel mode, through user_syscall_entry's way out. */
static void hook(struct trap_stack *s)
{
	uint64_t *w = s->frame + trap_rip_slot(s); /* rip, cs, rflags, rsp, ss */
	struct record *r = &records[nr_records < MAX_RECORDS ? nr_records++ : MAX_RECORDS - 1];
	*r = (struct record){
		.vector = s->vector, .error = s->has_error ? s->frame[2] : 0,
		.rip = w[0], .cs = w[1], .rflags = w[2], .rsp = w[3], .ss = w[4],
		.rax = s->rax, .rbx = s->rbx, .rcx = s->rcx, .rdx = s->rdx,
		.rsi = s->rsi, .rbp = s->rbp, .upcall_mask = vcpu0()->evtchn_upcall_mask,
	};
	/* IF in the saved rflags unmasks events again at the iret. */
	switch (s->vector) {
	case 0x80:
		s->rax = INT80_RETURN;
		return;
	case SYSENTER_VECTOR:
		s->rax = SYSENTER_RETURN;
		w[0] = user_va(c32_after_sysenter);
		w[1] = 0xe023; /* FLAT_USER_CS32 from here on */
		w[3] = (uint32_t)s->rbp;
		w[4] = 0xe02b;
		return;
	case 6:
		break; /* Intel's 32-bit syscall: the trip ends here */
	case 13:
	case 14:
		if (nr_records < MAX_RECORDS && (uint32_t)s->rdi < PAGE_SIZE) {
			w[0] = CODE_VA + (uint32_t)s->rdi;
			return;
		}
		break;
	}
	w[0] = (uint64_t)user_syscall_entry;
	w[1] = KERNEL_FRAME_CS;
	w[3] = (uint64_t)s;
	w[4] = FRAME_SS;
}

/* User mode's own top-level table, as Linux gives each process one: the
 * kernel's entries and slot 0 -> l3 -> l2 -> l1 mapping CODE_VA and
 * STACK_VA, all written while still plain pages, then made read-only and
 * taken as NEW_USER_BASEPTR (which validates them).  So every switch to
 * user mode loads another CR3, as with Linux's processes. */
static int map_user_pages(void)
{
	uint64_t user = PTE_P | PTE_US | PTE_A;
	((uint64_t *)l1)[(CODE_VA >> 12) & 511] = (pfn_of(code_page) << 12) | user;
	((uint64_t *)l1)[(STACK_VA >> 12) & 511] = (pfn_of(stack_page) << 12) | user |
		PTE_RW | PTE_D;
	((uint64_t *)l2)[(CODE_VA >> 21) & 511] = (pfn_of(l1) << 12) | user | PTE_RW;
	((uint64_t *)l3)[0] = (pfn_of(l2) << 12) | user | PTE_RW;
	memcpy(user_l4, (const void *)boot_start_info->pt_base, PAGE_SIZE);
	((uint64_t *)user_l4)[0] = (pfn_of(l3) << 12) | user | PTE_RW;
	uint8_t *tables[] = { l1, l2, l3, user_l4 };
	for (unsigned i = 0; i < 4; i++)
		if (update_va(tables[i], (pfn_of(tables[i]) << 12) | PTE_P | PTE_A,
			      UVMF_INVLPG | UVMF_LOCAL))
			return -1;
	return mmuext(MMUEXT_NEW_USER_BASEPTR, pfn_of(user_l4)) ? -1 : 0;
}

static long register_callback(uint16_t type, uint64_t address)
{
	struct callback_register cb = { .type = type, .flags = CALLBACKF_mask_events,
					.address = address };
	return hypercall_via_page(__HYPERVISOR_callback_op, CALLBACKOP_register,
				  (unsigned long)&cb, 0, 0, 0);
}

/* AMD's (and Hygon's) compat mode has `syscall`; Intel's raises #UD. */
static int syscall_in_compat_mode(void)
{
	uint32_t a = 0, b, c, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return b == 0x68747541 /* "Auth" */ || b == 0x6f677948 /* "Hygo" */;
}

static void check_record(unsigned i, uint64_t vector, const char *insn_label,
			 uint64_t rip, uint64_t cs, uint64_t ss)
{
	const struct record *r = &records[i];
	check_msg(r->vector == vector, "trap %u: vector 0x%lx, expected 0x%lx", i,
		  (unsigned long)r->vector, (unsigned long)vector);
	check_msg(r->rip == rip, "trap %u (%s): rip 0x%lx, expected 0x%lx", i, insn_label,
		  (unsigned long)r->rip, (unsigned long)rip);
	check_msg((r->cs & 0xffff) == cs, "trap %u (%s): cs 0x%lx, expected 0x%lx", i,
		  insn_label, (unsigned long)r->cs, (unsigned long)cs);
	check_msg(r->ss == ss, "trap %u (%s): ss 0x%lx, expected 0x%lx", i, insn_label,
		  (unsigned long)r->ss, (unsigned long)ss);
}

void test_main(void)
{
	shared = shared_info_map();
	memcpy(code_page, c32_code, (size_t)(c32_code_end - c32_code));
	require(map_user_pages() == 0, "user page tables mapping pages below 4 GiB");
	require(linux_gdt() == 0, "set_gdt with Linux's 32-bit user entries");

	const struct trap_info table[] = {
		{ 0x80, 3, FLAT_KERNEL_CS, (unsigned long)c32_handler_int80 },
		{ 6, 0, FLAT_KERNEL_CS, (unsigned long)c32_handler_ud },
		{ 13, 0, FLAT_KERNEL_CS, (unsigned long)c32_handler_gp },
		{ 14, 0, FLAT_KERNEL_CS, (unsigned long)c32_handler_pf },
		{ 0, 0, 0, 0 },
	};
	require(hypercall_via_page(__HYPERVISOR_set_trap_table, (unsigned long)table,
				   0, 0, 0, 0) == 0, "set_trap_table");
	require(register_callback(CALLBACKTYPE_sysenter,
				  (unsigned long)c32_handler_sysenter) == 0, "sysenter callback");
	require(register_callback(CALLBACKTYPE_syscall32,
				  (unsigned long)user_syscall_entry) == 0, "syscall32 callback");
	require(hypercall_via_page(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
				   (unsigned long)kernel_stack + sizeof kernel_stack,
				   0, 0, 0) == 0, "stack_switch");

	trap_hook = hook;
	user_enter_selectors((const void *)CODE_VA, STACK_TOP, 0x23, 0x2b);
	trap_hook = 0;
	uint8_t mask_after_syscall = vcpu0()->evtchn_upcall_mask;
	vcpu0()->evtchn_upcall_mask = 0;

	for (unsigned i = 0; i < nr_records; i++)
		printk("compat32: trap %u: vector 0x%lx error 0x%lx rip 0x%lx cs 0x%lx "
		       "rsp 0x%lx ss 0x%lx rcx 0x%lx\n", i, (unsigned long)records[i].vector,
		       (unsigned long)records[i].error, (unsigned long)records[i].rip,
		       (unsigned long)records[i].cs, (unsigned long)records[i].rsp,
		       (unsigned long)records[i].ss, (unsigned long)records[i].rcx);
	unsigned expected = syscall_in_compat_mode() ? 5 : 6;
	require(nr_records == expected, "%u traps on the way (int $0x80, sysenter, #PF, #GP, "
		"#GP%s expected)", nr_records, expected == 6 ? ", #UD" : "");

	/* int $0x80: past the instruction, the user's 0x23/0x2b, its eax..ecx. */
	check_record(0, 0x80, "int $0x80", user_va(c32_after_int80), 0x23, 0x2b);
	check_eq(records[0].rsp, STACK_TOP);
	check_eq(records[0].rax, 0x11111111);
	check_eq(records[0].rbx, 0x22222222);
	check_eq(records[0].rcx, 0x33333333);
	check_msg(records[0].rflags & 0x200, "int $0x80's frame: rflags 0x%lx, events were "
		  "not masked", (unsigned long)records[0].rflags);
	check_eq(records[0].upcall_mask, 0); /* trap 0x80 does not mask */

	/* sysenter: Xen's frame (rip 0, cs 3, rsp 0, FLAT_USER_SS), events
	 * masked; the user's esp in ebp, the int $0x80 answer in esi (so the
	 * iret back to compat mode went on there). */
	check_record(1, SYSENTER_VECTOR, "sysenter", 0, 3, 0xe02b);
	check_eq(records[1].rsp, 0);
	check_eq(records[1].rax, 0x44444444);
	check_eq(records[1].rsi, INT80_RETURN);
	check_eq(records[1].rbp, STACK_TOP);
	check_eq(records[1].upcall_mask, 1);

	/* #PF at the load, on the FLAT_USER_CS32/SS32 the kernel resumed
	 * sysenter on; cr2 and a user-mode error code; sysenter's answer in
	 * edx. */
	check_record(2, 14, "#PF", user_va(c32_pf), 0xe023, 0xe02b);
	check_eq(records[2].error, 4); /* user, read, not present */
	check_eq(vcpu0()->arch.cr2, PF_ADDRESS);
	check_eq(records[2].rdx, SYSENTER_RETURN);
	check_eq(records[2].rsp, STACK_TOP);

	/* #GP(0) at `cli`, and at the `out` to the port the host trap path
	 * lets CPL3 reach (the launcher must not take compat code's `out`
	 * for a hypercall). */
	check_record(3, 13, "cli", user_va(c32_gp), 0xe023, 0xe02b);
	check_eq(records[3].error, 0);
	check_record(4, 13, "out $0xe0", user_va(c32_out), 0xe023, 0xe02b);
	check_eq(records[4].error, 0);

	if (!syscall_in_compat_mode()) {
		/* Intel CPUs have no `syscall` in compat mode: #UD at it, which
		 * Xen on such a host bounces to trap 6 as here. */
		check_record(5, 6, "syscall (Intel: #UD)", user_va(c32_syscall), 0xe023, 0xe02b);
		check_eq(records[5].rax, 0x77777777);
		check_eq(records[5].rbx, 0x66666666);
		printk("compat32: 32-bit syscall raised #UD (an Intel CPU's compat mode has "
		       "no syscall, as under Xen there)\n");
	} else {
		/* The 32-bit syscall: the syscall32 callback with Xen's
		 * cstar_enter frame (rip and rcx past it, FLAT_USER_CS32/SS32),
		 * events masked; the user's esp at the bottom of its stack, with
		 * no page mapped below it. */
		check_eq(user_syscall_frame[0], user_va(c32_after_syscall));
		check_eq(user_syscall_frame[2], user_va(c32_after_syscall));
		check_eq(user_syscall_frame[3] & 0xffff, 0xe023);
		check_eq(user_syscall_frame[4] & ~0x200ul, user_syscall_frame[1] & ~0x200ul);
		check_eq(user_syscall_frame[5], STACK_VA);
		check_eq(user_syscall_frame[6], 0xe02b);
		check_eq(user_syscall_rbx, 0x66666666);
		check_eq(user_syscall_frame_addr + 7 * 8,
			 (uint64_t)kernel_stack + sizeof kernel_stack);
		check_eq(mask_after_syscall, 1);
		printk("compat32: 32-bit syscall reached the syscall32 callback\n");
	}
	printk("compat32: int $0x80, sysenter, syscall, #PF and #GP from 32-bit user "
	       "mode done\n");
}
