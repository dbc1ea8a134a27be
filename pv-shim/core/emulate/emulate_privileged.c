/*
 * Privileged instructions at a #GP from the guest, emulated as Xen's
 * pv_emulate_privileged_op does.  From the guest kernel (which Xen runs
 * as if at CPL0): rdmsr/wrmsr (guest_msr.c), `mov` to and from control
 * and debug registers, xsetbv (emulate_xsetbv.c), and, with I/O
 * privilege (guest_iopl.c), cli/sti and port I/O.  From guest user mode
 * only the last two, with the I/O privilege user mode needs; everything
 * else stays the #GP it raised.  Linux's very first instruction after
 * setting its stack is `wrmsr` of GS_BASE.
 *
 * `mov` from CR0, CR2, CR3 and CR4 reads the guest's view, as Xen's
 * emulation gives it: CR0 as a PV kernel runs with, TS being its virtual
 * one (fpu_taskswitch); CR2 of the last page fault; CR3 its kernel table;
 * CR4 its virtual one (guest_cr4.c), which `mov` to CR4 writes.  `mov`
 * to and from DR0-DR7 goes through the rules of set_debugreg and
 * get_debugreg (traps_debugreg.c), a refusal being #GP(0), a register
 * the guest has not (DR4/DR5 with CR4.DE, DR8-15) #UD, as from Xen.  As
 * on hardware, the ModRM mod field of these moves is ignored: the
 * operand is always a register.
 *
 * The instruction bytes are copied out of guest memory once and decoded
 * from that copy.  A refused instruction stays the #GP the CPU raised
 * (error code 0, as Xen's emulator gives it), but for a debug register
 * the guest has not, for which Xen's emulator raises #UD.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/emulate/emulate.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/traps/traps.h"

/* Internal: an instruction refused with #UD (its length's place). */
#define REFUSED_UD (-2)

#define GUEST_CR0 0x80050033ULL /* PG AM WP NE ET MP PE */
#define CR0_TS    0x8ULL

static int read_cr(struct core *c, unsigned cr, uint64_t *value)
{
	switch (cr) {
	case 0:
		*value = GUEST_CR0 | (core_vcpu(c)->traps.cr0_ts ? CR0_TS : 0);
		return 0;
	case 2:
		*value = core_vcpu(c)->cr2;
		return 0;
	case 3:
		*value = core_vcpu(c)->cr3;
		return 0;
	case 4:
		*value = guest_cr4_read(c);
		return 0;
	default:
		return -1;
	}
}

/* Only CR4 is written here (CR0 and CR3 have their hypercalls). */
static int write_cr(struct core *c, unsigned cr, uint64_t value)
{
	if (cr != 4)
		return -1;
	guest_cr4_write(c, value);
	return 0;
}

/* General register n as ModRM/REX number it (rax, rcx, rdx, rbx, rsp, ...). */
static uint64_t *gpr(struct trap_frame *f, unsigned n)
{
	uint64_t *const regs[16] = {
		&f->rax, &f->rcx, &f->rdx, &f->rbx, &f->rsp, &f->rbp, &f->rsi, &f->rdi,
		&f->r8, &f->r9, &f->r10, &f->r11, &f->r12, &f->r13, &f->r14, &f->r15,
	};
	return regs[n & 15];
}

/* `mov` to or from debug register dr: 0, or -1 (#GP) or REFUSED_UD as
 * Xen refuses it. */
static int mov_dr(struct core *c, struct trap_frame *f, int to, unsigned dr,
		  unsigned reg, char *why, size_t whylen)
{
	if (to) {
		long rc = traps_set_debugreg(c, dr, *gpr(f, reg));
		if (rc == 0)
			return 0;
		core_format(why, whylen, "mov to dr%u refused (%ld: %s)", dr, rc,
			    rc == -XEN_ENODEV ? "#UD" : "#GP");
		return rc == -XEN_ENODEV ? REFUSED_UD : -1;
	}
	uint64_t value;
	if (traps_get_debugreg(c, dr, &value)) {
		core_format(why, whylen, "mov from dr%u: no such register (#UD)", dr);
		return REFUSED_UD;
	}
	*gpr(f, reg) = value;
	return 0;
}

/* `[REX] 0f 20-23 /r`: mov from or to a control or debug register; its
 * length, or -1 (#GP) or REFUSED_UD, why saying why. */
