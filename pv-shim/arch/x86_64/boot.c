/*
 * Shim start of day: load the shim's own GDT, TSS and IDT, optionally
 * measure where the core runs faster, then enter the guest kernel at CPL3
 * with %rsi = start_info, as Xen starts an x86_64 PV domain.
 *
 * Every instruction here runs at CPL0, which this host emulates at about a
 * microsecond each, so the work is kept to table stores and a few loads.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/arch/x86_64/cpu.h"
#include "pv-shim/arch/x86_64/cstar.h"
#include "pv-shim/arch/x86_64/shim.h"

extern const char trap_stubs[], event_stub[], cstar_stubs[];
extern const char host_trap_stubs[], host_event_stub[];

extern void trap_return(void) __attribute__((noreturn));
extern void trap_dispatch(void) __attribute__((noreturn));
extern void host_first_entry(void) __attribute__((noreturn));

/* 1 once the launcher took the host path: read by entry.S's cstar_common
 * and by start_other_vcpu, where the two paths part. */
volatile uint8_t shim_host_path;

/* Guest RAM's size, for entry.S's detour, which bounds its stores by it
 * as platform_guest_ram does. */
uint64_t shim_ram_bytes;

struct core shim_cores[SHIM_MAX_VCPUS];

/*
 * Xen's reserved GDT page (xen-x86_64.h's selectors, 0xe000 + 8 * i): ring
 * 0 code and data, on which the shim runs and where no guest selector
 * loads, the ring 3 code (32- and 64-bit) and data every PV guest may use,
 * and ring 0 compat code; then the vCPU's TSS and LDT in Xen's slots.
 * Accessed bits set, as Xen sets them.
 */
static const uint64_t xen_reserved_gdt[] = {
	[SHIM_GDT_OWN_INDEX(SHIM_SEL_KERNEL_CS)] = 0x00af9b000000ffffULL, /* 64-bit */
	[SHIM_GDT_OWN_INDEX(SHIM_SEL_KERNEL_DS)] = 0x00cf93000000ffffULL,
	[SHIM_GDT_OWN_INDEX(SHIM_SEL_USER_CS32)] = 0x00cffb000000ffffULL, /* FLAT_RING3_CS32 */
	[SHIM_GDT_OWN_INDEX(SHIM_SEL_USER_DS)] = 0x00cff3000000ffffULL,   /* FLAT_RING3_DS32, SS */
	[SHIM_GDT_OWN_INDEX(SHIM_SEL_USER_CS)] = 0x00affb000000ffffULL,   /* FLAT_RING3_CS64 */
	[7] = 0x00cf9b000000ffffULL, /* 0xe038: ring 0 code, 32-bit */
};

/* vCPU's own GDT page and TSS: a TSS is busy while loaded, so no two
 * CPUs share one, and each has its own stacks. */
