/*
 * What the launcher and the shim agree on: where the shim lives, the ports
 * its stubs use to reach the launcher, and the boot parameters page.
 *
 * The shim region is one block of guest-physical memory outside guest RAM
 * (no pfn of the guest names it), mapped at SHIM_VIRT_BASE in PML4 slot 257
 * of every guest top-level table.  Everything the hypercall/trap core keeps
 * lives here, so the core can run on it from inside the guest (at these
 * virtual addresses) or from the launcher (through its mapping of the block).
 *
 *   offset     size     what                           guest mapping
 *   0x000000   1 MiB    shim image (text, data, bss)   RX / RW, supervisor
 *   0x100000   4 KiB    boot parameters                RW, supervisor
 *   0x101000   4 KiB    syscall trampoline (LSTAR)     RX, user
 *   0x102000   4 KiB    shared_info                    RW, supervisor
 *   0x103000   4 KiB    IDT (one for every vCPU)       RW, supervisor
 *   0x104000   4 KiB    SMP: the guest trap path's     RW, supervisor
 *                       domain lock, shootdown counts
 *   0x110000   512 KiB  core state                     RW, supervisor
 *   0x190000   128 KiB  grant table: 32 shared frames  RW, supervisor; the
 *                       (Xen's gnttab shared frames)   guest maps those set
 *                                                      up with its own PTEs
 *   0x1b0000   16 KiB   grant status frames (v2)       likewise, under v2
 *   0x1b4000   256 KiB  grant active entries (pins)    RW, supervisor
 *   0x1f4000   48 KiB   grant maptrack (map handles)   RW, supervisor
 *   0x200000   2 MiB    shim page tables               not mapped
 *   0x400000   8 MiB    per-vCPU blocks, 256 KiB each  see below; only the
 *                       for SHIM_MAX_VCPUS vCPUs       first nr_vcpus mapped
 *   0xc00000   varies   frame table: struct mm_frame   RW, supervisor
 *                       per guest frame (2 MiB multiple)
 *   after it   varies   M2P table: 8 bytes per frame   RW, supervisor; and
 *                       (2 MiB multiple)               read-only, user at
 *                                                      SHIM_M2P_BASE (259)
 *
 * vCPU n's block is at SHIM_OFF_VCPUS + n * SHIM_VCPU_STRIDE, aligned to
 * its size, so the shim finds which vCPU it runs for from its stack
 * pointer alone (shim_vcpu_of) and each vCPU has its own CPU state:
 *
 *   +0x00000   64 KiB   CPU operations the launcher     RW, supervisor
 *                       queued for the shim to apply
 *   +0x10000   4 KiB    GDT: Xen's reserved page       RW, supervisor
 *   +0x11000   4 KiB    TSS, with its I/O bitmap       RW, supervisor
 *   +0x12000   4 KiB    launcher mailbox (console/log) RW, supervisor
 *   +0x13000   4 KiB    guard: a trap stack overflow   not mapped
 *                       faults instead of going on
 *   +0x14000   32 KiB   trap stack (rsp0, IST2: #PF)   RW, supervisor
 *   +0x1c000   16 KiB   fault stack (IST1: #DF/#NMI/#MC) RW, supervisor
 *   +0x20000   56 KiB   the CPU's copy of the guest's  RW, supervisor
 *                       GDT frames (set_gdt)
 *
 * The space for all SHIM_MAX_VCPUS blocks is reserved so that no offset
 * depends on the vCPU count; the region is memfd memory, so blocks never
 * touched cost nothing, and the shim's page tables map only the blocks
 * of the vCPUs the domain has (a stray access to another faults).
 *
 * The CPU's GDT is a 64 KiB window laid out as Xen lays out a PV vCPU's
 * GDT: vCPU n's, at shim_gdt_window(n) in the second GiB of slot 257,
 * maps the 14 pages of its copy of the guest's set_gdt frames (entries
 * 0 to FIRST_RESERVED_GDT_ENTRY - 1, so the guest's own selectors load
 * at CPL3 as under Xen; an entry past the guest's table is empty), then
 * its GDT page at FIRST_RESERVED_GDT_BYTE: Xen's reserved descriptors
 * (FLAT_RING3_CS64 0xe033, FLAT_RING3_DS32 0xe02b, ...), where the shim
 * keeps its own too (ring 0 code and data, TSS, LDT), as Xen keeps its.
 * The copy is the core's (traps_gdt.c): the frames are typed as
 * descriptor pages, so only update_descriptor changes them, and it
 * changes the copy with them.
 *
 * The first 12 MiB are fixed; the frame table and the M2P table grow with
 * guest RAM (shim_region_size()), mapped in 2 MiB pages.  Guest RAM is also
 * mapped, supervisor-only, at SHIM_PHYSMAP_BASE (slot 258) so the core can
 * reach any guest frame when it runs inside the guest.
 */
