/*
 * libFuzzer target: the hypercall/trap core (core_handle_trap) against a
 * hostile PV guest, whose registers and memory, page tables included, are
 * all fuzz bytes.
 *
 * Guest RAM is 32 pages holding a valid 4-level page-table skeleton first
 * (so walks reach real pages), which the input then patches (so PTEs are
 * hostile too).  Pointer arguments and RIP are usually picked from a table
 * of interesting guest addresses, so hypercalls really parse guest memory.
 *
 * Input layout (missing bytes read as zero):
 *   byte 0        calls per input (1 + (b & 0xf) % 3); bits 4-5: the XCR0
 *                 the layout says guest CPL3 runs with (xcr0_choices);
 *                 bit 6: the PV MMU is on (mm_domain_init over the
 *                 skeleton, as the launcher does); else bit 7: take CR3
 *                 from bytes 1..8
 *   bytes 1..8    raw CR3
 *   per call      9 selector bytes (vector, mode, rax, rdi, rsi, rdx, r10,
 *                 r8, rip), then a raw struct trap_frame (176 bytes)
 *   rest          RAM patches: u16 qword index, u8 length, that many bytes
 *
 * A register selector below 0x40 gives that small number (for RIP: that
 * offset into the code page), below 0xc0 one of the target addresses plus
 * the raw register's low 12 bits, else the raw register; RAX's 0x40..0xbf
 * pick xen_version, console_io, sched_op or event_channel_op (whose
 * commands, FIFO's init_control, expand_array and set_priority among
 * them, are small RDI numbers; the domain offers FIFO, ports 1 and 2
 * bound to dom0 as the launcher leaves them).  The vector selector's low 3
 * bits pick #UD at the trampoline, #UD, #GP, #PF, syscall (twice), vector
 * b >> 3 or the raw vector; mode % 4 != 0 is guest kernel mode.
 *
 * After each call the target checks, independently of the core's code, what
 * the PV ABI promises; any violation aborts so libFuzzer reports it:
 *   - the action and stop_reason agree and stop_reason is a known value;
 *   - a hypercall resumes at the old RCX with IF set, IOPL/NT/VM clear, and
 *     changes no register but RAX, RIP and RFLAGS; a continued one resumes
 *     at its own `syscall` (RCX - 2) with RAX kept and new arguments;
 *   - #GP/#UD emulation advances RIP by the instruction it emulated and
 *     touches only that instruction's output registers; CPUID never shows
 *     features a PV guest cannot use, nor XSAVE state beyond the XCR0
 *     offered (and none for an XCR0 the policy cannot describe); a byte
 *     `in` gives all ones from every port but the PIT's channel 2 (0x42);
 *   - an iret hypercall resumes only at a canonical rip and rsp, with IF
 *     set and IOPL/NT/VM clear;
 *   - any other trap resumes only through #UD/#GP emulation or at an entry
 *     point the guest registered (a trap-table gate, a callback), with
 *     only rip, rsp, rflags, cs and ss changed, IF set and TF/IOPL/NT/VM
 *     clear, or (an #NM the guest did not ask for) with nothing changed:
 *     everything else stops the domain;
 *   - guest RAM changes only on pages a user write walk reaches (so never
 *     read-only or supervisor pages) and the core touches only pages a user
 *     read walk reaches, unless page tables were changed on purpose (PTE
 *     stores through the platform, a new CR3), when reach is not comparable,
 *     or the PV MMU is on, when the guest names its own frames by number
 *     (mmu_update, mmuext_op copy/clear) and ASan alone checks the bounds;
 *     the registered vcpu_info page and the FIFO control block and
 *     event-array pages (named by number too) are not counted;
 *   - the platform never failed (e.g. the core overran the CPU-op queue);
 *   - nothing outside guest RAM is touched (poisoned guard pages, ASan).
 *
 * With the PV MMU on, two frames the skeleton maps user-writable stand for
 * dom0's rings (xenstore and console): the launcher holds them with
 * mm_hold_for_dom0, as run.c does.  After each call an independent model
 * of frame ownership, recomputed from scratch, must match the frame table
 * (check_ownership): the hole-1 class (the guest making dom0's ring, or
 * any frame still mapped writable, a page table) is caught as it happens:
 *   - every dom0-held frame is still WRITABLE, never a table type;
 *   - each frame's type and type_count are exactly what the references
 *     say: present entries of validated tables (an L1 entry with RW holds
 *     one WRITABLE ref, an L2/L3/L4 entry one ref of the level below; L4
 *     slots 256-271 are the hypervisor's and hold nothing), pins, the
 *     vCPU's cr3 and user_cr3 (one L4 ref each), a registered vcpu_info
 *     frame, the FIFO control block and event-array frames and the dom0
 *     holds (one WRITABLE ref each);
 *   - no validated L1 maps a page table writable, and no present entry of
 *     a validated table names a frame outside guest RAM but for the
 *     shared_info frame in an L1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/traps/traps_state.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/shim_abi.h"
#include "emu/vcpu/platform_host.h"
#include "tests/fuzz/fuzz_input.h"

#define PAGE 4096ULL
#define NR_PAGES 32
#define RAM_BYTES (NR_PAGES * PAGE)
#define MAX_CALLS 3
#define NR_SELECTORS 9

#define PTE_P    0x001ULL
#define PTE_RW   0x002ULL
#define PTE_US   0x004ULL
#define PTE_PS   0x080ULL
#define PTE_ADDR 0x000ffffffffff000ULL
#define PTE_USER_RW (PTE_P | PTE_RW | PTE_US)
/* L4 slots of Xen's reserved hole [0xffff800000000000, 0xffff880000000000). */
#define HOLE_FIRST_SLOT 256
#define HOLE_LAST_SLOT  271

#define VEC_UD 6
#define VEC_NM 7
#define VEC_GP 13
#define VEC_PF 14
#define RFLAGS_FIXED1 0x2ULL
#define RFLAGS_TF     0x100ULL
#define RFLAGS_IF     0x200ULL
#define RFLAGS_IOPL   0x3000ULL
#define RFLAGS_NT     0x4000ULL
#define RFLAGS_VM     0x20000ULL

