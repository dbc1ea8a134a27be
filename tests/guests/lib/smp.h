/*
 * Secondary vCPUs (APs) the Xen PV way: the domain's vCPU count from
 * VCPUOP_is_up, and the vcpu_guest_context a kernel hands VCPUOP_initialise
 * to start an AP in guest kernel mode at a C function, on a stack of its
 * own, with the boot vCPU's page tables, traps and callbacks (what Linux's
 * cpu_initialize_context builds for x86_64 PV).  VCPUOP_up then runs it.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/vcpu.h>

/* HYPERVISOR_vcpu_op(cmd, vcpu, arg), as a bare syscall. */
long vcpu_op(int cmd, unsigned vcpu, void *arg);

/* VCPUOP_is_up on vCPU 0, 1, ...: the first -ENOENT is the count.  Ends
 * the test if is_up answers anything but 0, 1 or -ENOENT. */
unsigned smp_count_vcpus(void);

struct smp_ap_start {
	unsigned vcpu;
	void (*main)(unsigned vcpu);   /* runs on the AP; must not return */
	uint64_t stack_top;
	const struct trap_info *traps; /* as for set_trap_table: ends at address 0 */
	const void *event_callback;
	const void *failsafe_callback;
	uint64_t gs_base_kernel;       /* what %gs: reads relative to, per vCPU */
};

/* Fills ctxt (all of it) for VCPUOP_initialise of s->vcpu: main(vcpu) runs
 * with events as that vCPU's vcpu_info says (mask it before VCPUOP_up, as
 * Linux does, and let the AP unmask). */
void smp_ap_context(struct vcpu_guest_context *ctxt, const struct smp_ap_start *s);

#endif
