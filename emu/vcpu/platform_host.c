/* Guest RAM straight through the launcher's mapping of the memfd. */
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/hypercall_trace_line.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/mm/mm_pte.h"
#include "pv-shim/shim_abi.h"
#include "emu/build/kvm_vm.h"
#include "emu/vcpu/platform_host.h"

void host_platform_internal_error(struct host_platform *p, const char *what)
{
	fprintf(p->log, "xenlet: internal error: %s\n", what);
	p->failed = 1;
}

/* dom0's handle (emu/dom0/dom0_core.c) runs for no vCPU: what would reach a
 * vCPU's CPU, CPU-ops queue or sleep is a core bug there, which ends the
 * domain rather than being done to whichever vCPU c->vcpu names. */
static int refused_for_dom0(struct core *c, const char *what)
{
	if (!c->dom0)
		return 0;
	char line[128];
	snprintf(line, sizeof line, "the core asked dom0's handle to %s", what);
	host_platform_internal_error(c->plat, line);
	return 1;
}

void *platform_guest_ram(struct core *c, uint64_t gpa, size_t len)
{
	struct host_platform *p = c->plat;
	if (gpa >= p->ram_bytes || len > p->ram_bytes - gpa)
		return NULL;
	return p->ram + gpa;
}

void platform_discard_frames(struct core *c, uint64_t pfn, uint64_t count)
{
	struct host_platform *p = c->plat;
	uint64_t at = pfn * 4096, len = count * 4096;
	/* Frees the memfd's pages (the mapping is shared, KVM's too); where
	 * that is refused (a unit test's heap RAM) they simply stay. */
	if (at < p->ram_bytes && len <= p->ram_bytes - at)
		(void)madvise(p->ram + at, len, MADV_REMOVE);
}

void platform_console_write(struct core *c, const char *buf, size_t len)
{
	struct host_platform *p = c->plat;
	fwrite(buf, 1, len, p->console);
	fflush(p->console);
	if (p->console_copy)
		p->console_copy(p->console_copy_opaque, buf, len);
}

void platform_notify_backend(struct core *c, uint32_t port)
{
	if (refused_for_dom0(c, "send to dom0"))
		return;
	struct host_platform *p = c->plat;
	if (p->notify_backend)
		p->notify_backend(p->notify_opaque, port);
}

uint64_t platform_read_tsc(struct core *c)
{
	struct host_platform *p = c->plat;
	if (p->fake_tsc)
		return *p->fake_tsc;
	return __builtin_ia32_rdtsc() + (uint64_t)p->tsc_offset;
}

void platform_block(struct core *c)
{
	if (refused_for_dom0(c, "sleep"))
		return;
	struct host_platform *p = c->plat;
	if (p->block)
		p->block(p->block_opaque);
}

/* The launcher arms the vCPU's timer before every KVM_RUN (vcpu_events.c). */
void platform_timer_deadline(struct core *c, uint64_t deadline_ns)
{
	(void)c;
	(void)deadline_ns;
}

void platform_lock(struct core *c)
{
	struct host_platform *p = c->plat;
	if (p->smp)
		p->smp->lock(p->smp_opaque);
}

void platform_unlock(struct core *c)
{
	struct host_platform *p = c->plat;
	if (p->smp)
		p->smp->unlock(p->smp_opaque);
}

void platform_kick_vcpu(struct core *c, unsigned vcpu, int interrupt)
{
	struct host_platform *p = c->plat;
	if (p->smp)
		p->smp->kick(p->smp_opaque, vcpu, interrupt);
}

void platform_vcpu_up(struct core *c, unsigned vcpu)
{
	struct host_platform *p = c->plat;
	if (p->smp)
		p->smp->vcpu_up(p->smp_opaque, vcpu);
}

void platform_tlb_shootdown(struct core *c, uint64_t mask)
{
	struct host_platform *p = c->plat;
	if (p->smp)
		p->smp->tlb_shootdown(p->smp_opaque, mask);
}

void platform_trace_hypercall(struct core *c, uint64_t nr, const uint64_t args[5],
			      long rc)
{
	struct host_platform *p = c->plat;
	char line[256];
	core_hypercall_trace_line(line, sizeof line, c->vcpu, nr, args, rc);
	fprintf(p->log, "xenlet-hypercall: %s\n", line);
}

