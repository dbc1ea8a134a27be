/*
 * A vCPU's general and special registers between exits, through
 * KVM_CAP_SYNC_REGS where the host offers it: KVM then copies them into
 * kvm_run->s on every exit and takes them from there on the next KVM_RUN
 * when marked dirty, so a hypercall's round trip needs no KVM_GET_REGS or
 * KVM_SET_REGS ioctl (~11 us of ~38 per exit on the project's hosts), and
 * one that only loads CR3 (MMUEXT_NEW_BASEPTR) no KVM_GET_SREGS or
 * KVM_SET_SREGS either.  Without the capability they are the ioctls.
 *
 * The copy in kvm_run is the vCPU's registers only while nothing else
 * changed them: right after KVM_RUN returned an exit (KVM stores them then),
 * and after a set put new ones there for the next entry.  Every KVM_RUN and
 * every register read or write of the launcher goes through here, so that
 * a KVM_GET_* never misses values still waiting in kvm_run, and the copy is
 * never trusted after an ioctl changed them.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "emu/build/kvm_vm.h"

void kvm_vcpu_use_sync_regs(struct kvm_vcpu *vcpu, int kvm_fd)
{
	int fields = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	vcpu->sync_regs = fields > 0 && (fields & KVM_SYNC_X86_REGS);
	vcpu->sync_sregs = fields > 0 && (fields & KVM_SYNC_X86_SREGS);
	vcpu->regs_in_run = vcpu->sregs_in_run = 0;
	vcpu->run->kvm_valid_regs = (vcpu->sync_regs ? KVM_SYNC_X86_REGS : 0) |
				    (vcpu->sync_sregs ? KVM_SYNC_X86_SREGS : 0);
}

int kvm_vcpu_run(struct kvm_vcpu *vcpu)
{
	int rc = ioctl(vcpu->fd, KVM_RUN, 0);
	/* An interrupted KVM_RUN may not have stored them: ask next time. */
	vcpu->regs_in_run = vcpu->sync_regs && rc == 0;
	vcpu->sregs_in_run = vcpu->sync_sregs && rc == 0;
	return rc;
}

int kvm_vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	if (vcpu->sync_regs && (vcpu->regs_in_run ||
				(vcpu->run->kvm_dirty_regs & KVM_SYNC_X86_REGS))) {
		*regs = vcpu->run->s.regs.regs;
		return 0;
	}
	return ioctl(vcpu->fd, KVM_GET_REGS, regs);
}

int kvm_vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	if (vcpu->sync_regs) {
		vcpu->run->s.regs.regs = *regs;
		vcpu->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	return ioctl(vcpu->fd, KVM_SET_REGS, regs);
}

int kvm_vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	if (vcpu->sync_sregs && (vcpu->sregs_in_run ||
				 (vcpu->run->kvm_dirty_regs & KVM_SYNC_X86_SREGS))) {
		*sregs = vcpu->run->s.regs.sregs;
		return 0;
	}
	return ioctl(vcpu->fd, KVM_GET_SREGS, sregs);
}

/*
 * The launcher sets special registers to change CR3 or segments, never to
 * inject an interrupt; but struct kvm_sregs carries one: interrupt_bitmap,
 * which KVM fills, on every exit and KVM_GET_SREGS, from an interrupt it
 * injected and still counts as in flight, and on KVM_SET_SREGS queues
 * again, to be delivered at the next entry whatever the flags say.  Handed
 * back, it delivered the launcher's event interrupt a second time, inside
 * the shim's chains with interrupts off (thousands a boot: host_trap.c's
 * shim_interrupts).  An empty bitmap leaves whatever KVM holds as it is.
 */
int kvm_vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	struct kvm_sregs sr = *sregs;
	memset(sr.interrupt_bitmap, 0, sizeof sr.interrupt_bitmap);
	if (vcpu->sync_sregs) {
		vcpu->run->s.regs.sregs = sr;
		vcpu->run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
		return 0;
	}
	return ioctl(vcpu->fd, KVM_SET_SREGS, &sr);
}

int kvm_vcpu_sregs_flush(struct kvm_vcpu *vcpu)
{
	int rc = 0;
	if (vcpu->sync_sregs && (vcpu->run->kvm_dirty_regs & KVM_SYNC_X86_SREGS)) {
		rc = ioctl(vcpu->fd, KVM_SET_SREGS, &vcpu->run->s.regs.sregs);
		vcpu->run->kvm_dirty_regs &= ~KVM_SYNC_X86_SREGS;
	}
	vcpu->sregs_in_run = 0;
	return rc;
}
