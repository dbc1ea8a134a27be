/*
 * Why the domain stopped, said once on the launcher's log (the platform's
 * log stream: stderr), and the exit status for it.
 * A fault gets one line naming it and the guest RIP (and the last
 * hypercall the guest was refused, which is usually why it went wrong),
 * then a register dump.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "pv-shim/core/xen_abi.h"
#include "emu/domain.h"

static void dump_frame(FILE *out, const struct trap_frame *f)
{
	fprintf(out,
		"xenlet:   rip %016llx  rsp %016llx  rflags %08llx\n"
		"xenlet:   rax %016llx  rbx %016llx  rcx %016llx\n"
		"xenlet:   rdx %016llx  rsi %016llx  rdi %016llx\n"
		"xenlet:   rbp %016llx  r8  %016llx  r9  %016llx\n"
		"xenlet:   r10 %016llx  r11 %016llx  r12 %016llx\n"
		"xenlet:   r13 %016llx  r14 %016llx  r15 %016llx\n",
		(unsigned long long)f->rip, (unsigned long long)f->rsp,
		(unsigned long long)f->rflags, (unsigned long long)f->rax,
		(unsigned long long)f->rbx, (unsigned long long)f->rcx,
		(unsigned long long)f->rdx, (unsigned long long)f->rsi,
		(unsigned long long)f->rdi, (unsigned long long)f->rbp,
		(unsigned long long)f->r8, (unsigned long long)f->r9,
		(unsigned long long)f->r10, (unsigned long long)f->r11,
		(unsigned long long)f->r12, (unsigned long long)f->r13,
		(unsigned long long)f->r14, (unsigned long long)f->r15);
}

/* The top of the guest stack, read through the guest's page tables:
 * usually enough to find the caller of a faulting function. */
static void dump_stack(struct domain *d, uint64_t rsp)
{
	uint64_t words[8];
	if (copy_from_guest(&d->core, words, rsp, sizeof words))
		return;
	fprintf(d->plat.log, "xenlet:   stack");
	for (int i = 0; i < 8; i++)
		fprintf(d->plat.log, " %016llx", (unsigned long long)words[i]);
	fprintf(d->plat.log, "\n");
}

static void last_refused(FILE *out, const struct core_state *st)
{
	if (st->last_enosys)
		fprintf(out, "xenlet:   last unimplemented hypercall: %s (%u) "
			"from rip %#llx\n", core_hypercall_name(st->last_enosys - 1),
			st->last_enosys - 1, (unsigned long long)st->last_enosys_rip);
}

int stop_report(struct domain *d)
{
	const struct core_state *st = d->core.st;
	if (st->stop_reason == CORE_STOP_FAULT) {
		/* One line that names the fault, the RIP, and what the guest
		 * was last refused: usually the reason it faulted. */
		/* The core terminates it, but it lies in guest-reachable
		 * memory: never read past the array. */
		fprintf(d->plat.log, "xenlet: %.*s", (int)sizeof st->stop_message,
			st->stop_message);
		if (st->last_enosys)
			fprintf(d->plat.log, "; last unimplemented hypercall: %s (%u) "
				"from rip %#llx", core_hypercall_name(st->last_enosys - 1),
				st->last_enosys - 1,
				(unsigned long long)st->last_enosys_rip);
		fprintf(d->plat.log, "\n");
		dump_frame(d->plat.log, &st->stop_frame);
		dump_stack(d, st->stop_frame.rsp);
		return XENLET_EXIT_FAULT;
	}
	switch (st->shutdown_code) {
	case SHUTDOWN_poweroff:
		return XENLET_EXIT_POWEROFF;
	case SHUTDOWN_reboot:
		fprintf(d->plat.log, "xenlet: guest asked to reboot\n");
		return XENLET_EXIT_REBOOT;
	case SHUTDOWN_crash:
		fprintf(d->plat.log, "xenlet: guest crashed (SCHEDOP_shutdown, "
			"SHUTDOWN_crash)\n");
		last_refused(d->plat.log, st);
		return XENLET_EXIT_CRASH;
	default:
		fprintf(d->plat.log, "xenlet: guest shut down with reason %u, which "
			"xenlet does not support yet\n", st->shutdown_code);
		return XENLET_EXIT_CRASH;
	}
}

int stop_report_shim(struct domain *d)
{
	const struct core_state *st = d->core.st;
	char what[sizeof st->stop_message + 1];
	memcpy(what, st->stop_message, sizeof st->stop_message);
	what[sizeof st->stop_message] = '\0'; /* guest-reachable: maybe unterminated */
	return stop_report_vcpu(d, what, XENLET_EXIT_INTERNAL);
}

int stop_report_vcpu(struct domain *d, const char *what, int status)
{
	fprintf(d->plat.log, "xenlet: %s\n", what);
	last_refused(d->plat.log, d->core.st);
	struct kvm_regs r;
	struct kvm_sregs sr;
	if (ioctl(d->vm.vcpu_fd, KVM_GET_REGS, &r) == 0 &&
	    ioctl(d->vm.vcpu_fd, KVM_GET_SREGS, &sr) == 0) {
		struct trap_frame f = {
			.r15 = r.r15, .r14 = r.r14, .r13 = r.r13, .r12 = r.r12,
			.r11 = r.r11, .r10 = r.r10, .r9 = r.r9, .r8 = r.r8,
			.rbp = r.rbp, .rdi = r.rdi, .rsi = r.rsi, .rdx = r.rdx,
			.rcx = r.rcx, .rbx = r.rbx, .rax = r.rax,
			.rip = r.rip, .rflags = r.rflags, .rsp = r.rsp,
		};
		dump_frame(d->plat.log, &f);
		fprintf(d->plat.log, "xenlet:   cs %04x  cr2 %016llx  cr3 %016llx\n",
			sr.cs.selector, (unsigned long long)sr.cr2,
			(unsigned long long)sr.cr3);
	}
	return status;
}
