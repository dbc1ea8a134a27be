#include "smp.h"

#include <xen/errno.h>

#include "hypercall.h"
#include "libc.h"
#include "pv_mmu.h"
#include "test.h"

#define RFLAGS_IF 0x200ul
#define RFLAGS_FIXED 0x002ul /* bit 1 always reads as 1 */
/* No domain has this many: a launcher that never says -ENOENT would
 * otherwise keep the count going for good. */
#define COUNT_LIMIT 4096u

void smp_ap_entry(void);

/*
 * Where an AP starts.  Xen loads the context's general registers: rdi
 * holds the vCPU number and rsi the function (smp_ap_context puts them
 * there), so that the AP needs nothing from memory to find its way.
 * rsp is the stack top; aligned again for the C ABI all the same.
 */
__asm__(".pushsection .text\n"
	".global smp_ap_entry\n"
	"smp_ap_entry:\n"
	"	andq $-16, %rsp\n"
	"	call *%rsi\n"
	"	ud2\n"
	".popsection\n");

long vcpu_op(int cmd, unsigned vcpu, void *arg)
{
	return hypercall_via_syscall(__HYPERVISOR_vcpu_op, (unsigned long)cmd, vcpu,
				     (unsigned long)arg, 0, 0);
}

unsigned smp_count_vcpus(void)
{
	for (unsigned n = 0;; n++) {
		long rc = vcpu_op(VCPUOP_is_up, n, 0);
		if (rc == -XEN_ENOENT)
			return n;
		require(rc == 0 || rc == 1, "VCPUOP_is_up(%u): %ld, expected 0, 1 or -ENOENT",
			n, rc);
		require(n < COUNT_LIMIT, "VCPUOP_is_up: no -ENOENT up to vCPU %u", n);
	}
}

void smp_ap_context(struct vcpu_guest_context *c, const struct smp_ap_start *s)
{
	memset(c, 0, sizeof *c);
	/* Guest kernel mode; not VGCF_online, so the vCPU stays down until
	 * VCPUOP_up. */
	c->flags = VGCF_in_kernel;
	c->user_regs.rip = (uint64_t)(uintptr_t)smp_ap_entry;
	c->user_regs.cs = FLAT_KERNEL_CS;
	/* Xen sets the real IF anyway; the AP's events follow its
	 * evtchn_upcall_mask.  IOPL 0: no port access. */
	c->user_regs.rflags = RFLAGS_IF | RFLAGS_FIXED;
	c->user_regs.rsp = s->stack_top;
	c->user_regs.ss = FLAT_KERNEL_SS;
	c->user_regs.rdi = s->vcpu;
	c->user_regs.rsi = (uint64_t)(uintptr_t)s->main;
	/* Data selectors stay null, as 64-bit code needs none (Linux's fs and
	 * gs are 0 too), and no GDT or LDT: the flat selectors are Xen's.
	 * trap_ctxt is indexed by vector, where set_trap_table's list is not. */
	for (const struct trap_info *t = s->traps; t && t->address; t++)
		c->trap_ctxt[t->vector] = *t;
	c->kernel_ss = FLAT_KERNEL_SS;
	c->kernel_sp = s->stack_top;
	/* The boot vCPU's tables: the bootstrap L4 at start_info's pt_base. */
	const uint64_t *p2m = (const uint64_t *)boot_start_info->mfn_list;
	c->ctrlreg[3] = xen_pfn_to_cr3(p2m[pfn_of((const void *)boot_start_info->pt_base)]);
	c->event_callback_eip = (uint64_t)(uintptr_t)s->event_callback;
	c->failsafe_callback_eip = (uint64_t)(uintptr_t)s->failsafe_callback;
	c->gs_base_kernel = s->gs_base_kernel;
}
