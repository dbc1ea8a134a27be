/*
 * rdmsr and wrmsr from the guest kernel, answered as Xen answers a 64-bit
 * PV domU (guest_rdmsr/guest_wrmsr and the PV emulator's read_msr/
 * write_msr, for a domain that is neither the hardware domain nor a
 * cpufreq controller, without msr_relaxed).  Anything else is refused,
 * and the guest gets #GP(0), as from Xen.
 *
 * Segment bases are kept in the vCPU state and applied through the
 * platform, which owns the CPU; rdmsr of the FS or (kernel) GS base reads
 * the CPU's, as guest code may have changed it with wrfsbase/wrgsbase,
 * and refreshes the copy.  The user's GS base (SHADOW) is the copy, saved
 * from the CPU when the guest last left user mode.
 *
 * The values are Xen's fixed answers; where Xen forwards the host's, the
 * core has no host to ask (a KVM guest would read KVM's), so those MSRs
 * are left out (MISC_ENABLE, PLATFORM_ID) or answered as
 * Xen on a host without the feature: PLATFORM_INFO shows no CPUID
 * faulting (the CPU runs the guest's plain `cpuid` itself), so
 * MISC_FEATURES_ENABLES reads 0 and takes only 0.  DEBUGCTL is not among
 * the MSRs Xen answers a PV guest: #GP, both ways.
 */
#include "pv-shim/core/emulate/emulate.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/departure.h"

#define MSR_TSC            0x00000010u
#define MSR_PLATFORM_ID    0x00000017u
#define MSR_MISC_ENABLE    0x000001a0u
#define MSR_UCODE_REV      0x0000008bu /* Intel's BIOS_SIGN_ID, AMD's PATCHLEVEL */
#define MSR_APIC_BASE      0x0000001bu
#define MSR_FEATURE_CONTROL 0x0000003au
#define MSR_PLATFORM_INFO  0x000000ceu
#define MSR_MPERF          0x000000e7u
#define MSR_APERF          0x000000e8u
#define MSR_MISC_FEATURES_ENABLES 0x00000140u
#define MSR_PERF_STATUS    0x00000198u
#define MSR_PERF_CTL       0x00000199u
#define MSR_THERM_CONTROL  0x0000019au
#define MSR_THERM_STATUS   0x0000019cu
#define MSR_ENERGY_PERF_BIAS 0x000001b0u
#define MSR_PAT            0x00000277u
#define MSR_PERF_CAPABILITIES 0x00000345u
#define MSR_EFER           0xc0000080u
#define MSR_FS_BASE        0xc0000100u
#define MSR_GS_BASE        0xc0000101u
#define MSR_SHADOW_GS_BASE 0xc0000102u
#define MSR_K8_HWCR        0xc0010015u
#define MSR_AMD64_NB_CFG   0xc001001fu
#define MSR_K7_FID_VID_CTL 0xc0010041u
#define MSR_K7_FID_VID_STATUS 0xc0010042u
#define MSR_K8_PSTATE_LIMIT 0xc0010061u /* to PSTATE7, 0xc001006b */
#define MSR_K8_PSTATE7     0xc001006bu
#define MSR_AMD64_DE_CFG   0xc0011029u

/* Xen's own APIC as a PV guest is shown it: enabled at the default base,
 * vCPU 0 the bootstrap processor. */
#define APIC_BASE_DEFAULT  0xfee00800ULL
#define APIC_BASE_BSP      0x100ULL
#define FEATURE_CONTROL_LOCK 0x1ULL
/* The PAT Xen programs and shows PV guests (XEN_MSR_PAT). */
#define XEN_PAT            0x050100070406ULL
/* EFER as Xen runs a 64-bit PV guest: SCE LME LMA NXE. */
#define GUEST_EFER         0xd01ULL
#define DE_CFG_LFENCE_SERIALISE 0x2ULL

enum cpu_vendor { VENDOR_OTHER, VENDOR_INTEL, VENDOR_AMD, VENDOR_HYGON };

/* The vendor leaf 0 names, as the guest's CPUID shows it. */
static enum cpu_vendor cpu_vendor(struct core *c)
{
	uint32_t r[4];
	platform_cpuid(c, 0, 0, r);
	if (r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e)
		return VENDOR_INTEL; /* "GenuineIntel" */
	if (r[1] == 0x68747541 && r[3] == 0x69746e65 && r[2] == 0x444d4163)
		return VENDOR_AMD;   /* "AuthenticAMD" */
	if (r[1] == 0x6f677948 && r[3] == 0x6e65476e && r[2] == 0x656e6975)
		return VENDOR_HYGON; /* "HygonGenuine" */
	return VENDOR_OTHER;
}

