#include "xenstore/daemon_log.h"

#include <stdarg.h>
#include <stdio.h>

static bool log_silent;

void xsd_log_silence(bool silent)
{
	log_silent = silent;
}

void xsd_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (log_silent)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line, so lines from threads do not interleave. */
	fprintf(stderr, "xenstored: %s\n", line);
}
