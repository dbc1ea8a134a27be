/*
 * libFuzzer target: the launcher against a hostile shim region.  The core
 * state, the CPU-ops page and the trap frame all sit in guest-physical
 * memory the guest could reach if any check failed (docs/threat-model.md),
 * so whatever bytes are there, the launcher must stay inside guest RAM and
 * the shim region: at worst it misbehaves for that guest.  The input
 * supplies those bytes; ASan and UBSan are the only oracle (no ABI checks:
 * a corrupt state may make the core do anything to its own guest).
 *
 * Guest RAM (NR_PAGES pages) and the shim region are allocated at exactly
 * their sizes with poisoned guard pages around them, and the rest of the
 * core-state slot past struct core_state is poisoned too, so a read that
 * runs off the struct (an unterminated string, a stale index) is caught.
 *
 * Input layout (missing bytes read as zero):
 *   byte 0       number of calls (1 + b % MAX_CALLS)
 *   per call     struct call: what to run and its small arguments
 *   ARG_BYTES    the argument page's first bytes (hypercall arguments)
 *   176 bytes    a trap: the registers, and what the CPL0 stub leaves on
 *                the trap stack (vector, error code, the CPU's frame)
 *   CPU_OPS_IN   the CPU-ops page's header and first entries
 *   rest         XORed over a well-formed core state, byte for byte (so
 *                short inputs stay near a real domain's state and long ones
 *                reach any bytes; a seed of full length lets libFuzzer
 *                grow inputs that far)
 *
 * Each call is a hypercall through the hosted core (mmu_update, mmuext_op,
 * update_va_mapping, event_channel_op, vcpu_op, memory_op, set_trap_table,
 * iret, sched_op yield/poll, set_timer_op, set_segment_base,
 * grant_table_op), dom0's grant_acquire/grant_release, a trap through the launcher's
 * own entry from the shim's stub (host_trap_stub: #GP, #UD) or straight into the
 * core (#PF), in either guest mode, or one of the launcher's readers of the
 * shim region: a backend raising an event, the vCPU clock, the console
 * ring, the stop report the shim's stop port asks for.  After each call the launcher reads what it reads after an exit
 * (--stats, the stop report, the block check).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/core/grant/grant.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/core/sched/vtime.h"
#include "pv-shim/shim_abi.h"
#include "backends/console/console_ring.h"
#include "emu/domain.h"
#include "emu/stats.h"
#include "tests/fuzz/fuzz_input.h"

#define PAGE 4096ULL
#define NR_PAGES 16
#define RAM_BYTES (NR_PAGES * PAGE)
#define MAX_CALLS 6
#define ARG_BYTES 256
#define CPU_OPS_IN (sizeof(struct shim_cpu_ops) + 4 * sizeof(struct shim_cpu_op))

#define PTE_P  0x1ULL
#define PTE_RW 0x2ULL
#define PTE_US 0x4ULL

/* Guest-physical pages: a 4-level skeleton mapping all of RAM at VA_BASE,
 * the code, the argument page, dom0's rings, and plain data. */
enum { PG_L4, PG_L3, PG_L2, PG_L1, PG_CODE, PG_ARG, PG_STORE, PG_CONSOLE,
       PG_DATA };
#define VA_BASE 0x400000ULL
#define ARG_VA (VA_BASE + PG_ARG * PAGE)
#define TRAMPOLINE SHIM_VA(SHIM_OFF_TRAMPOLINE)
#define M2P_L4E ((NR_PAGES + 0x100ULL) * PAGE | PTE_P | PTE_RW | PTE_US)
#define GRANT_MFN (NR_PAGES + 0x200ULL) /* outside RAM, as in xenlet */
#define STORE_PORT 1
#define CONSOLE_PORT 2
/* Where the CPL0 stub leaves its frame: the top of the trap stack. */
/* Where the host-path stub leaves the vector, error code and CPU frame. */
#define STUB_OFF_IN_FRAME offsetof(struct trap_frame, vector)
#define STUB_OFF (shim_off_stack_top(0) - (TRAP_FRAME_SIZE - STUB_OFF_IN_FRAME))

