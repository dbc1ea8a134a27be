/*
 * CPUID as a PV guest sees it, through Xen's forced-emulation prefix
 * (`ud2; .ascii "xen"; cpuid`, which raises #UD at CPL3).
 *
 * The policy is an allowlist over the CPU's real values: a PV kernel runs
 * at CPL3 on state the hypervisor owns (CR4, XCR0, the APIC, MSRs), so it
 * may only be told of features it can use from there.  Anything needing
 * XSAVE state (AVX and later), privileged control (PCID, SMEP, SMAP,
 * FSGSBASE, VMX, MONITOR), an APIC, or MSRs xenlet does not emulate
 * (speculation controls, MTRR, MCE) is hidden, as Xen hides most of them
 * from PV guests.  The hypervisor leaves at 0x40000000 say "XenVMMXenVMM",
 * whatever the CPU had there (KVM's own signature, in the launcher's table).
 */
#include "pv-shim/core/cpuid_policy.h"
#include "pv-shim/core/emulate.h"
#include "pv-shim/core/platform.h"

#define BIT(n) (1u << (n))

/* Leaf 1 EDX: FPU TSC MSR PAE CX8 SEP CMOV PAT CLFSH MMX FXSR SSE SSE2 */
#define LEAF1_EDX_KEEP (BIT(0) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | BIT(11) | \
			BIT(15) | BIT(16) | BIT(19) | BIT(23) | BIT(24) |     \
			BIT(25) | BIT(26))
/* Leaf 1 ECX: SSE3 PCLMUL SSSE3 CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES RDRAND */
#define LEAF1_ECX_KEEP (BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(19) |      \
			BIT(20) | BIT(22) | BIT(23) | BIT(25) | BIT(30))
#define LEAF1_ECX_HYPERVISOR BIT(31)
/* Leaf 7.0 EBX: BMI1 BMI2 ERMS RDSEED ADX CLFLUSHOPT SHA */
#define LEAF7_EBX_KEEP (BIT(3) | BIT(8) | BIT(9) | BIT(18) | BIT(19) |      \
			BIT(23) | BIT(29))
/* 0x80000001 EDX: SYSCALL NX LM; ECX: LAHF ABM(LZCNT) PREFETCHW */
#define EXT1_EDX_KEEP (BIT(11) | BIT(20) | BIT(29))
#define EXT1_ECX_KEEP (BIT(0) | BIT(5) | BIT(8))

void cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	enum { A, B, C, D };
	if (leaf >= XEN_CPUID_BASE && leaf < CPUID_HYPERVISOR_RANGE_END) {
		r[A] = r[B] = r[C] = r[D] = 0;
		switch (leaf - XEN_CPUID_BASE) {
		case 0:
			r[A] = XEN_CPUID_LAST;
			r[B] = 0x566e6558; /* "XenV" */
			r[C] = 0x65584d4d; /* "MMXe" */
			r[D] = 0x4d4d566e; /* "nVMM" */
			break;
		case 1:
			r[A] = (4u << 16) | 17u; /* Xen 4.17 */
			break;
		case 2:
			r[A] = 1;                /* hypercall pages */
			r[B] = XEN_CPUID_BASE;   /* MSR to place one (unused by PV) */
			break;
		}
		return;
	}
	switch (leaf) {
	case 0:
		if (r[A] > 0xd)
			r[A] = 0xd;
		break;
	case 1:
		r[B] &= 0x00ffffffu;     /* initial APIC id 0: vCPU 0 */
		r[C] = (r[C] & LEAF1_ECX_KEEP) | LEAF1_ECX_HYPERVISOR;
		r[D] &= LEAF1_EDX_KEEP;
		break;
	case 2:
	case 4:
		break;                   /* cache descriptions */
	case 7:
		if (subleaf == 0) {
			r[A] = 0;
			r[B] &= LEAF7_EBX_KEEP;
			r[C] = r[D] = 0;
		} else {
			r[A] = r[B] = r[C] = r[D] = 0;
		}
		break;
	case 0x80000000:
		if (r[A] > 0x80000008)
			r[A] = 0x80000008;
		break;
	case 0x80000001:
		r[C] &= EXT1_ECX_KEEP;
		r[D] &= EXT1_EDX_KEEP;
		break;
	case 0x80000002:
	case 0x80000003:
	case 0x80000004:
	case 0x80000005:
	case 0x80000006:
		break;                   /* brand string, caches */
	case 0x80000008:
		r[B] = r[C] = r[D] = 0;  /* address sizes only */
		break;
	default:
		r[A] = r[B] = r[C] = r[D] = 0;
		break;
	}
}

void cpuid_for_guest(struct core *c, uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	r[0] = r[1] = r[2] = r[3] = 0;
	if (leaf < XEN_CPUID_BASE || leaf >= CPUID_HYPERVISOR_RANGE_END)
		platform_cpuid(c, leaf, subleaf, r);
	cpuid_policy_apply(leaf, subleaf, r);
}

/* The forced-emulation prefix Xen defines for PV guests' CPUID. */
static const uint8_t forced_cpuid[7] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };

int emulate_forced_cpuid(struct core *c, struct trap_frame *f)
{
	uint8_t insn[sizeof forced_cpuid];
	if (copy_from_guest(c, insn, f->rip, sizeof insn))
		return -1;
	for (unsigned i = 0; i < sizeof insn; i++)
		if (insn[i] != forced_cpuid[i])
			return -1;
	uint32_t r[4];
	cpuid_for_guest(c, (uint32_t)f->rax, (uint32_t)f->rcx, r);
	f->rax = r[0];
	f->rbx = r[1];
	f->rcx = r[2];
	f->rdx = r[3];
	f->rip += sizeof forced_cpuid;
	return 0;
}
