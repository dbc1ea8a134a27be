/*
 * CPUID as a PV guest sees it, through Xen's forced-emulation prefix
 * (`ud2; .ascii "xen"; cpuid`, which raises #UD at CPL3).
 *
 * The policy is an allowlist over the CPU's real values: a PV kernel runs
 * at CPL3 on state the hypervisor owns (CR4, XCR0, the APIC, MSRs), so it
 * may only be told of features it can use from there.  Anything needing
 * privileged control (PCID, SMEP, SMAP, FSGSBASE, PKU, VMX, MONITOR), an
 * APIC, or MSRs xenlet does not emulate (speculation controls, MTRR, MCE,
 * XSS for XSAVES, XFD) is hidden, as Xen hides most of them from PV
 * guests.
 *
 * XSAVE is offered with exactly the XCR0 guest CPL3 code runs with (the
 * host's, on the project's machines, whatever the vCPU is given), and
 * with it the features whose state that XCR0 enables: AVX and its kin
 * with YMM, AVX-512 with opmask/ZMM_Hi256/Hi16_ZMM.  The CPU runs them
 * at CPL3 either way; telling the kernel makes it save and restore that
 * state between its processes.  OSXSAVE is the guest's virtual
 * CR4.OSXSAVE (guest_cr4.c).
 *
 * The hypervisor leaves at 0x40000000 say "XenVMMXenVMM", whatever the
 * CPU had there (KVM's own signature, in the launcher's table).
 */
#include "pv-shim/core/emulate/cpuid_policy.h"
#include "pv-shim/core/emulate/emulate.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/platform.h"

#define BIT(n) (1u << (n))

/* Leaf 1 EDX: FPU DE TSC MSR PAE CX8 SEP CMOV PAT CLFSH MMX FXSR SSE SSE2 */
#define LEAF1_EDX_KEEP (BIT(0) | BIT(2) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | BIT(11) | \
			BIT(15) | BIT(16) | BIT(19) | BIT(23) | BIT(24) |     \
			BIT(25) | BIT(26))
/* Leaf 1 ECX: SSE3 PCLMUL SSSE3 CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES RDRAND */
#define LEAF1_ECX_KEEP (BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(19) |      \
			BIT(20) | BIT(22) | BIT(23) | BIT(25) | BIT(30))
#define LEAF1_ECX_HYPERVISOR BIT(31)
#define LEAF1_ECX_XSAVE   BIT(26)
#define LEAF1_ECX_OSXSAVE BIT(27)
/* Leaf 1 ECX with YMM state: FMA AVX F16C */
#define LEAF1_ECX_YMM (BIT(12) | BIT(28) | BIT(29))
/* Leaf 7.0 EBX: BMI1 BMI2 ERMS RDSEED ADX CLFLUSHOPT SHA */
#define LEAF7_EBX_KEEP (BIT(3) | BIT(8) | BIT(9) | BIT(18) | BIT(19) |      \
			BIT(23) | BIT(29))
/* Leaf 7.0 with YMM state: EBX AVX2; ECX VAES VPCLMULQDQ */
#define LEAF7_EBX_YMM BIT(5)
#define LEAF7_ECX_YMM (BIT(9) | BIT(10))
/* Leaf 7.0 with AVX-512 state: EBX F DQ IFMA PF ER CD BW VL; ECX VBMI
 * VBMI2 VNNI BITALG VPOPCNTDQ; EDX 4VNNIW 4FMAPS VP2INTERSECT FP16 */
#define LEAF7_EBX_AVX512 (BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | \
			  BIT(28) | BIT(30) | BIT(31))
#define LEAF7_ECX_AVX512 (BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14))
#define LEAF7_EDX_AVX512 (BIT(2) | BIT(3) | BIT(8) | BIT(23))
/* Leaf 0xd.1 EAX: XSAVEOPT XSAVEC XGETBV1 (not XSAVES, XFD: CPL0, MSRs) */
#define LEAF_D1_EAX_KEEP (BIT(0) | BIT(1) | BIT(2))
/* 0x80000001 EDX: SYSCALL NX LM; ECX: LAHF ABM(LZCNT) PREFETCHW */
#define EXT1_EDX_KEEP (BIT(11) | BIT(20) | BIT(29))
#define EXT1_ECX_KEEP (BIT(0) | BIT(5) | BIT(8))

