/*
 * libFuzzer target: grant tables against a hostile guest.  The guest
 * writes any grant entries and status words it likes, at any time,
 * points its PTEs at grant, status and data frames, and makes
 * grant_table_op calls whose arrays are fuzz bytes steered towards
 * interesting values (its own grants and handles, free PTE slots, the
 * domains there are); dom0's backends take and drop pins with
 * grant_acquire/grant_release through a dom0 core handle.
 *
 * The domain: 32 pages, tables at pfn 0-3 (L4, L3, L2, the L1 that maps
 * every page at VA_BASE, tables and pages 0-7 read-only), slots 32-63 of
 * that L1 free for grant maps; version 1 and one grant frame to start,
 * as grant_domain_init leaves it.
 *
 * Input: byte 0 (bit 0: start with a nearly full CPU-ops queue), then
 * operations, each a kind byte and its fields (missing bytes are zero):
 *   acquire  user, ref (u16), flags                 dom0's grant_acquire
 *   release  index into the pins taken              dom0's grant_release
 *   entry    ref (u16), flags (u16), domid and frame selectors, page_off,
 *            length (u16 each), a raw frame (u64)   the guest writes it
 *   status   ref, value (u16 each)                  the guest writes it
 *   call     command and count selectors, then 4 elements of steering
 *            bytes and raw bytes                    grant_table_op, its
 *                                                   continuations run too
 *   pte      slot, target and flag selectors        mmu_update of a slot
 *   queue    room                                   the CPU-ops queue
 *
 * After every operation, independently of the core's code paths, the
 * target checks what pins must mean, and aborts on any violation:
 *   - each active entry's pin counts are exactly dom0's pins the target
 *     took and has not dropped, plus the uses of the map handles in use
 *     (GNTMAP_host_map / device_map, readonly or not) on that ref;
 *   - each frame's general reference count is the number of uses of the
 *     entries pinned on it; a frame with writable uses is WRITABLE, its
 *     type count at least those uses;
 *   - the pinned entries past the reserved ones are counted as such;
 *   - each status frame's mapping count is the number of present entries
 *     of validated L1 tables that map it;
 *   - a use handed to dom0 names guest RAM and a window within the page;
 *   - the launcher's platform never failed; ASan watches that nothing
 *     outside guest RAM and the shim region is touched.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "pv-shim/core/grant/grant_internal.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/shim_abi.h"
#include "emu/vcpu/platform_host.h"
#include "tests/fuzz/fuzz_input.h"

#define PAGE 4096ULL
#define NR_PAGES 32
#define RAM_BYTES (NR_PAGES * PAGE)
#define DOMID 1
#define PG_L4 0
#define PG_L3 1
#define PG_L2 2
#define PG_L1 3
#define PG_OPS 8            /* op arrays: pages 8-11 */
#define PG_LIST 12          /* frame lists */
#define FIRST_RW 8
#define FREE_SLOT 32        /* L1 slots 32..63 map nothing at first */
#define NR_FREE 32
#define VA_BASE 0xffffffff80000000ULL /* L4 511, L3 510, L2 0 */
#define VA(pg) (VA_BASE + (uint64_t)(pg) * PAGE)
#define OPS_VA VA(PG_OPS)
#define LIST_VA VA(PG_LIST)
#define SHARED_MFN (NR_PAGES + 0x10)
#define GRANT_MFN (NR_PAGES + 0x100)
#define STATUS_MFN (GRANT_MFN + SHIM_GRANT_FRAMES)
#define M2P_L4E ((NR_PAGES + 0x200ULL) * PAGE | 7)
#define RET_RIP 0xffffffff81234567ULL
#define TRAMPOLINE SHIM_VA(SHIM_OFF_TRAMPOLINE)
#define PTE_P  0x001ULL
#define PTE_RW 0x002ULL
#define PTE_US 0x004ULL
#define PTE_ADDR 0x000ffffffffff000ULL
#define MAX_OPS 64
#define MAX_PINS 64
#define MAX_ROUNDS 64       /* continuations one call may take */
#define NR_ELEMS 4
#define ELEM_RAW 40