void platform_log(struct core *c, const char *line)
{
	struct host_platform *p = c->plat;
	fprintf(p->log, "xenlet: %s\n", line);
}

static uint32_t segment_base_msr(enum segment_base which)
{
	return which == SEGMENT_BASE_FS ? 0xc0000100u : 0xc0000101u;
}

void platform_set_segment_base(struct core *c, enum segment_base which,
			       uint64_t base)
{
	if (refused_for_dom0(c, "set a segment base"))
		return;
	struct host_platform *p = c->plat;
	if (!p->kvm) {
		p->seg_base[which] = base;
		return;
	}
	/*
	 * An MSR, not the base in kvm_run's special registers: set there,
	 * the base did not reach the guest on these hosts (measured: Debian's
	 * first user process ended the domain with a fault in the shim).
	 */
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = {
		.hdr = { .nmsrs = 1 },
		.e = { .index = segment_base_msr(which), .data = base },
	};
	if (kvm_vcpu_sregs_flush(p->kvm) < 0 ||
	    ioctl(p->kvm->fd, KVM_SET_MSRS, &m) != 1)
		p->failed = 1;
}

/* The GS base and LSTAR in one KVM_SET_MSRS: a guest mode switch costs
 * no more calls into KVM than the GS swap alone. */
void platform_set_guest_mode(struct core *c, int kernel_mode, uint64_t gs_base)
{
	if (refused_for_dom0(c, "switch the guest's mode"))
		return;
	struct host_platform *p = c->plat;
	p->guest_kernel_mode = kernel_mode;
	if (!p->kvm) {
		p->seg_base[SEGMENT_BASE_GS] = gs_base;
		return;
	}
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[2];
	} m = {
		.hdr = { .nmsrs = 2 },
		.e = {
			{ .index = segment_base_msr(SEGMENT_BASE_GS), .data = gs_base },
			{ .index = 0xc0000082u, /* LSTAR */
			  .data = c->layout.syscall_trampoline +
				  (kernel_mode ? SHIM_TRAMPOLINE_KERNEL_ENTRY : 0) },
		},
	};
	if (kvm_vcpu_sregs_flush(p->kvm) < 0 ||
	    ioctl(p->kvm->fd, KVM_SET_MSRS, &m) != 2)
		p->failed = 1;
}

/* One KVM_GET_MSRS: KVM's copy is the CPU's, taken at the exit that
 * brought the core here (a CPL3 wrgsbase shows in it, measured). */
uint64_t platform_get_segment_base(struct core *c, enum segment_base which)
{
	if (refused_for_dom0(c, "read a segment base"))
		return 0;
	struct host_platform *p = c->plat;
	if (!p->kvm)
		return p->seg_base[which];
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = {
		.hdr = { .nmsrs = 1 },
		.e = { .index = segment_base_msr(which) },
	};
	if (ioctl(p->kvm->fd, KVM_GET_MSRS, &m) != 1) {
		p->failed = 1;
		return 0;
	}
	return m.e.data;
}

/* One bit of CR0 or CR4 changed in the special registers, between exits: at
 * CPL3 (a hypercall's exit) as at the trap stub's CPL0 `out`. */
static void set_cr_bit(struct host_platform *p, int cr4, uint64_t bit, int set)
{
	if (!p->kvm)
		return; /* unit tests: the platform's record is all there is */
	struct kvm_sregs sr;
	if (kvm_vcpu_get_sregs(p->kvm, &sr) < 0) {
		p->failed = 1;
		return;
	}
	__u64 *cr = cr4 ? &sr.cr4 : &sr.cr0;
	uint64_t v = set ? *cr | bit : *cr & ~bit;
	if (v == *cr)
		return;
	*cr = v;
	if (kvm_vcpu_set_sregs(p->kvm, &sr) < 0)
		p->failed = 1;
}

void platform_set_cr0_ts(struct core *c, int set)
{
	if (refused_for_dom0(c, "set CR0.TS"))
		return;
	struct host_platform *p = c->plat;
	p->cr0_ts = set;
	set_cr_bit(p, 0, 8, set);
}

/* KVM takes CR4.OSXSAVE once the vCPU's CPUID offers XSAVE, and then
 * answers plain `cpuid` with it. */
void platform_set_cr4_osxsave(struct core *c, int set)
{
	if (refused_for_dom0(c, "set CR4.OSXSAVE"))
		return;
	struct host_platform *p = c->plat;
	p->cr4_osxsave = set;
	set_cr_bit(p, 1, GUEST_CR4_OSXSAVE, set);
}

