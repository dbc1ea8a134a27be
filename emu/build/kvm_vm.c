/*
 * KVM plumbing.  The vCPU starts at CPL0 in long mode (the shim's entry)
 * on a flat code segment whose selector matches the shim's GDT, which the
 * shim loads itself before anything consults it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "pv-shim/shim_abi.h"
#include "emu/build/cpuid_table.h"
#include "emu/build/kvm_vm.h"

#define MSR_EFER   0xc0000080
#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_SFMASK 0xc0000084
/* TF DF NT AC: not IF, which the trampoline's kernel entry could not set
 * again at CPL3 (trampoline_head.S); the launcher keeps interrupts out of
 * the CSTAR entry instead (vcpu_events.c). */
#define SFMASK_SYSCALL 0x44500ULL

#define EFER_SCE 0x001
#define EFER_LME 0x100
#define EFER_LMA 0x400
#define EFER_NXE 0x800

#define CR0_PE 0x00000001
#define CR0_MP 0x00000002
#define CR0_ET 0x00000010
#define CR0_NE 0x00000020
#define CR0_WP 0x00010000
#define CR0_PG 0x80000000
#define CR4_PAE 0x020
#define CR4_OSFXSR 0x200
#define CR4_OSXMMEXCPT 0x400
#define CR4_OSXSAVE 0x40000

int kvm_vm_create(struct kvm_vm *vm, char *err, size_t errlen)
{
	*vm = (struct kvm_vm){ .kvm_fd = -1, .vm_fd = -1 };
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		snprintf(err, errlen, "/dev/kvm: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(err, errlen, "/dev/kvm: unsupported KVM API version");
		return -1;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int kvm_vm_add_memory(struct kvm_vm *vm, unsigned slot, uint64_t gpa,
		      void *host, uint64_t size, char *err, size_t errlen)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int set_msrs(const struct kvm_vcpu *vcpu, const struct kvm_vcpu_start *s)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[3];
	} m = {
		.hdr = { .nmsrs = 3 },
		.e = {
			{ .index = MSR_STAR, .data = s->star },
			{ .index = MSR_LSTAR, .data = s->lstar },
			/* MSR_CSTAR is the shim's (a stub per vCPU).  A 32-bit
			 * syscall enters it at CPL0 on the user's stack: no
			 * single-step or string direction may reach the stub
			 * before it leaves that stack, nor an interrupt (kept
			 * out by the launcher, SFMASK_SYSCALL).  (A 64-bit one
			 * stays at CPL3 here and every way on takes its rflags
			 * from r11.) */
			{ .index = MSR_SFMASK, .data = SFMASK_SYSCALL },
		},
	};
	return ioctl(vcpu->fd, KVM_SET_MSRS, &m) == 3 ? 0 : -1;
}

#define CPUID_ENTRIES 128

static struct kvm_cpuid2 *cpuid_alloc(void)
{
	struct kvm_cpuid2 *t = calloc(1, sizeof *t +
				      CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2));
	if (t)
		t->nent = CPUID_ENTRIES;
	return t;
}

/*
 * The PV policy's table for plain `cpuid` (cpuid_table.c).  What the vCPU
 * then answers is read back, and is what the core's forced-emulation path
 * filters in the launcher as the shim's CPL0 `cpuid` does inside the
 * guest: KVM may keep bits it was not given (the KVM on the project's
 * machines puts the host CPU's user-mode features back into leaves 1 and
 * 7, as its CPL3 code runs on them natively), and both trap paths must
 * start from the same values.
 */
static int set_cpuid(struct kvm_vm *vm, const struct kvm_vcpu *vcpu,
		     const struct cpuid_xstate *x)
{
	struct kvm_cpuid2 *supported = cpuid_alloc(), *guest = NULL;
	int r = -1;
	if (!supported || ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, supported) < 0)
		goto out;
	guest = cpuid_table_for_guest(supported, x);
	if (!guest || ioctl(vcpu->fd, KVM_SET_CPUID2, guest) < 0)
		goto out;
	/* Every vCPU gets the same table: the first one's answers stand
	 * for all. */
	if (vm->cpuid) {
		r = 0;
		goto out;
	}
	vm->cpuid = cpuid_alloc();
	if (vm->cpuid && ioctl(vcpu->fd, KVM_GET_CPUID2, vm->cpuid) == 0)
		r = 0;
out:
	free(supported);
	free(guest);
	return r;
}

static int set_sregs(const struct kvm_vcpu *vcpu, const struct kvm_vcpu_start *s)
{
	struct kvm_sregs sr;
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sr) < 0)
		return -1;
	struct kvm_segment cs = {
		.limit = 0xffffffff, .selector = SHIM_SEL_KERNEL_CS, .type = 11,
		.present = 1, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment ds = {
		.limit = 0xffffffff, .selector = SHIM_SEL_KERNEL_DS, .type = 3,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};
	sr.cs = cs;
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = ds;
	sr.gdt = (struct kvm_dtable){ .base = s->gdt_base, .limit = SHIM_GDT_LIMIT };
	sr.idt = (struct kvm_dtable){ .base = s->idt_base, .limit = 0 };
	sr.tr = (struct kvm_segment){
		.base = 0, .limit = 0x67, .selector = 0, .type = 11, .present = 1,
	};
	sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sr.cr3 = s->cr3;
	sr.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT |
		 (s->xstate.xcr0 && s->xstate.osxsave ? CR4_OSXSAVE : 0);
	sr.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	return ioctl(vcpu->fd, KVM_SET_SREGS, &sr);
}

/* The vCPU gets the XCR0 offered, the one its CPL3 code runs with on the
 * project's machines anyway: on hosts whose KVM loads the vCPU's XCR0,
 * the guest then runs with the XCR0 its kernel was told it may set. */
static int set_xcr0(const struct kvm_vcpu *vcpu, uint64_t xcr0)
{
	if (!xcr0)
		return 0;
	struct kvm_xcrs x = { .nr_xcrs = 1, .xcrs = { { .xcr = 0, .value = xcr0 } } };
	return ioctl(vcpu->fd, KVM_SET_XCRS, &x);
}

int kvm_vm_create_vcpu(struct kvm_vm *vm, unsigned id, const struct kvm_vcpu_start *s,
		       struct kvm_vcpu *vcpu, char *err, size_t errlen)
{
	*vcpu = (struct kvm_vcpu){ .fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id) };
	if (vcpu->fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VCPU %u: %s", id, strerror(errno));
		return -1;
	}
	int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0) {
		snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -1;
	}
	vcpu->run_size = (size_t)size;
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		snprintf(err, errlen, "mmap kvm_run: %s", strerror(errno));
		return -1;
	}
	if (set_cpuid(vm, vcpu, &s->xstate) < 0 || set_sregs(vcpu, s) < 0 ||
	    set_xcr0(vcpu, s->xstate.xcr0) < 0 || set_msrs(vcpu, s) < 0) {
		snprintf(err, errlen, "setting up vCPU %u: %s", id, strerror(errno));
		return -1;
	}
	struct kvm_regs regs = { .rip = s->rip, .rsp = s->rsp, .rflags = 0x2 };
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0) {
		snprintf(err, errlen, "KVM_SET_REGS: %s", strerror(errno));
		return -1;
	}
	kvm_vcpu_use_sync_regs(vcpu, vm->kvm_fd);
	return 0;
}

void kvm_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	*vcpu = (struct kvm_vcpu){ .fd = -1 };
}

void kvm_vm_destroy(struct kvm_vm *vm)
{
	free(vm->cpuid);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	*vm = (struct kvm_vm){ .kvm_fd = -1, .vm_fd = -1 };
}