static int mov_cr_dr(struct core *c, struct trap_frame *f, const uint8_t insn[2],
			  char *why, size_t whylen)
{
	uint8_t b[4] = { insn[0], insn[1], 0, 0 };
	unsigned rex = (b[0] & 0xf0) == 0x40 ? b[0] : 0, at = rex ? 1 : 0;
	if (copy_from_guest(c, b + 2, f->rip + 2, rex ? 2 : 1)) {
		core_format(why, whylen, "instruction bytes unreadable");
		return -1;
	}
	uint8_t op = b[at + 1];
	if (b[at] != 0x0f || op < 0x20 || op > 0x23) {
		core_format(why, whylen, "instruction %02x %02x %02x not emulated",
			    b[0], b[1], b[2]);
		return -1;
	}
	unsigned n = ((b[at + 2] >> 3) & 7) | ((rex & 4) ? 8 : 0);
	unsigned reg = (b[at + 2] & 7) | ((rex & 1) ? 8 : 0);
	int to = (op & 2) != 0;
	int len = (int)at + 3;
	if (op & 1) {
		int rc = mov_dr(c, f, to, n, reg, why, whylen);
		return rc ? rc : len;
	}
	if (to) {
		if (write_cr(c, n, *gpr(f, reg))) {
			core_format(why, whylen, "mov to cr%u not emulated", n);
			return -1;
		}
		return len;
	}
	uint64_t value;
	if (read_cr(c, n, &value)) {
		core_format(why, whylen, "mov from cr%u not emulated", n);
		return -1;
	}
	*gpr(f, reg) = value;
	return len;
}

/* What guest user mode may do: cli/sti and port I/O with enough I/O
 * privilege; > 0 its length, 0 not such an instruction, -1 refused. */
static int user_mode_insn(struct core *c, struct trap_frame *f, const uint8_t insn[2],
			  char *why, size_t whylen)
{
	int len = emulate_cli_sti(c, insn, why, whylen);
	if (len == 0)
		len = emulate_port_io(c, f, insn, why, whylen);
	return len;
}

static int kernel_mode_insn(struct core *c, struct trap_frame *f, const uint8_t insn[2],
			    char *why, size_t whylen)
{
	if (insn[0] == 0x0f && insn[1] == 0x30) { /* wrmsr */
		uint32_t msr = (uint32_t)f->rcx;
		uint64_t value = ((f->rdx & 0xffffffffULL) << 32) | (f->rax & 0xffffffffULL);
		if (guest_msr_write(c, msr, value)) {
			core_format(why, whylen, "wrmsr %#x <- %#lx refused",
				    msr, (unsigned long)value);
			return -1;
		}
		return 2;
	}
	if (insn[0] == 0x0f && insn[1] == 0x32) { /* rdmsr */
		uint64_t value;
		if (guest_msr_read(c, (uint32_t)f->rcx, &value)) {
			core_format(why, whylen, "rdmsr %#x refused", (uint32_t)f->rcx);
			return -1;
		}
		f->rax = value & 0xffffffffULL;
		f->rdx = value >> 32;
		return 2;
	}
	if ((insn[0] == 0x0f && insn[1] >= 0x20 && insn[1] <= 0x23) ||
	    (insn[0] & 0xf0) == 0x40)
		return mov_cr_dr(c, f, insn, why, whylen);
	int len = user_mode_insn(c, f, insn, why, whylen);
	if (len == 0)
		len = emulate_xsetbv(c, f, insn, why, whylen);
	return len;
}

enum emulate_result emulate_privileged(struct core *c, struct trap_frame *f, char *why,
				       size_t whylen)
{
	uint8_t insn[2];
	if (copy_from_guest(c, insn, f->rip, sizeof insn)) {
		core_format(why, whylen, "instruction bytes unreadable");
		return EMULATE_RAISE_GP;
	}
	int len = core_vcpu(c)->kernel_mode ? kernel_mode_insn(c, f, insn, why, whylen)
		: user_mode_insn(c, f, insn, why, whylen);
	if (len > 0) {
		f->rip += (unsigned)len;
		return EMULATED;
	}
	if (len == 0)
		core_format(why, whylen, "instruction %02x %02x not emulated",
			    insn[0], insn[1]);
	return len == REFUSED_UD ? EMULATE_RAISE_UD : EMULATE_RAISE_GP;
}