#ifndef XENLET_SHIM_ABI_H
#define XENLET_SHIM_ABI_H

/* Constants the trap stubs use too: no C suffix in assembly. */
#ifdef __ASSEMBLER__
#define SHIM_UL(x) x
#else
#define SHIM_UL(x) x##ULL
#endif

#define SHIM_VIRT_BASE      SHIM_UL(0xffff808000000000) /* PML4 slot 257 */
#define SHIM_PHYSMAP_BASE   SHIM_UL(0xffff810000000000) /* PML4 slot 258 */
#define SHIM_L4_SLOT        257
#define SHIM_PHYSMAP_SLOT   258
#define SHIM_PHYSMAP_MAX    (512ULL << 30)        /* one L4 slot */
/* The guest's read-only machine-to-phys table (XENMEM_machphys_mapping). */
#define SHIM_M2P_BASE       0xffff818000000000ULL /* PML4 slot 259 */
#define SHIM_M2P_SLOT       259

#define SHIM_REGION_SIZE    0xc00000ULL /* the fixed part */
#define SHIM_IMAGE_MAX      0x100000ULL
#define SHIM_OFF_BOOT       0x100000ULL
#define SHIM_OFF_TRAMPOLINE SHIM_UL(0x101000)
#define SHIM_OFF_SHARED     0x102000ULL
#define SHIM_OFF_IDT        0x103000ULL
#define SHIM_OFF_SMP        0x104000ULL
#define SHIM_OFF_CORE       0x110000ULL
#define SHIM_CORE_SIZE      0x80000ULL
/*
 * Grant tables (pv-shim/core/grant/).  Like shared_info, the frames the
 * guest shares with "Xen" sit outside its RAM: the guest maps them by
 * machine frame, (region gpa + offset) >> 12, which setup_table and
 * get_status_frames return (struct core_layout's grant_mfn is the first;
 * the status frames follow the shared ones).  32 shared frames is the
 * max_nr_frames query_size reports (xl's default, max_grant_frames, is
 * 64; 32 is Xen's own built-in default and more than a domU with a few
 * devices uses): 16384 v1 entries of 8 bytes or 8192 v2 entries of 16,
 * whose 2-byte status entries take 4 frames.  The active entries (one
 * per v1 entry, the larger count) and the map handles are the core's.
 */
