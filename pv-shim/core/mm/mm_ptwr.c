/*
 * Emulation of the guest kernel's own stores to its L1 page-table entries
 * (Xen's "ptwr").  Linux writes PTEs natively in places (ptep_get_and_clear
 * is an xchg), so the store faults on the read-only table and is done here:
 * decoded from a copy of the instruction, the new entry validated and
 * referenced by mm_mod_entry exactly as MMU_NORMAL_PT_UPDATE does.
 *
 * Only the forms Linux uses on entries are decoded: mov r -> m (89),
 * mov imm32 -> m (C7 /0), xchg (87) and lock cmpxchg (0F B1), with 8-byte
 * operands (REX.W) or 4-byte ones (half an entry, merged with the other
 * half as Xen merges a naturally aligned partial store), and the byte
 * and/or with an immediate (80 /4, 80 /1) that Linux's clear_bit/set_bit
 * make of ptep_set_wrprotect (fork write-protects every PTE this way).
 * A lock prefix, or the ds prefix Linux patches over it on one CPU, is
 * accepted.  Anything else is the guest's #PF, as it would be without
 * emulation.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/mm/mm_ptwr.h"
#include "pv-shim/core/mm/mm_pte.h"
#include "pv-shim/core/platform.h"

#define PFEC_PRESENT 0x01ULL
#define PFEC_WRITE   0x02ULL
#define PFEC_RSVD    0x08ULL
#define PFEC_FETCH   0x10ULL

#define RFLAGS_ARITH 0x8d5ULL /* CF PF AF ZF SF OF */

#define MAX_INSN 15

enum op { OP_MOV, OP_MOV_IMM, OP_XCHG, OP_CMPXCHG, OP_AND_IMM8, OP_OR_IMM8 };

struct insn {
	enum op op;
	unsigned size;   /* 1, 4 or 8 */
	unsigned reg;    /* ModRM.reg with REX.R: the register operand */
	unsigned len;
	uint64_t imm;    /* OP_MOV_IMM sign-extended; the and/or byte */
};

/* Length of a ModRM memory operand at b (ModRM, SIB, displacement), 0 if
 * it names a register. */
