/*
 * Stray I/O to the hypercall port (0xe0), which the host trap path opens
 * to CPL3 in the TSS for its syscall trampoline: from guest kernel mode
 * and from a guest user process it must be what Xen makes of it, a #GP at
 * the instruction (error code 0) for the kernel's handler, or, once the
 * kernel holds I/O privilege, emulated (reads all ones, writes dropped).
 * The host path once ended the whole domain instead.
 */
#include <stdint.h>
#include <xen/callback.h>
#include <xen/errno.h>
#include <xen/physdev.h>

#include "hostile.h"
#include "pv_mmu.h"
#include "test.h"
#include "trap_entry.h"

/*
 * Each probe is uint64_t probe(uint64_t rax): it loads rax (and dx =
 * 0xe0 for the %dx forms), runs one port instruction between two labels
 * and returns rax as the instruction (or its handler) left it.
 */
#define PROBE(name, insn)                                                    \
	".global " #name ", " #name "_insn, " #name "_end\n"                 \
	#name ":\n"                                                          \
	"	movq %rdi, %rax\n"                                           \
	"	movl $0xe0, %edx\n"                                          \
	#name "_insn: " insn "\n"                                            \
	#name "_end: ret\n"
__asm__(".pushsection .text\n"
	PROBE(out_imm8, "outb %al, $0xe0")
	PROBE(in_imm8, "inb $0xe0, %al")
	PROBE(out_dx8, "outb %al, %dx")
	PROBE(out_imm16, "outw %ax, $0xe0")
	PROBE(in_dx16, "inw %dx, %ax")
	/* Guest user mode: the same stray I/O from a user process, then back
	 * to the kernel by syscall with what `in` left in rax, in rbx. */
	".global user_ports, user_out, user_in, user_in_end, user_after_syscall\n"
	"user_ports:\n"
	"	movl $0x5a5a5a5a, %eax\n"
	"user_out: outb %al, $0xe0\n"
	"user_in: inb $0xe0, %al\n"
	"user_in_end:\n"
	"	movq %rax, %rbx\n"
	"	syscall\n"
	"user_after_syscall: ud2\n"
	".popsection\n");

uint64_t out_imm8(uint64_t), in_imm8(uint64_t), out_dx8(uint64_t), out_imm16(uint64_t),
	in_dx16(uint64_t);
extern const char out_imm8_insn[], out_imm8_end[], in_imm8_insn[], in_imm8_end[],
	out_dx8_insn[], out_dx8_end[], out_imm16_insn[], out_imm16_end[], in_dx16_insn[],
	in_dx16_end[];
extern const char user_ports[], user_out[], user_in[], user_in_end[], user_after_syscall[];

struct probe {
	const char *what;
	uint64_t (*run)(uint64_t);
	const char *insn, *end;
	uint64_t emulated_mask; /* what an emulated `in` sets to ones in rax */
};

static const struct probe probes[] = {
	{ "out %al,$0xe0", out_imm8, out_imm8_insn, out_imm8_end, 0 },
	{ "in $0xe0,%al", in_imm8, in_imm8_insn, in_imm8_end, 0xff },
	{ "out %al,%dx (dx=0xe0)", out_dx8, out_dx8_insn, out_dx8_end, 0 },
	{ "66 out %ax,$0xe0", out_imm16, out_imm16_insn, out_imm16_end, 0 },
	{ "66 in %dx,%ax (dx=0xe0)", in_dx16, in_dx16_insn, in_dx16_end, 0xffff },
};

#define RAX_IN 0x1122334455667788UL

static long set_iopl(unsigned iopl)
{
	struct physdev_set_iopl s = { .iopl = iopl };
	return hypercall_via_page(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl,
				  (unsigned long)&s, 0, 0, 0);
}

/* Without I/O privilege: a #GP at the instruction, from kernel mode. */
static void kernel_gp(const struct probe *p)
{
	struct expected_trap plan = { p->insn, p->end };
	expect_traps(&plan, 1);
	uint64_t rax = p->run(RAX_IN);
	expect_no_traps();
	require(nr_hits == 1, "%s: %u traps, expected one #GP", p->what, nr_hits);
	const struct hit *h = &hits[0];
	printk("hostile: kernel %s: vector %lu error 0x%lx rip 0x%lx (insn 0x%lx) cs 0x%lx\n",
	       p->what, h->vector, h->error, h->rip, (uint64_t)p->insn, h->cs);
	check_msg(h->vector == 13, "kernel %s: vector %lu, expected #GP", p->what, h->vector);
	check_msg(h->has_error && h->error == 0, "kernel %s: error code 0x%lx", p->what,
		  h->error);
	check_msg(h->rip == (uint64_t)p->insn, "kernel %s: rip 0x%lx, instruction at 0x%lx",
		  p->what, h->rip, (uint64_t)p->insn);
	check_msg((h->cs & 0xffff) == KERNEL_FRAME_CS, "kernel %s: cs 0x%lx", p->what, h->cs);
	check_msg(rax == RAX_IN, "kernel %s: rax 0x%lx after the #GP, was 0x%lx", p->what,
		  rax, RAX_IN);
}