#define SHIM_OFF_GRANT           0x190000ULL
#define SHIM_GRANT_FRAMES        32
#define SHIM_OFF_GRANT_STATUS    0x1b0000ULL
#define SHIM_GRANT_STATUS_FRAMES 4
#define SHIM_OFF_GRANT_ACTIVE    0x1b4000ULL
#define SHIM_GRANT_ACTIVE_SIZE   0x40000ULL
#define SHIM_OFF_GRANT_MAPTRACK  0x1f4000ULL
#define SHIM_GRANT_MAPTRACK_SIZE 0xc000ULL
#define SHIM_OFF_PGTABLES   0x200000ULL
#define SHIM_PGTABLES_SIZE  0x200000ULL
/* Per-vCPU blocks; 32 vCPUs, as many as shared_info has vcpu_info for. */
#define SHIM_MAX_VCPUS      32
#define SHIM_OFF_VCPUS      SHIM_UL(0x400000)
#define SHIM_VCPU_STRIDE    SHIM_UL(0x40000)
/* Offsets inside a vCPU's block. */
#define SHIM_VCPU_CPU_OPS   SHIM_UL(0x0)
#define SHIM_CPU_OPS_SIZE   SHIM_UL(0x10000)
#define SHIM_VCPU_GDT       0x10000ULL
#define SHIM_VCPU_TSS       0x11000ULL
#define SHIM_VCPU_MAILBOX   0x12000ULL
#define SHIM_MAILBOX_SIZE   0x1000ULL
#define SHIM_VCPU_GUARD     0x13000ULL
#define SHIM_VCPU_STACK     SHIM_UL(0x14000)
#define SHIM_STACK_SIZE     SHIM_UL(0x8000)
#define SHIM_VCPU_IST       0x1c000ULL
#define SHIM_IST_SIZE       0x4000ULL
#define SHIM_VCPU_GUEST_GDT 0x20000ULL
#define SHIM_OFF_FRAMES     0xc00000ULL
#define SHIM_FRAME_SIZE     16ULL       /* sizeof(struct mm_frame) */
#define SHIM_M2P_ENTRY_SIZE 8ULL
#define SHIM_BIG_PAGE       0x200000ULL

#define SHIM_VA(off)        (SHIM_VIRT_BASE + (off))

/* The GDT windows (above): 16 pages each, the first 15 mapped; the
 * limit ends with Xen's reserved page, as Xen's does.  The guest's
 * entries fill the pages below it. */
#define SHIM_GDT_WINDOWS     (SHIM_VIRT_BASE + 0x40000000ULL)
#define SHIM_GDT_WINDOW_SIZE 0x10000ULL
#define SHIM_GDT_XEN_PAGE    14 /* FIRST_RESERVED_GDT_PAGE */
#define SHIM_GDT_LIMIT       ((SHIM_GDT_XEN_PAGE + 1) * 0x1000 - 1)

#ifndef __ASSEMBLER__
_Static_assert(SHIM_OFF_CORE + SHIM_CORE_SIZE <= SHIM_OFF_GRANT, "core state");
_Static_assert(SHIM_VCPU_GUEST_GDT + SHIM_GDT_XEN_PAGE * 0x1000ULL <= SHIM_VCPU_STRIDE,
	       "the guest GDT copy fits the vCPU's block");
_Static_assert(SHIM_OFF_VCPUS + SHIM_MAX_VCPUS * SHIM_VCPU_STRIDE == SHIM_OFF_FRAMES &&
	       SHIM_OFF_FRAMES == SHIM_REGION_SIZE, "the vCPU blocks end the fixed part");
_Static_assert(SHIM_MAX_VCPUS * SHIM_GDT_WINDOW_SIZE <= SHIM_BIG_PAGE,
	       "the GDT windows fit one page table");
_Static_assert(SHIM_OFF_GRANT + SHIM_GRANT_FRAMES * 0x1000ULL == SHIM_OFF_GRANT_STATUS,
	       "the status frames follow the shared ones (one grant_mfn for both)");
_Static_assert(SHIM_OFF_GRANT_STATUS + SHIM_GRANT_STATUS_FRAMES * 0x1000ULL <=
	       SHIM_OFF_GRANT_ACTIVE, "grant status frames");
_Static_assert(SHIM_OFF_GRANT_ACTIVE + SHIM_GRANT_ACTIVE_SIZE <= SHIM_OFF_GRANT_MAPTRACK,
	       "grant active entries");
