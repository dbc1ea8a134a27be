/*
 * The first bytes of the syscall trampoline page (pv-shim/shim_abi.h),
 * assembled here as data and copied into the page by shim_write_trampoline,
 * which then writes the exit's two bytes and the vCPU count.
 *
 * While a vCPU runs the guest's kernel, its `syscall`s land at
 * SHIM_TRAMPOLINE_KERNEL_ENTRY, still at CPL3 on these hosts (the core
 * points LSTAR there on every switch to kernel mode, and at the exit on
 * every switch to user mode: platform_set_guest_mode).  Linux asks
 * VCPUOP_is_up of each of its nr_cpu_ids possible CPUs at boot (8,192 in
 * Debian's configuration), and for every one past the domain's the answer
 * is Xen's -ENOENT, fixed when the domain is built; each would otherwise be
 * an exit (host trap path) or an exception into the shim (guest path).
 * This answers them in place, sends update_va_mapping and multicall
 * through the shim in the host trap path (SHIM_TRAMPOLINE_VIA_SHIM): their
 * TLB flushes are CPL0 work more often than not; and everything else to
 * the exit, mmu_update and mmuext_op among them, whose stores the launcher
 * makes seen without CPL0 code (platform_write_entry) and whose CR3 loads
 * it makes through KVM.  As
 * Xen's return from a hypercall does, it resumes at %rcx with the flags in
 * %r11 (IF, which popf cannot set at CPL3, is never cleared on the way in:
 * SFMASK leaves it, emu/build/kvm_vm.c) and changes no register but %rax;
 * it stores one word below the guest
 * kernel's %rsp, where Xen's own exception frames go at any time, so no PV
 * kernel keeps anything there.
 */
#include "pv-shim/shim_abi.h"

/* xen/xen.h */
#define HYPERVISOR_MULTICALL        13
#define HYPERVISOR_UPDATE_VA_MAPPING 14
#define HYPERVISOR_VCPU_OP          24
#define VCPUOP_IS_UP       3  /* VCPUOP_is_up (xen/vcpu.h) */
#define XEN_ENOENT         2

	.section .rodata
	.globl trampoline_head
	.code64
trampoline_head:
exit:
	ud2			/* `out %al,$SHIM_PORT_HYPERCALL` in the host trap path */
	ud2			/* SHIM_TRAMPOLINE_DETOUR */
via_shim:
	ud2			/* SHIM_TRAMPOLINE_VIA_SHIM: `jmp exit` in the guest path */
	.rept (SHIM_TRAMPOLINE_KERNEL_ENTRY - 6) / 2
	ud2
	.endr
	.org trampoline_head + SHIM_TRAMPOLINE_KERNEL_ENTRY
	/* Page-table hypercalls that flush: the shim's CPL0 code does that. */
	cmpl	$HYPERVISOR_UPDATE_VA_MAPPING, %eax
	je	via_shim
	cmpl	$HYPERVISOR_MULTICALL, %eax
	je	via_shim
	cmpl	$HYPERVISOR_VCPU_OP, %eax
	jne	to_exit
	cmpl	$VCPUOP_IS_UP, %edi
	jne	to_exit
	cmpl	nr_vcpus(%rip), %esi	/* Xen takes the vCPU as unsigned */
	jb	to_exit
	movq	$-XEN_ENOENT, %rax
	pushq	%r11
	popfq
	jmpq	*%rcx
to_exit:
	jmp	exit
	.org trampoline_head + SHIM_TRAMPOLINE_NR_VCPUS, 0xcc	/* int3 */
nr_vcpus:
	.quad 0
	.org trampoline_head + SHIM_TRAMPOLINE_HEAD_SIZE

	.section .note.GNU-stack, "", @progbits
