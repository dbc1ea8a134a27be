/*
 * The traps guest's assembly: handlers that record the bounce frame Xen's
 * ABI puts on the guest kernel stack and iret back through the hypercall
 * page, a probe that faults with every register set to a known value, and
 * the trip to guest user mode and back.
 */
#include <stdint.h>
#include <xen/xen.h>

#include "trap_entry.h"
#include "traps-guest.h"

#define STR(x) STR_(x)
#define STR_(x) #x

struct trap_record records[MAX_RECORDS];
unsigned nr_records;
uint64_t resume_at;
volatile uint8_t *upcall_pending;
int nested_int3_in_ud;
uint64_t probe_in[NR_REGS], probe_out[NR_REGS];
uint64_t probe_rsp_before, probe_rsp_after, probe_rflags_after;
uint64_t probe_target, probe_zero;

void nested_int3(void);

static unsigned depth;

void trap_record(struct trap_stack *s)
{
	static struct trap_record overflow;
	struct trap_record *r = nr_records < MAX_RECORDS ? &records[nr_records++] : &overflow;
	const uint64_t *w = s->frame;
	unsigned i = 0;

	depth++;
	r->vector = s->vector;
	r->has_error = s->has_error;
	r->frame_addr = (uint64_t)w;
	r->depth = depth;
	r->rcx = w[i++];
	r->r11 = w[i++];
	r->error = s->has_error ? w[i++] : 0;
	unsigned rip_slot = i;
	r->rip = w[i++];
	r->cs = w[i++];
	r->rflags = w[i++];
	r->rsp = w[i++];
	r->ss = w[i++];
	if (s->vector == 6 && nested_int3_in_ud)
		nested_int3();
	if (s->vector == 1)
		s->frame[rip_slot + 2] &= ~0x100ULL; /* single-stepped once: TF off */
	if (s->vector == EVENT_VECTOR && upcall_pending)
		*upcall_pending = 0; /* as Linux's upcall handler does first */
	if (depth == 1 && resume_at)
		s->frame[rip_slot] = resume_at;
	depth--;
}