_Static_assert(SHIM_OFF_GRANT_MAPTRACK + SHIM_GRANT_MAPTRACK_SIZE <= SHIM_OFF_PGTABLES,
	       "the grant tables end where the shim's page tables start");

static inline unsigned long long shim_big_pages(unsigned long long bytes)
{
	return (bytes + SHIM_BIG_PAGE - 1) & ~(SHIM_BIG_PAGE - 1);
}

/* Where vCPU n's block and the parts of it start (n < SHIM_MAX_VCPUS). */
static inline unsigned long long shim_off_vcpu(unsigned n)
{
	return SHIM_OFF_VCPUS + (unsigned long long)n * SHIM_VCPU_STRIDE;
}

static inline unsigned long long shim_off_cpu_ops(unsigned n)
{
	return shim_off_vcpu(n) + SHIM_VCPU_CPU_OPS;
}

static inline unsigned long long shim_off_gdt(unsigned n)
{
	return shim_off_vcpu(n) + SHIM_VCPU_GDT;
}

/* The CPU's copy of the guest's GDT: FIRST_RESERVED_GDT_ENTRY entries. */
static inline unsigned long long shim_off_guest_gdt(unsigned n)
{
	return shim_off_vcpu(n) + SHIM_VCPU_GUEST_GDT;
}

static inline unsigned long long shim_off_tss(unsigned n)
{
	return shim_off_vcpu(n) + SHIM_VCPU_TSS;
}

static inline unsigned long long shim_off_mailbox(unsigned n)
{
	return shim_off_vcpu(n) + SHIM_VCPU_MAILBOX;
}

static inline unsigned long long shim_off_stack(unsigned n)
{
	return shim_off_vcpu(n) + SHIM_VCPU_STACK;
}

/* The trap stack's top: TSS rsp0, and where the vCPU's shim starts. */
static inline unsigned long long shim_off_stack_top(unsigned n)
{
	return shim_off_stack(n) + SHIM_STACK_SIZE;
}

static inline unsigned long long shim_off_ist(unsigned n)
{
	return shim_off_vcpu(n) + SHIM_VCPU_IST;
}

static inline unsigned long long shim_gdt_window(unsigned n)
{
	return SHIM_GDT_WINDOWS + (unsigned long long)n * SHIM_GDT_WINDOW_SIZE;
}

/* The vCPU whose block holds shim virtual address va (its stack pointer,
 * a trap frame), or SHIM_MAX_VCPUS if none does. */
static inline unsigned shim_vcpu_of(unsigned long long va)
{
	unsigned long long base = SHIM_VA(SHIM_OFF_VCPUS);
	if (va < base || va - base >= SHIM_MAX_VCPUS * SHIM_VCPU_STRIDE)
		return SHIM_MAX_VCPUS;
	return (unsigned)((va - base) / SHIM_VCPU_STRIDE);
}

/* The frame table and M2P sizes for nr_pages of guest RAM. */
static inline unsigned long long shim_frames_size(unsigned long long nr_pages)
{
	return shim_big_pages(nr_pages * SHIM_FRAME_SIZE);
}

static inline unsigned long long shim_off_m2p(unsigned long long nr_pages)
{
	return SHIM_OFF_FRAMES + shim_frames_size(nr_pages);
}

static inline unsigned long long shim_m2p_size(unsigned long long nr_pages)
{
	return shim_big_pages(nr_pages * SHIM_M2P_ENTRY_SIZE);
}

static inline unsigned long long shim_region_size(unsigned long long nr_pages)
{
	return shim_off_m2p(nr_pages) + shim_m2p_size(nr_pages);
}
#endif

/*
 * The vCPU's GDT page, at FIRST_RESERVED_GDT_BYTE in the CPU's GDT: Xen's
 * own selectors, so the shim runs on __HYPERVISOR_CS/DS32 and enters the
 * guest kernel on FLAT_KERNEL_CS/SS (FLAT_RING3_CS64/DS32) as Xen does,
 * and Xen's TSS and LDT slots.  The user code and data selectors follow
 * from STAR's as sysret's do.
 */
