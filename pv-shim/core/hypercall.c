/*
 * Hypercall dispatch.  Numbers without a handler return -ENOSYS, and the
 * first call of each is reported to the launcher with the guest RIP, so a
 * guest that goes wrong afterwards can be traced to what it was refused.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/grant/grant.h"
#include "pv-shim/core/platform.h"

static hypercall_fn *const handlers[CORE_NR_HYPERCALLS] = {
	[__HYPERVISOR_console_io] = hypercall_console_io,
	[__HYPERVISOR_xen_version] = hypercall_xen_version,
	[__HYPERVISOR_sched_op] = hypercall_sched_op,
	[__HYPERVISOR_mmu_update] = hypercall_mmu_update,
	[__HYPERVISOR_update_va_mapping] = hypercall_update_va_mapping,
	[__HYPERVISOR_mmuext_op] = hypercall_mmuext_op,
	[__HYPERVISOR_memory_op] = hypercall_memory_op,
	[__HYPERVISOR_multicall] = hypercall_multicall,
	[__HYPERVISOR_set_trap_table] = hypercall_set_trap_table,
	[__HYPERVISOR_stack_switch] = hypercall_stack_switch,
	[__HYPERVISOR_set_callbacks] = hypercall_set_callbacks,
	[__HYPERVISOR_callback_op] = hypercall_callback_op,
	[__HYPERVISOR_set_segment_base] = hypercall_set_segment_base,
	[__HYPERVISOR_vm_assist] = hypercall_vm_assist,
	[__HYPERVISOR_fpu_taskswitch] = hypercall_fpu_taskswitch,
	[__HYPERVISOR_set_gdt] = hypercall_set_gdt,
	[__HYPERVISOR_update_descriptor] = hypercall_update_descriptor,
	[__HYPERVISOR_set_debugreg] = hypercall_set_debugreg,
	[__HYPERVISOR_get_debugreg] = hypercall_get_debugreg,
	[__HYPERVISOR_physdev_op] = hypercall_physdev_op,
	[__HYPERVISOR_event_channel_op] = hypercall_event_channel_op,
	[__HYPERVISOR_vcpu_op] = hypercall_vcpu_op,
	[__HYPERVISOR_set_timer_op] = hypercall_set_timer_op,
	[__HYPERVISOR_grant_table_op] = hypercall_grant_table_op,
	[__HYPERVISOR_sysctl] = hypercall_sysctl,
	[__HYPERVISOR_domctl] = hypercall_domctl,
};

long core_hypercall(struct core *c, uint64_t nr, const uint64_t args[5])
{
	if (nr < CORE_NR_HYPERCALLS && handlers[nr])
		return handlers[nr](c, args);
	return -XEN_ENOSYS;
}

/*
 * Reports the first call of each unimplemented hypercall number, and only
 * the first of all numbers past the table, so a guest cannot flood the
 * launcher's log.
 */
static void note_enosys(struct core *c, uint64_t nr, const struct trap_frame *f)
{
	struct core_state *st = c->st;
	st->last_enosys = (uint32_t)(nr < 0xfffffffeULL ? nr + 1 : 0xffffffffULL);
	st->last_enosys_rip = f->rcx;
	if (nr < CORE_NR_HYPERCALLS) {
		if (st->enosys_logged & (1ULL << nr))
			return;
		st->enosys_logged |= 1ULL << nr;
	} else {
		if (st->enosys_logged_out_of_range)
			return;
		st->enosys_logged_out_of_range = 1;
	}
	char line[192];
	core_format(line, sizeof line,
		    "hypercall %s (%lu) not implemented: -ENOSYS to guest rip %#lx%s",
		    core_hypercall_name(nr), (unsigned long)nr,
		    (unsigned long)f->rcx,
		    nr < CORE_NR_HYPERCALLS ? "" : " (further numbers past the "
		    "table are not reported)");
	platform_log(c, line);
}

/*
 * A `syscall` from the guest kernel is a hypercall (the x86-64 PV ABI):
 * number in %rax, arguments in %rdi %rsi %rdx %r10 %r8, result in %rax,
 * and the CPU left the return address in %rcx and the flags in %r11.
 */
int hypercall_from_syscall(struct core *c, struct trap_frame *f)
{
	uint64_t nr = f->rax;
	const uint64_t args[5] = { f->rdi, f->rsi, f->rdx, f->r10, f->r8 };
	if (nr < CORE_NR_HYPERCALLS)
		c->st->stats.hypercalls[nr]++;
	else
		c->st->stats.hypercalls_out_of_range++;
	c->frame = f;
	c->frame_replaced = 0;
	long rc = core_hypercall(c, nr, args);
	c->frame = 0;
	if (c->frame_replaced)
		return 1;
	struct mm_vcpu *mm = &core_vcpu(c)->mm;
	if (mm->continuation) {
		/* Re-execute the 2-byte `syscall` with what is left to do. */
		mm->continuation = 0;
		f->rdi = mm->continuation_args[0];
		f->rsi = mm->continuation_args[1];
		f->rdx = mm->continuation_args[2];
		f->r10 = mm->continuation_args[3];
		f->r8 = mm->continuation_args[4];
		f->rcx -= 2;
		return 0; /* %rax still holds nr */
	}
	if (rc == -XEN_ENOSYS && !(nr < CORE_NR_HYPERCALLS && handlers[nr]))
		note_enosys(c, nr, f);
	if (c->st->trace_flags & CORE_TRACE_HYPERCALLS)
		platform_trace_hypercall(c, nr, args, rc);
	f->rax = (uint64_t)rc;
	return 0;
}