static int amd_like(struct core *c)
{
	enum cpu_vendor v = cpu_vendor(c);
	return v == VENDOR_AMD || v == VENDOR_HYGON;
}

static int k8_power_msr(uint32_t msr)
{
	return msr == MSR_K7_FID_VID_CTL || msr == MSR_K7_FID_VID_STATUS ||
		(msr >= MSR_K8_PSTATE_LIMIT && msr <= MSR_K8_PSTATE7);
}

int guest_msr_write(struct core *c, uint32_t msr, uint64_t value)
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
		 * "cpuid, rdmsr" that reads the microcode revision; Xen takes
		 * that write on Intel, and #GP otherwise (Linux's
		 * early_init_intel does it at every boot). */
		return cpu_vendor(c) == VENDOR_INTEL && value == 0 ? 0 : -1;
	case MSR_EFER:
		/* Linux writes back what it read; a change is refused. */
		return value == GUEST_EFER ? 0 : -1;
	case MSR_MISC_FEATURES_ENABLES:
		return value == 0 ? 0 : -1; /* no CPUID faulting to enable */
	case MSR_AMD64_NB_CFG:
		return 0; /* dropped, for every vendor */
	case MSR_K8_HWCR:
	case MSR_AMD64_DE_CFG:
		return amd_like(c) ? 0 : -1; /* dropped on AMD and Hygon */
	case MSR_MPERF:
	case MSR_APERF:
		return cpu_vendor(c) != VENDOR_OTHER ? 0 : -1;
	case MSR_THERM_CONTROL:
	case MSR_ENERGY_PERF_BIAS:
		return cpu_vendor(c) == VENDOR_INTEL ? 0 : -1;
	default:
		return k8_power_msr(msr) && amd_like(c) ? 0 : -1;
	}
}

int guest_msr_read(struct core *c, uint32_t msr, uint64_t *value)
{
	struct core_vcpu *v = core_vcpu(c);
	enum cpu_vendor vendor = cpu_vendor(c);
	switch (msr) {
	case MSR_FS_BASE:
		*value = v->fs_base = platform_get_segment_base(c, SEGMENT_BASE_FS);
		return 0;
	case MSR_GS_BASE:
		/* Only in guest kernel mode: the live GS base is the kernel's. */
		*value = v->gs_base_kernel = platform_get_segment_base(c, SEGMENT_BASE_GS);
		return 0;
	case MSR_SHADOW_GS_BASE:
		*value = v->gs_base_user;
		return 0;
	case MSR_UCODE_REV:
		/* Xen answers Intel and AMD guests with its own last microcode
		 * load; the core cannot read the host's, so no revision. */
		if (vendor != VENDOR_INTEL && vendor != VENDOR_AMD)
			return -1;
		*value = 0;
		return 0;
	case MSR_TSC:
		/* Xen's native TSC mode: what rdtsc gives the guest. */
		*value = platform_read_tsc(c);
		return 0;
	case MSR_APIC_BASE:
		*value = APIC_BASE_DEFAULT | (c->vcpu == 0 ? APIC_BASE_BSP : 0);
		return 0;
	case MSR_EFER:
		*value = GUEST_EFER;
		return 0;
	case MSR_PAT:
		*value = XEN_PAT;
		return 0;
	case MSR_PLATFORM_INFO:
	case MSR_MISC_FEATURES_ENABLES:
	case MSR_PERF_CAPABILITIES:
	case MSR_AMD64_NB_CFG:
		*value = 0;
		return 0;
	case MSR_FEATURE_CONTROL:
		/* Intel's, locked without VMX (the policy offers none). */
		if (vendor != VENDOR_INTEL)
			return -1;
		*value = FEATURE_CONTROL_LOCK;
		return 0;
	case MSR_PERF_STATUS:
	case MSR_PERF_CTL:
	case MSR_THERM_STATUS:
		if (vendor != VENDOR_INTEL)
			return -1;
		*value = 0;
		return 0;
	case MSR_K8_HWCR:
		if (!amd_like(c))
			return -1;
		*value = 0;
		return 0;
	case MSR_AMD64_DE_CFG:
		if (!amd_like(c))
			return -1;
		*value = DE_CFG_LFENCE_SERIALISE;
		return 0;
	case MSR_PLATFORM_ID:
	case MSR_MISC_ENABLE:
		if (vendor != VENDOR_INTEL)
			return -1;
		core_departure(c, DEPARTURE_MSR_HOST_VALUE, "rdmsr of MISC_ENABLE or "
			       "PLATFORM_ID, which Xen answers from the host: #GP");
		return -1;
	default:
		/* Xen's power-state MSRs read 0 on AMD only (not Hygon). */
		if (!k8_power_msr(msr) || vendor != VENDOR_AMD)
			return -1;
		*value = 0;
		return 0;
	}
}