#define SHIM_SEL_KERNEL_CS  0xe008
#define SHIM_SEL_KERNEL_DS  0xe010
#define SHIM_SEL_USER_CS32  0xe023
#define SHIM_SEL_USER_DS    0xe02b
#define SHIM_SEL_USER_CS    0xe033
#define SHIM_SEL_TSS        0xe040
/* Where selector sel (0xe000 and up) is in the vCPU's GDT page. */
#define SHIM_GDT_OWN_INDEX(sel) (((sel) >> 3) & 511)
/*
 * The guest's LDT (MMUEXT_SET_LDT) as the CPU sees it: its descriptors,
 * checked and fixed up as Xen checks them, copied into the upper half of
 * the vCPU's GDT page, which the LDT descriptor at SHIM_SEL_LDT names.
 * Xen maps the guest's own frames instead (up to 8192 entries, each page
 * checked when first used); a copy keeps any descriptor the guest writes
 * later out of the CPU's reach, so a changed LDT is installed again (as
 * Linux does).  GDT selectors 0xe800-0xeff8 name the same copies: checked
 * descriptors, in Xen's reserved range, where no guest entry is.
 */
#define SHIM_SEL_LDT        0xe050
#define SHIM_GDT_LDT_FIRST  256 /* GDT page index of the LDT's entry 0 */
#define SHIM_LDT_MAX        256

/*
 * I/O ports.  Hypercall: a CPL3 `out` in the trampoline (host trap path).
 * Trap regs: a CPL0 stub in the host trap path (SHIM_CHAIN_* below).
 * The rest are the in-guest core asking the launcher for a service.
 */
#define SHIM_PORT_HYPERCALL 0xe0
#define SHIM_PORT_CONSOLE   0xe2  /* mailbox holds bytes; value = length */
#define SHIM_PORT_LOG       0xe3  /* mailbox holds a NUL-terminated line */
#define SHIM_PORT_STOP      0xe4  /* core state says why */
#define SHIM_PORT_CALIBRATE 0xe5  /* start-up measurement, see boot.c */
#define SHIM_PORT_READY     0xe6  /* shim set up; about to enter the guest */
#define SHIM_PORT_NOTIFY    0xe7  /* value = event channel port for dom0 */
#define SHIM_PORT_BLOCK     0xe8  /* the vCPU sleeps (SCHEDOP_block/poll) */
#define SHIM_PORT_TIMER     0xe9  /* a timer deadline earlier than armed */
#define SHIM_PORT_KICK      0xea  /* value = vCPU | SHIM_KICK_INTERRUPT */
#define SHIM_PORT_VCPU_UP   0xeb  /* value = vCPU to start */
#define SHIM_PORT_YIELD     0xec  /* the shim waits for another vCPU */
#define SHIM_PORT_HYPERCALL_TRACE 0xed /* mailbox: struct shim_hypercall_trace */
#define SHIM_PORT_TRAP_REGS 0xee  /* host path: a trap, registers in the vCPU */
#define SHIM_KICK_INTERRUPT 0x100 /* platform_kick_vcpu's interrupt */

/*
 * The TSS carries an I/O permission bitmap covering ports 0 to 0xef, all
 * denied, except SHIM_PORT_HYPERCALL once the launcher picks the host trap
 * path: the trampoline's CPL3 `out` then exits to the launcher instead of
 * raising #GP (on these hosts and on VT-x/AMD-V alike).  The CPU reads two
 * bytes of bitmap per check, hence the extra byte.
 */
#define SHIM_TSS_IOMAP       104
#define SHIM_TSS_IOMAP_BYTES (0xf0 / 8 + 1)
#define SHIM_TSS_LIMIT       (SHIM_TSS_IOMAP + SHIM_TSS_IOMAP_BYTES - 1)