/* Guest-physical layout of the skeleton (page numbers). */
enum {
	PG_L4, PG_L3_LOW, PG_L3_HIGH, PG_L2_LOW, PG_L2_HIGH, PG_L1_LOW,
	PG_L1_HIGH, PG_CODE,
	PG_RW_FIRST = 8,    /* 8..15 user, writable */
	PG_RO_FIRST = 16,   /* 16..19 user, read-only */
	PG_SUP_FIRST = 20,  /* 20..23 supervisor, writable */
	PG_ABSENT_FIRST = 24, /* 24..25 not present */
	PG_RW2_FIRST = 26,  /* 26..31 user, writable */
};

/* With the PV MMU on, dom0 holds these for the domain's life, as the
 * launcher holds the xenstore and console rings: pages the builder maps
 * user-writable, which pointer selectors name (targets[]). */
static const unsigned dom0_frames[] = { PG_RW_FIRST + 1, PG_RW2_FIRST };
#define NR_DOM0_FRAMES (sizeof dom0_frames / sizeof dom0_frames[0])

/* Guest-virtual layout: the same 32 pages mapped low and high, plus
 * regions each broken at one level above the leaf. */
#define VA_LOW        0x0000000000400000ULL /* L4 0, L3 0, L2 2 */
#define VA_L2_OUTSIDE 0x0000000000200000ULL /* L2 1 names no RAM */
#define VA_L2_PS      0x0000000000600000ULL /* L2 3 has PS set */
#define VA_L2_SUPER   0x0000000000800000ULL /* L2 4 without US */
#define VA_L2_RO      0x0000000000a00000ULL /* L2 5 without RW */
#define VA_HIGH       0xffffffff80000000ULL /* L4 511, L3 510, L2 0 */
#define VA_HOLE       0xffff80ff80000000ULL /* L4 257 -> the high tables */
#define TRAMPOLINE    SHIM_VA(SHIM_OFF_TRAMPOLINE)
/* The M2P's L4 entry names the shim's own tables, outside guest RAM. */
#define M2P_L4E       ((NR_PAGES + 0x100ULL) * PAGE | PTE_USER_RW)
#define CODE_VA       (VA_LOW + PG_CODE * PAGE)

/* Instructions in the code page (offsets a RIP selector names directly). */
#define CODE_WRMSR 0
#define CODE_RDMSR 2
#define CODE_FORCED_CPUID 4
#define CODE_UD2 11
static const uint8_t forced_cpuid[7] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };

/* Targets for pointer selectors; each gets a fuzz offset within 4 KiB. */
static const uint64_t targets[] = {
	CODE_VA,
	VA_LOW + PG_RW_FIRST * PAGE, VA_LOW + (PG_RW_FIRST + 1) * PAGE,
	VA_LOW + (PG_RO_FIRST - 1) * PAGE, /* last writable before read-only */
	VA_LOW + PG_RO_FIRST * PAGE, VA_LOW + PG_SUP_FIRST * PAGE,
	VA_LOW + PG_ABSENT_FIRST * PAGE, VA_LOW + PG_RW2_FIRST * PAGE,
	VA_LOW + PG_L1_LOW * PAGE,         /* a page table, read-only */
	VA_LOW + NR_PAGES * PAGE,          /* leaf just past RAM */
	VA_LOW + (NR_PAGES + 1) * PAGE,    /* leaf at the top of the address bits */
	VA_HIGH + PG_RW_FIRST * PAGE, VA_HIGH + PG_RO_FIRST * PAGE,
	VA_HIGH + PG_SUP_FIRST * PAGE,
	VA_L2_OUTSIDE, VA_L2_PS, VA_L2_SUPER + PG_RW_FIRST * PAGE,
	VA_L2_RO + PG_RW_FIRST * PAGE, VA_HOLE + PG_RW_FIRST * PAGE,
	0x0000800000000000ULL,             /* first non-canonical */
	0xfffffffffffff000ULL,             /* last page: copies may wrap */
	0, TRAMPOLINE,
};
#define NR_TARGETS (sizeof targets / sizeof targets[0])

struct call {
	uint8_t sel[NR_SELECTORS];
	struct trap_frame raw;
};
enum { SEL_VECTOR, SEL_MODE, SEL_RAX, SEL_RDI, SEL_RSI, SEL_RDX, SEL_R10,
       SEL_R8, SEL_RIP };

static uint8_t *ram;            /* exactly RAM_BYTES, guard pages around */
static uint8_t ram_before[RAM_BYTES];
static struct core_state *st;
static struct host_platform plat;
static struct shim_cpu_ops *cpu_ops; /* in the shim region, as in xenlet */
static struct core core;
static uint32_t touched;        /* pages the core asked the platform for */
static unsigned call_no;

#define CHECK(cond, ...) do {                                            \
	if (!(cond)) {                                                   \
		fprintf(stderr, "fuzz-core: call %u: ", call_no);        \
		fprintf(stderr, __VA_ARGS__);                            \
		fputc('\n', stderr);                                     \
		abort();                                                 \
	}                                                                \
} while (0)

/* Linked with --wrap=platform_guest_ram: records which pages the core
 * reached, so reads can be checked as well as writes. */
void *__real_platform_guest_ram(struct core *c, uint64_t gpa, size_t len);
void *__wrap_platform_guest_ram(struct core *c, uint64_t gpa, size_t len)
{
	void *p = __real_platform_guest_ram(c, gpa, len);
	if (p && len)
		for (uint64_t pg = gpa / PAGE; pg <= (gpa + len - 1) / PAGE; pg++)
			touched |= 1u << pg;
	return p;
}

/* A host CPUID table with every bit set, so any feature the PV policy
 * fails to mask reaches the guest and is caught. */
