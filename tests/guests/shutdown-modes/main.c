/*
 * Ends the run the way the command line asks, to test the launcher's exit
 * codes and fault reports:
 *
 *   xt.action=poweroff|reboot|crash|watchdog
 *                                     SCHEDOP_shutdown with that reason
 *                                     (xt.via=syscall makes the call as a raw
 *                                     syscall instead of through the page)
 *   xt.action=pagefault|ud2|gpf       takes that fault (no trap table is
 *                                     registered, so the run must end)
 *   xt.action=yield                   yields forever: a guest that only
 *                                     ends when the launcher is stopped
 *
 * Before a fault it prints "shutdown-modes: expect <fault> at rip=0x..." so
 * the runner can check the launcher reports the same RIP.
 */
#include <stdint.h>
#include <xen/sched.h>

#include "cmdline.h"
#include "hypercall.h"
#include "libc.h"
#include "test.h"

const char test_title[] = "shutdown reasons and unhandled faults";

/* An address no bootstrap mapping covers (the guest half, below 4 GiB). */
#define UNMAPPED_ADDRESS 0xdead000
#define STR(x) STR_(x)
#define STR_(x) #x

/*
 * Each fault is a function; the faulting instruction has a global label
 * (fault_*_insn) so its RIP can be printed beforehand.
 */
void fault_pagefault(void), fault_ud2(void), fault_gpf(void);
extern const char fault_pagefault_insn[], fault_ud2_insn[], fault_gpf_insn[];
__asm__(".pushsection .text\n"
	".global fault_pagefault, fault_ud2, fault_gpf\n"
	".global fault_pagefault_insn, fault_ud2_insn, fault_gpf_insn\n"
	"fault_pagefault:\n"
	"fault_pagefault_insn: movq " STR(UNMAPPED_ADDRESS) ", %rax\n"
	"	ret\n"
	"fault_ud2:\n"
	"fault_ud2_insn: ud2\n"
	"	ret\n"
	/* A non-canonical address: #GP rather than #PF. */
	"fault_gpf: movabsq $0x8000000000000000, %rax\n"
	"fault_gpf_insn: movq (%rax), %rax\n"
	"	ret\n"
	".popsection");

struct fault {
	const char *action;
	const char *name;
	void (*fn)(void);
	const char *insn;
};

static void take_fault(const struct fault *f)
{
	printk("shutdown-modes: expect %s at rip=0x%lx\n", f->name,
	       (unsigned long)f->insn);
	f->fn();
	check_msg(false, "%s did not end the run", f->name);
}

static void shut_down(unsigned reason, const char *via)
{
	struct sched_shutdown arg = { .reason = reason };
	long rc;

	printk("shutdown-modes: SCHEDOP_shutdown reason %u via %s\n", reason, via);
	if (!strcmp(via, "syscall"))
		rc = hypercall_via_syscall(__HYPERVISOR_sched_op, SCHEDOP_shutdown,
					   (unsigned long)&arg, 0, 0, 0);
	else
		rc = hypercall_via_page(__HYPERVISOR_sched_op, SCHEDOP_shutdown,
					(unsigned long)&arg, 0, 0, 0);
	check_msg(false, "SCHEDOP_shutdown returned %ld", rc);
}

static void yield_forever(void)
{
	printk("shutdown-modes: yielding until stopped\n");
	for (;;) {
		long rc = HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		if (rc) {
			check_msg(false, "SCHEDOP_yield returned %ld", rc);
			return;
		}
	}
}

void test_main(void)
{
	char action[16], via[16] = "page";
	const struct fault faults[] = {
		{ "pagefault", "#PF", fault_pagefault, fault_pagefault_insn },
		{ "ud2", "#UD", fault_ud2, fault_ud2_insn },
		{ "gpf", "#GP", fault_gpf, fault_gpf_insn },
	};

	if (cmdline_str(test_cmdline(), "xt.action", action, sizeof(action)) !=
	    CMDLINE_OK)
		test_skip("no xt.action=poweroff|reboot|crash|watchdog|pagefault|ud2|gpf|yield");
	if (cmdline_str(test_cmdline(), "xt.via", via, sizeof(via)) == CMDLINE_BAD ||
	    (strcmp(via, "page") && strcmp(via, "syscall")))
		test_skip("xt.via must be page or syscall");

	if (!strcmp(action, "poweroff"))
		shut_down(SHUTDOWN_poweroff, via);
	else if (!strcmp(action, "reboot"))
		shut_down(SHUTDOWN_reboot, via);
	else if (!strcmp(action, "crash"))
		shut_down(SHUTDOWN_crash, via);
	else if (!strcmp(action, "watchdog"))
		shut_down(SHUTDOWN_watchdog, via);
	else if (!strcmp(action, "yield"))
		yield_forever();
	else {
		for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
			if (!strcmp(action, faults[i].action))
				take_fault(&faults[i]);
		check_msg(false, "unknown xt.action=%s", action);
	}
}