__asm__(
	".pushsection .text\n"
	TRAP_STUB(handler_de, 0, 0)
	TRAP_STUB(handler_db, 1, 0)
	TRAP_STUB(handler_bp, 3, 0)
	TRAP_STUB(handler_ud, 6, 0)
	TRAP_STUB(handler_nm, 7, 0)
	TRAP_STUB(handler_gp, 13, 1)
	TRAP_STUB(handler_pf, 14, 1)
	TRAP_STUB(handler_int80, 0x80, 0)
	TRAP_STUB(handler_int81, 0x81, 0)
	TRAP_STUB(handler_event, 0x200, 0)

	"nested_int3:\n"
	".global nested_int3_insn\n"
	"nested_int3_insn: int3\n"
	"	ret\n"

	".global probe, probe_resume\n"
	"probe:\n"
	"	pushq %rbx; pushq %rbp; pushq %r12; pushq %r13; pushq %r14; pushq %r15\n"
	"	movq %rdi, probe_target(%rip)\n"
	"	movq %rsp, probe_rsp_before(%rip)\n"
	"	movq probe_in+0*8(%rip), %rax\n"
	"	movq probe_in+1*8(%rip), %rbx\n"
	"	movq probe_in+2*8(%rip), %rcx\n"
	"	movq probe_in+3*8(%rip), %rdx\n"
	"	movq probe_in+4*8(%rip), %rsi\n"
	"	movq probe_in+5*8(%rip), %rdi\n"
	"	movq probe_in+6*8(%rip), %rbp\n"
	"	movq probe_in+7*8(%rip), %r8\n"
	"	movq probe_in+8*8(%rip), %r9\n"
	"	movq probe_in+9*8(%rip), %r10\n"
	"	movq probe_in+10*8(%rip), %r11\n"
	"	movq probe_in+11*8(%rip), %r12\n"
	"	movq probe_in+12*8(%rip), %r13\n"
	"	movq probe_in+13*8(%rip), %r14\n"
	"	movq probe_in+14*8(%rip), %r15\n"
	"	jmp *probe_target(%rip)\n"
	"probe_resume:\n"
	"	movq %rax, probe_out+0*8(%rip)\n"
	"	movq %rbx, probe_out+1*8(%rip)\n"
	"	movq %rcx, probe_out+2*8(%rip)\n"
	"	movq %rdx, probe_out+3*8(%rip)\n"
	"	movq %rsi, probe_out+4*8(%rip)\n"
	"	movq %rdi, probe_out+5*8(%rip)\n"
	"	movq %rbp, probe_out+6*8(%rip)\n"
	"	movq %r8, probe_out+7*8(%rip)\n"
	"	movq %r9, probe_out+8*8(%rip)\n"
	"	movq %r10, probe_out+9*8(%rip)\n"
	"	movq %r11, probe_out+10*8(%rip)\n"
	"	movq %r12, probe_out+11*8(%rip)\n"
	"	movq %r13, probe_out+12*8(%rip)\n"
	"	movq %r14, probe_out+13*8(%rip)\n"
	"	movq %r15, probe_out+14*8(%rip)\n"
	"	movq %rsp, probe_rsp_after(%rip)\n"
	"	pushfq\n"
	"	popq probe_rflags_after(%rip)\n"
	"	movq probe_rsp_before(%rip), %rsp\n"
	"	popq %r15; popq %r14; popq %r13; popq %r12; popq %rbp; popq %rbx\n"
	"	ret\n"

	".global snip_de, snip_ud, snip_gp, snip_pf, snip_int3, snip_int80, snip_int81\n"
	"snip_de: divq probe_zero(%rip)\n"
	"snip_ud: ud2\n"
	"snip_gp: cli\n"
	"snip_pf: movl $1, " STR(PF_ADDRESS) "\n"
	"snip_int3: int3\n"
	"snip_int80: int $0x80\n"
	"snip_int81: int $0x81\n"
	".global snip_db, snip_db_after\n"
	"snip_db: pushfq\n"
	"	orq $0x100, (%rsp)\n"
	"	popfq\n"
	"	nop\n"
	"snip_db_after: nop\n"
	".global snip_nm, snip_fpu_ok\n"
	"snip_nm: movaps %xmm0, %xmm1\n"
	"snip_fpu_ok: movaps %xmm1, %xmm0\n"
	"	jmp probe_resume\n"

	/* Guest user mode (user_enter): a #UD, then %gs:0 read into rbx; its
	 * own GS and FS bases set and a second #UD, then %gs:0 and %fs:0 read
	 * into r12 and r13; then back by syscall, with the registers of a
	 * VCPUOP_is_up hypercall for a vCPU the domain does not have: from user
	 * mode it is a system call, which the guest kernel must get. */
	".global user_code, user_after_ud, user_after_ud2, user_after_syscall\n"
	"user_code: ud2\n"
	"user_after_ud:\n"
	"	movq %gs:0, %rbx\n"
	/* User code sets its own bases (the CPU lets it, whatever CPUID
	 * says) and makes a trap round trip: they must survive it. */
	"	leaq user_gs_word2(%rip), %rax\n"
	"	wrgsbase %rax\n"
	"	leaq user_fs_word(%rip), %rax\n"
	"	wrfsbase %rax\n"
	"	leaq user_after_ud2(%rip), %rax\n"
	"	movq %rax, resume_at(%rip)\n"
	"	ud2\n"
	"user_after_ud2:\n"
	"	movq %gs:0, %r12\n"
	"	movq %fs:0, %r13\n"
	"	movl $24, %eax\n"   /* __HYPERVISOR_vcpu_op */
	"	movl $3, %edi\n"    /* VCPUOP_is_up */
	"	movl $8191, %esi\n"
	"	syscall\n"
	"user_after_syscall: ud2\n"
	".popsection\n");
