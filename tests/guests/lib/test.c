#include "test.h"

#include <stdarg.h>

#include "format.h"
#include "hypercall.h"

static char cmdline_copy[MAX_GUEST_CMDLINE];
static bool cmdline_terminated;
static unsigned checks_run, checks_failed;

const char *test_cmdline(void)
{
	return cmdline_copy;
}

bool test_cmdline_terminated(void)
{
	return cmdline_terminated;
}

bool test_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	checks_run++;
	if (ok)
		return true;
	checks_failed++;
	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printk("FAIL %s:%d: %s\n", file, line, why);
	return false;
}

void test_shutdown(unsigned reason)
{
	struct sched_shutdown arg = { .reason = reason };

	HYPERVISOR_sched_op(SCHEDOP_shutdown, &arg);
	/* Still here: the hypervisor refused.  A fault at least ends the run. */
	for (;;)
		__asm__ __volatile__("ud2");
}

void test_finish(void)
{
	if (checks_failed) {
		printk("Test result: FAILURE (%u of %u checks failed)\n",
		       checks_failed, checks_run);
		test_shutdown(SHUTDOWN_crash);
	}
	printk("Test result: SUCCESS\n");
	test_shutdown(SHUTDOWN_poweroff);
}

void test_skip(const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (checks_failed) {
		printk("FAIL: skipping (%s) after failed checks\n", why);
		test_finish();
	}
	printk("Test result: SKIP (%s)\n", why);
	test_shutdown(SHUTDOWN_poweroff);
}

/* Called by entry.S on our own stack. */
void guest_main(void);
void guest_main(void)
{
	const int8_t *src = boot_start_info->cmd_line;

	cmdline_terminated = false;
	for (unsigned i = 0; i < MAX_GUEST_CMDLINE; i++) {
		cmdline_copy[i] = (char)src[i];
		if (!src[i]) {
			cmdline_terminated = true;
			break;
		}
	}
	cmdline_copy[MAX_GUEST_CMDLINE - 1] = '\0';

	printk("xenlet-test: %s\n", test_title);
	test_main();
	test_finish();
}