enum { OP_ACQUIRE, OP_RELEASE, OP_ENTRY, OP_STATUS, OP_CALL, OP_PTE, OP_QUEUE, NR_KINDS };

static uint8_t *ram;
static uint8_t *shim;
static struct core_state *st;
static struct host_platform plat, dom0_plat;
static struct core core, dom0;
static struct shim_cpu_ops *cpu_ops;
static unsigned op_no;

/* dom0's pins the target holds. */
struct pin {
	uint32_t ref;
	unsigned flags;
};
static struct pin pins[MAX_PINS];
static unsigned nr_pins;

#define CHECK(cond, ...) do {                                            \
	if (!(cond)) {                                                   \
		fprintf(stderr, "fuzz-grant: op %u: ", op_no);           \
		fprintf(stderr, __VA_ARGS__);                            \
		fputc('\n', stderr);                                     \
		abort();                                                 \
	}                                                                \
} while (0)

static void no_call(void *opaque)
{
	(void)opaque;
	CHECK(0, "dom0's grant calls take no lock of their own");
}

static void no_kick(void *opaque, unsigned vcpu, int interrupt)
{
	(void)opaque, (void)vcpu, (void)interrupt;
	CHECK(0, "a grant call kicked a vCPU");
}

static void no_up(void *opaque, unsigned vcpu)
{
	(void)opaque, (void)vcpu;
	CHECK(0, "a grant call started a vCPU");
}

static void shootdown(void *opaque, uint64_t mask)
{
	(void)opaque;
	CHECK(mask == 1, "shootdown of vCPUs %#llx: the domain has vCPU 0 only",
	      (unsigned long long)mask);
}

static const struct host_smp dom0_smp = {
	.lock = no_call, .unlock = no_call, .kick = no_kick, .vcpu_up = no_up,
	.tlb_shootdown = shootdown,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	uint8_t *block = aligned_alloc(PAGE, RAM_BYTES + 2 * PAGE);
	shim = calloc(1, shim_region_size(NR_PAGES));
	FILE *null = fopen("/dev/null", "w");
	st = malloc(sizeof *st);
	if (!block || !shim || !null || !st)
		abort();
	ASAN_POISON_MEMORY_REGION(block, PAGE);
	ASAN_POISON_MEMORY_REGION(block + PAGE + RAM_BYTES, PAGE);
	ram = block + PAGE;
	cpu_ops = (struct shim_cpu_ops *)(shim + shim_off_cpu_ops(0));
	plat = (struct host_platform){
		.ram = ram, .ram_bytes = RAM_BYTES, .console = null, .log = null,
		.cpu_ops = cpu_ops, .shim_region = shim,
	};
	core = (struct core){
		.st = st, .plat = &plat,
		.layout = { .nr_pages = NR_PAGES, .shared_info_mfn = SHARED_MFN,
			    .grant_mfn = GRANT_MFN, .syscall_trampoline = TRAMPOLINE,
			    .nr_vcpus = 1 },
	};
	dom0_plat = plat;
	dom0_plat.cpu_ops = NULL; /* dom0 queues nothing for the shim */
	dom0_plat.smp = &dom0_smp;
	dom0 = core;
	dom0.plat = &dom0_plat;
	dom0.dom0 = 1;
	return 0;
}

static void set_pte(unsigned table, unsigned idx, uint64_t frame, uint64_t flags)
{
	uint64_t e = frame * PAGE | flags;
	memcpy(ram + table * PAGE + idx * 8, &e, 8);
}

