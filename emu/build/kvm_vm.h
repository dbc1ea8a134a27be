/* A KVM VM and its vCPUs, each in 64-bit mode from its first instruction. */
#ifndef XENLET_KVM_VM_H
#define XENLET_KVM_VM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include "pv-shim/core/emulate/cpuid_policy.h"

struct kvm_vm {
	int kvm_fd, vm_fd;
	struct kvm_cpuid2 *cpuid;   /* what the vCPUs answer plain cpuid with */
};

struct kvm_vcpu {
	int fd;
	struct kvm_run *run;
	size_t run_size;
	/* KVM_CAP_SYNC_REGS in use for the general and for the special
	 * registers, and kvm_run->s holding them now (kvm_regs.c). */
	int sync_regs, regs_in_run;
	int sync_sregs, sregs_in_run;
};

struct kvm_vcpu_start {
	uint64_t rip, rsp, cr3;
	uint64_t gdt_base, idt_base;
	uint64_t lstar, star;
	/* The XSAVE state offered (xstate.xcr0 0: none); osxsave is the
	 * guest's virtual CR4.OSXSAVE to start with. */
	struct cpuid_xstate xstate;
};

/* Each returns 0, or -1 with a reason in err. */
int kvm_vm_create(struct kvm_vm *vm, char *err, size_t errlen);
int kvm_vm_add_memory(struct kvm_vm *vm, unsigned slot, uint64_t gpa,
		      void *host, uint64_t size, char *err, size_t errlen);
int kvm_vm_create_vcpu(struct kvm_vm *vm, unsigned id, const struct kvm_vcpu_start *start,
		       struct kvm_vcpu *vcpu, char *err, size_t errlen);
void kvm_vcpu_destroy(struct kvm_vcpu *vcpu);

/* kvm_regs.c: the general registers through kvm_run->s where the host
 * offers KVM_CAP_SYNC_REGS (use_sync_regs finds out, once, before the vCPU
 * first runs), else through KVM_GET_REGS / KVM_SET_REGS.  Every KVM_RUN of
 * a vCPU that may use them goes through kvm_vcpu_run.  Each returns what
 * the ioctl would. */
void kvm_vcpu_use_sync_regs(struct kvm_vcpu *vcpu, int kvm_fd);
int kvm_vcpu_run(struct kvm_vcpu *vcpu);
int kvm_vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
int kvm_vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs);
/* The same for the special registers (CR3, segments, CR0/CR4). */
int kvm_vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
int kvm_vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs);
/* Before another ioctl changes what the special registers hold (a segment
 * base MSR): puts a copy waiting in kvm_run in first, so that it cannot
 * undo that change at the next KVM_RUN, and stops trusting kvm_run's. */
int kvm_vcpu_sregs_flush(struct kvm_vcpu *vcpu);
void kvm_vm_destroy(struct kvm_vm *vm);

#endif
