/*
 * Guest traps as Xen delivers them to an x86_64 PV kernel: exceptions
 * bounced to the handlers of its virtual IDT on its kernel stack, the iret
 * hypercall back, and the switch between the guest's kernel and user mode
 * on the way.  The hypercalls that set all this up are in hypercall.h.
 */
#ifndef XENLET_CORE_TRAPS_H
#define XENLET_CORE_TRAPS_H

#include "pv-shim/core/core.h"

/* Selectors Xen shows the guest in the frames it builds (xen-x86_64.h):
 * the kernel's CS with RPL 0 means "was in guest kernel mode". */
#define TRAPS_CS_KERNEL_FRAME 0xe030u /* FLAT_KERNEL_CS with RPL cleared */
#define TRAPS_CS_USER_FRAME   0xe033u /* FLAT_USER_CS64 */
#define TRAPS_SS_FRAME        0xe02bu /* FLAT_KERNEL_SS == FLAT_USER_SS64 */
/* What Xen's 32-bit syscall entry shows (cstar_enter), and sysenter's. */
#define TRAPS_CS32_FRAME      0xe023u /* FLAT_USER_CS32 */
#define TRAPS_SS32_FRAME      0xe02bu /* FLAT_USER_SS32 */
#define TRAPS_CS_SYSENTER_FRAME 3u    /* a null selector with RPL 3 */

/* Xen's hole, which no guest stack or handler may be in. */
#define TRAPS_HOLE_START 0xffff800000000000ULL
#define TRAPS_HOLE_END   0xffff880000000000ULL

/* A guest address the guest may run or keep a stack at: canonical and
 * outside the hole. */
int traps_guest_address_ok(uint64_t va);

enum bounce_flags {
	BOUNCE_ERROR_CODE  = 1, /* push an error code */
	BOUNCE_MASK_EVENTS = 2, /* set evtchn_upcall_mask on entry */
};

/* The guest context being interrupted (it is not always f's own); cs and
 * ss are what the frame shows when it was guest user mode. */
struct bounce_from {
	uint64_t rip, rflags, rsp, cs, ss;
};

/* f's own context: in compat mode its selectors as the CPU had them (Xen
 * shows the user's), in 64-bit user mode Xen's FLAT_USER_CS64/SS64. */
struct bounce_from traps_bounce_from(struct core *c, const struct trap_frame *f);

/*
 * Builds Xen's bounce frame { rcx, r11, [error code], rip, cs, rflags,
 * rsp, ss } on the guest kernel stack (switching to kernel mode and the
 * stack_switch stack when the guest was in user mode) and points f at
 * handler.  0 on success; -1 if the frame could not be written, with
 * nothing changed.
 */
int traps_bounce(struct core *c, struct trap_frame *f, const struct bounce_from *from,
		 uint64_t handler, unsigned flags, uint64_t error_code);

/*
 * Delivers exception or software interrupt vector to the guest's handler,
 * interrupting the context from (NULL: f's own rip, rflags, rsp).  On a
 * bad guest stack, the failsafe callback or a stop (with f as it came).
 * Returns -1, nothing done, when the guest has no handler for vector.
 */
int traps_deliver(struct core *c, struct trap_frame *f, const struct bounce_from *from,
		  unsigned vector, int has_error, uint64_t error_code);

/* A `syscall` from guest user mode: to the guest's syscall callback. */
void traps_user_syscall(struct core *c, struct trap_frame *f);

/* A 32-bit `syscall` (f: the CSTAR stub's frame, rip/rflags from rcx/r11
 * and Xen's FLAT_USER_CS32/SS32): to the syscall32 callback. */
void traps_user_syscall32(struct core *c, struct trap_frame *f);

/* To callback cb, interrupting from, on the stack a trap in the guest's
 * current mode lands on; the failsafe callback or a stop if that stack is
 * bad.  what names it in a stop report. */
void traps_bounce_callback(struct core *c, struct trap_frame *f,
			   const struct bounce_from *from,
			   const struct traps_callback *cb, const char *what);

