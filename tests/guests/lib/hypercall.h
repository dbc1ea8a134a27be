/*
 * Hypercalls, two ways: through the hypercall page the hypervisor filled
 * (entry nr at hypercall_page + nr * 32, reached with `call`), and as the
 * bare `syscall` Linux issues from guest kernel mode since XSA-466.
 *
 * Both take up to five arguments in %rdi %rsi %rdx %r10 %r8 and return in
 * %rax.  Xen may clobber argument registers it did not use (debug builds
 * poison them), and `syscall` clobbers %rcx and %r11, so all of those are
 * outputs here.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/version.h>
#include <xen/sched.h>

#define HYPERCALL_PAGE_ENTRY_SIZE 32
#define HYPERCALL_PAGE_ENTRIES (4096 / HYPERCALL_PAGE_ENTRY_SIZE)

extern char hypercall_page[];

/* nr < HYPERCALL_PAGE_ENTRIES: the page has no entry past that. */
static inline long hypercall_via_page(unsigned nr, unsigned long a1,
				      unsigned long a2, unsigned long a3,
				      unsigned long a4, unsigned long a5)
{
	register unsigned long rax __asm__("rax") =
		(unsigned long)hypercall_page + nr * HYPERCALL_PAGE_ENTRY_SIZE;
	register unsigned long rdi __asm__("rdi") = a1;
	register unsigned long rsi __asm__("rsi") = a2;
	register unsigned long rdx __asm__("rdx") = a3;
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;

	__asm__ __volatile__("call *%%rax"
		     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10),
		       "+r"(r8)
		     :
		     : "rcx", "r11", "memory", "cc");
	return (long)rax;
}

static inline long hypercall_via_syscall(unsigned nr, unsigned long a1,
					 unsigned long a2, unsigned long a3,
					 unsigned long a4, unsigned long a5)
{
	register unsigned long rax __asm__("rax") = nr;
	register unsigned long rdi __asm__("rdi") = a1;
	register unsigned long rsi __asm__("rsi") = a2;
	register unsigned long rdx __asm__("rdx") = a3;
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;

	__asm__ __volatile__("syscall"
		     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10),
		       "+r"(r8)
		     :
		     : "rcx", "r11", "memory", "cc");
	return (long)rax;
}

/* The typed calls the framework itself uses; they go through the page. */
static inline long HYPERVISOR_console_io(int cmd, unsigned long count,
					 const char *buf)
{
	return hypercall_via_page(__HYPERVISOR_console_io, (unsigned long)cmd,
				  count, (unsigned long)buf, 0, 0);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return hypercall_via_page(__HYPERVISOR_xen_version, (unsigned long)cmd,
				  (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return hypercall_via_page(__HYPERVISOR_sched_op, (unsigned long)cmd,
				  (unsigned long)arg, 0, 0, 0);
}

#endif