static void build_domain(int small_queue)
{
	memset(ram, 0, RAM_BYTES);
	memset(st, 0, sizeof *st);
	st->magic = CORE_STATE_MAGIC;
	st->vcpu[0].kernel_mode = 1;
	st->vcpu[0].initialised = st->vcpu[0].up = st->vcpu[0].started = 1;
	set_pte(PG_L4, 511, PG_L3, PTE_P | PTE_RW | PTE_US);
	set_pte(PG_L3, 510, PG_L2, PTE_P | PTE_RW | PTE_US);
	set_pte(PG_L2, 0, PG_L1, PTE_P | PTE_RW | PTE_US);
	for (unsigned pg = 0; pg < NR_PAGES; pg++)
		set_pte(PG_L1, pg, pg, PTE_P | PTE_US | (pg >= FIRST_RW ? PTE_RW : 0));
	host_cpu_ops_restart(&plat);
	plat.failed = 0;
	if (mm_domain_init(&core, 0, M2P_L4E))
		abort();
	grant_domain_init(&core, DOMID, NR_PAGES - 2, NR_PAGES - 1);
	if (small_queue)
		plat.cpu_ops_count = (uint32_t)(SHIM_CPU_OPS_MAX - 3);
	nr_pins = 0;
}

/* ---- selectors --------------------------------------------------------- */

static uint16_t pick_dom(uint8_t s)
{
	static const uint16_t doms[] = { DOMID, DOMID, DOMID_SELF, 0, 7 };
	return doms[s % 5];
}

static uint32_t pick_ref(uint8_t s, uint32_t raw)
{
	if (s < 0xe0)
		return s % 24;             /* reserved ones and a few more */
	return s < 0xf0 ? raw % 1100 : raw;
}

static uint64_t pick_frame(uint8_t s, uint64_t raw)
{
	switch (s % 8) {
	case 0: case 1: case 2: case 3:
		return FIRST_RW + s / 8 % (NR_PAGES - FIRST_RW);
	case 4:
		return PG_L1;              /* a page table */
	case 5:
		return NR_PAGES;           /* past RAM */
	case 6:
		return GRANT_MFN;          /* the grant frame itself */
	default:
		return raw;
	}
}

static uint64_t free_pte(uint8_t s)
{
	return PG_L1 * PAGE + (FREE_SLOT + s % NR_FREE) * 8;
}

static uint64_t pick_addr(uint8_t s, uint64_t raw)
{
	switch (s % 8) {
	case 0: case 1: case 2:
		return VA(FREE_SLOT + s / 8 % NR_FREE);
	case 3:
		return free_pte(s / 8);    /* for GNTMAP_contains_pte */
	case 4:
		return free_pte(s / 8) + 1 + s % 7; /* misaligned */
	case 5:
		return s & 0x80 ? 0 : VA(FIRST_RW + 8 + s / 8 % 8); /* a mapped page */
	case 6:
		return s & 0x80 ? 0xffff808000000000ULL : (uint64_t)(FIRST_RW + 1) << 12;
	default:
		return raw;
	}
}

/* ---- operations ------------------------------------------------------------ */

static void acquire(struct input *in)
{
	struct { uint8_t user; uint16_t ref; uint8_t flags; } __attribute__((packed)) a;
	take(in, &a, sizeof a);
	uint16_t user = a.user < 0xc0 ? 0 : a.user < 0xf0 ? DOMID : a.user;
	uint32_t ref = pick_ref((uint8_t)a.ref, a.ref);
	unsigned flags = a.flags & (GRANT_USE_WRITE | GRANT_USE_COPY);
	struct grant_use use;
	int rc = grant_acquire(&dom0, user, ref, flags, &use);
	CHECK(rc <= 0 && rc >= GNTST_no_space, "grant_acquire returned %d", rc);
	if (rc)
		return;
	CHECK(use.pfn < NR_PAGES, "a use names frame %#llx", (unsigned long long)use.pfn);
	CHECK(use.offset <= PAGE && use.offset + use.length <= PAGE,
	      "a use's window %u+%u leaves the page", use.offset, use.length);
	if (nr_pins == MAX_PINS)
		grant_release(&dom0, ref, flags);
	else
		pins[nr_pins++] = (struct pin){ ref, flags };
}

