/* One hypercall as a line: its name, as many arguments as it takes, its
 * result (hypercall_trace_line.h). */
#include "pv-shim/core/core.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/hypercall_trace_line.h"
#include "pv-shim/core/xen_abi.h"

/* One more than the arguments each hypercall takes in the x86-64 PV ABI
 * (Xen's hypercall-defs); 0: not a hypercall Xen has (all five print). */
static const uint8_t nr_args[CORE_NR_HYPERCALLS] = {
	[__HYPERVISOR_set_trap_table] = 2, [__HYPERVISOR_mmu_update] = 5,
	[__HYPERVISOR_set_gdt] = 3, [__HYPERVISOR_stack_switch] = 3,
	[__HYPERVISOR_set_callbacks] = 4, [__HYPERVISOR_fpu_taskswitch] = 2,
	[__HYPERVISOR_sched_op_compat] = 3, [__HYPERVISOR_platform_op] = 2,
	[__HYPERVISOR_set_debugreg] = 3, [__HYPERVISOR_get_debugreg] = 2,
	[__HYPERVISOR_update_descriptor] = 3, [__HYPERVISOR_memory_op] = 3,
	[__HYPERVISOR_multicall] = 3, [__HYPERVISOR_update_va_mapping] = 4,
	[__HYPERVISOR_set_timer_op] = 2, [__HYPERVISOR_event_channel_op_compat] = 2,
	[__HYPERVISOR_xen_version] = 3, [__HYPERVISOR_console_io] = 4,
	[__HYPERVISOR_physdev_op_compat] = 2, [__HYPERVISOR_grant_table_op] = 4,
	[__HYPERVISOR_vm_assist] = 3, [__HYPERVISOR_update_va_mapping_otherdomain] = 5,
	[__HYPERVISOR_iret] = 1, [__HYPERVISOR_vcpu_op] = 4,
	[__HYPERVISOR_set_segment_base] = 3, [__HYPERVISOR_mmuext_op] = 5,
	[__HYPERVISOR_xsm_op] = 2, [__HYPERVISOR_nmi_op] = 3,
	[__HYPERVISOR_sched_op] = 3, [__HYPERVISOR_callback_op] = 3,
	[__HYPERVISOR_xenoprof_op] = 3, [__HYPERVISOR_event_channel_op] = 3,
	[__HYPERVISOR_physdev_op] = 3, [__HYPERVISOR_hvm_op] = 3,
	[__HYPERVISOR_sysctl] = 2, [__HYPERVISOR_domctl] = 2,
	[__HYPERVISOR_kexec_op] = 3, [__HYPERVISOR_tmem_op] = 2,
	[__HYPERVISOR_argo_op] = 6, [__HYPERVISOR_xenpmu_op] = 3,
	[__HYPERVISOR_dm_op] = 4, [__HYPERVISOR_hypfs_op] = 6,
};

/* The domid argument of the calls that take one, named as Xen's headers
 * name the special ones. */
static int domid_arg(uint64_t nr, int i)
{
	return i == 3 && (nr == __HYPERVISOR_mmu_update || nr == __HYPERVISOR_mmuext_op ||
			  nr == __HYPERVISOR_update_va_mapping_otherdomain);
}

static size_t put_arg(char *buf, size_t size, uint64_t nr, int i, uint64_t v)
{
	if (domid_arg(nr, i) && v == DOMID_SELF)
		return core_format(buf, size, "DOMID_SELF");
	/* Small values are counts, commands and flags; larger ones addresses. */
	if (v < 0x10000)
		return core_format(buf, size, "%lu", (unsigned long)v);
	return core_format(buf, size, "%#lx", (unsigned long)v);
}

void core_hypercall_trace_line(char *buf, size_t size, unsigned vcpu,
			       uint64_t nr, const uint64_t args[5], long rc)
{
	int known = nr < CORE_NR_HYPERCALLS && nr_args[nr];
	int n = known ? nr_args[nr] - 1 : 5;
	size_t len = known
		? core_format(buf, size, "vcpu%u %s(", vcpu, core_hypercall_name(nr))
		: core_format(buf, size, "vcpu%u hypercall_%lu(", vcpu, (unsigned long)nr);
	for (int i = 0; i < n && len < size; i++) {
		if (i)
			len += core_format(buf + len, size - len, ", ");
		if (len < size)
			len += put_arg(buf + len, size - len, nr, i, args[i]);
	}
	if (len < size)
		core_format(buf + len, size - len, ") = %ld", rc);
}
