#include <stdarg.h>
#include <stdio.h>
#include "emu/loader/set_error.h"

int set_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}
