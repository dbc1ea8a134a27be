/* Guest RAM straight through the launcher's mapping of the memfd. */
#include "pv-shim/core/core.h"
#include "pv-shim/core/platform.h"
#include "emu/platform_host.h"

void *platform_guest_ram(struct core *c, uint64_t gpa, size_t len)
{
	struct host_platform *p = c->plat;
	if (gpa >= p->ram_bytes || len > p->ram_bytes - gpa)
		return NULL;
	return p->ram + gpa;
}

void platform_console_write(struct core *c, const char *buf, size_t len)
{
	struct host_platform *p = c->plat;
	fwrite(buf, 1, len, p->console);
	fflush(p->console);
}

void platform_log(struct core *c, const char *line)
{
	struct host_platform *p = c->plat;
	fprintf(p->log, "xenlet: %s\n", line);
}
