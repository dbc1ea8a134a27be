/*
 * The host trap path: the core runs here, natively, on the same state.
 *
 * A hypercall arrives as a CPL3 `out` from the syscall trampoline: the
 * frame is built from the vCPU registers, and the result goes back with
 * one KVM_SET_REGS (rax, and rip/rflags from rcx/r11) - no CPL0 code runs.
 * An exception arrives from the CPL0 stub, which left a struct trap_frame
 * on the shim's trap stack and passed its address; the core rewrites it
 * in place and the stub's iretq returns to it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/xen_abi.h"
#include "emu/domain.h"

static void regs_to_frame(const struct kvm_regs *r, struct trap_frame *f)
{
	*f = (struct trap_frame){
		.r15 = r->r15, .r14 = r->r14, .r13 = r->r13, .r12 = r->r12,
		.r11 = r->r11, .r10 = r->r10, .r9 = r->r9, .r8 = r->r8,
		.rbp = r->rbp, .rdi = r->rdi, .rsi = r->rsi, .rdx = r->rdx,
		.rcx = r->rcx, .rbx = r->rbx, .rax = r->rax,
		.rip = r->rip, .rflags = r->rflags, .rsp = r->rsp,
		.cs = SHIM_SEL_USER_CS, .ss = SHIM_SEL_USER_DS,
	};
}

static void frame_to_regs(const struct trap_frame *f, struct kvm_regs *r)
{
	r->r15 = f->r15; r->r14 = f->r14; r->r13 = f->r13; r->r12 = f->r12;
	r->r11 = f->r11; r->r10 = f->r10; r->r9 = f->r9; r->r8 = f->r8;
	r->rbp = f->rbp; r->rdi = f->rdi; r->rsi = f->rsi; r->rdx = f->rdx;
	r->rcx = f->rcx; r->rbx = f->rbx; r->rax = f->rax;
	r->rip = f->rip; r->rflags = f->rflags; r->rsp = f->rsp;
}

int host_trap_hypercall(struct domain *d)
{
	struct kvm_regs regs;
	if (ioctl(d->vm.vcpu_fd, KVM_GET_REGS, &regs) < 0)
		return -1;
	uint64_t trampoline = d->core.st->syscall_trampoline;
	struct trap_frame f;
	regs_to_frame(&regs, &f);
	if (regs.rip != trampoline + 2) {
		/* The port is open to CPL3 for the trampoline's sake; anyone
		 * else using it is a guest fault (Xen would raise #GP). */
		core_stop_fault(&d->core, &f, "guest I/O to the hypercall port "
				"outside the syscall trampoline");
		return 1;
	}
	f.vector = CORE_VEC_SYSCALL;
	f.rip = trampoline;
	enum core_action a = core_handle_trap(&d->core, &f);
	if (d->plat.failed)
		return -1;
	if (a == CORE_STOP)
		return 1;
	frame_to_regs(&f, &regs);
	struct shim_cpu_ops *q = d->plat.cpu_ops;
	if (q->count) {
		/* Page-table work only guest code can make KVM see: return
		 * through the trampoline's ud2, where the shim applies it and
		 * then goes on to where the hypercall returns. */
		q->resume = 1;
		q->resume_rip = regs.rip;
		q->resume_rflags = regs.rflags;
		regs.rip = trampoline + SHIM_TRAMPOLINE_DETOUR;
	}
	if (ioctl(d->vm.vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return -1;
	return 0;
}

int host_trap_frame(struct domain *d, uint32_t frame_low)
{
	/* The stub passes the low half of a trap-stack address; accept only
	 * a whole frame inside the trap stacks. */
	uint64_t off = frame_low;
	if (off < SHIM_OFF_STACK ||
	    off + sizeof(struct trap_frame) > SHIM_OFF_IST + SHIM_IST_SIZE)
		return -1;
	struct trap_frame *f = (struct trap_frame *)(d->shim.region + off);
	if ((f->cs & 3) == 0) {
		core_stop_fault(&d->core, f, "fault inside the shim (CPL0)");
		return -1;
	}
	if (f->vector == 14) {
		struct kvm_sregs sr;
		if (ioctl(d->vm.vcpu_fd, KVM_GET_SREGS, &sr) < 0)
			return -1;
		d->core.st->vcpu.cr2 = sr.cr2;
	}
	enum core_action a = core_handle_trap(&d->core, f);
	if (d->plat.failed)
		return -1;
	return a == CORE_STOP ? 1 : 0;
}

/* One round of the start-up measurement (see pv-shim boot.c). */
void host_trap_calibrate(struct domain *d)
{
	struct trap_frame f = {
		.vector = CORE_VEC_SYSCALL,
		.rax = __HYPERVISOR_xen_version,
		.rdi = XENVER_version,
	};
	core_handle_trap(&d->core, &f);
}
