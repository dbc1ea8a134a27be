/* Guest console output through HYPERVISOR_console_io(CONSOLEIO_write). */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stddef.h>

void console_write(const char *s, size_t len);

/* Formats with fmt_vsnprintf (see format.h); lines longer than 512 bytes
 * are cut. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
