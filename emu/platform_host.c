/* Guest RAM straight through the launcher's mapping of the memfd. */
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/platform.h"
#include "emu/platform_host.h"

void *platform_guest_ram(struct core *c, uint64_t gpa, size_t len)
{
	struct host_platform *p = c->plat;
	if (gpa >= p->ram_bytes || len > p->ram_bytes - gpa)
		return NULL;
	return p->ram + gpa;
}

void platform_console_write(struct core *c, const char *buf, size_t len)
{
	struct host_platform *p = c->plat;
	fwrite(buf, 1, len, p->console);
	fflush(p->console);
}

void platform_log(struct core *c, const char *line)
{
	struct host_platform *p = c->plat;
	fprintf(p->log, "xenlet: %s\n", line);
}

void platform_set_segment_base(struct core *c, enum segment_base which,
			       uint64_t base)
{
	struct host_platform *p = c->plat;
	if (p->vcpu_fd < 0)
		return; /* unit tests: the core's vCPU state is all there is */
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = {
		.hdr = { .nmsrs = 1 },
		.e = { .index = which == SEGMENT_BASE_FS ? 0xc0000100u : 0xc0000101u,
		       .data = base },
	};
	if (ioctl(p->vcpu_fd, KVM_SET_MSRS, &m) != 1)
		p->failed = 1;
}

/* The same table the vCPU was given (KVM_SET_CPUID2), so both trap paths
 * see one CPU. */
void platform_cpuid(struct core *c, uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	struct host_platform *p = c->plat;
	r[0] = r[1] = r[2] = r[3] = 0;
	for (unsigned i = 0; p->cpuid && i < p->cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &p->cpuid->entries[i];
		if (e->function != leaf)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != subleaf)
			continue;
		r[0] = e->eax;
		r[1] = e->ebx;
		r[2] = e->ecx;
		r[3] = e->edx;
		return;
	}
}

void core_memcpy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

void core_memset(void *dst, int c, size_t n)
{
	memset(dst, c, n);
}