static struct kvm_cpuid2 *all_ones_cpuid(void)
{
	static const struct { uint32_t leaf, index, flags; } leaves[] = {
		{ 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 },
		{ 4, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ 4, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ 7, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ 7, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ 0xd, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ 0xd, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ 0xd, 2, KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ 0xd, 3, KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ 0xd, 5, KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ 0xd, 7, KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ 0xd, 9, KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ 0x40000000, 0, 0 }, { 0x40000001, 0, 0 },
		{ 0x80000000, 0, 0 }, { 0x80000001, 0, 0 },
		{ 0x80000008, 0, 0 },
	};
	size_t n = sizeof leaves / sizeof leaves[0];
	struct kvm_cpuid2 *t = calloc(1, sizeof *t + n * sizeof t->entries[0]);
	if (!t)
		abort();
	t->nent = n;
	for (size_t i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *e = &t->entries[i];
		e->function = leaves[i].leaf;
		e->index = leaves[i].index;
		e->flags = leaves[i].flags;
		e->eax = e->ebx = e->ecx = e->edx = 0xffffffffu;
	}
	return t;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	uint8_t *block = aligned_alloc(PAGE, RAM_BYTES + 2 * PAGE);
	uint8_t *shim = calloc(1, shim_region_size(NR_PAGES));
	FILE *null = fopen("/dev/null", "w");
	st = malloc(sizeof *st);
	if (!block || !shim || !null || !st)
		abort();
	cpu_ops = (struct shim_cpu_ops *)(shim + shim_off_cpu_ops(0));
	ASAN_POISON_MEMORY_REGION(block, PAGE);
	ASAN_POISON_MEMORY_REGION(block + PAGE + RAM_BYTES, PAGE);
	ram = block + PAGE;
	plat = (struct host_platform){
		.ram = ram, .ram_bytes = RAM_BYTES, .console = null, .log = null,
		.cpuid = all_ones_cpuid(), .cpu_ops = cpu_ops,
		.shim_region = shim,
	};
	core = (struct core){
		.st = st, .plat = &plat,
		.layout = {
			.nr_pages = NR_PAGES,
			.shared_info_mfn = NR_PAGES, /* not guest RAM, as in xenlet */
			.syscall_trampoline = TRAMPOLINE,
			.xsave_size = 2688, .xsavec_size = 2432, /* as for 0xe7 */
			.nr_vcpus = 1,
		},
	};
	return 0;
}

static void set_pte(unsigned table, unsigned idx, uint64_t frame, uint64_t flags)
{
	uint64_t e = frame * PAGE | flags;
	memcpy(ram + table * PAGE + idx * 8, &e, 8);
}

static uint64_t leaf_flags(unsigned pg)
{
	if (pg < PG_RW_FIRST || (pg >= PG_RO_FIRST && pg < PG_SUP_FIRST))
		return PTE_P | PTE_US;          /* tables and code too, as in PV */
	if (pg >= PG_SUP_FIRST && pg < PG_ABSENT_FIRST)
		return PTE_P | PTE_RW;
	if (pg >= PG_ABSENT_FIRST && pg < PG_RW2_FIRST)
		return PTE_RW | PTE_US;
	return PTE_USER_RW;
}

/* With the PV MMU on, only tables Xen's validation accepts: the entries
 * naming frames outside RAM and the superpage are left out. */
static void build_skeleton(int mm)
{
	memset(ram, 0, RAM_BYTES);
	set_pte(PG_L4, 0, PG_L3_LOW, PTE_USER_RW);
	set_pte(PG_L4, 511, PG_L3_HIGH, PTE_USER_RW);
	set_pte(PG_L4, 257, PG_L3_HIGH, PTE_USER_RW); /* valid, but in the hole */
	set_pte(PG_L3_LOW, 0, PG_L2_LOW, PTE_USER_RW);
	set_pte(PG_L3_HIGH, 510, PG_L2_HIGH, PTE_USER_RW);
	if (!mm) {
		set_pte(PG_L2_LOW, 1, 0x100000, PTE_USER_RW);
		set_pte(PG_L2_LOW, 3, PG_RW_FIRST, PTE_USER_RW | PTE_PS);
		set_pte(PG_L1_LOW, NR_PAGES, NR_PAGES, PTE_USER_RW);
		set_pte(PG_L1_LOW, NR_PAGES + 1, PTE_ADDR / PAGE, PTE_USER_RW);
	}
	set_pte(PG_L2_LOW, 2, PG_L1_LOW, PTE_USER_RW);
	set_pte(PG_L2_LOW, 4, PG_L1_LOW, PTE_P | PTE_RW);
	set_pte(PG_L2_LOW, 5, PG_L1_LOW, PTE_P | PTE_US);
	set_pte(PG_L2_HIGH, 0, PG_L1_HIGH, PTE_USER_RW);
	for (unsigned pg = 0; pg < NR_PAGES; pg++) {
		set_pte(PG_L1_LOW, pg, pg, leaf_flags(pg));
		set_pte(PG_L1_HIGH, pg, pg, leaf_flags(pg));
	}

	uint8_t *code = ram + PG_CODE * PAGE;
	memcpy(code + CODE_WRMSR, "\x0f\x30", 2);
	memcpy(code + CODE_RDMSR, "\x0f\x32", 2);
	memcpy(code + CODE_FORCED_CPUID, forced_cpuid, sizeof forced_cpuid);
	memcpy(code + CODE_UD2, "\x0f\x0b", 2);
	/* The same sequence across the end of the page, into a writable one. */
	memcpy(code + PAGE - 3, forced_cpuid, sizeof forced_cpuid);
}

static void apply_patches(struct input *in)
{
	while (in->n >= 3) {
		uint16_t qword;
		uint8_t len;
		take(in, &qword, sizeof qword);
		take(in, &len, 1);
		uint64_t off = (qword % (RAM_BYTES / 8)) * 8;
		size_t avail = len < in->n ? len : in->n;
		memcpy(ram + off, in->p, avail < RAM_BYTES - off ? avail : RAM_BYTES - off);
		in->p += avail;
		in->n -= avail;
	}
}