#define SHIM_BOOT_MAGIC     0x786e6c74u /* "xnlt" */

/* Offset in the trampoline page of the `ud2` that leads to the detour. */
#define SHIM_TRAMPOLINE_DETOUR   2
/*
 * Host trap path: where the kernel entry sends update_va_mapping and
 * multicall (a `ud2`; in the guest path a jump to the exit).  Their TLB
 * flushes must be made by CPL0 code anyway, so they enter the shim first
 * and exit from there: the chain that applies them then runs with no
 * second exception (SHIM_CHAIN_* below).
 */
#define SHIM_TRAMPOLINE_VIA_SHIM 4
/*
 * Where LSTAR points while the vCPU runs the guest's kernel (its user mode
 * gets the page's first bytes, the exit, straight): guest code that
 * answers VCPUOP_is_up for a vCPU the domain does not have, and goes to
 * the exit for everything else (emu/build/trampoline_head.S).  Its word,
 * written by the launcher: the domain's vCPU count.
 */
#define SHIM_TRAMPOLINE_KERNEL_ENTRY 16
#define SHIM_TRAMPOLINE_NR_VCPUS     0x60
#define SHIM_TRAMPOLINE_HEAD_SIZE    0x68
/*
 * The host trap path's way out of CPL0 (emu/vcpu/host_trap.c).  A trap's
 * stub leaves the vector and error code under the frame the CPU pushed and
 * exits on SHIM_PORT_TRAP_REGS, every guest register still in the vCPU.
 * The launcher runs the core, writes the CPU's frame back, loads the
 * registers the core returned, and resumes the vCPU in a chain it wrote
 * below that frame: the address of a handler below, then its operands, and
 * so on, ending with SHIM_CHAIN_END and the guest's %rax.  Each handler is
 * a few instructions at a fixed place in the shim's image (entry.S) that
 * pops its operands and returns to the next: a page-table entry stored
 * again costs four emulated instructions, no register is saved or restored
 * but %rax, and the last handler's iretq returns to the guest.
 * Entries are stored again as RAM holds them when the chain runs, never
 * with a value the launcher wrote down: another vCPU may have stored the
 * same entry since (the launcher's own stores land in RAM at once), and
 * a stale value put back would map a frame whose reference the core has
 * let go.
 */
#define SHIM_CHAIN_OFF          0x40 /* from SHIM_VIRT_BASE */
#define SHIM_CHAIN_HANDLER_SIZE 16
#define SHIM_CHAIN_END          0 /* operand: the guest's %rax; iretq */
#define SHIM_CHAIN_RESTORE_ENTRY 1 /* physmap address of an entry */
#define SHIM_CHAIN_INVLPG       2 /* virtual address */
#define SHIM_CHAIN_LOAD_CR3     3 /* CR3 */
#define SHIM_CHAIN_FLUSH_TLB    4 /* none */
#define SHIM_CHAIN_LOAD_LDT     5 /* selector */
#define SHIM_CHAIN_RESTORE_PAGE 6 /* physmap address of a table page */
#define SHIM_CHAIN_APPLY_QUEUE  7 /* none: struct shim_cpu_ops, in C */
#define SHIM_CHAIN_HANDLERS     8
#define SHIM_CHAIN_VA(h) (SHIM_VIRT_BASE + SHIM_CHAIN_OFF + (h) * SHIM_CHAIN_HANDLER_SIZE)

/* The kinds of queued CPU operation (struct shim_cpu_op below). */
/* addr: machine address of a page-table entry stored in RAM; the shim
 * stores it again as it is (the core in the shim stores values itself) */
#define SHIM_CPU_OP_RESTORE_ENTRY 1
#define SHIM_CPU_OP_INVLPG       2 /* addr: virtual address */
#define SHIM_CPU_OP_LOAD_CR3     4 /* value: new CR3 */
/* addr: machine address of a page-table page whose entries were stored in
 * RAM; the shim stores each again as it is (the launcher turns runs of
 * stores to one page into this) */
