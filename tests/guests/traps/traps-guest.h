/* Shared by the traps guest's handlers (stubs.c) and its tests (main.c). */
#ifndef TRAPS_GUEST_H
#define TRAPS_GUEST_H

#include <stdint.h>

#include "trap_entry.h"

/* General registers in the order probe_in/probe_out hold them. */
enum { R_RAX, R_RBX, R_RCX, R_RDX, R_RSI, R_RDI, R_RBP, R_R8, R_R9, R_R10,
       R_R11, R_R12, R_R13, R_R14, R_R15, NR_REGS };

/* What a handler saw: the bounce frame's words and where it lay. */
struct trap_record {
	uint64_t vector, has_error;
	uint64_t frame_addr;          /* lowest word: rcx */
	uint64_t rcx, r11, error, rip, cs, rflags, rsp, ss;
	uint64_t depth;               /* 1: taken inside another handler */
};

#define MAX_RECORDS 16
extern struct trap_record records[MAX_RECORDS];
extern unsigned nr_records;

/* Where every handler at depth 1 makes the guest resume (0: where it was). */
extern uint64_t resume_at;
/* The event upcall handler clears this (vcpu_info's pending byte). */
#define EVENT_VECTOR 0x200
extern volatile uint8_t *upcall_pending;
/* 1: the #UD handler takes an int3 of its own before returning. */
extern int nested_int3_in_ud;

/* Handler entry points for the trap table. */
extern const char handler_db[], handler_de[], handler_bp[], handler_ud[], handler_nm[], handler_gp[],
	handler_pf[], handler_int80[], handler_int81[], handler_event[];

/* Loads every register from probe_in, jumps to code; whatever handler
 * runs resumes at probe_resume, which stores them into probe_out. */
extern uint64_t probe_in[NR_REGS], probe_out[NR_REGS];
extern uint64_t probe_rsp_before, probe_rsp_after, probe_rflags_after;
void probe(const void *code);
extern const char probe_resume[];

/* The instructions probe() runs; each is one faulting instruction. */
extern const char snip_de[], snip_ud[], snip_gp[], snip_pf[], snip_int3[],
	snip_int80[], snip_int81[], snip_nm[], snip_fpu_ok[], snip_db[],
	snip_db_after[];
extern const char nested_int3_insn[];

/* The trap_hook: records each trap in records[]. */
void trap_record(struct trap_stack *s);

/* Guest user mode (user_enter, trap_entry.h): user_code takes a #UD,
 * reads %gs:0 into rbx, points GS and FS at these with wrgsbase/wrfsbase,
 * takes another #UD (resuming at user_after_ud2), reads them through
 * %gs:0 and %fs:0 into r12 and r13, and makes a syscall. */
extern const char user_code[], user_after_ud[], user_after_ud2[],
	user_after_syscall[];
extern uint64_t user_gs_word2, user_fs_word;

#define PF_ADDRESS 0xdead000

#endif