/*
 * The leaf pages (returned) and table pages (*tables) that a user-mode
 * walk from cr3 can reach, as the PV ABI defines it: every level present
 * and user, writable too for writes, no PS above the leaf, nothing in the
 * hole, only frames that are guest RAM.  Computed level by level over sets
 * of pages, so hostile tables that loop or alias cost no more than
 * well-formed ones.
 */
static uint32_t user_reach(uint64_t cr3, int write, uint32_t *tables)
{
	uint64_t need = write ? PTE_USER_RW : PTE_P | PTE_US;
	uint64_t top = (cr3 & PTE_ADDR) / PAGE;
	uint32_t level_set = top < NR_PAGES ? 1u << top : 0;
	*tables = 0;
	for (int level = 3; level >= 0; level--) {
		uint32_t next = 0;
		*tables |= level_set;
		for (unsigned pg = 0; pg < NR_PAGES; pg++) {
			if (!(level_set & (1u << pg)))
				continue;
			for (unsigned idx = 0; idx < 512; idx++) {
				if (level == 3 && idx >= HOLE_FIRST_SLOT &&
				    idx <= HOLE_LAST_SLOT)
					continue;
				uint64_t e;
				memcpy(&e, ram + pg * PAGE + idx * 8, 8);
				if ((e & need) != need || (level > 0 && (e & PTE_PS)))
					continue;
				uint64_t frame = (e & PTE_ADDR) / PAGE;
				if (frame < NR_PAGES)
					next |= 1u << frame;
			}
		}
		level_set = next;
	}
	return level_set;
}

static uint32_t changed_pages(void)
{
	uint32_t changed = 0;
	for (unsigned pg = 0; pg < NR_PAGES; pg++)
		if (memcmp(ram + pg * PAGE, ram_before + pg * PAGE, PAGE))
			changed |= 1u << pg;
	return changed;
}

/* Register value from a selector: small number, guest pointer, or raw. */
static uint64_t pick(uint8_t sel, uint64_t raw)
{
	if (sel < 0x40)
		return sel;
	if (sel < 0xc0)
		return targets[(sel - 0x40) % NR_TARGETS] + (raw & 0xfff);
	return raw;
}

static struct trap_frame make_frame(const struct call *k)
{
	struct trap_frame f = k->raw;
	const uint8_t *s = k->sel;
	uint8_t rax = s[SEL_RAX];
	if (rax >= 0x40 && rax < 0xc0)
		f.rax = rax < 0x80 ? __HYPERVISOR_xen_version
		      : rax < 0xa0 ? __HYPERVISOR_console_io
		      : rax < 0xb0 ? __HYPERVISOR_sched_op : __HYPERVISOR_event_channel_op;
	else if (rax < 0x40)
		f.rax = rax;
	f.rdi = pick(s[SEL_RDI], f.rdi);
	f.rsi = pick(s[SEL_RSI], f.rsi);
	f.rdx = pick(s[SEL_RDX], f.rdx);
	f.r10 = pick(s[SEL_R10], f.r10);
	f.r8 = pick(s[SEL_R8], f.r8);
	f.rip = s[SEL_RIP] < 0x40 ? CODE_VA + s[SEL_RIP] : pick(s[SEL_RIP], f.rip);
	uint8_t v = s[SEL_VECTOR];
	switch (v % 8) {
	case 0: f.vector = VEC_UD; f.rip = TRAMPOLINE; break;
	case 1: f.vector = VEC_UD; break;
	case 2: f.vector = VEC_GP; break;
	case 3: f.vector = VEC_PF; break;
	case 4:
	case 5: f.vector = CORE_VEC_SYSCALL; break;
	case 6: f.vector = v >> 3; break;
	default: break; /* the raw frame's vector */
	}
	return f;
}

static int is_canonical(uint64_t va)
{
	return (va >> 47) == 0 || (va >> 47) == 0x1ffff;
}

#define BIT(n) (1u << (n))
/* CPUID bits a PV kernel at CPL3 must never be offered: privileged
 * control, the APIC, unemulated MSRs, superpages. */
/* MONITOR VMX SMX PCID x2APIC TSC-deadline */
#define NEVER_1_ECX (BIT(3) | BIT(5) | BIT(6) | BIT(17) | BIT(21) | BIT(24))
/* PSE MCE APIC MTRR MCA */
#define NEVER_1_EDX (BIT(3) | BIT(7) | BIT(9) | BIT(12) | BIT(14))
/* FSGSBASE SMEP INVPCID SMAP */
#define NEVER_7_EBX (BIT(0) | BIT(7) | BIT(10) | BIT(20))
/* PKU OSPKE */
#define NEVER_7_ECX (BIT(3) | BIT(4))
/* IBRS/IBPB STIBP ARCH_CAPABILITIES SSBD */
#define NEVER_7_EDX (BIT(26) | BIT(27) | BIT(29) | BIT(31))
/* And those whose state XCR0 must enable: leaf 1 XSAVE OSXSAVE without
 * XSAVE; FMA AVX F16C, leaf 7 AVX2 without YMM; AVX512F without
 * opmask/ZMM_Hi256/Hi16_ZMM.  Leaf 0xd.1: XSAVES XFD never. */
#define XSAVE_1_ECX (BIT(26) | BIT(27))
#define YMM_1_ECX (BIT(12) | BIT(28) | BIT(29))
#define YMM_7_EBX BIT(5)
#define AVX512_7_EBX BIT(16)
#define NEVER_D1_EAX (BIT(3) | BIT(4))

/* The XCR0 the layout gives (bits 4-5 of byte 0) and the one the guest
 * may then be offered: none when the policy cannot describe it (PKRU). */
static const struct { uint64_t layout, offered; } xcr0_choices[4] = {
	{ 0x2e7, 0 }, { 0x3, 0x3 }, { 0x7, 0x7 }, { 0xe7, 0xe7 },
};
static uint64_t xcr0_offered;
/* 1 GiB pages */
#define NEVER_EXT1_EDX BIT(26)

