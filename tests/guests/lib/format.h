/*
 * A small vsnprintf for guests that have no libc.  Conversions: %d %i %u
 * %x %X %p %c %s %%, length modifiers l ll z, flags '-' and '0', a field
 * width and a precision (digits or '*').  Behaves like C's: the output is
 * always NUL-terminated when size > 0 and the return value is the length
 * the full output would have had.
 */
#ifndef GUEST_FORMAT_H
#define GUEST_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