/* The table the vCPU answers plain `cpuid` from (read back after
 * KVM_SET_CPUID2), as the shim's `cpuid` sees it: both trap paths see one
 * CPU. */
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

static void queue_cpu_op(struct host_platform *p, uint64_t kind, uint64_t addr,
			 uint64_t value)
{
	struct shim_cpu_ops *q = p->cpu_ops;
	if (!q)
		return;
	/* Stores to one page in a row (a table being validated) become one
	 * restore of that page: RAM already holds every value. */
	uint64_t page = addr & ~0xfffULL;
	if (kind == SHIM_CPU_OP_RESTORE_ENTRY && p->cpu_ops_count &&
	    (p->cpu_ops_last_kind == SHIM_CPU_OP_RESTORE_ENTRY ||
	     p->cpu_ops_last_kind == SHIM_CPU_OP_RESTORE_PAGE) &&
	    p->cpu_ops_last_addr == page) {
		struct shim_cpu_op restore = { SHIM_CPU_OP_RESTORE_PAGE, page, 0 };
		q->op[p->cpu_ops_count - 1] = restore;
		if (p->cpu_ops_count <= CPU_OPS_CHAIN_MAX_OPS)
			p->chain_ops[p->cpu_ops_count - 1] = restore;
		p->cpu_ops_last_kind = SHIM_CPU_OP_RESTORE_PAGE;
		return;
	}
	if (p->cpu_ops_count >= SHIM_CPU_OPS_MAX) {
		/* The core checks platform_cpu_ops_room() first: a full queue
		 * here is a core bug, and dropping a store would be worse. */
		p->failed = 1;
		return;
	}
	struct shim_cpu_op op = { kind, addr, value };
	q->op[p->cpu_ops_count] = op;
	if (p->cpu_ops_count < CPU_OPS_CHAIN_MAX_OPS)
		p->chain_ops[p->cpu_ops_count] = op;
	p->cpu_ops_count++;
	p->cpu_ops_cr3_loads += kind == SHIM_CPU_OP_LOAD_CR3;
	p->cpu_ops_last_kind = kind;
	p->cpu_ops_last_addr = page;
	q->count = p->cpu_ops_count;
}

void host_cpu_ops_restart(struct host_platform *p)
{
	p->cpu_ops_count = 0;
	p->cpu_ops_cr3_loads = 0;
	p->cpu_ops_flush = 0;
	p->cpu_ops_last_kind = 0;
	if (p->cpu_ops) {
		p->cpu_ops->count = 0;
		p->cpu_ops->flush_tlb = 0;
	}
}

int host_cpu_ops_pending(const struct host_platform *p)
{
	return p->cpu_ops_count || p->cpu_ops_flush;
}

/*
 * A guest mode switch or MMUEXT_NEW_BASEPTR queues a CR3 load alone (text_poke
 * makes two for each of the thousands of places Linux patches at boot).
 * Sending the guest through the shim for it costs an exception (or, from
 * the shim, three emulated instructions); the special registers load it
 * between exits, and KVM builds its shadow roots for a new CR3, syncing
 * them, as a `mov %cr3` makes it do.  No page-table store is involved:
 * those that need CPL0 code still go through the shim.  The same CR3
 * again (a reload meant as a flush) and anything with a flush or an
 * invlpg go through the shim.
 */
int host_cpu_ops_load_cr3_only(struct host_platform *p)
{
	if (!p->cpu_ops_count || p->cpu_ops_cr3_loads != p->cpu_ops_count ||
	    p->cpu_ops_flush || !p->kvm)
		return 0;
	struct kvm_sregs sr;
	if (kvm_vcpu_get_sregs(p->kvm, &sr) < 0)
		return -1;
	if (sr.cr3 == p->cr3)
		return 0;
	sr.cr3 = p->cr3;
	if (kvm_vcpu_set_sregs(p->kvm, &sr) < 0)
		return -1;
	/* Done: the shim must not find it queued at its next trap. */
	host_cpu_ops_restart(p);
	return 1;
}

/* A page-table entry into RAM, where the core's own later reads see it at
 * once: 0, or -1 (dom0's handle, or outside RAM: a core bug). */
