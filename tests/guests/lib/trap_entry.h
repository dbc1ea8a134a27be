/*
 * Guest trap handlers the Xen x86_64 PV way, and trips to guest user mode.
 *
 * A guest lists TRAP_STUB(name, vector, has_error) entries in a top-level
 * asm block and points its trap table at them.  Each stub goes to
 * trap_common, which saves every register on the kernel stack (struct
 * trap_stack, the bounce frame Xen wrote above it), calls trap_hook (the
 * guest's), restores the registers (as the hook may have changed them),
 * drops the error code and irets through the hypercall page with flags 0,
 * to wherever the frame's rip and cs now say (cs with RPL 3: user mode).
 *
 * user_enter(code, stack) irets to guest user mode at code on stack (on
 * Linux's 0x33 and 0x2b; user_enter_selectors on the cs and ss given); the
 * user code ends with `syscall`, and the syscall callback
 * (user_syscall_entry: register it with CALLBACKTYPE_syscall, and set a
 * stack_switch stack and a NEW_USER_BASEPTR table first) returns from
 * user_enter in guest kernel mode, with what the syscall left in
 * user_syscall_frame and its rax, rbx, r12 and r13 in
 * user_syscall_rax/rbx/r12/r13.
 */
#ifndef GUEST_TRAP_ENTRY_H
#define GUEST_TRAP_ENTRY_H

#include <stdint.h>

#define KERNEL_FRAME_CS 0xe030 /* FLAT_KERNEL_CS, RPL 0: from guest kernel mode */
#define USER_FRAME_CS   0xe033 /* FLAT_USER_CS64: from guest user mode */
#define FRAME_SS        0xe02b
#define GATE_MASK_EVENTS 4     /* trap_info flags: the gate masks events */

struct trap_stack {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx,
		rbx, rax;
	uint64_t has_error, vector;
	uint64_t frame[];        /* Xen's bounce frame: rcx, r11, [error], rip, cs, rflags, rsp, ss */
};

/* The index in frame[] of the saved rip (cs, rflags, rsp, ss follow). */
static inline unsigned trap_rip_slot(const struct trap_stack *s)
{
	return s->has_error ? 3 : 2;
}

/* Called by every stub, on the kernel stack the bounce used. */
extern void (*trap_hook)(struct trap_stack *s);

#define TRAP_STUB_STR_(x) #x
#define TRAP_STUB(name, vec, err)                                            \
	".global " #name "\n" #name ":\n"                                    \
	"	pushq $" TRAP_STUB_STR_(vec) "\n"                            \
	"	pushq $" TRAP_STUB_STR_(err) "\n"                            \
	"	jmp trap_common\n"

void user_enter(const void *code, uint64_t stack_top);
void user_enter_selectors(const void *code, uint64_t stack_top, uint64_t cs, uint64_t ss);
extern const char user_syscall_entry[];
/* The syscall's frame: rcx, r11, rip, cs, rflags, rsp, ss; and the
 * registers user code may hand values back in. */
extern uint64_t user_syscall_frame[7], user_syscall_frame_addr;
extern uint64_t user_syscall_rax, user_syscall_rbx, user_syscall_r12, user_syscall_r13;

/* What user_enter needs first: the boot page tables as the user ones
 * (NEW_USER_BASEPTR), user_syscall_entry as the syscall callback, and
 * kernel_stack_top as the stack_switch stack.  0, or -1 if one failed. */
int user_mode_prepare(const void *kernel_stack_top);

#endif
