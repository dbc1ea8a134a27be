/*
 * KVM's binary statistics for one vCPU: a header, descriptors naming each
 * statistic and its offset in the data block, then the data.  Only the
 * cumulative counters xenlet reports are looked up, by name, so a KVM that
 * adds, drops or reorders statistics changes nothing here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "emu/vcpu/kvm_counters.h"

static const char *const names[KVM_COUNTERS] = {
	[KVM_COUNTER_EXITS] = "exits",
	[KVM_COUNTER_IO_EXITS] = "io_exits",
	[KVM_COUNTER_IRQ_EXITS] = "irq_exits",
	[KVM_COUNTER_PF_TAKEN] = "pf_taken",
	[KVM_COUNTER_PF_FIXED] = "pf_fixed",
	[KVM_COUNTER_PF_EMULATE] = "pf_emulate",
	[KVM_COUNTER_PF_GUEST] = "pf_guest",
	[KVM_COUNTER_PF_SPURIOUS] = "pf_spurious",
	[KVM_COUNTER_INSN_EMULATION] = "insn_emulation",
	[KVM_COUNTER_TLB_FLUSH] = "tlb_flush",
	[KVM_COUNTER_INVLPG] = "invlpg",
	[KVM_COUNTER_IRQ_INJECTIONS] = "irq_injections",
};

const char *kvm_counter_name(enum kvm_counter c)
{
	return (unsigned)c < KVM_COUNTERS ? names[c] : "unknown";
}

static int read_all(int fd, void *buf, size_t len, off_t at)
{
	ssize_t n = pread(fd, buf, len, at);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* Finds each wanted counter among the descriptors and reads it. */
static int read_counters(int fd, struct kvm_counters *into)
{
	struct kvm_stats_header h;
	if (read_all(fd, &h, sizeof h, 0) < 0)
		return -1;
	/* A descriptor is the struct and then its name (h.name_size). */
	size_t desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	if (h.name_size == 0 || h.name_size > 4096 || h.num_desc > 4096) {
		errno = EPROTO;
		return -1;
	}
	char *descs = malloc(desc_size * h.num_desc);
	if (!descs)
		return -1;
	int rc = read_all(fd, descs, desc_size * h.num_desc, h.desc_offset);
	for (uint32_t i = 0; rc == 0 && i < h.num_desc; i++) {
		const struct kvm_stats_desc *d =
			(const struct kvm_stats_desc *)(descs + i * desc_size);
		if ((d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE ||
		    d->size != 1)
			continue;
		for (int c = 0; c < KVM_COUNTERS; c++) {
			if (strncmp(d->name, names[c], h.name_size) != 0)
				continue;
			uint64_t v;
			rc = read_all(fd, &v, sizeof v, (off_t)h.data_offset + d->offset);
			if (rc == 0)
				into->value[c] += v;
			break;
		}
	}
	free(descs);
	return rc;
}

int kvm_counters_add(int vcpu_fd, struct kvm_counters *into)
{
	int fd = ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return errno == EINVAL || errno == ENOTTY ? 0 : -1;
	int rc = read_counters(fd, into);
	int saved = errno;
	close(fd);
	errno = saved;
	if (rc == 0)
		into->available = 1;
	return rc;
}

void kvm_counters_print(FILE *out, const struct kvm_counters *k)
{
	if (!k->available)
		return;
	for (int c = 0; c < KVM_COUNTERS; c++)
		fprintf(out, "xenlet-stats: kvm.%s %llu\n", names[c],
			(unsigned long long)k->value[c]);
}