enum kind {
	K_MMU_UPDATE, K_MMUEXT_OP, K_UPDATE_VA_MAPPING, K_EVTCHN_OP, K_VCPU_OP,
	K_MEMORY_OP, K_SET_TRAP_TABLE, K_IRET, K_YIELD, K_POLL, K_SET_TIMER,
	K_SEGMENT_BASE, K_PAGE_FAULT, K_GP, K_UD, K_BACKEND_EVENT, K_CLOCK,
	K_SHIM_STOP, K_CONSOLE, K_GRANT_OP, K_GRANT_PIN, NR_KINDS
};

struct call {
	uint8_t kind, mode; /* mode & 1: guest kernel mode */
	uint16_t a;
	uint32_t b;
};

static uint8_t *ram, *shim;
static struct core_state *st;
static struct core_state *good_state; /* the well-formed state inputs XOR */
static uint8_t *good_ram, *good_shared;
static uint8_t good_frames[NR_PAGES * SHIM_FRAME_SIZE];
/* The grant table's frames, active entries and handles (shim_abi.h). */
#define GRANT_AREA (SHIM_OFF_GRANT_MAPTRACK + SHIM_GRANT_MAPTRACK_SIZE - SHIM_OFF_GRANT)
static uint8_t *good_grant;
static int grant_touched; /* a grant call ran since good_grant was restored */
static struct domain d;
static void *console_ring; /* the guest's, in its RAM, as dom0_console_start is given */
static const struct xenlet_config cfg = { .vcpus = 1 };
static struct launcher_stats lstats;
static FILE *null;
static uint64_t tsc;

/* len bytes with a poisoned guard page either side. */
static uint8_t *guarded(size_t len)
{
	size_t size = (len + PAGE - 1) / PAGE * PAGE;
	uint8_t *block = aligned_alloc(PAGE, size + 2 * PAGE);
	if (!block)
		abort();
	memset(block, 0, size + 2 * PAGE);
	ASAN_POISON_MEMORY_REGION(block, PAGE);
	ASAN_POISON_MEMORY_REGION(block + PAGE + len, size - len + PAGE);
	return block + PAGE;
}

static void set_pte(unsigned table, unsigned idx, uint64_t pfn, uint64_t flags)
{
	uint64_t e = pfn * PAGE | flags;
	memcpy(ram + table * PAGE + idx * 8, &e, 8);
}

/* A domain as run.c leaves it: tables validated and pinned, dom0's rings
 * held, ports 1 and 2 bound to dom0, the clock running. */
