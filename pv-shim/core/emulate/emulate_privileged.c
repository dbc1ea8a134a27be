/*
 * Privileged instructions a PV kernel executes as if it ran at CPL0.  They
 * raise #GP at CPL3 and Xen emulates the ones the PV ABI allows; Linux's
 * very first instruction after setting its stack is `wrmsr` of GS_BASE.
 *
 * `mov` from CR0, CR2, CR3 and CR4 reads the guest's view, as Xen's
 * emulation gives it: CR0 as a PV kernel runs with, TS being its virtual
 * one (fpu_taskswitch); CR2 of the last page fault; CR3 its kernel table;
 * CR4 its virtual one (guest_cr4.c), which `mov` to CR4 writes.  `xsetbv`
 * is emulate_xsetbv.c's.
 *
 * The instruction bytes are copied out of guest memory once and decoded
 * from that copy.  Segment bases are kept in the vCPU state and applied
 * through the platform, which owns the CPU; rdmsr of the FS or (kernel)
 * GS base reads the CPU's, as guest code may have changed it with
 * wrfsbase/wrgsbase, and refreshes the copy.  The user's GS base (SHADOW)
 * is the copy, saved from the CPU when the guest last left user mode.
 * The microcode-revision MSR (0x8b) behaves as under Xen: Intel's "write
 * 0" is taken, reads give no revision.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/emulate/emulate.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/platform.h"

#define MSR_FS_BASE        0xc0000100u
#define MSR_GS_BASE        0xc0000101u
#define MSR_SHADOW_GS_BASE 0xc0000102u
/* Intel's IA32_BIOS_SIGN_ID / UCODE_REV, AMD's PATCHLEVEL: one MSR. */
#define MSR_UCODE_REV      0x0000008bu

enum cpu_vendor { VENDOR_OTHER, VENDOR_INTEL, VENDOR_AMD };

/* The vendor leaf 0 names, as the guest's CPUID shows it. */
static enum cpu_vendor cpu_vendor(struct core *c)
{
	uint32_t r[4];
	platform_cpuid(c, 0, 0, r);
	if (r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e)
		return VENDOR_INTEL; /* "GenuineIntel" */
	if (r[1] == 0x68747541 && r[3] == 0x69746e65 && r[2] == 0x444d4163)
		return VENDOR_AMD;   /* "AuthenticAMD" */
	return VENDOR_OTHER;
}

static int write_msr(struct core *c, uint32_t msr, uint64_t value)
{
	struct core_vcpu *v = core_vcpu(c);
	switch (msr) {
	case MSR_FS_BASE:
		if (!core_is_canonical(value))
			return -1;
		v->fs_base = value;
		platform_set_segment_base(c, SEGMENT_BASE_FS, value);
		return 0;
	case MSR_GS_BASE:
		if (!core_is_canonical(value))
			return -1;
		v->gs_base_kernel = value;
		platform_set_segment_base(c, SEGMENT_BASE_GS, value);
		return 0;
	case MSR_SHADOW_GS_BASE:
		if (!core_is_canonical(value))
			return -1;
		v->gs_base_user = value; /* takes effect in guest user mode */
		return 0;
	case MSR_UCODE_REV:
		/* Read-only, but Intel's SDM has the OS write 0 before the
		 * "cpuid, rdmsr" that reads the microcode revision; Xen's
		 * guest_wrmsr takes that write on Intel, and #GP otherwise
		 * (Linux's early_init_intel does it at every boot). */
		return cpu_vendor(c) == VENDOR_INTEL && value == 0 ? 0 : -1;
	default:
		return -1;
	}
}

/* Only in guest kernel mode: the live GS base is the kernel's. */
static int read_msr(struct core *c, uint32_t msr, uint64_t *value)
{
	struct core_vcpu *v = core_vcpu(c);
	switch (msr) {
	case MSR_FS_BASE:
		*value = v->fs_base = platform_get_segment_base(c, SEGMENT_BASE_FS);
		return 0;
	case MSR_GS_BASE:
		*value = v->gs_base_kernel = platform_get_segment_base(c, SEGMENT_BASE_GS);
		return 0;
	case MSR_SHADOW_GS_BASE:
		*value = v->gs_base_user;
		return 0;
	case MSR_UCODE_REV:
		/* Xen answers Intel and AMD guests with its own last microcode
		 * load; the shim cannot read the host's (a KVM guest sees
		 * KVM's value), so no revision: 0.  Other vendors: #GP. */
		if (cpu_vendor(c) == VENDOR_OTHER)
			return -1;
		*value = 0;
		return 0;
	default:
		return -1;
	}
}

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

/* `[REX] 0f 20 /r` and `[REX] 0f 22 /r`: mov from and to a control
 * register; returns its length, or 0 (why says it) if it is not one the
 * guest may read or write. */
static unsigned mov_cr(struct core *c, struct trap_frame *f, const uint8_t insn[2],
		       char *why, size_t whylen)
{
	uint8_t b[4] = { insn[0], insn[1], 0, 0 };
	unsigned rex = (b[0] & 0xf0) == 0x40 ? b[0] : 0, at = rex ? 1 : 0;
	if (copy_from_guest(c, b + 2, f->rip + 2, rex ? 2 : 1)) {
		core_format(why, whylen, "instruction bytes unreadable");
		return 0;
	}
	if (b[at] != 0x0f || (b[at + 1] != 0x20 && b[at + 1] != 0x22) ||
	    (b[at + 2] & 0xc0) != 0xc0) {
		core_format(why, whylen, "instruction %02x %02x %02x not emulated",
			    b[0], b[1], b[2]);
		return 0;
	}
	unsigned cr = ((b[at + 2] >> 3) & 7) | ((rex & 4) ? 8 : 0);
	unsigned reg = (b[at + 2] & 7) | ((rex & 1) ? 8 : 0);
	if (b[at + 1] == 0x22) {
		if (write_cr(c, cr, *gpr(f, reg))) {
			core_format(why, whylen, "mov to cr%u not emulated", cr);
			return 0;
		}
		return at + 3;
	}
	uint64_t value;
	if (read_cr(c, cr, &value)) {
		core_format(why, whylen, "mov from cr%u not emulated", cr);
		return 0;
	}
	*gpr(f, reg) = value;
	return at + 3;
}

int emulate_privileged(struct core *c, struct trap_frame *f, char *why, size_t whylen)
{
	uint8_t insn[2];
	if (!core_vcpu(c)->kernel_mode)
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
	} else if ((insn[0] == 0x0f && (insn[1] == 0x20 || insn[1] == 0x22)) ||
		   (insn[0] & 0xf0) == 0x40) {
		unsigned len = mov_cr(c, f, insn, why, whylen);
		if (!len)
			return -1;
		f->rip += len;
		return 0;
	} else {
		int len = emulate_cli_sti(c, insn, why, whylen);
		if (len == 0)
			len = emulate_xsetbv(c, f, insn, why, whylen);
		if (len == 0)
			len = emulate_port_io(c, f, insn, why, whylen);
		if (len > 0) {
			f->rip += (unsigned)len;
			return 0;
		}
		if (len == 0)
			core_format(why, whylen, "instruction %02x %02x not emulated",
				    insn[0], insn[1]);
		return -1;
	}
	f->rip += 2;
	return 0;
}
