/* Emulation of the privileged instructions a PV kernel may use. */
#ifndef XENLET_CORE_EMULATE_H
#define XENLET_CORE_EMULATE_H

#include "pv-shim/core/core.h"

/* What emulate_privileged made of a #GP from the guest (kernel or user
 * mode): the instruction at f->rip emulated and f advanced past it; or
 * not (why says why), the guest getting the #GP as raised, or the #UD
 * Xen's emulator raises for a debug register the guest has not. */
enum emulate_result { EMULATED, EMULATE_RAISE_GP, EMULATE_RAISE_UD };
enum emulate_result emulate_privileged(struct core *c, struct trap_frame *f, char *why,
				       size_t whylen);

/* Port I/O at f->rip (in/out, imm8 or dx forms): > 0, its length, when
 * emulated; 0 when it is no such instruction; -1 (why says it) when the
 * guest may not do port I/O. */
int emulate_port_io(struct core *c, struct trap_frame *f, const uint8_t insn[2],
		    char *why, size_t whylen);

/* Byte port I/O to the PIT's channel 2 (pit_channel2.c): the value a read
 * of port gives (all ones for every port it does not model), and a write
 * (dropped for those ports). */
uint8_t pit_read_port(struct core *c, uint16_t port);
void pit_write_port(struct core *c, uint16_t port, uint8_t value);

/* rdmsr and wrmsr from the guest kernel, as Xen answers them (guest_msr.c):
 * 0, or -1 for the #GP(0) Xen raises. */
int guest_msr_read(struct core *c, uint32_t msr, uint64_t *value);
int guest_msr_write(struct core *c, uint32_t msr, uint64_t value);

/* Xen's iopl_ok: the guest's virtual I/O privilege (PHYSDEVOP_set_iopl,
 * or iret with VMASST_TYPE_architectural_iopl) allows cli/sti and port
 * I/O in the mode it runs in (guest_iopl.c). */
int guest_iopl_ok(struct core *c);

/* cli/sti at f->rip: 1 (its length) when they may run, as no-ops; 0 when
 * it is neither; -1 (why says it) without the I/O privilege. */
int emulate_cli_sti(struct core *c, const uint8_t insn[2], char *why, size_t whylen);

/* xsetbv at f->rip: 3 (its length) when it sets the one XCR0 the guest
 * may have; 0 when it is no xsetbv; -1 (why says it) when refused. */
int emulate_xsetbv(struct core *c, struct trap_frame *f, const uint8_t insn[2],
		   char *why, size_t whylen);

/* For a #UD from the guest (kernel or user mode, as Xen allows both): if
 * f->rip holds Xen's forced-emulation CPUID, emulates it under the PV
 * policy and advances (0); else -1. */
int emulate_forced_cpuid(struct core *c, struct trap_frame *f);

/* For a #UD: `xgetbv` at f->rip, which this KVM's emulator of compat-mode
 * code does not know: answered as the CPU would (0: done, or its #GP
 * delivered); -1 when it is no xgetbv the CPU would run. */
int emulate_xgetbv(struct core *c, struct trap_frame *f);

/* CPUID leaf/subleaf as the PV guest may see it. */
void cpuid_for_guest(struct core *c, uint32_t leaf, uint32_t subleaf, uint32_t r[4]);

#endif