static void release(struct input *in)
{
	uint8_t i;
	take(in, &i, 1);
	if (!nr_pins)
		return;
	i %= nr_pins;
	grant_release(&dom0, pins[i].ref, pins[i].flags);
	pins[i] = pins[--nr_pins];
}

static void write_entry(struct input *in)
{
	struct {
		uint16_t ref, flags;
		uint8_t dom, frame;
		uint16_t off, len;
		uint64_t raw;
	} __attribute__((packed)) e;
	take(in, &e, sizeof e);
	uint32_t ref = e.ref % 1100;
	uint16_t domid = e.dom < 0xa0 ? DOMID : e.dom < 0xf0 ? 0 : e.dom;
	uint64_t frame = pick_frame(e.frame, e.raw);
	/* the guest writes its own table: nothing stops it */
	uint8_t *t = shim + SHIM_OFF_GRANT;
	if (st->grant.version == 2) {
		grant_entry_v2_t v = { 0 };
		v.hdr.flags = e.flags;
		v.hdr.domid = domid;
		if (e.flags & GTF_sub_page) {
			v.sub_page.page_off = e.off;
			v.sub_page.length = e.len;
			v.sub_page.frame = frame;
		} else {
			v.full_page.frame = frame;
		}
		memcpy(t + (ref % (SHIM_GRANT_FRAMES * 256)) * sizeof v, &v, sizeof v);
	} else {
		grant_entry_v1_t v = { e.flags, domid, (uint32_t)frame };
		memcpy(t + (ref % (SHIM_GRANT_FRAMES * 512)) * sizeof v, &v, sizeof v);
	}
}

static void write_status(struct input *in)
{
	uint16_t ref, value;
	take(in, &ref, 2);
	take(in, &value, 2);
	uint16_t *s = (uint16_t *)(shim + SHIM_OFF_GRANT_STATUS);
	s[ref % (SHIM_GRANT_STATUS_FRAMES * 2048)] = value;
}

static struct trap_frame hypercall_frame(uint64_t nr, uint64_t a0, uint64_t a1,
					 uint64_t a2, uint64_t a3)
{
	return (struct trap_frame){
		.rax = nr, .rdi = a0, .rsi = a1, .rdx = a2, .r10 = a3,
		.rcx = RET_RIP, .r11 = 0x246, .cs = SHIM_SEL_USER_CS,
		.ss = SHIM_SEL_USER_DS, .rsp = VA(15), .rflags = 0x202,
		.vector = 256, .rip = TRAMPOLINE,
	};
}

/* The hypercall, and its continuations as the guest would re-execute
 * them (the queue drained each time, as after the guest ran). */
static void hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct trap_frame f = hypercall_frame(nr, a0, a1, a2, a3);
	for (int round = 0; round < MAX_ROUNDS; round++) {
		CHECK(core_handle_trap(&core, &f) == CORE_RESUME, "the domain stopped");
		CHECK(!plat.failed, "the platform failed (CPU-ops queue overrun?)");
		if (f.rip == RET_RIP)
			return;
		CHECK(f.rip == RET_RIP - 2 && f.rax == nr, "a continuation elsewhere");
		host_cpu_ops_restart(&plat);
		f.rip = TRAMPOLINE;
		f.rcx = RET_RIP;
	}
}

