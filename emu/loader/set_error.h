/* One-line error messages for the launcher's parsers and builders. */
#ifndef XENLET_SET_ERROR_H
#define XENLET_SET_ERROR_H

#include <stddef.h>

/* Formats the reason into err and returns -1, so `return set_error(...)`. */
int set_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