static void build_domain(void)
{
	set_pte(PG_L4, 0, PG_L3, PTE_P | PTE_RW | PTE_US);
	set_pte(PG_L3, 0, PG_L2, PTE_P | PTE_RW | PTE_US);
	set_pte(PG_L2, VA_BASE >> 21, PG_L1, PTE_P | PTE_RW | PTE_US);
	for (unsigned pg = 0; pg < NR_PAGES; pg++)
		set_pte(PG_L1, pg, pg, pg >= PG_ARG ? PTE_P | PTE_RW | PTE_US
					      : PTE_P | PTE_US);
	memcpy(ram + PG_CODE * PAGE, "\x0f\x0b\x0f\x30\xcd\x80", 6);
	st->magic = CORE_STATE_MAGIC;
	st->trap_path = CORE_PATH_HOST;
	st->vcpu[0].kernel_mode = 1;
	st->vcpu[0].initialised = st->vcpu[0].up = st->vcpu[0].started = 1;
	if (mm_domain_init(&d.vcpu[0].core, PG_L4 * PAGE, M2P_L4E) ||
	    mm_hold_for_dom0(&d.vcpu[0].core, PG_STORE) ||
	    mm_hold_for_dom0(&d.vcpu[0].core, PG_CONSOLE))
		abort();
	evtchn_domain_init(&d.vcpu[0].core, 1, STORE_PORT, CONSOLE_PORT, 1);
	grant_domain_init(&d.vcpu[0].core, 1, PG_CONSOLE, PG_STORE);
	vtime_init(&d.vcpu[0].core, 2500000, tsc, 1700000000, 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ram = guarded(RAM_BYTES);
	shim = guarded(shim_region_size(NR_PAGES));
	null = fopen("/dev/null", "w");
	good_state = malloc(sizeof *good_state);
	good_ram = malloc(RAM_BYTES);
	good_shared = malloc(PAGE);
	good_grant = malloc(GRANT_AREA);
	if (!null || !good_state || !good_ram || !good_shared || !good_grant)
		abort();
	st = (struct core_state *)(shim + SHIM_OFF_CORE);
	_Static_assert(sizeof(struct core_state) % 8 == 0, "poisoning granule");
	ASAN_POISON_MEMORY_REGION(shim + SHIM_OFF_CORE + sizeof *st,
				  SHIM_CORE_SIZE - sizeof *st);
	tsc = 1000000;
	d.ram = ram;
	d.ram_bytes = RAM_BYTES;
	d.shim.region = shim;
	d.cfg = &cfg;
	d.vcpu[0].d = &d;
	d.vcpu[0].kvm.fd = -1; /* no vCPU: the launcher's KVM calls fail cleanly */
	console_ring = ram + PG_CONSOLE * PAGE;
	d.store_evtchn = STORE_PORT;
	d.console_evtchn = CONSOLE_PORT;
	d.vcpu[0].plat = (struct host_platform){
		.ram = ram, .ram_bytes = RAM_BYTES, .console = null, .log = null,
		.cpu_ops = (struct shim_cpu_ops *)(shim + shim_off_cpu_ops(0)),
		.shim_region = shim, .fake_tsc = &tsc,
	};
	d.vcpu[0].core = (struct core){
		.st = st, .plat = &d.vcpu[0].plat,
		.layout = {
			.nr_pages = NR_PAGES,
			.shared_info_mfn = NR_PAGES, /* outside RAM, as in xenlet */
			.grant_mfn = GRANT_MFN,
			.syscall_trampoline = TRAMPOLINE,
			.nr_vcpus = 1,
		},
	};
	build_domain();
	memcpy(good_state, st, sizeof *st);
	memcpy(good_ram, ram, RAM_BYTES);
	memcpy(good_shared, shim + SHIM_OFF_SHARED, PAGE);
	memcpy(good_frames, shim + SHIM_OFF_FRAMES, sizeof good_frames);
	memcpy(good_grant, shim + SHIM_OFF_GRANT, GRANT_AREA);
	return 0;
}

static struct trap_frame hypercall_frame(uint64_t nr, uint64_t a0, uint64_t a1,
					 uint64_t a2, uint64_t a3)
{
	return (struct trap_frame){
		.vector = CORE_VEC_SYSCALL, .rip = TRAMPOLINE, .rax = nr,
		.rdi = a0, .rsi = a1, .rdx = a2, .r10 = a3,
		.rcx = VA_BASE + PG_CODE * PAGE, .r11 = 0x246,
		.cs = SHIM_SEL_USER_CS, .ss = SHIM_SEL_USER_DS,
		.rflags = 0x246, .rsp = ARG_VA + PAGE - 64,
	};
}

/* The launcher's readers after an exit: the ones every exit or a stop
 * reaches (vcpu_loop.c, run.c). */
static void after_exit(enum core_action act)
{
	stats_print(null, &lstats, st);
	(void)vtime_next_deadline(&d.vcpu[0].core);
	(void)__atomic_load_n(&core_vcpu_info(&d.vcpu[0].core)->evtchn_upcall_pending,
			      __ATOMIC_SEQ_CST);
	(void)evtchn_dom0_raised_any(&d.vcpu[0].core);
	if (act == CORE_STOP) {
		d.stop_reported = 0; /* every report read, not only the first */
		stop_report(&d.vcpu[0]);
	}
}

static enum core_action run_call(const struct call *k, const uint8_t *frame_in)
{
	struct trap_frame f;
	uint64_t a = k->a, b = k->b;
	const uint64_t self = DOMID_SELF;
	st->vcpu[0].kernel_mode = k->mode & 1;
	host_cpu_ops_restart(&d.vcpu[0].plat);
	d.vcpu[0].plat.failed = 0;
	switch (k->kind % NR_KINDS) {
	case K_MMU_UPDATE:
		f = hypercall_frame(__HYPERVISOR_mmu_update, ARG_VA, 1 + a % 4, 0, self);
		break;
	case K_MMUEXT_OP:
		f = hypercall_frame(__HYPERVISOR_mmuext_op, ARG_VA, 1 + a % 4, 0, self);
		break;
	case K_UPDATE_VA_MAPPING:
		f = hypercall_frame(__HYPERVISOR_update_va_mapping,
				    VA_BASE + (a % NR_PAGES) * PAGE,
				    (b % NR_PAGES) * PAGE | ((b >> 8) & 7), a >> 8, 0);
		break;
	case K_EVTCHN_OP:
		f = hypercall_frame(__HYPERVISOR_event_channel_op, a % 16, ARG_VA, 0, 0);
		break;
	case K_VCPU_OP:
		f = hypercall_frame(__HYPERVISOR_vcpu_op, a % 16, b % 2, ARG_VA, 0);
		break;
	case K_MEMORY_OP:
		f = hypercall_frame(__HYPERVISOR_memory_op, a % 16, ARG_VA, 0, 0);
		break;
	case K_SET_TRAP_TABLE:
		f = hypercall_frame(__HYPERVISOR_set_trap_table, ARG_VA, 0, 0, 0);
		break;
	case K_IRET:
		f = hypercall_frame(__HYPERVISOR_iret, 0, 0, 0, 0);
		f.rsp = ARG_VA;
		break;
	case K_YIELD:
		f = hypercall_frame(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
		break;
	case K_POLL:
		f = hypercall_frame(__HYPERVISOR_sched_op, SCHEDOP_poll, ARG_VA, 0, 0);
		break;
	case K_SET_TIMER:
		f = hypercall_frame(__HYPERVISOR_set_timer_op, b * 1000, 0, 0, 0);
		break;
	case K_SEGMENT_BASE:
		f = hypercall_frame(__HYPERVISOR_set_segment_base, a % 4, b, 0, 0);
		break;
	case K_PAGE_FAULT:
		/* Straight into the core: host_trap_stub asks KVM for cr2. */
		memcpy(&f, frame_in, sizeof f);
		f.vector = 14;
		st->vcpu[0].cr2 = b;
		break;
	case K_GP:
	case K_UD: {
		/* Through the launcher's own entry: the stub's vector, error
		 * code and CPU frame on the trap stack, the rest in registers. */
		struct trap_frame tf;
		memcpy(&tf, frame_in, sizeof tf);
		tf.vector = k->kind % NR_KINDS == K_GP ? 13 : 6;
		memcpy(shim + STUB_OFF, &tf.vector, TRAP_FRAME_SIZE - STUB_OFF_IN_FRAME);
		struct kvm_regs regs = {
			.r15 = tf.r15, .r14 = tf.r14, .r13 = tf.r13, .r12 = tf.r12,
			.r11 = tf.r11, .r10 = tf.r10, .r9 = tf.r9, .r8 = tf.r8,
			.rbp = tf.rbp, .rdi = tf.rdi, .rsi = tf.rsi, .rdx = tf.rdx,
			.rcx = tf.rcx, .rbx = tf.rbx, .rax = tf.rax,
			.rsp = SHIM_VA(STUB_OFF), .rflags = 2,
		};
		int rc = host_trap_stub(&d.vcpu[0], &regs);
		enum core_action act = rc == 1 ? CORE_STOP : CORE_RESUME;
		after_exit(act);
		return act;
	}
	case K_BACKEND_EVENT:
		/* What the xenstore and console daemons call, with any port,
		 * and what the core does with it (FIFO or 2-level, whatever
		 * the state says). */
		evtchn_raise_from_dom0(&d.vcpu[0].core, (uint32_t)b);
		evtchn_raise_virq(&d.vcpu[0].core, (unsigned)a);
		evtchn_raise_from_dom0(&d.vcpu[0].core, STORE_PORT);
		evtchn_take_dom0_raised(&d.vcpu[0].core);
		evtchn_set_pending(&d.vcpu[0].core, (uint32_t)a);
		after_exit(CORE_RESUME);
		return CORE_RESUME;
	case K_CLOCK:
		tsc += b;
		(void)vtime_now_ns(&d.vcpu[0].core);
		vtime_poll_timers(&d.vcpu[0].core);
		vtime_update(&d.vcpu[0].core);
		after_exit(CORE_RESUME);
		return CORE_RESUME;
	case K_SHIM_STOP:
		/* The in-guest core's SHIM_PORT_STOP: the launcher reports
		 * whatever the state says, the shim's own fault included. */
		d.stop_reported = 0;
		stop_report(&d.vcpu[0]);
		d.stop_reported = 0;
		stop_report_shim(&d.vcpu[0]);
		return CORE_STOP;
	case K_CONSOLE: {
		char out[CONSOLE_RING_OUT_BYTES];
		console_ring_drain(console_ring, out);
		after_exit(CORE_RESUME);
		return CORE_RESUME;
	}
	case K_GRANT_PIN: {
		grant_touched = 1;
		/* A backend's pin and its release through a dom0 handle, on
		 * any ref, for dom0 or the guest's own id. */
		struct core dom0 = d.vcpu[0].core;
		dom0.dom0 = 1;
		struct grant_use use;
		unsigned flags = b & (GRANT_USE_WRITE | GRANT_USE_COPY);
		if (!grant_acquire(&dom0, (uint16_t)(b >> 8), a, flags, &use))
			grant_release(&dom0, a, flags);
		grant_release(&dom0, (uint32_t)b, flags);
		after_exit(CORE_RESUME);
		return CORE_RESUME;
	}
	default: /* K_GRANT_OP */
		grant_touched = 1;
		f = hypercall_frame(__HYPERVISOR_grant_table_op, a % 13, ARG_VA, 1 + b % 4, 0);
		break;
	}
	enum core_action act = core_handle_trap(&d.vcpu[0].core, &f);
	after_exit(act);
	return act;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t head, frame_in[sizeof(struct trap_frame)];
	struct call calls[MAX_CALLS];
	take(&in, &head, 1);
	unsigned ncalls = 1 + head % MAX_CALLS;
	for (unsigned i = 0; i < ncalls; i++)
		take(&in, &calls[i], sizeof calls[i]);

	memcpy(ram, good_ram, RAM_BYTES);
	take(&in, ram + PG_ARG * PAGE, ARG_BYTES);
	take(&in, frame_in, sizeof frame_in);
	take(&in, shim + shim_off_cpu_ops(0), CPU_OPS_IN);
	memcpy(shim + SHIM_OFF_SHARED, good_shared, PAGE);
	memcpy(shim + SHIM_OFF_FRAMES, good_frames, sizeof good_frames);
	if (grant_touched)
		memcpy(shim + SHIM_OFF_GRANT, good_grant, GRANT_AREA);
	grant_touched = 0;
	uint8_t *s = (uint8_t *)st;
	const uint8_t *g = (const uint8_t *)good_state;
	for (size_t i = 0; i < sizeof *st; i++)
		s[i] = g[i] ^ (i < in.n ? in.p[i] : 0);

	for (unsigned i = 0; i < ncalls; i++)
		if (run_call(&calls[i], frame_in) == CORE_STOP)
			break;
	return 0;
}