#define SHIM_CPU_OP_RESTORE_PAGE 5
#define SHIM_CPU_OP_LOAD_LDT     6 /* value: LDT selector, 0 for none */
#define SHIM_CPU_OPS_FIRST   8  /* after count and flush_tlb */
#define SHIM_CPU_OP_SIZE     24
#define SHIM_CPU_OPS_MAX     ((SHIM_CPU_OPS_SIZE - SHIM_CPU_OPS_FIRST) / SHIM_CPU_OP_SIZE)

#ifndef __ASSEMBLER__
#include <stdint.h>

/* --trace-hypercalls in the guest trap path: one hypercall as it returns. */
struct shim_hypercall_trace {
	uint64_t nr;
	uint64_t args[5];
	int64_t rc;
};

/*
 * Page-table stores, TLB flushes and CR3 loads the core asked for while it
 * ran in the launcher.  KVM on these hosts only takes notice of page-table
 * stores guest code makes, so the launcher makes the same stores to RAM for
 * its own view, queues them, and has the shim's CPL0 code make them before
 * the guest runs again: the handlers of the chain it resumes the vCPU in
 * (SHIM_CHAIN_* above), or, for a long queue, SHIM_CHAIN_APPLY_QUEUE's C
 * loop over this page.
 */
struct shim_cpu_op {
	uint64_t kind, addr, value;
};

/*
 * The launcher only ever writes this page: it keeps the count (and the
 * last operation, for merging) in its own memory, so nothing the guest
 * could have planted here changes what or where it writes.
 */
struct shim_cpu_ops {
	uint32_t count;
	uint32_t flush_tlb;        /* 1: flush the whole TLB after op[] */
	struct shim_cpu_op op[];
};

_Static_assert(sizeof(struct shim_cpu_op) == SHIM_CPU_OP_SIZE &&
	       sizeof(struct shim_cpu_ops) == SHIM_CPU_OPS_FIRST,
	       "SHIM_CPU_OPS_MAX counts these");

/*
 * The guest trap path's domain lock and TLB shootdown counts
 * (pv-shim/arch/x86_64/smp.c), at SHIM_OFF_SMP rather than in the shim's
 * bss so that the launcher reaches them at a fixed place too: dom0's
 * backends take the same lock and ask the same flushes from their own
 * threads (emu/dom0/dom0_core.c).  Only ever changed with atomics.
 */
struct shim_smp {
	uint32_t domain_lock;                /* 1 while someone holds it */
	uint32_t pad;
	uint32_t flush_req[SHIM_MAX_VCPUS];  /* flushes asked of vCPU n */
	uint32_t flush_done[SHIM_MAX_VCPUS]; /* the last request it served */
};
_Static_assert(sizeof(struct shim_smp) <= 0x1000, "struct shim_smp fits its page");

/* Filled by the launcher before the vCPU first runs. */
struct shim_boot_params {
	uint32_t magic;
	uint32_t calibrate;        /* 1: measure both trap paths first */
	uint64_t guest_entry;      /* kernel ENTRY */
	uint64_t guest_stack;      /* initial %rsp */
	uint64_t guest_start_info; /* initial %rsi */
	uint64_t guest_rflags;
	/* The shim's struct core_layout (the trampoline is at a fixed place). */
	uint64_t nr_pages;
	uint64_t shared_info_mfn;
	uint32_t nr_vcpus;
	uint32_t pad0;
	uint64_t grant_mfn;
	uint32_t calibrate_rounds;
	uint32_t xsave_size;
	uint64_t xcr0;
	uint32_t xsavec_size;
	uint32_t pad;
	/* Written by the shim during calibration: TSC ticks for the rounds. */
	uint64_t calib_guest_ticks;
	uint64_t calib_host_ticks;
};
#endif

#endif