static unsigned modrm_length(const uint8_t *b)
{
	unsigned mod = b[0] >> 6, rm = b[0] & 7, n = 1;
	if (mod == 3)
		return 0;
	if (rm == 4) {
		n++;
		if (mod == 0 && (b[1] & 7) == 5)
			return n + 4; /* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		return n + 4; /* rip-relative */
	}
	return n + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

static int decode(const uint8_t *b, struct insn *in)
{
	unsigned i = 0, rex = 0;
	int lock = 0;
	for (; b[i] == 0xf0 || b[i] == 0x3e; i++)
		if (b[i] == 0xf0)
			lock = 1;
	if ((b[i] & 0xf0) == 0x40)
		rex = b[i++];
	in->size = rex & 8 ? 8 : 4;
	in->imm = 0;
	switch (b[i]) {
	case 0x89:
		in->op = OP_MOV;
		break;
	case 0xc7:
		in->op = OP_MOV_IMM;
		break;
	case 0x87:
		in->op = OP_XCHG;
		break;
	case 0x0f:
		if (b[++i] != 0xb1)
			return -1;
		in->op = OP_CMPXCHG;
		break;
	case 0x80:
		if (((b[i + 1] >> 3) & 7) == 4)
			in->op = OP_AND_IMM8;
		else if (((b[i + 1] >> 3) & 7) == 1)
			in->op = OP_OR_IMM8;
		else
			return -1;
		in->size = 1;
		break;
	default:
		return -1;
	}
	i++;
	if (lock && (in->op == OP_MOV || in->op == OP_MOV_IMM))
		return -1; /* #UD on hardware: not a store to emulate */
	in->reg = ((b[i] >> 3) & 7) | (rex & 4 ? 8 : 0);
	if (in->op == OP_MOV_IMM && (b[i] & 0x38))
		return -1;
	unsigned m = modrm_length(b + i);
	if (!m)
		return -1;
	i += m;
	if (in->op == OP_MOV_IMM) {
		int32_t imm = (int32_t)((uint32_t)b[i] | (uint32_t)b[i + 1] << 8 |
					(uint32_t)b[i + 2] << 16 | (uint32_t)b[i + 3] << 24);
		in->imm = (uint64_t)(int64_t)imm;
		i += 4;
	} else if (in->op == OP_AND_IMM8 || in->op == OP_OR_IMM8) {
		in->imm = b[i++];
	}
	in->len = i;
	return 0;
}

static uint64_t *reg(struct trap_frame *f, unsigned n)
{
	uint64_t *const r[16] = {
		&f->rax, &f->rcx, &f->rdx, &f->rbx, &f->rsp, &f->rbp, &f->rsi,
		&f->rdi, &f->r8, &f->r9, &f->r10, &f->r11, &f->r12, &f->r13,
		&f->r14, &f->r15,
	};
	return r[n & 15];
}

/* The frame va's page lives in, if the kernel's tables map it read-only
 * with 4K pages; else ~0. */
static uint64_t readonly_frame_of(struct core *c, uint64_t va)
{
	uint64_t table = core_vcpu(c)->cr3 >> 12, entry = 0;
	for (int level = 3; level >= 0; level--) {
		volatile uint64_t *e = platform_guest_ram(c, table * MM_PAGE_SIZE +
			((va >> (12 + 9 * level)) & 511) * 8, 8);
		if (!e)
			return ~0ULL;
		entry = *e;
		if (!(entry & MM_PTE_P) || (level && (entry & MM_PTE_PS)))
			return ~0ULL;
		table = mm_pte_pfn(entry);
	}
	return entry & MM_PTE_RW ? ~0ULL : table;
}

/* The flags and/or leave for result r of size bytes: SF ZF PF, CF OF clear
 * (AF is undefined; left clear). */
static uint64_t logic_flags(uint64_t r, unsigned size)
{
	uint64_t fl = 0;
	unsigned parity = 1;
	for (unsigned i = 0; i < 8; i++)
		parity ^= (r >> i) & 1;
	if (parity)
		fl |= 0x004;
	if (!r)
		fl |= 0x040;
	if ((r >> (size * 8 - 1)) & 1)
		fl |= 0x080;
	return fl;
}

/* The flags cmp sets for a - b (what cmpxchg leaves), at size bytes. */
static uint64_t compare_flags(uint64_t a, uint64_t b, unsigned size)
{
	unsigned top = size * 8 - 1;
	uint64_t mask = size == 8 ? ~0ULL : 0xffffffffULL;
	uint64_t r = (a - b) & mask, fl = 0;
	a &= mask;
	b &= mask;
	if (a < b)
		fl |= 0x001; /* CF */
	unsigned parity = 1;
	for (unsigned i = 0; i < 8; i++)
		parity ^= (r >> i) & 1;
	if (parity)
		fl |= 0x004; /* PF: even number of ones in the low byte */
	if ((a ^ b ^ r) & 0x10)
		fl |= 0x010; /* AF */
	if (!r)
		fl |= 0x040; /* ZF */
	if ((r >> top) & 1)
		fl |= 0x080; /* SF */
	if ((((a ^ b) & (a ^ r)) >> top) & 1)
		fl |= 0x800; /* OF */
	return fl;
}

int mm_ptwr_fault(struct core *c, struct trap_frame *f)
{
	struct core_state *st = c->st;
	uint64_t cr2 = core_vcpu(c)->cr2;
	/* The guest kernel runs at CPL3: the hardware's U bit says nothing. */
	if (!st->mm.active || !core_vcpu(c)->kernel_mode ||
	    (f->error_code & (PFEC_PRESENT | PFEC_WRITE | PFEC_RSVD | PFEC_FETCH))
	    != (PFEC_PRESENT | PFEC_WRITE))
		return -1;
	uint64_t pfn = readonly_frame_of(c, cr2);
	struct mm_frame *fr = pfn == ~0ULL ? 0 : mm_frame(c, pfn);
	if (!fr || fr->type != MM_TYPE_L1 || !(fr->flags & MM_FRAME_VALIDATED))
		return -1;

	/* Zeros past what was copied: decode may look past a short
	 * instruction, and one longer than its bytes is refused. */
	uint8_t b[MAX_INSN + 4];
	struct insn in;
	unsigned have = MAX_INSN;
	core_memset(b, 0, sizeof b);
	if (copy_from_guest(c, b, f->rip, have)) {
		/* Near the end of its mapping: the bytes up to the page end. */
		have = (unsigned)(MM_PAGE_SIZE - (f->rip & (MM_PAGE_SIZE - 1)));
		core_memset(b, 0, sizeof b);
		if (have >= MAX_INSN || copy_from_guest(c, b, f->rip, have))
			return -1;
	}
	if (decode(b, &in) || in.len > have || (cr2 & (in.size - 1)))
		return -1;

	unsigned idx = (unsigned)((cr2 & (MM_PAGE_SIZE - 1)) >> 3);
	volatile uint64_t *t = platform_guest_ram(c, pfn * MM_PAGE_SIZE, MM_PAGE_SIZE);
	if (!t)
		return -1;
	uint64_t old = t[idx];
	unsigned shift = (unsigned)(cr2 & 7) * 8;
	uint64_t width = in.size == 8 ? ~0ULL : (1ULL << (in.size * 8)) - 1;
	uint64_t mask = width << shift;
	uint64_t old_part = (old & mask) >> shift;
	uint64_t src = in.op == OP_MOV_IMM || in.op == OP_AND_IMM8 ||
		       in.op == OP_OR_IMM8 ? in.imm : *reg(f, in.reg);
	uint64_t part = src & width;
	int logic = in.op == OP_AND_IMM8 || in.op == OP_OR_IMM8;
	if (logic)
		part = in.op == OP_AND_IMM8 ? old_part & part : old_part | part;

	if (in.op == OP_CMPXCHG) {
		uint64_t expect = in.size == 8 ? f->rax : f->rax & 0xffffffffULL;
		f->rflags = (f->rflags & ~RFLAGS_ARITH) |
			    compare_flags(expect, old_part, in.size);
		if (expect != old_part) {
			f->rax = old_part; /* a 4-byte result clears the top half */
			f->rip += in.len;
			return 0;
		}
	}
	uint64_t val = (old & ~mask) | (part << shift);
	int rc = mm_mod_entry(c, pfn, MM_TYPE_L1, idx, val, 0);
	if (rc == MM_ENOROOM)
		return 0; /* undone: the store faults again once the queue drained */
	if (rc)
		return -1;
	if (in.op == OP_XCHG)
		*reg(f, in.reg) = old_part;
	if (logic)
		f->rflags = (f->rflags & ~RFLAGS_ARITH) | logic_flags(part, 1);
	f->rip += in.len;
	return 0;
}