static void check_cpuid(uint32_t leaf, uint32_t subleaf, const struct trap_frame *f)
{
	uint32_t b = (uint32_t)f->rbx, c = (uint32_t)f->rcx, d = (uint32_t)f->rdx;
	CHECK(f->rax >> 32 == 0 && f->rbx >> 32 == 0 && f->rcx >> 32 == 0 &&
	      f->rdx >> 32 == 0, "cpuid result wider than 32 bits");
	uint32_t a = (uint32_t)f->rax;
	uint32_t never_1_ecx = NEVER_1_ECX | (xcr0_offered ? 0 : XSAVE_1_ECX) |
			       (xcr0_offered & 4 ? 0 : YMM_1_ECX);
	uint32_t never_7_ebx = NEVER_7_EBX | (xcr0_offered & 4 ? 0 : YMM_7_EBX) |
			       (xcr0_offered & 0xe0 ? 0 : AVX512_7_EBX);
	if (leaf == 1) {
		CHECK(c & BIT(31), "cpuid 1: hypervisor bit clear");
		CHECK(!(c & never_1_ecx) && !(d & NEVER_1_EDX),
		      "cpuid 1: forbidden features ecx %#x edx %#x (xcr0 %#lx)", c, d,
		      (unsigned long)xcr0_offered);
		CHECK(b >> 24 == 0, "cpuid 1: APIC id %u", b >> 24);
	} else if (leaf == 7 && subleaf == 0) {
		CHECK(!(b & never_7_ebx) && !(c & NEVER_7_ECX) && !(d & NEVER_7_EDX),
		      "cpuid 7: forbidden features ebx %#x ecx %#x edx %#x (xcr0 %#lx)",
		      b, c, d, (unsigned long)xcr0_offered);
	} else if (leaf == 0xd && subleaf == 0) {
		CHECK((((uint64_t)d << 32) | a) == xcr0_offered,
		      "cpuid 0xd: xcr0 %#x:%#x offered, not %#lx", d, a,
		      (unsigned long)xcr0_offered);
	} else if (leaf == 0xd && subleaf == 1) {
		CHECK(!(a & NEVER_D1_EAX), "cpuid 0xd.1: XSAVES or XFD (%#x)", a);
	} else if (leaf == 0xd) {
		CHECK((subleaf < 64 && ((xcr0_offered >> subleaf) & 1)) ||
		      !(a | b | c | d), "cpuid 0xd.%u: a component not offered", subleaf);
	} else if (leaf == 0x80000001) {
		CHECK(!(d & NEVER_EXT1_EDX), "cpuid 0x80000001: 1 GiB pages");
	} else if (leaf == 0x40000000) {
		CHECK(b == 0x566e6558 && c == 0x65584d4d && d == 0x4d4d566e,
		      "cpuid 0x40000000: not XenVMMXenVMM");
	}
}

/* A guest kernel entry point the core may have bounced a trap to. */
static int is_entry_point(uint64_t rip)
{
	const struct traps_vcpu *t = &st->vcpu[0].traps;
	if (!rip)
		return 0;
	for (unsigned v = 0; v < TRAPS_NR_GATES; v++)
		if (t->gate[v].address == rip)
			return 1;
	return rip == t->syscall.address || rip == t->failsafe.address ||
	       rip == t->event.address;
}

static void check_resume_flags(const struct trap_frame *f, uint64_t never)
{
	CHECK((f->rflags & (RFLAGS_IF | RFLAGS_FIXED1)) == (RFLAGS_IF | RFLAGS_FIXED1),
	      "resumed with rflags %#lx", (unsigned long)f->rflags);
	CHECK(!(f->rflags & never), "resumed with rflags %#lx", (unsigned long)f->rflags);
}

static int is_table_type(unsigned type)
{
	return type >= MM_TYPE_L1 && type <= MM_TYPE_L4;
}

/* One reference the model says frame pfn must hold, of type. */
static void model_ref(uint32_t count[], uint8_t type[], uint64_t pfn,
		      unsigned want, const char *why)
{
	CHECK(pfn < NR_PAGES, "%s names frame %#lx, outside guest RAM", why,
	      (unsigned long)pfn);
	CHECK(!count[pfn] || type[pfn] == want, "frame %lu is needed as type %u "
	      "(%s) and as type %u", (unsigned long)pfn, want, why, type[pfn]);
	count[pfn]++;
	type[pfn] = (uint8_t)want;
}

/*
 * Frame ownership, recomputed from scratch from what holds references and
 * compared with the frame table (the rules of mm_frames.c, restated here
 * so that a slip in the core's bookkeeping cannot hide itself).
 */
