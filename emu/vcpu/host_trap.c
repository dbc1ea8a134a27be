/*
 * The host trap path: the core runs here, natively, on the same state.
 *
 * Most hypercalls arrive as a CPL3 `out` from the syscall trampoline: the
 * frame is built from the vCPU registers, and the result goes back with
 * new registers (rax, and rip/rflags from rcx/r11; kvm_regs.c) - no CPL0
 * code runs.  mmu_update and mmuext_op among them: a single entry's store
 * the launcher makes seen itself (platform_write_entry), and a CR3 load
 * through KVM (resume_guest).
 * An exception, and update_va_mapping and multicall, which flush TLBs
 * more often than not (the trampoline sends those through the shim:
 * SHIM_TRAMPOLINE_VIA_SHIM), arrive from
 * the shim's CPL0 stub, which left the vector and error code under the
 * CPU's frame on its trap stack and every other register in the vCPU.
 * The core runs on a frame made of both; the launcher writes the CPU's
 * frame back and resumes the vCPU in a chain that makes the page-table
 * stores and TLB operations the core queued, then returns to the guest
 * with iretq (pv-shim/shim_abi.h, SHIM_CHAIN_*).
 * The launcher cannot change the CPU's cs (only an iretq at CPL0 does that
 * here), so a hypercall from the `out` that has CPU operations to make or
 * returns to another cs or ss (an iret into compat mode) goes back through
 * the shim: the trampoline's detour `ud2`, from which the shim's stub
 * exits again and the chain resumes the hypercall's return.  A trap that
 * came straight from compat-mode code is raised in the vCPU instead.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/platform.h"
#include "emu/domain.h"
#include "emu/build/hypercall_page.h"

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

/* A whole flush other vCPUs asked of this one (vcpu_smp.c), queued for
 * its shim, which applies the queue before the guest's next instruction
 * wherever this is called from. */
void vcpu_serve_flush(struct vcpu *v)
{
	uint32_t req = __atomic_load_n(&v->flush_req, __ATOMIC_SEQ_CST);
	if (req == __atomic_load_n(&v->flush_done, __ATOMIC_SEQ_CST))
		return;
	platform_flush_tlb(&v->core);
	__atomic_store_n(&v->flush_done, req, __ATOMIC_SEQ_CST);
}

/* Before the core runs on an exit: a fresh queue of CPU operations, the
 * flushes other vCPUs asked for, and the kick that asked for an interrupt
 * to get the core running is answered (vcpu_events_core_runs). */
static void before_core(struct vcpu *v)
{
	vcpu_events_core_runs(v);
	host_cpu_ops_restart(&v->plat);
	vcpu_serve_flush(v);
}

/* Back to the guest with regs from an exit at CPL3: through the
 * trampoline's detour `ud2` when the core queued work only CPL0 code can
 * make KVM see, or the guest is to run on other segments (f's); a CR3 load
 * alone is made here instead. */
static int resume_guest(struct vcpu *v, struct kvm_regs *regs, const struct trap_frame *f)
{
	struct host_platform *p = &v->plat;
	int cr3_loaded = host_cpu_ops_load_cr3_only(p);
	if (cr3_loaded < 0)
		return -1;
	v->stats.cr3_loads_by_sregs += (uint64_t)cr3_loaded;
	int new_segments = f->cs != SHIM_SEL_USER_CS || f->ss != SHIM_SEL_USER_DS;
	if (host_cpu_ops_pending(p) || new_segments) {
		p->detour_pending = 1;
		p->detour_rip = regs->rip;
		p->detour_rflags = regs->rflags;
		p->detour_cs = f->cs;
		p->detour_ss = f->ss;
		regs->rip = v->core.layout.syscall_trampoline + SHIM_TRAMPOLINE_DETOUR;
		v->stats.detours++;
	}
	return kvm_vcpu_set_regs(&v->kvm, regs) < 0 ? -1 : 0;
}

/* Runs the core on f, a trap that reached the launcher without CPL0 code
 * from 64-bit code on the shim's user cs, and resumes the guest where the
 * core says. */
static int handle_at_cpl3(struct vcpu *v, struct trap_frame *f, struct kvm_regs *regs)
{
	enum core_action a = core_handle_trap(&v->core, f);
	if (v->plat.failed)
		return -1;
	if (a == CORE_STOP)
		return 1;
	frame_to_regs(f, regs);
	return resume_guest(v, regs, f);
}

