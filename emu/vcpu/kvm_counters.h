/*
 * KVM's own per-vCPU counters (KVM_GET_STATS_FD): the exits, page faults
 * and emulated instructions KVM handles inside KVM_RUN, which the launcher
 * never sees.  On these hosts they are most of where a boot's time goes
 * (README, Performance), and they are counts, so they carry over.
 */
#ifndef XENLET_KVM_COUNTERS_H
#define XENLET_KVM_COUNTERS_H

#include <stdint.h>
#include <stdio.h>

/* The counters --stats prints, by KVM's names for them. */
enum kvm_counter {
	KVM_COUNTER_EXITS, KVM_COUNTER_IO_EXITS, KVM_COUNTER_IRQ_EXITS,
	KVM_COUNTER_PF_TAKEN, KVM_COUNTER_PF_FIXED, KVM_COUNTER_PF_EMULATE,
	KVM_COUNTER_PF_GUEST, KVM_COUNTER_PF_SPURIOUS, KVM_COUNTER_INSN_EMULATION,
	KVM_COUNTER_TLB_FLUSH, KVM_COUNTER_INVLPG, KVM_COUNTER_IRQ_INJECTIONS,
	KVM_COUNTERS
};

struct kvm_counters {
	int available;           /* 0: this KVM has no binary statistics */
	uint64_t value[KVM_COUNTERS];
};

const char *kvm_counter_name(enum kvm_counter c);

/* Adds vcpu_fd's counters to *into (available stays 0 if KVM has none);
 * 0, or -1 with errno when the statistics exist but cannot be read. */
int kvm_counters_add(int vcpu_fd, struct kvm_counters *into);

/* "xenlet-stats: kvm.NAME VALUE" for each, if available. */
void kvm_counters_print(FILE *out, const struct kvm_counters *k);

#endif
