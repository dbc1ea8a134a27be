/*
 * Privileged instructions a PV kernel executes as if it ran at CPL0.  They
 * raise #GP at CPL3 and Xen emulates the ones the PV ABI allows; Linux's
 * very first instruction after setting its stack is `wrmsr` of GS_BASE.
 *
 * The instruction bytes are copied out of guest memory once and decoded
 * from that copy.  Segment bases are kept in the vCPU state (the guest can
 * read them back) and applied through the platform, which owns the CPU.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/emulate.h"
#include "pv-shim/core/platform.h"

#define MSR_FS_BASE        0xc0000100u
#define MSR_GS_BASE        0xc0000101u
#define MSR_SHADOW_GS_BASE 0xc0000102u

static int is_canonical(uint64_t va)
{
	uint64_t top = va >> 47;
	return top == 0 || top == 0x1ffff;
}

static int write_msr(struct core *c, uint32_t msr, uint64_t value)
{
	struct core_vcpu *v = &c->st->vcpu;
	switch (msr) {
	case MSR_FS_BASE:
		if (!is_canonical(value))
			return -1;
		v->fs_base = value;
		platform_set_segment_base(c, SEGMENT_BASE_FS, value);
		return 0;
	case MSR_GS_BASE:
		if (!is_canonical(value))
			return -1;
		v->gs_base_kernel = value;
		platform_set_segment_base(c, SEGMENT_BASE_GS, value);
		return 0;
	case MSR_SHADOW_GS_BASE:
		if (!is_canonical(value))
			return -1;
		v->gs_base_user = value; /* takes effect in guest user mode */
		return 0;
	default:
		return -1;
	}
}

static int read_msr(struct core *c, uint32_t msr, uint64_t *value)
{
	const struct core_vcpu *v = &c->st->vcpu;
	switch (msr) {
	case MSR_FS_BASE:
		*value = v->fs_base;
		return 0;
	case MSR_GS_BASE:
		*value = v->gs_base_kernel;
		return 0;
	case MSR_SHADOW_GS_BASE:
		*value = v->gs_base_user;
		return 0;
	default:
		return -1;
	}
}

int emulate_privileged(struct core *c, struct trap_frame *f, char *why, size_t whylen)
{
	uint8_t insn[2];
	if (!c->st->vcpu.kernel_mode)
		return -1;
	if (copy_from_guest(c, insn, f->rip, sizeof insn)) {
		core_format(why, whylen, "instruction bytes unreadable");
		return -1;
	}
	if (insn[0] == 0x0f && insn[1] == 0x30) { /* wrmsr */
		uint32_t msr = (uint32_t)f->rcx;
		uint64_t value = ((f->rdx & 0xffffffffULL) << 32) | (f->rax & 0xffffffffULL);
		if (write_msr(c, msr, value)) {
			core_format(why, whylen, "wrmsr %#x <- %#lx not emulated",
				    msr, (unsigned long)value);
			return -1;
		}
	} else if (insn[0] == 0x0f && insn[1] == 0x32) { /* rdmsr */
		uint64_t value;
		if (read_msr(c, (uint32_t)f->rcx, &value)) {
			core_format(why, whylen, "rdmsr %#x not emulated",
				    (uint32_t)f->rcx);
			return -1;
		}
		f->rax = value & 0xffffffffULL;
		f->rdx = value >> 32;
	} else {
		core_format(why, whylen, "instruction %02x %02x not emulated",
			    insn[0], insn[1]);
		return -1;
	}
	f->rip += 2;
	return 0;
}
