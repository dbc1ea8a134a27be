/*
 * VCPUOP_initialise: the context another vCPU starts from, checked and
 * taken as Xen's arch_set_info_guest takes it for an x86_64 PV vCPU; and
 * the start itself, the first time the vCPU enters the core
 * (CORE_VEC_START).
 *
 * Taken: the registers, the virtual IDT, GDT frames, kernel stack,
 * callbacks and their event-masking flags, the kernel and user page
 * tables (each holding an L4 type reference, as Xen's guest_table does),
 * the segment bases, and the I/O privilege in rflags.  Not taken: the FPU
 * image (the vCPU starts with the FPU as reset, which is what Linux
 * hands it), vm_assist (the domain's, set with HYPERVISOR_vm_assist),
 * and the debug registers, which this host does not load for guest
 * code (kvm-on-these-machines.md).  A start in guest user mode (no
 * VGCF_in_kernel) and an LDT are not offered: -EINVAL and -ENOSYS.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/sched/vcpu_context.h"
#include "pv-shim/core/sched/vtime.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/shim_abi.h"

#define LDT_MAX_ENTRIES 8192
#define RFLAGS_GUEST_MASK 0x00240cd5ULL /* as trap.c: what a guest may set */
#define RFLAGS_FIXED      0x00000202ULL
#define RFLAGS_IOPL_SHIFT 12

static int code_address_ok(uint64_t va)
{
	return va == 0 || traps_guest_address_ok(va);
}

/* Everything Xen refuses before it changes anything. */
static long check_context(struct core *c, const struct vcpu_guest_context *g)
{
	if (!(g->flags & VGCF_in_kernel))
		return -XEN_EINVAL;
	if (!traps_guest_address_ok(g->user_regs.rip) ||
	    !code_address_ok(g->event_callback_eip) ||
	    !code_address_ok(g->failsafe_callback_eip) ||
	    !code_address_ok(g->syscall_callback_eip))
		return -XEN_EINVAL;
	for (unsigned i = 0; i < TRAPS_NR_GATES; i++)
		if (!code_address_ok(g->trap_ctxt[i].address))
			return -XEN_EINVAL;
	if (!core_is_canonical(g->fs_base) || !core_is_canonical(g->gs_base_kernel) ||
	    !core_is_canonical(g->gs_base_user) || !core_is_canonical(g->user_regs.rsp) ||
	    !core_is_canonical(g->kernel_sp))
		return -XEN_EINVAL;
	if ((g->ldt_base & 0xfff) || g->ldt_ents > LDT_MAX_ENTRIES)
		return -XEN_EINVAL;
	if (g->ldt_ents)
		return -XEN_ENOSYS; /* no LDT here, as MMUEXT_SET_LDT */
	if (g->ctrlreg[3] >> 12 >= c->layout.nr_pages ||
	    g->ctrlreg[1] >> 12 >= c->layout.nr_pages)
		return -XEN_EINVAL;
	return 0;
}

/* The kernel's and the user's top-level tables, each referenced as an
 * L4; nothing held on failure. */
static long take_tables(struct core *c, const struct vcpu_guest_context *g)
{
	uint64_t kernel = g->ctrlreg[3] >> 12, user = g->ctrlreg[1] >> 12;
	if (mm_get_type(c, kernel, MM_TYPE_L4))
		return -XEN_EINVAL;
	if (user && mm_get_type(c, user, MM_TYPE_L4)) {
		mm_put_type(c, kernel);
		return -XEN_EINVAL;
	}
	return 0;
}

long vcpu_initialise(struct core *c, unsigned target, uint64_t arg)
{
	struct core_vcpu *v = &c->st->vcpu[target % CORE_MAX_VCPUS];
	if (v->initialised)
		return -XEN_EEXIST;
	/* 5 KiB: on the trap stack in the shim, copied once, checked once. */
	struct vcpu_guest_context g;
	if (copy_from_guest(c, &g, arg, sizeof g))
		return -XEN_EFAULT;
	long rc = check_context(c, &g);
	if (rc)
		return rc;
	struct traps_vcpu *t = &v->traps;
	rc = take_tables(c, &g);
	if (rc)
		return rc;
	uint64_t frames[TRAPS_GDT_FRAMES];
	for (unsigned i = 0; i < TRAPS_GDT_FRAMES; i++)
		frames[i] = g.gdt_frames[i];
	rc = traps_set_gdt(c, target % CORE_MAX_VCPUS, frames, g.gdt_ents);
	if (rc) {
		mm_put_type(c, g.ctrlreg[3] >> 12);
		if (g.ctrlreg[1] >> 12)
			mm_put_type(c, g.ctrlreg[1] >> 12);
		return rc;
	}
	v->cr3 = g.ctrlreg[3] & ~0xfffULL;
	v->user_cr3 = g.ctrlreg[1] & ~0xfffULL;
	for (unsigned i = 0; i < TRAPS_NR_GATES; i++)
		t->gate[i] = (struct traps_gate){
			.address = g.trap_ctxt[i].address,
			.flags = g.trap_ctxt[i].flags & (TRAPS_GATE_DPL | TRAPS_GATE_MASK_EVENTS),
		};
	t->kernel_ss = g.kernel_ss;
	t->kernel_sp = g.kernel_sp;
	t->kernel_sp_set = 1;
	t->event = (struct traps_callback){ .address = g.event_callback_eip };
	t->failsafe = (struct traps_callback){
		.address = g.failsafe_callback_eip,
		.mask_events = !!(g.flags & VGCF_failsafe_disables_events),
	};
	t->syscall = (struct traps_callback){
		.address = g.syscall_callback_eip,
		.mask_events = !!(g.flags & VGCF_syscall_disables_events),
	};
	t->iopl = (uint32_t)(g.user_regs.rflags >> RFLAGS_IOPL_SHIFT) & 3;
	v->fs_base = g.fs_base;
	v->gs_base_kernel = g.gs_base_kernel;
	v->gs_base_user = g.gs_base_user;
	v->cr4_guest = guest_cr4_initial(&c->layout);
	v->kernel_mode = 1;
	const struct cpu_user_regs *r = &g.user_regs;
	v->start = (struct trap_frame){
		.r15 = r->r15, .r14 = r->r14, .r13 = r->r13, .r12 = r->r12,
		.r11 = r->r11, .r10 = r->r10, .r9 = r->r9, .r8 = r->r8,
		.rbp = r->rbp, .rdi = r->rdi, .rsi = r->rsi, .rdx = r->rdx,
		.rcx = r->rcx, .rbx = r->rbx, .rax = r->rax,
		.rip = r->rip, .rsp = r->rsp,
		.rflags = (r->rflags & RFLAGS_GUEST_MASK) | RFLAGS_FIXED,
	};
	v->initialised = 1;
	return 0;
}

void vcpu_start_frame(struct core *c, struct trap_frame *f)
{
	struct core_vcpu *v = core_vcpu(c);
	*f = v->start;
	f->cs = SHIM_SEL_USER_CS;
	f->ss = SHIM_SEL_USER_DS;
	f->vector = CORE_VEC_START;
	/* Kernel mode: the kernel's GS base is the live one. */
	platform_set_segment_base(c, SEGMENT_BASE_FS, v->fs_base);
	platform_set_segment_base(c, SEGMENT_BASE_GS, v->gs_base_kernel);
	vtime_update(c);
}