static void steer(uint32_t cmd, uint8_t *el, const uint8_t *s, const uint8_t *raw)
{
	uint64_t r;
	memcpy(&r, raw, 8);
	switch (cmd) {
	case GNTTABOP_map_grant_ref: {
		struct gnttab_map_grant_ref *m = (void *)el;
		m->host_addr = pick_addr(s[0], m->host_addr);
		if (s[1] < 0xf0)
			m->flags &= 0x1f;
		m->ref = pick_ref(s[2], m->ref);
		m->dom = pick_dom(s[3]);
		break;
	}
	case GNTTABOP_unmap_grant_ref: {
		struct gnttab_unmap_grant_ref *u = (void *)el;
		u->host_addr = pick_addr(s[0], u->host_addr);
		if (s[1] < 0x80)
			u->dev_bus_addr = pick_frame(s[1], r) << 12;
		if (s[2] < 0xf0)
			u->handle = s[2] % 16;
		break;
	}
	case GNTTABOP_unmap_and_replace: {
		struct gnttab_unmap_and_replace *u = (void *)el;
		u->host_addr = pick_addr(s[0], u->host_addr);
		u->new_addr = s[1] < 0x80 ? 0 : pick_addr(s[1], u->new_addr);
		if (s[2] < 0xf0)
			u->handle = s[2] % 16;
		break;
	}
	case GNTTABOP_copy: {
		struct gnttab_copy *c = (void *)el;
		if (s[0] < 0xf0)
			c->flags &= 3;
		c->source.u.gmfn = c->flags & GNTCOPY_source_gref ?
			pick_ref(s[1], (uint32_t)c->source.u.gmfn) : pick_frame(s[1], r);
		c->dest.u.gmfn = c->flags & GNTCOPY_dest_gref ?
			pick_ref(s[2], (uint32_t)c->dest.u.gmfn) : pick_frame(s[2], r);
		c->source.domid = pick_dom(s[3]);
		c->dest.domid = pick_dom(s[3] >> 4);
		if (s[0] & 1) {
			c->source.offset %= 4097;
			c->dest.offset %= 4097;
			c->len %= 4097;
		}
		break;
	}
	case GNTTABOP_setup_table:
	case GNTTABOP_get_status_frames: {
		struct gnttab_setup_table *t = (void *)el;
		struct gnttab_get_status_frames *g = (void *)el;
		uint16_t dom = pick_dom(s[0]);
		uint32_t nr = s[1] < 0xf0 ? s[1] % 40 : (uint32_t)r;
		uint64_t list = s[2] < 0xf0 ? LIST_VA : r;
		if (cmd == GNTTABOP_setup_table) {
			t->dom = dom;
			t->nr_frames = nr;
			t->frame_list.p = (xen_pfn_t *)(uintptr_t)list;
		} else {
			g->dom = dom;
			g->nr_frames = nr;
			g->frame_list.p = (uint64_t *)(uintptr_t)list;
		}
		break;
	}
	case GNTTABOP_set_version:
		if (s[0] < 0xf0)
			((struct gnttab_set_version *)el)->version = s[0] % 3 + (s[0] > 0x80);
		break;
	case GNTTABOP_get_version:
	case GNTTABOP_query_size:
		((struct gnttab_get_version *)el)->dom = pick_dom(s[0]);
		break;
	case GNTTABOP_swap_grant_ref: {
		struct gnttab_swap_grant_ref *w = (void *)el;
		w->ref_a = pick_ref(s[0], w->ref_a);
		w->ref_b = pick_ref(s[1], w->ref_b);
		break;
	}
	}
}

static size_t element_size(uint32_t cmd)
{
	switch (cmd) {
	case GNTTABOP_map_grant_ref: return sizeof(struct gnttab_map_grant_ref);
	case GNTTABOP_unmap_grant_ref: return sizeof(struct gnttab_unmap_grant_ref);
	case GNTTABOP_unmap_and_replace: return sizeof(struct gnttab_unmap_and_replace);
	case GNTTABOP_copy: return sizeof(struct gnttab_copy);
	case GNTTABOP_swap_grant_ref: return sizeof(struct gnttab_swap_grant_ref);
	default: return ELEM_RAW;
	}
}

static void call(struct input *in)
{
	struct {
		uint8_t cmd, count;
		uint8_t steer[NR_ELEMS][4];
		uint8_t raw[NR_ELEMS][ELEM_RAW];
		uint32_t raw_cmd, raw_count;
	} __attribute__((packed)) c;
	take(in, &c, sizeof c);
	uint32_t cmd = c.cmd < 0xf0 ? c.cmd % 13 : c.raw_cmd;
	uint32_t count = c.count < 0xf0 ? c.count % (NR_ELEMS + 1) : c.raw_count;
	size_t size = element_size(cmd & GRANT_CMD_MASK);
	uint8_t *ops = ram + PG_OPS * PAGE;
	memset(ops, 0, 4 * PAGE);
	for (unsigned i = 0; i < NR_ELEMS; i++) {
		uint8_t *el = ops + i * size;
		memcpy(el, c.raw[i], size < ELEM_RAW ? size : ELEM_RAW);
		steer(cmd, el, c.steer[i], c.raw[i]);
	}
	hypercall(__HYPERVISOR_grant_table_op, cmd, OPS_VA, count, 0);
}