/* 1 if the vCPU runs compat-mode code (a 32-bit cs), 0 if not, -1. */
static int in_compat_mode(struct vcpu *v)
{
	struct kvm_sregs sr;
	if (ioctl(v->kvm.fd, KVM_GET_SREGS, &sr) < 0)
		return -1;
	return !sr.cs.l;
}

/* A #GP at rip raised in the vCPU: it reaches the core through the
 * shim's #GP stub, whose iretq can take the guest to its kernel's cs. */
static int raise_gp_in_vcpu(struct vcpu *v, struct kvm_regs *regs, uint64_t rip)
{
	struct kvm_vcpu_events ev;
	if (ioctl(v->kvm.fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return -1;
	ev.exception.injected = 1;
	ev.exception.nr = 13;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = 0;
	regs->rip = rip;
	if (kvm_vcpu_set_regs(&v->kvm, regs) < 0 ||
	    ioctl(v->kvm.fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		return -1;
	return 0;
}

/*
 * The guest's own `in` or `out` on the port the TSS opens to CPL3 for the
 * trampoline, from anywhere else: in the guest kernel or one of its user
 * processes.  Everywhere else (the guest trap path, and Xen) the CPU
 * raises #GP at the instruction, so the core gets that #GP here: the
 * guest kernel's handler, or its port I/O emulation with I/O privilege.
 *
 * KVM reports an `in` (or string I/O) with RIP at the instruction and
 * finishes it on the next KVM_RUN, an `out` with RIP already past it.  So
 * the instruction is finished now (immediate_exit: KVM_RUN completes what
 * is pending and returns at once), so no stale completion lands on the
 * frame the core makes, and where RIP then is tells which case it was.
 * For an `out`, the start is found from the bytes before it: `[66] e6/e7
 * e0`, or `[66] ee/ef` with DX = e0 (prefixes other than 66 are not looked
 * for: such a guest gets its #GP reported a few bytes into the
 * instruction).
 */
static int port_insn_start(struct vcpu *v, const struct kvm_regs *r, int size,
			   uint64_t *start)
{
	uint8_t b[3];
	for (int i = 0; i < 3; i++) {
		struct kvm_translation t = { .linear_address = r->rip - 3 + i };
		if (ioctl(v->kvm.fd, KVM_TRANSLATE, &t) < 0 || !t.valid ||
		    t.physical_address >= v->d->ram_bytes)
			return -1;
		b[i] = v->d->ram[t.physical_address];
	}
	uint64_t at;
	if ((b[1] == 0xe6 || b[1] == 0xe7) && b[2] == SHIM_PORT_HYPERCALL)
		at = r->rip - 2;
	else if ((b[2] == 0xee || b[2] == 0xef) && (r->rdx & 0xffff) == SHIM_PORT_HYPERCALL)
		at = r->rip - 1;
	else
		return -1;
	if (size == 2)
		at--; /* the operand-size prefix */
	*start = at;
	return 0;
}

static int stray_io(struct vcpu *v, const struct kvm_regs *regs)
{
	struct kvm_run *run = v->kvm.run;
	int size = run->io.size, repeated = run->io.count != 1;
	before_core(v);
	run->immediate_exit = 1;
	int rc = kvm_vcpu_run(&v->kvm);
	run->immediate_exit = 0;
	struct kvm_regs after;
	if (kvm_vcpu_get_regs(&v->kvm, &after) < 0)
		return -1;
	struct trap_frame f;
	regs_to_frame(regs, &f); /* as before the instruction: rax too */
	if (rc == 0 || repeated) {
		/* A string instruction KVM split into several exits. */
		core_stop_fault(&v->core, &f, "guest string I/O to the hypercall "
				"port outside the syscall trampoline");
		return 1;
	}
	uint64_t start = regs->rip;
	if (after.rip == regs->rip && port_insn_start(v, regs, size, &start)) {
		core_stop_fault(&v->core, &f, "guest I/O to the hypercall port "
				"outside the syscall trampoline, not decodable");
		return 1;
	}
	int compat = in_compat_mode(v);
	if (compat < 0)
		return -1;
	if (compat)
		return raise_gp_in_vcpu(v, &after, start);
	f.rip = start;
	f.vector = 13;
	f.error_code = 0;
	vcpu_trace_cause(&v->trace, TRACE_CAUSE_TRAP, 13, 0, start);
	return handle_at_cpl3(v, &f, &after);
}

/* A `syscall`'s trace record: the guest kernel's hypercall, named by its
 * caller, or a user process's system call. */
static void trace_syscall_cause(struct vcpu *v, const struct trap_frame *f)
{
	if (!v->trace.buf)
		return;
	if (core_vcpu(&v->core)->kernel_mode)
		vcpu_trace_cause(&v->trace, TRACE_CAUSE_HYPERCALL, f->rax, f->rdi,
				 core_hypercall_caller(&v->core, f));
	else
		vcpu_trace_cause(&v->trace, TRACE_CAUSE_TRAP, CORE_VEC_SYSCALL, 0, f->rcx);
}

/*
 * The host path's hypercall page (emu/build/hypercall_page.h) exits with
 * `out` where Xen's has `syscall`, saving the kernel's `syscall` its own
 * KVM round trip.  Such an `out`, from the guest kernel inside its
 * hypercall page, is taken as that `syscall`: the same frame, and the
 * same return to %rcx (a continuation runs the 2-byte instruction
 * again).  From user mode it is a stray `out`, as anywhere else.
 */
static int from_hypercall_page(struct vcpu *v, const struct kvm_regs *regs)
{
	uint64_t page = v->d->hypercall_page_va;
	return page && core_vcpu(&v->core)->kernel_mode &&
	       regs->rip - page < HYPERCALL_PAGE_BYTES;
}

int host_trap_hypercall(struct vcpu *v)
{
	struct kvm_regs regs;
	if (kvm_vcpu_get_regs(&v->kvm, &regs) < 0)
		return -1;
	uint64_t trampoline = v->core.layout.syscall_trampoline;
	if (regs.rip != trampoline + 2) {
		if (!from_hypercall_page(v, &regs))
			return stray_io(v, &regs);
		/* As the `syscall` it replaces would have left them. */
		regs.rcx = regs.rip;
		regs.r11 = regs.rflags;
		v->stats.page_hypercalls++;
	}
	struct trap_frame f;
	regs_to_frame(&regs, &f);
	trace_syscall_cause(v, &f);
	before_core(v);
	f.vector = CORE_VEC_SYSCALL;
	f.rip = trampoline;
	return handle_at_cpl3(v, &f, &regs);
}

int host_trap_port_in(struct vcpu *v)
{
	struct kvm_regs regs;
	if (kvm_vcpu_get_regs(&v->kvm, &regs) < 0)
		return -1;
	return stray_io(v, &regs);
}

/* What the shim's host-path stub leaves at its stack pointer: the vector
 * and error code, then the CPU's exception frame (entry.S), the last
 * words of a struct trap_frame. */
#define STUB_FRAME_SIZE (sizeof(struct trap_frame) - offsetof(struct trap_frame, vector))
_Static_assert(STUB_FRAME_SIZE == 7 * sizeof(uint64_t), "vector, error code, CPU frame");

/* Resumes the vCPU at CPL0 from the stub at stub_off (its offset in the
 * shim region), in the chain that applies the queue and then returns to
 * f with iretq. */
static void resume_in_chain(struct vcpu *v, struct kvm_regs *regs, uint64_t stub_off,
			    const struct trap_frame *f)
{
	struct host_platform *p = &v->plat;
	uint64_t words[CPU_OPS_CHAIN_MAX_WORDS], first;
	size_t n = cpu_ops_chain_build(p->chain_ops, p->cpu_ops_count, p->cpu_ops_flush,
				       f->rax, words, &first);
	/* The chain ends right below the CPU's frame, over the vector and
	 * error code: at most CPU_OPS_CHAIN_MAX_WORDS, well inside the stack
	 * the stub ran on (host_trap_stub checked stub_off). */
	uint64_t frame_off = stub_off + 2 * sizeof(uint64_t);
	uint64_t chain_off = frame_off - n * sizeof(uint64_t);
	memcpy(v->d->shim.region + chain_off, words, n * sizeof(uint64_t));
	uint64_t hw[5] = { f->rip, f->cs, f->rflags, f->rsp, f->ss };
	memcpy(v->d->shim.region + frame_off, hw, sizeof hw);
	uint64_t cpl0_rflags = regs->rflags;
	frame_to_regs(f, regs);
	regs->rip = first;
	regs->rsp = SHIM_VA(chain_off);
	regs->rflags = cpl0_rflags;
}

/*
 * The event interrupt taken inside the shim's own code (a chain): KVM here
 * can deliver an injected interrupt where the flags had interrupts off.
 * The interrupted instruction goes on as if nothing came, on the stack
 * and with the registers it had.  The interrupt is not asked for again:
 * what made it due is still in the core state, which vcpu_events_before_run
 * looks at before every run, and the core takes it at the guest's next
 * exit anyway.  (Asking again kept it due after the core had taken it, and
 * in some boots the repeats landed in chains one after another: 17,000
 * interrupts and 17,000 interrupt-window exits more.)
 */
static int resume_interrupted_shim(struct vcpu *v, struct kvm_regs *regs,
				   const struct trap_frame *f)
{
	frame_to_regs(f, regs);
	v->stats.shim_interrupts++;
	return 0;
}

int host_trap_stub(struct vcpu *v, struct kvm_regs *regs)
{
	struct host_platform *p = &v->plat;
	/* The stub's stack pointer: accept only a whole frame inside this
	 * vCPU's trap stacks, and work on a copy of it. */
	uint64_t off = regs->rsp - SHIM_VIRT_BASE;
	if (off < shim_off_stack(v->id) ||
	    off > shim_off_ist(v->id) + SHIM_IST_SIZE - STUB_FRAME_SIZE ||
	    off - shim_off_stack(v->id) < CPU_OPS_CHAIN_MAX_WORDS * sizeof(uint64_t)) {
		host_platform_internal_error(p, "the shim's trap stub is not on its trap stack");
		return -1;
	}
	struct trap_frame f;
	regs_to_frame(regs, &f);
	memcpy(&f.vector, v->d->shim.region + off, STUB_FRAME_SIZE);
	/* Before anything that would queue work for a chain this resumption
	 * does not make (a flush another vCPU asked for waits for the next
	 * exit). */
	if ((f.cs & 3) == 0 && f.vector == CORE_VEC_EVENT &&
	    f.rip - SHIM_VIRT_BASE < SHIM_IMAGE_MAX)
		return resume_interrupted_shim(v, regs, &f);
	uint64_t trampoline = v->core.layout.syscall_trampoline;
	if (p->detour_pending) {
		/* Only the detour's own ud2 can come before it resumes (no
		 * interrupt is injected in the trampoline). */
		if (f.vector != 6 || f.rip != trampoline + SHIM_TRAMPOLINE_DETOUR) {
			host_platform_internal_error(p, "a trap before the hypercall's detour");
			return -1;
		}
		p->detour_pending = 0;
		f.rip = p->detour_rip;
		f.rflags = p->detour_rflags;
		f.cs = p->detour_cs;
		f.ss = p->detour_ss;
		resume_in_chain(v, regs, off, &f);
		return 0;
	}
	before_core(v);
	if ((f.cs & 3) == 0) {
		core_stop_fault(&v->core, &f, "fault inside the shim (CPL0)");
		return 1;
	}
	if (f.vector == 6 && f.rip == trampoline + SHIM_TRAMPOLINE_VIA_SHIM) {
		/* The kernel entry's way for page-table hypercalls; guest code
		 * that jumps here itself gets what the exit gives it. */
		trace_syscall_cause(v, &f);
		f.vector = CORE_VEC_SYSCALL;
		f.error_code = 0;
		f.rip = trampoline;
	} else {
		vcpu_trace_cause(&v->trace, TRACE_CAUSE_TRAP, f.vector, f.error_code, f.rip);
	}
	if (f.vector == 14) {
		struct kvm_sregs sr;
		if (kvm_vcpu_get_sregs(&v->kvm, &sr) < 0)
			return -1;
		core_vcpu(&v->core)->cr2 = sr.cr2;
	}
	enum core_action a = core_handle_trap(&v->core, &f);
	if (p->failed)
		return -1;
	if (a == CORE_STOP)
		return 1;
	int cr3_loaded = host_cpu_ops_load_cr3_only(p);
	if (cr3_loaded < 0)
		return -1;
	v->stats.cr3_loads_by_sregs += (uint64_t)cr3_loaded;
	resume_in_chain(v, regs, off, &f);
	return 0;
}

int host_trap_regs(struct vcpu *v)
{
	struct kvm_regs regs;
	if (kvm_vcpu_get_regs(&v->kvm, &regs) < 0)
		return -1;
	int rc = host_trap_stub(v, &regs);
	if (rc == 0 && kvm_vcpu_set_regs(&v->kvm, &regs) < 0)
		return -1;
	return rc;
}

/* One round of the start-up measurement (see pv-shim boot.c). */
void host_trap_calibrate(struct vcpu *v)
{
	struct trap_frame f = {
		.vector = CORE_VEC_SYSCALL,
		.rax = __HYPERVISOR_xen_version,
		.rdi = XENVER_version,
	};
	core_handle_trap(&v->core, &f);
}
