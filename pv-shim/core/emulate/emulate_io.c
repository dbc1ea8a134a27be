/*
 * Port I/O from the guest, as Xen emulates it for a domU: allowed once
 * the guest raised its I/O privilege enough for the mode it runs in
 * (guest_iopl.c: PHYSDEVOP_set_iopl, which Linux does at start of day,
 * IOPL 1 for the kernel, 3 for user mode), and then to ports the domain was
 * given none of: reads return all ones, writes are dropped.  Linux's early
 * PCI probe relies on that.  The one exception is the PIT's channel 2,
 * whose count runs (pit_channel2.c) when read and written a byte at a
 * time without an operand-size prefix.  `in`/`out` with an imm8 or %dx
 * port, 8, 16 or 32 bits; the string forms are not emulated.
 */
#include "pv-shim/core/emulate/emulate.h"

#define PREFIX_OPSIZE 0x66

int emulate_port_io(struct core *c, struct trap_frame *f, const uint8_t insn[2],
		    char *why, size_t whylen)
{
	unsigned at = insn[0] == PREFIX_OPSIZE ? 1 : 0;
	uint8_t op = insn[at];
	int imm8 = (op & 0xfc) == 0xe4; /* e4-e7 */
	int dx = (op & 0xfc) == 0xec;   /* ec-ef */
	if (!imm8 && !dx)
		return 0;
	if (!guest_iopl_ok(c)) {
		core_format(why, whylen, "port I/O at I/O privilege %u (not enough "
			    "for the mode)", core_vcpu(c)->traps.iopl);
		return -1;
	}
	int is_in = !(op & 2);
	unsigned bytes = !(op & 1) ? 1 : at ? 2 : 4;
	/* Byte accesses without a (pointless) operand-size prefix reach the
	 * PIT; their imm8 is insn[1]. */
	int pit = bytes == 1 && !at;
	uint16_t port = imm8 ? insn[1] : (uint16_t)f->rdx;
	if (is_in) {
		if (bytes == 4)
			f->rax = 0xffffffffULL;       /* a 32-bit write zero-extends */
		else if (bytes == 2)
			f->rax |= 0xffffULL;
		else if (pit)
			f->rax = (f->rax & ~0xffULL) | pit_read_port(c, port);
		else
			f->rax |= 0xffULL;
	} else if (pit) {
		pit_write_port(c, port, (uint8_t)f->rax);
	}
	return (int)(at + 1 + (imm8 ? 1 : 0));
}