static void pte(struct input *in)
{
	uint8_t s[3];
	take(in, s, sizeof s);
	uint64_t frame;
	switch (s[1] % 4) {
	case 0: frame = GRANT_MFN + s[1] / 4 % 4; break;
	case 1: frame = STATUS_MFN + s[1] / 4 % 5; break;
	case 2: frame = FIRST_RW + s[1] / 4 % (NR_PAGES - FIRST_RW); break;
	default: frame = s[1] / 4 % 8; break; /* tables and more */
	}
	uint64_t val = s[2] < 0x20 ? 0 : frame * PAGE | PTE_P | PTE_US |
		(s[2] & 1 ? PTE_RW : 0);
	struct mmu_update u = { free_pte(s[0]), val };
	memcpy(ram + PG_OPS * PAGE, &u, sizeof u);
	hypercall(__HYPERVISOR_mmu_update, OPS_VA, 1, 0, DOMID_SELF);
}

static void queue(struct input *in)
{
	uint8_t room;
	take(in, &room, 1);
	host_cpu_ops_restart(&plat);
	plat.cpu_ops_count = (uint32_t)(SHIM_CPU_OPS_MAX - room % 6);
}

/* ---- the invariants -------------------------------------------------------- */

static uint32_t uses_of_flags(uint32_t flags)
{
	int ro = (flags & GNTMAP_readonly) != 0;
	uint32_t u = 0;
	if (flags & GNTMAP_host_map)
		u += ro ? GRANT_PIN_HOST_R : GRANT_PIN_HOST_W;
	if (flags & GNTMAP_device_map)
		u += ro ? GRANT_PIN_DEVICE_R : GRANT_PIN_DEVICE_W;
	return u;
}

static uint32_t count_uses(uint32_t pin)
{
	return (pin & 0xff) + (pin >> 8 & 0xff) + (pin >> 16 & 0xff) + (pin >> 24);
}

static uint32_t writable_uses(uint32_t pin)
{
	return (pin & 0xff) + (pin >> 16 & 0xff);
}

/* Pins can only exist below refs entries (the table set up so far); the
 * rest of the active table is checked once the input is done. */