static int store_entry_in_ram(struct core *c, uint64_t maddr, uint64_t value)
{
	if (refused_for_dom0(c, "store a page-table entry"))
		return -1;
	uint64_t *pte = platform_guest_ram(c, maddr & ~7ULL, 8);
	if (!pte) {
		((struct host_platform *)c->plat)->failed = 1;
		return -1;
	}
	*pte = value;
	return 0;
}

void platform_write_pte(struct core *c, uint64_t maddr, uint64_t value)
{
	if (store_entry_in_ram(c, maddr, value) == 0)
		queue_cpu_op(c->plat, SHIM_CPU_OP_RESTORE_ENTRY, maddr & ~7ULL, 0);
}

/*
 * The launcher's own store into a table is not seen by KVM here, which
 * shadows the guest's tables and follows only guest code's stores to
 * them (kvm-on-these-machines.md).  Two kinds of store need no more:
 * - a mapping where there was none, at any level: the guest's next
 *   access there faults, and KVM walks the tables then;
 * - a leaf (L1 entry) that replaced one: KVM follows the host's mappings
 *   of guest RAM, so dropping the old frame's page from the memory
 *   slot's mapping (its memfd keeps the data) makes KVM forget every
 *   translation to that frame, this one included, and the guest's next
 *   access walks its tables again.
 * Each costs one madvise at most, where the shim's way costs an
 * exception and a chain of CPL0 code, and a hypercall with no other CPL0
 * work returns straight from its exit.  Still through the shim: an
 * upper-level entry that replaced one (the translations KVM built through
 * it lead to frames other than the one it named), a leaf whose old frame
 * is not guest RAM (shared_info, the grant table: the shim region's).
 * Direct and queued stores mix in any order: the chain stores an entry
 * again as RAM holds it when it runs (shim_abi.h).
 */
void platform_write_entry(struct core *c, uint64_t maddr, uint64_t old, uint64_t value,
			  int leaf)
{
	struct host_platform *p = c->plat;
	int replaces = (old & MM_PTE_P) && old != value;
	uint8_t *old_frame = replaces ? platform_guest_ram(c, old & MM_PTE_ADDR, MM_PAGE_SIZE)
				      : NULL;
	if (!p->ram_in_kvm_slot || (replaces && (!leaf || !old_frame))) {
		platform_write_pte(c, maddr, value);
		return;
	}
	if (store_entry_in_ram(c, maddr, value))
		return;
	p->entries_stored_direct++;
	if (!replaces)
		return;
	if (madvise(old_frame, MM_PAGE_SIZE, MADV_DONTNEED) < 0) {
		host_platform_internal_error(p, "cannot make KVM forget a frame's translations");
		return;
	}
	p->frames_forgotten++;
}

void platform_invlpg(struct core *c, uint64_t va)
{
	if (refused_for_dom0(c, "invalidate a TLB entry"))
		return;
	queue_cpu_op(c->plat, SHIM_CPU_OP_INVLPG, va, 0);
}

/* A whole flush may come after every store queued with it (the guest runs
 * only after all of them), so it is a flag, not a place in the queue. */
void platform_flush_tlb(struct core *c)
{
	if (refused_for_dom0(c, "flush its own TLB"))
		return;
	struct host_platform *p = c->plat;
	p->cpu_ops_flush = 1;
	if (p->cpu_ops)
		p->cpu_ops->flush_tlb = 1;
}

void platform_load_cr3(struct core *c, uint64_t cr3)
{
	if (refused_for_dom0(c, "load CR3"))
		return;
	struct host_platform *p = c->plat;
	p->cr3 = cr3;
	queue_cpu_op(p, SHIM_CPU_OP_LOAD_CR3, 0, cr3);
}

void platform_load_ldt(struct core *c, uint16_t selector)
{
	if (refused_for_dom0(c, "load an LDT"))
		return;
	queue_cpu_op(c->plat, SHIM_CPU_OP_LOAD_LDT, 0, selector);
}

size_t platform_cpu_ops_room(struct core *c)
{
	if (refused_for_dom0(c, "queue CPU operations"))
		return 0;
	struct host_platform *p = c->plat;
	if (!p->cpu_ops)
		return (size_t)-1;
	return SHIM_CPU_OPS_MAX - p->cpu_ops_count;
}

void *platform_shim_page(struct core *c, uint64_t offset)
{
	struct host_platform *p = c->plat;
	return p->shim_region + offset;
}
