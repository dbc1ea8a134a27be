/* Shared by the preempt guest's loops (spin.c) and its checks (main.c). */
#ifndef PREEMPT_GUEST_H
#define PREEMPT_GUEST_H

#include <stdint.h>

#include "trap_entry.h"

/* The registers the spin loops hold a pattern in, in the bit order of
 * the "lost" masks they return. */
#define SPIN_REG_NAMES { "rbx", "rcx", "rbp", "r8", "r9", "r10", "r11", \
			 "r12", "r13", "r14", "r15" }
#define SPIN_NR_REGS 11

/*
 * Guest kernel mode: stores mask_during into *mask (0 unmasks events),
 * spins on rdtsc until the TSC reaches tsc_end without a hypercall or a
 * trap, stores 1 into *mask, and returns the set of pattern registers
 * that did not survive.  Any upcall taken while it spins has its rip in
 * [kspin_begin, kspin_end] and its rsp = kspin_rsp.
 */
uint64_t spin_kernel(uint64_t tsc_end, volatile uint8_t *mask, uint64_t mask_during);
extern const char kspin_begin[], kspin_end[];
extern uint64_t kspin_rsp;

/*
 * Guest user mode (entered with user_enter): spins on rdtsc until the
 * TSC reaches uspin_tsc_end, then makes a syscall (at uspin_syscall)
 * with the lost-pattern set in rbx (user_syscall_rbx).  Every instruction
 * it runs lies in [uspin_code, uspin_syscall].
 */
extern const char uspin_code[], uspin_syscall[];
extern uint64_t uspin_tsc_end;

/*
 * As Linux's xen_irq_enable: clears *mask, and if *pending is set forces
 * the upcall with xen_version(XENVER_version) (a bare syscall), then
 * masks again.  Returns nonzero if it made the hypercall.  An upcall it
 * lets in has its rip in [unmask_window, unmask_window_end].
 */
uint64_t unmask_and_force(volatile uint8_t *mask, const volatile uint8_t *pending);
extern const char unmask_window[], unmask_window_end[];

/* The event callback: a trap_entry.h stub, so trap_hook sees Xen's
 * upcall frame (rcx, r11, rip, cs, rflags, rsp, ss) and every register
 * is restored before the iret hypercall. */
#define EVENT_VECTOR 0x200
extern const char event_callback[];

#endif