static void check_pins(uint32_t refs)
{
	static uint32_t expect[GRANT_MAX_ENTRIES];
	static uint32_t refs_on[NR_PAGES], writers_on[NR_PAGES];
	memset(expect, 0, sizeof expect);
	memset(refs_on, 0, sizeof refs_on);
	memset(writers_on, 0, sizeof writers_on);
	for (unsigned i = 0; i < nr_pins; i++)
		expect[pins[i].ref] += pins[i].flags & GRANT_USE_WRITE ? GRANT_PIN_HOST_W
								       : GRANT_PIN_HOST_R;
	uint32_t limit = st->grant.maptrack_limit;
	CHECK(limit <= GRANT_MAPTRACK_MAX, "maptrack limit %u", limit);
	const struct grant_maptrack *mt =
		(const struct grant_maptrack *)(shim + SHIM_OFF_GRANT_MAPTRACK);
	for (uint32_t h = 0; h < limit; h++) {
		if (!mt[h].flags)
			continue;
		CHECK(mt[h].ref < GRANT_MAX_ENTRIES, "handle %u names ref %u", h, mt[h].ref);
		CHECK(mt[h].flags & (GNTMAP_host_map | GNTMAP_device_map),
		      "handle %u in use for nothing", h);
		expect[mt[h].ref] += uses_of_flags(mt[h].flags);
	}
	const struct grant_active *act =
		(const struct grant_active *)(shim + SHIM_OFF_GRANT_ACTIVE);
	uint32_t active = 0;
	for (uint32_t r = 0; r < refs; r++) {
		CHECK(act[r].pin == expect[r], "ref %u: pin %#x, the uses held say %#x",
		      r, act[r].pin, expect[r]);
		if (!act[r].pin)
			continue;
		active += r >= GNTTAB_NR_RESERVED_ENTRIES;
		CHECK(act[r].frame < NR_PAGES, "ref %u pinned on frame %#x", r, act[r].frame);
		refs_on[act[r].frame] += count_uses(act[r].pin);
		writers_on[act[r].frame] += writable_uses(act[r].pin);
	}
	CHECK(st->grant.nr_active == active, "%u entries counted active, %u are",
	      st->grant.nr_active, active);
	for (unsigned pfn = 0; pfn < NR_PAGES; pfn++) {
		const struct mm_frame *f = mm_frame(&core, pfn);
		CHECK(f->ref_count == refs_on[pfn], "frame %u: %u references, pins hold %u",
		      pfn, f->ref_count, refs_on[pfn]);
		if (writers_on[pfn])
			CHECK(f->type == MM_TYPE_WRITABLE && f->type_count >= writers_on[pfn],
			      "frame %u has %u writable uses but type %u count %u", pfn,
			      writers_on[pfn], f->type, f->type_count);
	}
}

static void check_status_maps(void)
{
	uint32_t maps[SHIM_GRANT_STATUS_FRAMES] = { 0 };
	for (unsigned pfn = 0; pfn < NR_PAGES; pfn++) {
		const struct mm_frame *f = mm_frame(&core, pfn);
		if (f->type != MM_TYPE_L1 || !(f->flags & MM_FRAME_VALIDATED))
			continue;
		for (unsigned i = 0; i < 512; i++) {
			uint64_t e;
			memcpy(&e, ram + pfn * PAGE + i * 8, 8);
			uint64_t mfn = (e & PTE_ADDR) / PAGE;
			if ((e & PTE_P) && mfn >= STATUS_MFN &&
			    mfn < STATUS_MFN + SHIM_GRANT_STATUS_FRAMES)
				maps[mfn - STATUS_MFN]++;
		}
	}
	for (unsigned i = 0; i < SHIM_GRANT_STATUS_FRAMES; i++)
		CHECK(st->grant.status_maps[i] == maps[i],
		      "status frame %u: %u mappings counted, %u in L1 tables", i,
		      st->grant.status_maps[i], maps[i]);
	CHECK(st->grant.version == 1 || st->grant.version == 2, "version %u",
	      st->grant.version);
	CHECK(st->grant.nr_frames >= 1 && st->grant.nr_frames <= SHIM_GRANT_FRAMES,
	      "%u frames", st->grant.nr_frames);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t config;
	take(&in, &config, 1);
	build_domain(config & 1);
	for (op_no = 0; op_no < MAX_OPS && in.n; op_no++) {
		uint8_t kind;
		take(&in, &kind, 1);
		switch (kind % NR_KINDS) {
		case OP_ACQUIRE: acquire(&in); break;
		case OP_RELEASE: release(&in); break;
		case OP_ENTRY: write_entry(&in); break;
		case OP_STATUS: write_status(&in); break;
		case OP_CALL: call(&in); break;
		case OP_PTE: pte(&in); break;
		default: queue(&in); break;
		}
		uint32_t frames = st->grant.nr_frames;
		check_pins(frames < SHIM_GRANT_FRAMES ? frames * 512 : GRANT_MAX_ENTRIES);
		check_status_maps();
	}
	/* dom0 lets go of everything: only the handles' uses remain */
	while (nr_pins) {
		nr_pins--;
		grant_release(&dom0, pins[nr_pins].ref, pins[nr_pins].flags);
	}
	check_pins(GRANT_MAX_ENTRIES);
	return 0;
}
