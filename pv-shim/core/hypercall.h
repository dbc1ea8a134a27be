/* The hypercall table: one entry per implemented __HYPERVISOR_* number. */
#ifndef XENLET_CORE_HYPERCALL_H
#define XENLET_CORE_HYPERCALL_H

#include "pv-shim/core/core.h"

typedef long hypercall_fn(struct core *c, const uint64_t args[5]);

hypercall_fn hypercall_console_io;
hypercall_fn hypercall_xen_version;
hypercall_fn hypercall_sched_op;
hypercall_fn hypercall_mmu_update;
hypercall_fn hypercall_update_va_mapping;
hypercall_fn hypercall_mmuext_op;
hypercall_fn hypercall_memory_op;
hypercall_fn hypercall_multicall;
/* Traps and guest kernel entry points (traps_*.c); iret is in trap.c's
 * dispatch, since it rewrites the whole frame. */
hypercall_fn hypercall_set_trap_table;
hypercall_fn hypercall_stack_switch;
hypercall_fn hypercall_set_callbacks;
hypercall_fn hypercall_callback_op;
hypercall_fn hypercall_set_segment_base;
hypercall_fn hypercall_vm_assist;
hypercall_fn hypercall_fpu_taskswitch;
hypercall_fn hypercall_set_gdt;
hypercall_fn hypercall_update_descriptor;
hypercall_fn hypercall_set_debugreg;
hypercall_fn hypercall_get_debugreg;
hypercall_fn hypercall_physdev_op;
/* The toolstack's, refused as Xen's default policy refuses a domU
 * (hypercall_control_ops.c). */
hypercall_fn hypercall_sysctl;
hypercall_fn hypercall_domctl;
/* Event channels (evtchn.c). */
hypercall_fn hypercall_event_channel_op;
/* The calling vCPU's timers, vcpu_info and runstate placement
 * (hypercall_vcpu_op.c). */
hypercall_fn hypercall_vcpu_op;
hypercall_fn hypercall_set_timer_op;

/* Runs the hypercall a guest-kernel `syscall` made; result in f->rax.
 * Returns 1 if an iret inside it (a multicall's) made f its own: the
 * frame is then the iret's, not the `syscall`'s to return from. */
int hypercall_from_syscall(struct core *c, struct trap_frame *f);

#endif
