/*
 * Bouncing a trap to the guest kernel, as Xen's create_bounce_frame does
 * for an x86_64 PV guest.  On the guest kernel stack (the current one if
 * the guest was in kernel mode, else the one stack_switch named, after the
 * switch to kernel mode), 16-byte aligned, from the lowest address up:
 *
 *   rcx, r11, [ds, es, fs, gs (failsafe only)], [error code], rip, cs,
 *   rflags, rsp, ss
 *
 * cs is FLAT_KERNEL_CS with RPL 0 when the guest was in kernel mode;
 * from user mode, FLAT_USER_CS64 (RPL 3), or in compat mode the 32-bit cs
 * the user ran on (Xen pushes the user's own cs and ss), with the event
 * upcall mask as it was before the trap in bits 32-39; rflags.IF shows
 * that mask inverted (guests mask events, not the CPU, whose IF stays
 * set).  The handler runs with TF, NT, RF, AC cleared, on the new stack,
 * in 64-bit mode.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/shim_abi.h"

#define RFLAGS_TF   0x00000100ULL
#define RFLAGS_IF   0x00000200ULL
#define RFLAGS_DF   0x00000400ULL
#define RFLAGS_IOPL 0x00003000ULL
#define RFLAGS_NT   0x00004000ULL
#define RFLAGS_RF   0x00010000ULL
#define RFLAGS_VM   0x00020000ULL
#define RFLAGS_AC   0x00040000ULL
#define RFLAGS_RESERVED1 0x2ULL

#define X86_VEC_UD 6
#define X86_VEC_PF 14
#define PFEC_USER  0x4ULL

#define FRAME_MAX_WORDS 12

static struct vcpu_info *vcpu_info(struct core *c)
{
	return core_vcpu_info(c); /* where VCPUOP_register_vcpu_info put it */
}

/* Where a trap from guest user mode lands: stack_switch's stack, or until
 * the guest calls it the stack it was started on, as Xen's toolstack sets
 * kernel_sp. */
static uint64_t kernel_stack(struct core *c)
{
	const struct traps_vcpu *t = &core_vcpu(c)->traps;
	if (t->kernel_sp_set)
		return t->kernel_sp;
	const struct shim_boot_params *bp = platform_shim_page(c, SHIM_OFF_BOOT);
	return bp->guest_stack;
}

/* The stack a bounce goes on: the interrupted one in kernel mode. */
static uint64_t bounce_stack(struct core *c, const struct bounce_from *from)
{
	return core_vcpu(c)->kernel_mode ? from->rsp : kernel_stack(c);
}

static int bounce_on(struct core *c, struct trap_frame *f, const struct bounce_from *from,
		     uint64_t handler, unsigned flags, uint64_t error_code,
		     uint64_t stack, int failsafe)
{
	int was_kernel = core_vcpu(c)->kernel_mode;
	uint64_t sp = stack & ~0xfULL;
	if (!traps_guest_address_ok(sp))
		return -1;

	struct vcpu_info *vi = vcpu_info(c);
	uint8_t saved_mask = vi->evtchn_upcall_mask;
	uint64_t cs = was_kernel ? TRAPS_CS_KERNEL_FRAME : from->cs;
	uint64_t ss = was_kernel ? TRAPS_SS_FRAME : from->ss;

	uint64_t w[FRAME_MAX_WORDS];
	unsigned n = 0;
	w[n++] = f->rcx;
	w[n++] = f->r11;
	if (failsafe) {
		/* ds, es, fs, gs: CPL3 runs on the host's selectors here,
		 * never the guest's, so there is no guest value to show. */
		for (int i = 0; i < 4; i++)
			w[n++] = 0;
	}
	if (flags & BOUNCE_ERROR_CODE)
		w[n++] = error_code & 0xffffffffULL;
	w[n++] = from->rip;
	w[n++] = cs | ((uint64_t)saved_mask << 32);
	w[n++] = (from->rflags & ~(RFLAGS_IF | RFLAGS_IOPL)) | (saved_mask ? 0 : RFLAGS_IF) |
		traps_frame_iopl(c);
	w[n++] = from->rsp;
	w[n++] = ss;

	uint64_t base = sp - n * 8;
	if (base > sp || copy_to_guest(c, base, w, n * 8))
		return -1;

	if (!was_kernel && traps_enter_kernel(c, f))
		return 0; /* stopped: nothing more to do */
	if (flags & BOUNCE_MASK_EVENTS)
		vi->evtchn_upcall_mask = 1;
	f->rip = handler;
	f->rsp = base;
	f->rflags = (from->rflags & ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_AC |
				      RFLAGS_VM | RFLAGS_IOPL)) | RFLAGS_IF | RFLAGS_RESERVED1;
	f->cs = SHIM_SEL_USER_CS;
	f->ss = SHIM_SEL_USER_DS;
	return 0;
}

struct bounce_from traps_bounce_from(struct core *c, const struct trap_frame *f)
{
	struct bounce_from from = {
		f->rip, f->rflags, f->rsp, TRAPS_CS_USER_FRAME, TRAPS_SS_FRAME,
	};
	if (traps_is_compat_cs(c, (uint16_t)f->cs)) {
		from.cs = (f->cs & 0xffff) | 3;
		from.ss = (f->ss & 0xffff) | 3;
	}
	return from;
}

int traps_bounce(struct core *c, struct trap_frame *f, const struct bounce_from *from,
		 uint64_t handler, unsigned flags, uint64_t error_code)
{
	return bounce_on(c, f, from, handler, flags, error_code, bounce_stack(c, from), 0);
}

/*
 * The frame could not be written: the guest's stack is bad.  Xen would
 * crash the domain; a guest that registered a failsafe callback gets it
 * instead, with Xen's failsafe frame on its stack_switch stack.
 */