uint64_t cpuid_policy_xcr0(uint64_t cpl3_xcr0)
{
	uint64_t avx512 = cpl3_xcr0 & XSTATE_AVX512;
	if ((cpl3_xcr0 & (XSTATE_X87 | XSTATE_SSE)) != (XSTATE_X87 | XSTATE_SSE) ||
	    (cpl3_xcr0 & ~(uint64_t)XSTATE_OFFERABLE) ||
	    (avx512 && (avx512 != XSTATE_AVX512 || !(cpl3_xcr0 & XSTATE_YMM))))
		return 0;
	return cpl3_xcr0;
}

/* Leaf 0xd: XCR0's components and nothing else.  Subleaf 0 gives the one
 * XCR0 the guest may set (xsetbv accepts no other) and its area's size;
 * subleaf 1 the compacted one's (Linux sizes its XSAVEC buffers by it);
 * each enabled component's subleaf keeps the CPU's size and offset. */
static void xstate_leaf(const struct cpuid_xstate *x, uint32_t subleaf, uint32_t r[4])
{
	enum { A, B, C, D };
	if (!x->xcr0) {
		r[A] = r[B] = r[C] = r[D] = 0;
	} else if (subleaf == 0) {
		r[A] = (uint32_t)x->xcr0;
		r[D] = (uint32_t)(x->xcr0 >> 32);
		r[B] = r[C] = x->size;
	} else if (subleaf == 1) {
		r[A] &= LEAF_D1_EAX_KEEP;
		r[B] = x->compacted_size; /* XCR0 | XSS, and XSS is 0 */
		r[C] = r[D] = 0;          /* XSS bits: none */
	} else if (subleaf >= 64 || !((x->xcr0 >> subleaf) & 1)) {
		r[A] = r[B] = r[C] = r[D] = 0;
	} else {
		r[C] &= BIT(1); /* 64-byte aligned when compacted; user state */
		r[D] = 0;
	}
}

void cpuid_policy_apply(const struct cpuid_xstate *x, uint32_t leaf,
			uint32_t subleaf, uint32_t r[4])
{
	enum { A, B, C, D };
	uint64_t xcr0 = cpuid_policy_xcr0(x->xcr0);
	const struct cpuid_xstate offered = { xcr0, x->size, x->compacted_size, x->osxsave };
	int ymm = (xcr0 & XSTATE_YMM) != 0;
	int avx512 = (xcr0 & XSTATE_AVX512) != 0;
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
		r[C] &= LEAF1_ECX_KEEP | (ymm ? LEAF1_ECX_YMM : 0);
		r[C] |= LEAF1_ECX_HYPERVISOR |
			(xcr0 ? LEAF1_ECX_XSAVE : 0) |
			(xcr0 && x->osxsave ? LEAF1_ECX_OSXSAVE : 0);
		r[D] &= LEAF1_EDX_KEEP;
		break;
	case 2:
	case 4:
		break;                   /* cache descriptions */
	case 7:
		if (subleaf == 0) {
			r[A] = 0;
			r[B] &= LEAF7_EBX_KEEP | (ymm ? LEAF7_EBX_YMM : 0) |
				(avx512 ? LEAF7_EBX_AVX512 : 0);
			r[C] &= (ymm ? LEAF7_ECX_YMM : 0) |
				(avx512 ? LEAF7_ECX_AVX512 : 0);
			r[D] &= avx512 ? LEAF7_EDX_AVX512 : 0;
		} else {
			r[A] = r[B] = r[C] = r[D] = 0;
		}
		break;
	case 0xd:
		xstate_leaf(&offered, subleaf, r);
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
	const struct cpuid_xstate x = {
		.xcr0 = c->layout.xcr0, .size = c->layout.xsave_size,
		.compacted_size = c->layout.xsavec_size,
		.osxsave = (guest_cr4_read(c) & GUEST_CR4_OSXSAVE) != 0,
	};
	cpuid_policy_apply(&x, leaf, subleaf, r);
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
