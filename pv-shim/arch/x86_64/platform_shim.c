/*
 * The core's platform inside the guest: guest RAM through the shim's
 * physmap, and the launcher's services (console, log) through the mailbox
 * page and one port exit each.
 */
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/arch/x86_64/cpu.h"

/* The vCPU's own mailbox: the launcher reads the one of the vCPU that
 * exited. */
static char *mailbox(const struct core *c)
{
	return (char *)SHIM_VA(shim_off_mailbox(c->vcpu));
}

void *platform_guest_ram(struct core *c, uint64_t gpa, size_t len)
{
	uint64_t ram = c->layout.nr_pages << 12;
	if (gpa >= ram || len > ram - gpa)
		return 0;
	return (void *)(SHIM_PHYSMAP_BASE + gpa);
}

/* The shim cannot hand memory back to the host: the frames stay in the
 * launcher's memfd until the domain ends. */
void platform_discard_frames(struct core *c, uint64_t pfn, uint64_t count)
{
	(void)c;
	(void)pfn;
	(void)count;
}

void platform_console_write(struct core *c, const char *buf, size_t len)
{
	while (len) {
		size_t n = len < SHIM_MAILBOX_SIZE ? len : SHIM_MAILBOX_SIZE;
		core_memcpy(mailbox(c), buf, n);
		outl(SHIM_PORT_CONSOLE, (uint32_t)n);
		buf += n;
		len -= n;
	}
}

void platform_notify_backend(struct core *c, uint32_t port)
{
	(void)c;
	outl(SHIM_PORT_NOTIFY, port);
}

uint64_t platform_read_tsc(struct core *c)
{
	(void)c;
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void platform_block(struct core *c)
{
	(void)c;
	outl(SHIM_PORT_BLOCK, 0);
}

/* One exit, only when the launcher's timer would fire too late: it arms
 * the new deadline before it lets the vCPU run again. */
void platform_timer_deadline(struct core *c, uint64_t deadline_ns)
{
	uint64_t armed = core_vcpu(c)->vtime.launcher_armed_ns;
	if (deadline_ns && (!armed || deadline_ns < armed))
		outl(SHIM_PORT_TIMER, 0);
}

void platform_trace_hypercall(struct core *c, uint64_t nr, const uint64_t args[5],
			      long rc)
{
	struct shim_hypercall_trace t = {
		.nr = nr, .args = { args[0], args[1], args[2], args[3], args[4] },
		.rc = rc,
	};
	core_memcpy(mailbox(c), &t, sizeof t);
	outl(SHIM_PORT_HYPERCALL_TRACE, 0);
}

void platform_log(struct core *c, const char *line)
{
	char *mb = mailbox(c);
	size_t n = 0;
	while (line[n] && n + 1 < SHIM_MAILBOX_SIZE) {
		mb[n] = line[n];
		n++;
	}
	mb[n] = '\0';
	outl(SHIM_PORT_LOG, (uint32_t)n);
}

/* One string instruction each: the emulator here takes `rep movsb` and
 * `rep stosb` as single instructions. */
void core_memcpy(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

void core_memset(void *dst, int c, size_t n)
{
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
}

/* gcc may emit calls to these for struct copies and initialisers. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

void *memcpy(void *dst, const void *src, size_t n)
{
	core_memcpy(dst, src, n);
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	core_memset(dst, c, n);
	return dst;
}

void platform_set_segment_base(struct core *c, enum segment_base which,
			       uint64_t base)
{
	(void)c;
	write_msr(which == SEGMENT_BASE_FS ? 0xc0000100u : 0xc0000101u, base);
}

void platform_set_guest_mode(struct core *c, int kernel_mode, uint64_t gs_base)
{
	write_msr(0xc0000101u, gs_base);
	write_msr(0xc0000082u, c->layout.syscall_trampoline +
		  (kernel_mode ? SHIM_TRAMPOLINE_KERNEL_ENTRY : 0));
}

/* The shim never swaps GS: at CPL0 the MSRs hold the guest's bases. */
uint64_t platform_get_segment_base(struct core *c, enum segment_base which)
{
	(void)c;
	return read_msr(which == SEGMENT_BASE_FS ? 0xc0000100u : 0xc0000101u);
}

void platform_set_cr0_ts(struct core *c, int set)
{
	(void)c;
	uint64_t cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = set ? cr0 | 8 : cr0 & ~8ULL;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
}

/* A CPL0 `mov` to CR4, which KVM takes once the vCPU's CPUID offers
 * XSAVE. */
void platform_set_cr4_osxsave(struct core *c, int set)
{
	(void)c;
	uint64_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 = set ? cr4 | GUEST_CR4_OSXSAVE : cr4 & ~GUEST_CR4_OSXSAVE;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
}

void platform_cpuid(struct core *c, uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	(void)c;
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(subleaf));
}

void *platform_shim_page(struct core *c, uint64_t offset)
{
	(void)c;
	return (void *)SHIM_VA(offset);
}