/* With I/O privilege 1: emulated, no trap. */
static void kernel_emulated(const struct probe *p)
{
	expect_traps(0, 0);
	uint64_t rax = p->run(RAX_IN);
	printk("hostile: kernel %s with iopl 1: %u traps, rax 0x%lx\n", p->what, nr_hits, rax);
	check_msg(nr_hits == 0, "kernel %s with iopl 1: %u traps", p->what, nr_hits);
	check_msg(rax == (RAX_IN | p->emulated_mask), "kernel %s with iopl 1: rax 0x%lx, "
		  "expected 0x%lx", p->what, rax, RAX_IN | p->emulated_mask);
}

static uint8_t kernel_stack[16384] __attribute__((aligned(16)));
static uint8_t user_stack[8192] __attribute__((aligned(16)));

/* From a user process: #GP for the kernel with the user's cs and rip,
 * even though the kernel itself holds I/O privilege 1 (a user process
 * needs 3), and the domain goes on. */
static void user_gp(void)
{
	uint64_t l4_mfn = pfn_of((const void *)boot_start_info->pt_base);
	require(mmuext(MMUEXT_NEW_USER_BASEPTR, l4_mfn) == 0, "NEW_USER_BASEPTR");
	struct callback_register cb = {
		.type = CALLBACKTYPE_syscall, .address = (unsigned long)user_syscall_entry,
	};
	check_eq(hypercall_via_page(__HYPERVISOR_callback_op, CALLBACKOP_register,
				    (unsigned long)&cb, 0, 0, 0), 0);
	uint64_t kstack_top = (uint64_t)kernel_stack + sizeof kernel_stack;
	check_eq(hypercall_via_page(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, kstack_top,
				    0, 0, 0), 0);

	const struct expected_trap plan[] = { { user_out, user_in }, { user_in, user_in_end } };
	expect_traps(plan, 2);
	user_enter(user_ports, (uint64_t)user_stack + sizeof user_stack);
	expect_no_traps();
	/* User mode ran with events on (its iret frame's IF); this kernel
	 * has no event callback: masked again, as it started. */
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	printk("hostile: back from user mode after %u traps; rax there 0x%lx\n", nr_hits,
	       user_syscall_rbx);
	require(nr_hits == 2, "user mode: %u traps, expected two #GP", nr_hits);
	const char *what[] = { "out %al,$0xe0", "in $0xe0,%al" };
	for (unsigned i = 0; i < 2; i++) {
		const struct hit *h = &hits[i];
		printk("hostile: user %s: vector %lu error 0x%lx rip 0x%lx (insn 0x%lx) cs 0x%lx\n",
		       what[i], h->vector, h->error, h->rip, (uint64_t)plan[i].start, h->cs);
		check_msg(h->vector == 13 && h->has_error && h->error == 0,
			  "user %s: vector %lu error 0x%lx", what[i], h->vector, h->error);
		check_msg(h->rip == (uint64_t)plan[i].start, "user %s: rip 0x%lx, instruction "
			  "at 0x%lx", what[i], h->rip, (uint64_t)plan[i].start);
		check_msg((h->cs & 0xffff) == USER_FRAME_CS, "user %s: cs 0x%lx", what[i], h->cs);
		check_msg(h->frame_top == kstack_top, "user %s: frame ends at 0x%lx, "
			  "stack_switch stack at 0x%lx", what[i], h->frame_top, kstack_top);
	}
	check_msg(user_syscall_rbx == 0x5a5a5a5a, "user `in` left rax 0x%lx", user_syscall_rbx);
	check_eq(user_syscall_frame[2], (uint64_t)user_after_syscall);
	check_eq(user_syscall_frame[3] & 0xffff, USER_FRAME_CS);
}

void stray_port_io(void)
{
	const unsigned n = sizeof probes / sizeof probes[0];
	for (unsigned i = 0; i < n; i++)
		kernel_gp(&probes[i]);
	check_eq(set_iopl(1), 0);
	for (unsigned i = 0; i < n; i++)
		kernel_emulated(&probes[i]);
	user_gp();
	check_eq(set_iopl(0), 0);
	/* And a #GP again once the privilege is gone. */
	kernel_gp(&probes[1]);
	printk("hostile: stray port I/O done, the domain still runs\n");
}