static void bad_stack(struct core *c, struct trap_frame *f, const struct bounce_from *from,
		      const char *what)
{
	const struct traps_callback *fs = &core_vcpu(c)->traps.failsafe;
	uint64_t bad = bounce_stack(c, from);
	if (fs->address &&
	    bounce_on(c, f, from, fs->address, fs->mask_events ? BOUNCE_MASK_EVENTS : 0,
		      0, kernel_stack(c), 1) == 0)
		return;
	char msg[192];
	core_format(msg, sizeof msg, "guest stack %#lx unwritable delivering %s "
		    "at rip %#lx%s", (unsigned long)bad, what, (unsigned long)from->rip,
		    fs->address ? " (and for the failsafe callback)" : "");
	core_stop_fault(c, f, msg);
}

static int deliver_from(struct core *c, struct trap_frame *f, const struct bounce_from *from,
			unsigned vector, int has_error, uint64_t error_code)
{
	const struct traps_gate *g = &core_vcpu(c)->traps.gate[vector % TRAPS_NR_GATES];
	if (vector >= TRAPS_NR_GATES || !g->address)
		return -1;
	unsigned flags = (has_error ? BOUNCE_ERROR_CODE : 0) |
		((g->flags & TRAPS_GATE_MASK_EVENTS) ? BOUNCE_MASK_EVENTS : 0);
	if (vector == X86_VEC_PF && has_error) { /* not `int $14` */
		/* The CPU saw CPL3 either way; the guest must see which of
		 * its modes faulted, and cr2 in its vcpu_info. */
		error_code &= ~PFEC_USER;
		if (!core_vcpu(c)->kernel_mode)
			error_code |= PFEC_USER;
		vcpu_info(c)->arch.cr2 = core_vcpu(c)->cr2;
	}
	if (bounce_on(c, f, from, g->address, flags, error_code, bounce_stack(c, from), 0)) {
		char what[32];
		core_format(what, sizeof what, "vector %u", vector);
		bad_stack(c, f, from, what);
	}
	return 0;
}

int traps_deliver(struct core *c, struct trap_frame *f, const struct bounce_from *from,
		  unsigned vector, int has_error, uint64_t error_code)
{
	const struct bounce_from own = traps_bounce_from(c, f);
	return deliver_from(c, f, from ? from : &own, vector, has_error, error_code);
}

/* An event callback, events unmasked and something to tell: the upcall
 * flag, or (for the launcher, which cannot link FIFO queues) events dom0
 * raised that the core links when it runs. */
static int upcall_due(struct core *c, int dom0_raised)
{
	const struct vcpu_info *v = vcpu_info(c);
	return core_vcpu(c)->traps.event.address &&
	       !__atomic_load_n(&v->evtchn_upcall_mask, __ATOMIC_ACQUIRE) &&
	       (__atomic_load_n(&v->evtchn_upcall_pending, __ATOMIC_ACQUIRE) ||
		(dom0_raised && evtchn_dom0_raised_any(c)));
}

int traps_event_upcall_due(struct core *c)
{
	return upcall_due(c, 1);
}

void traps_event_upcall(struct core *c, struct trap_frame *f)
{
	const struct traps_callback *cb = &core_vcpu(c)->traps.event;
	if (!upcall_due(c, 0))
		return;
	const struct bounce_from from = traps_bounce_from(c, f);
	if (bounce_on(c, f, &from, cb->address, BOUNCE_MASK_EVENTS, 0,
		      bounce_stack(c, &from), 0))
		bad_stack(c, f, &from, "an event upcall");
}

void traps_bounce_callback(struct core *c, struct trap_frame *f,
			   const struct bounce_from *from,
			   const struct traps_callback *cb, const char *what)
{
	if (bounce_on(c, f, from, cb->address, cb->mask_events ? BOUNCE_MASK_EVENTS : 0,
		      0, bounce_stack(c, from), 0))
		bad_stack(c, f, from, what);
}

/*
 * `syscall` from guest user mode goes to its callback as if the CPU had
 * trapped after the instruction (rip from rcx, rflags from r11), with DF
 * also cleared.  With no callback Xen raises #UD at the syscall
 * (switch_to_kernel, for the 64-bit and the 32-bit one alike).
 */
static void user_syscall(struct core *c, struct trap_frame *f,
			 const struct traps_callback *cb, struct bounce_from *from,
			 const char *what)
{
	if (!cb->address) {
		from->rip -= 2;
		if (deliver_from(c, f, from, X86_VEC_UD, 0, 0)) {
			char msg[96];
			core_format(msg, sizeof msg, "guest %s: no callback and no #UD "
				    "handler registered", what);
			core_stop_fault(c, f, msg);
		}
		return;
	}
	if (bounce_on(c, f, from, cb->address, cb->mask_events ? BOUNCE_MASK_EVENTS : 0,
		      0, bounce_stack(c, from), 0)) {
		bad_stack(c, f, from, what);
		return;
	}
	f->rflags &= ~RFLAGS_DF;
}

void traps_user_syscall(struct core *c, struct trap_frame *f)
{
	struct bounce_from from = traps_bounce_from(c, f);
	from.rip = f->rcx;
	from.rflags = f->r11;
	user_syscall(c, f, &core_vcpu(c)->traps.syscall, &from, "user-mode syscall");
}

/* The CSTAR stub built the frame as Xen's cstar_enter does. */
void traps_user_syscall32(struct core *c, struct trap_frame *f)
{
	struct bounce_from from = {
		f->rcx, f->r11, f->rsp, TRAPS_CS32_FRAME, TRAPS_SS32_FRAME,
	};
	user_syscall(c, f, &core_vcpu(c)->traps.syscall32, &from, "32-bit syscall");
}
