#include "console.h"

#include <stdarg.h>

#include "format.h"
#include "hypercall.h"

#define PRINTK_MAX 512

void console_write(const char *s, size_t len)
{
	/* Nothing useful can be done if the console fails: ignore. */
	(void)HYPERVISOR_console_io(CONSOLEIO_write, len, s);
}

void printk(const char *fmt, ...)
{
	char buf[PRINTK_MAX];
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (n > 0)
		console_write(buf, (size_t)n);
}