/* `int $0x80` (len bytes) at f->rip, as Xen's entry_int80: to trap 0x80's
 * handler past the instruction if the guest registered one, else the #GP
 * an `int` through a DPL 0 gate raises. */
void traps_int80(struct core *c, struct trap_frame *f, unsigned len);

/* `sysenter` at f->rip, as Xen's sysenter_entry for a 64-bit guest: to the
 * sysenter callback, else #GP(0). */
void traps_sysenter(struct core *c, struct trap_frame *f);

/* On the way back to the guest, as Xen's test_guest_events: an event
 * upcall pending and not masked in vcpu_info goes to the event callback
 * (events masked) if the guest registered one. */
void traps_event_upcall(struct core *c, struct trap_frame *f);
/* Whether traps_event_upcall would deliver one now (no event callback
 * registered: never; the guest polls its events itself). */
int traps_event_upcall_due(struct core *c);

/* HYPERVISOR_iret: f is the hypercall's frame; rewrites all of it. */
void traps_iret(struct core *c, struct trap_frame *f);

/* For #NM: clears the real CR0.TS; returns 1 if the guest's virtual TS
 * was set (the guest gets the #NM), clearing it as Xen does. */
int traps_fpu_fault(struct core *c);

/* Xen's check of one guest descriptor (traps_descriptor.c): 1 if it is
 * taken, *desc then fixed up as Xen stores it; 0 if refused. */
int traps_descriptor_check(uint64_t *desc);

/* Makes frames (entries descriptors, Xen's checks) vCPU n's GDT: set_gdt
 * and VCPUOP_initialise.  0 or -XEN_EINVAL, the old table kept. */
long traps_set_gdt(struct core *c, unsigned n, const uint64_t *frames, uint64_t entries);

/* 1 if selector sel names a 32-bit code segment for the vCPU: Xen's
 * FLAT_USER_CS32, or one in the guest's GDT or LDT as the CPU has them. */
int traps_is_compat_cs(struct core *c, uint16_t sel);

/* MMUEXT_SET_LDT (its checks made): the guest's LDT of nr_ents at the
 * guest address base becomes the vCPU's (shim_abi.h).  0, or -XEN_ENOSYS
 * past SHIM_LDT_MAX entries. */
long traps_set_ldt(struct core *c, uint64_t base, uint64_t nr_ents);

/* The base of the data segment selector names in the guest's GDT (0 for
 * null, LDT or absent ones). */
uint64_t traps_gdt_base(struct core *c, uint16_t selector);

/* Guest mode switches, as Xen's toggle_guest_mode: page tables, GS base.
 * 0, or -1 with a stop if the switch is impossible.  Entering user mode
 * takes effect at traps_finish_enter_user, on the trap's way back, unless
 * traps_enter_kernel came first (traps_mode.c). */
int traps_enter_kernel(struct core *c, const struct trap_frame *f);
int traps_enter_user(struct core *c, const struct trap_frame *f);
void traps_finish_enter_user(struct core *c, const struct trap_frame *f);

/* The guest's debug register reg, set and read as Xen's set_debugreg and
 * get_debugreg do (traps_debugreg.c): set gives 0 or -XEN_EPERM,
 * -XEN_EINVAL, -XEN_ENODEV; get 0, or -1 for a register the guest has
 * not (Xen's -ENODEV, a #UD for `mov`). */
long traps_set_debugreg(struct core *c, unsigned reg, uint64_t value);
int traps_get_debugreg(struct core *c, unsigned reg, uint64_t *value);

/* VMASST_TYPE_architectural_iopl (traps_vm_assist.c): with it, iret
 * loads the virtual IOPL from the rflags it returns with, and the frames
 * Xen builds show it in their rflags (otherwise IOPL there is 0). */
void traps_iret_loads_iopl(struct core *c, uint64_t rflags);
uint64_t traps_frame_iopl(struct core *c);

#endif