static void check_ownership(void)
{
	const struct mm_frame *ft =
		(const struct mm_frame *)(plat.shim_region + SHIM_OFF_FRAMES);
	uint32_t count[NR_PAGES] = { 0 };
	uint8_t type[NR_PAGES] = { 0 };
	/* Linear page tables: the count each frame must have, and which
	 * frames hold linear entries or are held by one (never both). */
	int linear[NR_PAGES] = { 0 };
	uint8_t linear_from[NR_PAGES] = { 0 }, linear_to[NR_PAGES] = { 0 };
	for (unsigned pg = 0; pg < NR_PAGES; pg++) {
		const struct mm_frame *f = &ft[pg];
		if (!f->type_count) {
			CHECK(f->type == MM_TYPE_NONE && f->flags == 0,
			      "frame %u has no references but type %u flags %#x",
			      pg, f->type, f->flags);
			continue;
		}
		CHECK(f->type >= MM_TYPE_WRITABLE && f->type <= MM_TYPE_L4,
		      "frame %u has type %u", pg, f->type);
		/* No call returns with a table half validated. */
		CHECK(is_table_type(f->type) ==
		      !!(f->flags & MM_FRAME_VALIDATED),
		      "frame %u of type %u has flags %#x", pg, f->type, f->flags);
		if (f->flags & MM_FRAME_PINNED) {
			CHECK(is_table_type(f->type), "frame %u pinned as type %u",
			      pg, f->type);
			model_ref(count, type, pg, f->type, "a pin");
		}
		if (!is_table_type(f->type))
			continue;
		for (unsigned idx = 0; idx < 512; idx++) {
			if (f->type == MM_TYPE_L4 && idx >= HOLE_FIRST_SLOT &&
			    idx <= HOLE_LAST_SLOT)
				continue; /* the hypervisor's slots hold nothing */
			uint64_t e;
			memcpy(&e, ram + pg * PAGE + idx * 8, 8);
			if (!(e & PTE_P))
				continue;
			uint64_t to = (e & PTE_ADDR) / PAGE;
			if (f->type == MM_TYPE_L1 && to >= NR_PAGES) {
				CHECK(to == core.layout.shared_info_mfn, "L1 %u entry "
				      "%u maps frame %#lx, outside guest RAM", pg, idx,
				      (unsigned long)to);
			} else if (f->type == MM_TYPE_L1 && (e & PTE_RW)) {
				CHECK(!is_table_type(ft[to].type), "L1 %u entry %u "
				      "maps page table %lu writable", pg, idx,
				      (unsigned long)to);
				model_ref(count, type, to, MM_TYPE_WRITABLE,
					  "a writable L1 entry");
			} else if (f->type != MM_TYPE_L1 && to == pg) {
				/* A linear entry to its own table: no reference. */
				CHECK(!(e & PTE_RW), "table %u maps itself writable "
				      "(entry %u)", pg, idx);
			} else if (f->type != MM_TYPE_L1 && to < NR_PAGES &&
				   ft[to].type == f->type) {
				CHECK(!(e & PTE_RW), "table %u maps table %lu of its "
				      "level writable (entry %u)", pg,
				      (unsigned long)to, idx);
				model_ref(count, type, to, f->type, "a linear entry");
				linear[pg]++;
				linear[to]--;
				CHECK(!linear_to[pg] && !linear_from[to], "a linear entry "
				      "%u -> %lu chains two", pg, (unsigned long)to);
				linear_from[pg] = linear_to[to] = 1;
			} else if (f->type != MM_TYPE_L1) {
				model_ref(count, type, to, f->type - 1u,
					  "an upper-level entry");
			}
		}
	}
	for (unsigned pg = 0; pg < NR_PAGES; pg++)
		CHECK(ft[pg].linear_count == linear[pg], "frame %u: linear count %d, "
		      "its entries say %d", pg, ft[pg].linear_count, linear[pg]);
	const struct traps_vcpu *t = &st->vcpu[0].traps;
	for (unsigned i = 0; i < TRAPS_GDT_FRAMES && i * 512 < t->gdt_entries; i++)
		model_ref(count, type, t->gdt_frames[i], MM_TYPE_SEG_DESC, "a GDT frame");
	model_ref(count, type, st->vcpu[0].cr3 / PAGE, MM_TYPE_L4, "cr3");
	if (st->vcpu[0].user_cr3)
		model_ref(count, type, st->vcpu[0].user_cr3 / PAGE, MM_TYPE_L4,
			  "user_cr3");
	if (st->vcpu[0].vtime.vcpu_info_registered)
		model_ref(count, type, st->vcpu[0].vtime.vcpu_info_gpa / PAGE,
			  MM_TYPE_WRITABLE, "vcpu_info");
	const struct evtchn_fifo_state *fs = &st->evtchn.fifo;
	for (unsigned u = 0; u < EVTCHN_NR_VCPUS; u++)
		if (fs->vcpu[u].control_set)
			model_ref(count, type, fs->vcpu[u].control_gfn,
				  MM_TYPE_WRITABLE, "a FIFO control block");
	for (uint32_t i = 0; i < fs->nr_array_pages; i++)
		model_ref(count, type, fs->array_gfn[i], MM_TYPE_WRITABLE,
			  "an event-array page");
	for (unsigned i = 0; i < NR_DOM0_FRAMES; i++) {
		const struct mm_frame *f = &ft[dom0_frames[i]];
		CHECK(f->type == MM_TYPE_WRITABLE && f->type_count >= 1,
		      "dom0's frame %u has type %u count %u", dom0_frames[i],
		      f->type, f->type_count);
		model_ref(count, type, dom0_frames[i], MM_TYPE_WRITABLE,
			  "dom0's hold");
	}
	for (unsigned pg = 0; pg < NR_PAGES; pg++)
		CHECK(ft[pg].type_count == count[pg] &&
		      (!count[pg] || ft[pg].type == type[pg]),
		      "frame %u: the frame table says type %u count %u, the "
		      "references type %u count %u", pg, ft[pg].type,
		      ft[pg].type_count, type[pg], count[pg]);
}

/* A byte `in` the core emulated: all ones, as Xen gives a domU, from
 * every port but the PIT's channel 2 (0x42), whose count runs. */
static void check_port_in(const struct trap_frame *before, const struct trap_frame *f)
{
	uint8_t insn[2];
	if (copy_from_guest(&core, insn, before->rip, sizeof insn) ||
	    (insn[0] != 0xe4 && insn[0] != 0xec))
		return;
	uint16_t port = insn[0] == 0xe4 ? insn[1] : (uint16_t)before->rdx;
	CHECK(port == 0x42 || (f->rax & 0xff) == 0xff,
	      "in from port %#x gave %#lx", port, (unsigned long)f->rax);
}

/* Runs one trap and checks what the ABI promises about its outcome. */
static enum core_action run_call(const struct call *k)
{
	struct trap_frame f = make_frame(k), before = f;
	st->vcpu[0].kernel_mode = k->sel[SEL_MODE] % 4 != 0;
	int syscall = f.vector == CORE_VEC_SYSCALL ||
		      (f.vector == VEC_UD && f.rip == TRAMPOLINE);
	int hypercall = syscall && st->vcpu[0].kernel_mode;
	uint32_t rtables, wtables;
	uint32_t rleaves = user_reach(st->vcpu[0].cr3, 0, &rtables);
	uint32_t wleaves = user_reach(st->vcpu[0].cr3, 1, &wtables);
	/* Instruction bytes at a trap from user mode are read through the
	 * user's tables (copy_insn_from_guest), which may reach other pages. */
	if (!st->vcpu[0].kernel_mode && st->vcpu[0].user_cr3) {
		uint32_t user_tables;
		rleaves |= user_reach(st->vcpu[0].user_cr3, 0, &user_tables);
		rtables |= user_tables;
	}
	memcpy(ram_before, ram, RAM_BYTES);
	touched = 0;
	uint64_t cr3 = st->vcpu[0].cr3, user_cr3 = st->vcpu[0].user_cr3;
	host_cpu_ops_restart(&plat); /* the shim drains the queue after every trap */
	plat.failed = 0;

