/*
 * Why the domain stopped, said once on the launcher's log (the platform's
 * log stream: stderr), and the exit status for it.
 * A fault gets one line naming it and the guest RIP (and the last
 * hypercall the guest was refused, which is usually why it went wrong),
 * then a register dump.
 */
#include <stdio.h>
#include <string.h>
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
static void dump_stack(struct vcpu *v, uint64_t rsp)
{
	uint64_t words[8];
	if (copy_from_guest(&v->core, words, rsp, sizeof words))
		return;
	fprintf(v->plat.log, "xenlet:   stack");
	for (int i = 0; i < 8; i++)
		fprintf(v->plat.log, " %016llx", (unsigned long long)words[i]);
	fprintf(v->plat.log, "\n");
}

/* Whether this caller is the one to say why the domain stopped: every
 * vCPU that finds it stopped comes here, and one report is enough. */
static int first_report(struct vcpu *v)
{
	return !__atomic_exchange_n(&v->d->stop_reported, 1, __ATOMIC_SEQ_CST);
}

static void last_refused(FILE *out, const struct core_state *st)
{
	if (st->last_enosys)
		fprintf(out, "xenlet:   last unimplemented hypercall: %s (%u) "
			"from rip %#llx\n", core_hypercall_name(st->last_enosys - 1),
			st->last_enosys - 1, (unsigned long long)st->last_enosys_rip);
}

static int report(struct vcpu *v, int say)
{
	const struct core_state *st = v->core.st;
	FILE *log = say ? v->plat.log : NULL;
	if (st->stop_reason == CORE_STOP_FAULT) {
		/* One line that names the fault, the RIP, and what the guest
		 * was last refused: usually the reason it faulted. */
		/* The core terminates it, but it lies in guest-reachable
		 * memory: never read past the array. */
		if (!log)
			return XENLET_EXIT_FAULT;
		fprintf(log, "xenlet: %.*s", (int)sizeof st->stop_message,
			st->stop_message);
		if (st->last_enosys)
			fprintf(log, "; last unimplemented hypercall: %s (%u) "
				"from rip %#llx", core_hypercall_name(st->last_enosys - 1),
				st->last_enosys - 1,
				(unsigned long long)st->last_enosys_rip);
		fprintf(log, "\n");
		dump_frame(log, &st->stop_frame);
		dump_stack(v, st->stop_frame.rsp);
		return XENLET_EXIT_FAULT;
	}
	switch (st->shutdown_code) {
	case SHUTDOWN_poweroff:
		return XENLET_EXIT_POWEROFF;
	case SHUTDOWN_reboot:
		if (log)
			fprintf(log, "xenlet: guest asked to reboot\n");
		return XENLET_EXIT_REBOOT;
	case SHUTDOWN_crash:
		if (log) {
			fprintf(log, "xenlet: guest crashed (SCHEDOP_shutdown, "
				"SHUTDOWN_crash)\n");
			last_refused(log, st);
		}
		return XENLET_EXIT_CRASH;
	default:
		if (log)
			fprintf(log, "xenlet: guest shut down with reason %u, which "
				"xenlet does not support yet\n", st->shutdown_code);
		return XENLET_EXIT_CRASH;
	}
}

int stop_report(struct vcpu *v)
{
	return report(v, first_report(v));
}

int stop_report_shim(struct vcpu *v)
{
	const struct core_state *st = v->core.st;
	char what[sizeof st->stop_message + 1];
	memcpy(what, st->stop_message, sizeof st->stop_message);
	what[sizeof st->stop_message] = '\0'; /* guest-reachable: maybe unterminated */
	return stop_report_vcpu(v, what, XENLET_EXIT_INTERNAL);
}

int stop_report_vcpu(struct vcpu *v, const char *what, int status)
{
	if (!first_report(v))
		return status;
	FILE *log = v->plat.log;
	if (v->d->cfg->vcpus > 1)
		fprintf(log, "xenlet: vCPU %u: %s\n", v->id, what);
	else
		fprintf(log, "xenlet: %s\n", what);
	last_refused(log, v->core.st);
	struct kvm_regs r;
	struct kvm_sregs sr;
	if (kvm_vcpu_get_regs(&v->kvm, &r) == 0 &&
	    kvm_vcpu_get_sregs(&v->kvm, &sr) == 0) {
		struct trap_frame f = {
			.r15 = r.r15, .r14 = r.r14, .r13 = r.r13, .r12 = r.r12,
			.r11 = r.r11, .r10 = r.r10, .r9 = r.r9, .r8 = r.r8,
			.rbp = r.rbp, .rdi = r.rdi, .rsi = r.rsi, .rdx = r.rdx,
			.rcx = r.rcx, .rbx = r.rbx, .rax = r.rax,
			.rip = r.rip, .rflags = r.rflags, .rsp = r.rsp,
		};
		dump_frame(log, &f);
		fprintf(log, "xenlet:   cs %04x  cr2 %016llx  cr3 %016llx\n",
			sr.cs.selector, (unsigned long long)sr.cr2,
			(unsigned long long)sr.cr3);
	}
	return status;
}