static void setup_gdt_tss(unsigned vcpu)
{
	uint64_t *gdt = (uint64_t *)SHIM_VA(shim_off_gdt(vcpu));
	uint32_t *tss = (uint32_t *)SHIM_VA(shim_off_tss(vcpu));
	uint64_t tss_base = SHIM_VA(shim_off_tss(vcpu));
	unsigned tss_index = SHIM_GDT_OWN_INDEX(SHIM_SEL_TSS);

	for (unsigned i = 0; i < sizeof xen_reserved_gdt / sizeof xen_reserved_gdt[0]; i++)
		gdt[i] = xen_reserved_gdt[i];
	/* 64-bit available TSS with a short I/O bitmap (see shim_abi.h) */
	gdt[tss_index] = (SHIM_TSS_LIMIT & 0xffff) | ((tss_base & 0xffffff) << 16) |
		(0x89ULL << 40) | (((tss_base >> 24) & 0xff) << 56);
	gdt[tss_index + 1] = tss_base >> 32;

	uint64_t rsp0 = SHIM_VA(shim_off_stack_top(vcpu));
	uint64_t ist1 = SHIM_VA(shim_off_ist(vcpu) + SHIM_IST_SIZE);
	tss[1] = (uint32_t)rsp0;         /* rsp0 */
	tss[2] = (uint32_t)(rsp0 >> 32);
	tss[9] = (uint32_t)ist1;         /* ist1 */
	tss[10] = (uint32_t)(ist1 >> 32);
	/* ist2, #PF's: the trap stack's top, as rsp0, which is all a #PF
	 * from guest code would take anyway; what IST adds is the one from
	 * CPL0 with the user's stack (entry.S, cstar_recover) landing here
	 * too, and not on a stack the guest owns. */
	tss[11] = (uint32_t)rsp0;
	tss[12] = (uint32_t)(rsp0 >> 32);
	/* The I/O bitmap's bytes are the launcher's (shim_write_trampoline):
	 * every port denied to CPL3 but, in the host trap path, the
	 * trampoline's. */
	tss[25] = (uint32_t)SHIM_TSS_IOMAP << 16;

	/* The window: the guest's GDT, then this page (shim_abi.h). */
	struct descriptor_pointer p = { SHIM_GDT_LIMIT, shim_gdt_window(vcpu) };
	load_gdt(&p);
	load_tr(SHIM_SEL_TSS);
}

static void set_gate(uint64_t *idt, unsigned vec, uint64_t handler, uint64_t ist)
{
	idt[2 * vec] = (handler & 0xffff) | ((uint64_t)SHIM_SEL_KERNEL_CS << 16) |
		(ist << 32) | (0x8eULL << 40) | (((handler >> 16) & 0xffff) << 48);
	idt[2 * vec + 1] = handler >> 32;
}

/* Exceptions 0-31 and the launcher's event interrupt, to stubs (16 bytes
 * a vector) and event; every gate DPL 0 (guest `int $n` is a #GP the core
 * handles) and an interrupt gate, so the shim runs with interrupts off.
 * One IDT for all: IST1 and IST2 are each vCPU's own through its TSS.
 * vCPU 0 writes it before any other vCPU starts. */
static void write_idt(const char *stubs, uint64_t event)
{
	uint64_t *idt = (uint64_t *)SHIM_VA(SHIM_OFF_IDT);
	for (unsigned vec = 0; vec < 32; vec++) {
		/* NMI, #DF and #MC may arrive on a bad stack: use IST1; #PF
		 * too, from a 32-bit syscall (setup_gdt_tss): IST2 */
		uint64_t ist = (vec == 2 || vec == 8 || vec == 18) ? 1 : vec == 14 ? 2 : 0;
		set_gate(idt, vec, (uint64_t)stubs + 16 * vec, ist);
	}
	set_gate(idt, CORE_VEC_EVENT, event, 0);
}

static void load_shim_idt(void)
{
	struct descriptor_pointer p = { (CORE_VEC_EVENT + 1) * 16 - 1, SHIM_VA(SHIM_OFF_IDT) };
	load_idt(&p);
}

/*
 * The start-up measurement behind --trap-path=auto: the same null
 * hypercall (XENVER_version, through the whole trap dispatch) run here by
 * the core, and handed to the launcher with one exit.  The launcher
 * compares the two and picks the cheaper place.
 */
static void calibrate(struct core *c, struct shim_boot_params *bp)
{
	struct trap_frame f = { .vector = CORE_VEC_SYSCALL };
	uint64_t t0 = rdtsc();
	for (uint32_t i = 0; i < bp->calibrate_rounds; i++) {
		f.rax = __HYPERVISOR_xen_version;
		f.rdi = XENVER_version;
		core_handle_trap(c, &f);
	}
	uint64_t t1 = rdtsc();
	for (uint32_t i = 0; i < bp->calibrate_rounds; i++)
		outl(SHIM_PORT_CALIBRATE, i);
	uint64_t t2 = rdtsc();
	bp->calib_guest_ticks = t1 - t0;
	bp->calib_host_ticks = t2 - t1;
}