	enum core_action act = core_handle_trap(&core, &f);

	CHECK(!plat.failed, "a platform call failed");
	CHECK(st->stop_reason <= CORE_STOP_FAULT, "stop_reason %u", st->stop_reason);
	CHECK((act == CORE_RESUME) == (st->stop_reason == CORE_RUNNING),
	      "action %d with stop_reason %u", act, st->stop_reason);
	CHECK(memchr(st->stop_message, '\0', sizeof st->stop_message),
	      "stop message not terminated");
	if (st->stop_reason == CORE_STOP_FAULT)
		CHECK(!memcmp(&st->stop_frame, &before, sizeof before),
		      "stop frame is not the faulting frame");
	CHECK(is_canonical(st->vcpu[0].fs_base) && is_canonical(st->vcpu[0].gs_base_kernel) &&
	      is_canonical(st->vcpu[0].gs_base_user), "non-canonical segment base");

	struct trap_frame expect = f;
	if (hypercall && before.rax == __HYPERVISOR_iret) {
		/* iret restores every register from the guest's frame. */
		if (act == CORE_RESUME) {
			CHECK(is_canonical(f.rip) && is_canonical(f.rsp),
			      "iret to rip %#lx rsp %#lx", (unsigned long)f.rip,
			      (unsigned long)f.rsp);
			check_resume_flags(&f, RFLAGS_IOPL | RFLAGS_NT | RFLAGS_VM);
		}
		expect = before;
	} else if (hypercall && f.rip == before.rcx - 2) {
		/* Continued: the guest re-executes its `syscall`. */
		CHECK(f.rax == before.rax && f.rcx == before.rcx - 2,
		      "hypercall %lu continued with rax %#lx rcx %#lx",
		      (unsigned long)before.rax, (unsigned long)f.rax,
		      (unsigned long)f.rcx);
		check_resume_flags(&f, RFLAGS_IOPL | RFLAGS_NT | RFLAGS_VM);
		expect.rdi = before.rdi;
		expect.rsi = before.rsi;
		expect.rdx = before.rdx;
		expect.r10 = before.r10;
		expect.r8 = before.r8;
		expect.rcx = before.rcx;
		expect.rip = before.rip;
		expect.rflags = before.rflags;
	} else if (hypercall) {
		/* A stopped domain's frame is its report, not a return. */
		if (act == CORE_RESUME) {
			CHECK(f.rip == before.rcx, "hypercall returned to %#lx, not "
			      "rcx %#lx", (unsigned long)f.rip, (unsigned long)before.rcx);
			check_resume_flags(&f, RFLAGS_IOPL | RFLAGS_NT | RFLAGS_VM);
		}
		if (before.rax >= CORE_NR_HYPERCALLS)
			CHECK(f.rax == (uint64_t)-XEN_ENOSYS, "hypercall %#lx gave %ld",
			      (unsigned long)before.rax, (long)f.rax);
		/* Only a shutdown, or the only vCPU taken down, ends the run. */
		if (st->stop_reason != CORE_RUNNING)
			CHECK((st->stop_reason == CORE_STOP_SHUTDOWN &&
			       before.rax == __HYPERVISOR_sched_op &&
			       st->shutdown_code <= SHUTDOWN_MAX) ||
			      (st->stop_reason == CORE_STOP_FAULT &&
			       before.rax == __HYPERVISOR_vcpu_op && before.rdi == 2 /* VCPUOP_down */ &&
			       (uint32_t)before.rsi == 0),
			      "hypercall %lu stopped the domain (reason %u code %u)",
			      (unsigned long)before.rax, st->stop_reason,
			      st->shutdown_code);
		expect.rax = before.rax;
		expect.rip = before.rip;
		expect.rflags = before.rflags;
	} else if (act == CORE_RESUME && is_entry_point(f.rip)) {
		/* Bounced to the guest: a new stack, its handler, flags. */
		check_resume_flags(&f, RFLAGS_TF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_VM);
		CHECK(f.rsp % 8 == 0, "bounce frame at rsp %#lx", (unsigned long)f.rsp);
		expect.rip = before.rip;
		expect.rsp = before.rsp;
		expect.rflags = before.rflags;
		expect.cs = before.cs;
		expect.ss = before.ss;
	} else if (act == CORE_RESUME && f.vector == VEC_NM) {
		/* An #NM the guest's virtual CR0.TS did not ask for: the
		 * instruction runs again, nothing changed. */
	} else if (act == CORE_RESUME && f.vector == CORE_VEC_EVENT) {
		/* The launcher's event interrupt is a hint: with no upcall
		 * due when the core looks, the guest goes on unchanged. */
	} else if (act == CORE_RESUME) {
		/* From user mode only forced CPUID, and with IOPL 3 cli/sti
		 * and port I/O (1 to 3 bytes), as Xen emulates them there. */
		CHECK((f.vector == VEC_UD || f.vector == VEC_GP) &&
		      (st->vcpu[0].kernel_mode || f.vector == VEC_UD ||
		       (st->vcpu[0].traps.iopl == 3 && f.rip - before.rip <= 3)),
		      "vector %lu (kernel mode %u) resumed without emulation or "
		      "a guest entry point",
		      (unsigned long)f.vector, st->vcpu[0].kernel_mode);
		/* wrmsr/rdmsr: 2 bytes, rax and rdx; mov from or to a
		 * control or debug register ([REX] 0f 20-23 /r): 3 or 4
		 * bytes, one register or none; xsetbv: 3 bytes, none;
		 * port I/O ([66] in/out): 1 to 3 bytes, rax at most. */
		uint64_t moved = f.rip - before.rip;
		if (f.vector == VEC_UD)
			CHECK(moved == sizeof forced_cpuid, "emulation moved rip by %ld",
			      (long)moved);
		else
			CHECK(moved >= 1 && moved <= 4, "emulation moved rip by %ld",
			      (long)moved);
		if (f.vector == VEC_GP)
			check_port_in(&before, &f);
		if (f.vector == VEC_GP && moved != 2) {
			const uint64_t *a = (const uint64_t *)&f, *b = (const uint64_t *)&before;
			unsigned changed = 0;
			for (unsigned i = 0; i < 15; i++) /* r15 ... rax */
				changed += a[i] != b[i];
			CHECK(changed <= 1, "mov from cr/dr changed %u registers", changed);
			memcpy(&expect, &before, 15 * sizeof(uint64_t));
			expect.rsp = before.rsp;
			expect.rip = before.rip;
		} else if (f.vector == VEC_UD) {
			check_cpuid((uint32_t)before.rax, (uint32_t)before.rcx, &f);
			expect.rbx = before.rbx;
			expect.rcx = before.rcx;
		}
		expect.rax = before.rax;
		expect.rdx = before.rdx;
		expect.rip = before.rip;
	}
	CHECK(!memcmp(&expect, &before, sizeof before),
	      "trap changed registers it may not");

