/* The hypercall table: one entry per implemented __HYPERVISOR_* number. */
#ifndef XENLET_CORE_HYPERCALL_H
#define XENLET_CORE_HYPERCALL_H

#include "pv-shim/core/core.h"

typedef long hypercall_fn(struct core *c, const uint64_t args[5]);

hypercall_fn hypercall_console_io;
hypercall_fn hypercall_xen_version;
hypercall_fn hypercall_sched_op;

/* Runs the hypercall a guest-kernel `syscall` made; result in f->rax. */
void hypercall_from_syscall(struct core *c, struct trap_frame *f);

#endif