/*
 * A vCPU other than 0 (VCPUOP_up): the trap path is fixed and the IDT
 * written.  Its context is the core's to give (VCPUOP_initialise's), so
 * it enters the core like a trap, with an empty frame of the pseudo-vector
 * CORE_VEC_START, through whichever path the domain takes; the core fills
 * the frame and trap_return enters the guest with it.
 */
static void __attribute__((noreturn)) start_other_vcpu(unsigned vcpu)
{
	struct trap_frame *f = (struct trap_frame *)
		(SHIM_VA(shim_off_stack_top(vcpu)) - sizeof(struct trap_frame));
	core_memset(f, 0, sizeof *f);
	f->vector = CORE_VEC_START;
	f->cs = SHIM_SEL_USER_CS;
	f->ss = SHIM_SEL_USER_DS;
	if (shim_host_path)
		__asm__ volatile("mov %0, %%rsp; jmp host_first_entry" : : "r"(f) : "memory");
	__asm__ volatile("mov %0, %%rsp; jmp trap_dispatch" : : "r"(f) : "memory");
	__builtin_unreachable();
}

void shim_boot(void)
{
	struct shim_boot_params *bp = (struct shim_boot_params *)SHIM_VA(SHIM_OFF_BOOT);
	/* The launcher started this vCPU on its own trap stack, where this
	 * local is. */
	unsigned vcpu = SHIM_MAX_VCPUS;
	vcpu = shim_vcpu_of((uint64_t)&vcpu);
	if (bp->magic != SHIM_BOOT_MAGIC || bp->nr_vcpus > SHIM_MAX_VCPUS ||
	    vcpu >= bp->nr_vcpus)
		halt_forever();
	struct core *c = &shim_cores[vcpu];
	*c = (struct core){
		.st = (struct core_state *)SHIM_VA(SHIM_OFF_CORE),
		.layout = {
			.nr_pages = bp->nr_pages,
			.shared_info_mfn = bp->shared_info_mfn,
			.grant_mfn = bp->grant_mfn,
			.syscall_trampoline = SHIM_VA(SHIM_OFF_TRAMPOLINE),
			.xcr0 = bp->xcr0, .xsave_size = bp->xsave_size,
			.xsavec_size = bp->xsavec_size,
			.nr_vcpus = bp->nr_vcpus,
		},
		.vcpu = vcpu,
	};
	shim_ram_bytes = bp->nr_pages << 12;
	setup_gdt_tss(vcpu);
	if (vcpu == 0)
		write_idt(trap_stubs, (uint64_t)event_stub);
	load_shim_idt();
	/* The 32-bit syscall's entry: this vCPU's own stub (entry.S). */
	write_msr(MSR_CSTAR, (uint64_t)cstar_stubs + CSTAR_STUB_SIZE * vcpu);
	if (vcpu != 0)
		start_other_vcpu(vcpu);
	if (bp->calibrate)
		calibrate(c, bp);
	/* The launcher now fixes the trap path and the trampoline. */
	outl(SHIM_PORT_READY, 0);
	shim_host_path = c->st->trap_path == CORE_PATH_HOST;
	if (shim_host_path)
		write_idt(host_trap_stubs, (uint64_t)host_event_stub);

	struct trap_frame *f = (struct trap_frame *)
		(SHIM_VA(shim_off_stack_top(vcpu)) - sizeof(struct trap_frame));
	core_memset(f, 0, sizeof *f);
	f->rip = bp->guest_entry;
	f->cs = SHIM_SEL_USER_CS;
	f->rflags = bp->guest_rflags;
	f->rsp = bp->guest_stack;
	f->ss = SHIM_SEL_USER_DS;
	f->rsi = bp->guest_start_info;
	__asm__ volatile("mov %0, %%rsp; jmp trap_return" : : "r"(f) : "memory");
	__builtin_unreachable();
}