	/* Page tables may change on purpose: PTE stores through the platform,
	 * a new vCPU table, or a copy to a user-writable page table, after
	 * which the rest of the call may reach other pages.  A CR3 load or TLB
	 * flush alone (a guest mode switch) changes nothing the core's walk
	 * from vcpu.cr3 reaches, so bounces from user mode stay checked. */
	uint32_t changed = changed_pages();
	/* VCPUOP_register_vcpu_info names its frame by number, and the core
	 * writes the vcpu_info there from then on, mapped or not. */
	if (st->vcpu[0].vtime.vcpu_info_registered) {
		uint32_t vcpu_info_page = 1u << (st->vcpu[0].vtime.vcpu_info_gpa / PAGE);
		changed &= ~vcpu_info_page;
		touched &= ~vcpu_info_page;
	}
	/* So do EVTCHNOP_init_control and expand_array for FIFO's pages. */
	const struct evtchn_fifo_state *fs = &st->evtchn.fifo;
	uint32_t fifo_pages = 0;
	for (unsigned u = 0; u < EVTCHN_NR_VCPUS; u++)
		if (fs->vcpu[u].control_set && fs->vcpu[u].control_gfn < NR_PAGES)
			fifo_pages |= 1u << fs->vcpu[u].control_gfn;
	for (uint32_t i = 0; i < fs->nr_array_pages; i++)
		if (fs->array_gfn[i] < NR_PAGES)
			fifo_pages |= 1u << fs->array_gfn[i];
	changed &= ~fifo_pages;
	touched &= ~fifo_pages;
	int tables_moved = st->vcpu[0].cr3 != cr3 || st->vcpu[0].user_cr3 != user_cr3 ||
			   (changed & wleaves & rtables) || st->mm.active;
	for (uint32_t i = 0; i < plat.cpu_ops_count; i++)
		if (cpu_ops->op[i].kind != SHIM_CPU_OP_LOAD_CR3 &&
		    cpu_ops->op[i].kind != SHIM_CPU_OP_INVLPG)
			tables_moved = 1;
	if (!tables_moved) {
		CHECK(!(changed & ~wleaves), "wrote pages %#x no user write reaches "
		      "(writable: %#x)", changed & ~wleaves, wleaves);
		CHECK(!(touched & ~(rtables | rleaves)), "touched pages %#x no user "
		      "walk reaches", touched & ~(rtables | rleaves));
	}
	if (st->mm.active)
		check_ownership();
	return act;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t head;
	uint64_t raw_cr3;
	struct call calls[MAX_CALLS];
	take(&in, &head, 1);
	take(&in, &raw_cr3, sizeof raw_cr3);
	unsigned ncalls = 1 + (head & 0xf) % MAX_CALLS;
	int mm = head & 0x40;
	for (unsigned i = 0; i < ncalls; i++) {
		take(&in, calls[i].sel, NR_SELECTORS);
		take(&in, &calls[i].raw, sizeof calls[i].raw);
	}
	build_skeleton(mm);
	apply_patches(&in);

	memset(st, 0, sizeof *st);
	st->magic = CORE_STATE_MAGIC;
	st->trap_path = CORE_PATH_HOST;
	st->vcpu[0].initialised = st->vcpu[0].up = st->vcpu[0].started = 1;
	st->vcpu[0].cr3 = head & 0x80 && !mm ? raw_cr3 : PG_L4 * PAGE;
	core.layout.xcr0 = xcr0_choices[(head >> 4) & 3].layout;
	xcr0_offered = xcr0_choices[(head >> 4) & 3].offered;
	st->vcpu[0].cr4_guest = guest_cr4_initial(&core.layout);
	evtchn_domain_init(&core, 1, 1, 2, 1);
	if (mm) {
		memset(plat.shim_region + shim_off_m2p(NR_PAGES), 0,
		       NR_PAGES * SHIM_M2P_ENTRY_SIZE);
		/* Tables the domain builder would refuse: no domain to fuzz. */
		if (mm_domain_init(&core, PG_L4 * PAGE, M2P_L4E))
			return 0;
		/* Rings the patches made tables: the launcher would refuse
		 * such a domain (run.c). */
		for (unsigned i = 0; i < NR_DOM0_FRAMES; i++)
			if (mm_hold_for_dom0(&core, dom0_frames[i]))
				return 0;
		call_no = 0;
		check_ownership();
	}

	for (call_no = 0; call_no < ncalls; call_no++)
		if (run_call(&calls[call_no]) == CORE_STOP)
			break;
	return 0;
}
