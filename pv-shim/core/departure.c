/* Departures from Xen: counted, and with --strict named the first time. */
#include "pv-shim/core/core.h"
#include "pv-shim/core/departure.h"
#include "pv-shim/core/platform.h"

static const char *const names[CORE_DEPARTURE_KINDS] = {
	[DEPARTURE_PIT_CHANNEL2] = "pit_channel2",
	[DEPARTURE_FPU_TASKSWITCH] = "fpu_taskswitch_no_nm",
	[DEPARTURE_DEBUGREG_UNARMED] = "debugreg_not_armed",
	[DEPARTURE_LDT_TOO_LARGE] = "ldt_over_256_entries",
	[DEPARTURE_FRAME_KEPT] = "frame_in_use_kept",
	[DEPARTURE_EXCHANGE_SHORT] = "exchange_short_of_frames",
	[DEPARTURE_MSR_HOST_VALUE] = "msr_host_value",
	[DEPARTURE_IOBITMAP] = "iobitmap_unsupported",
	[DEPARTURE_IRET_ENDS_DOMAIN] = "iret_ends_domain",
	[DEPARTURE_TIMER_HELD] = "oneshot_timer_held",
};

const char *core_departure_name(unsigned kind)
{
	return kind < CORE_DEPARTURE_KINDS ? names[kind] : "unknown";
}

void core_departure(struct core *c, enum core_departure kind, const char *detail)
{
	uint64_t n = c->st->departures[kind]++;
	if (n || !(c->st->trace_flags & CORE_TRACE_STRICT))
		return;
	char line[192];
	core_format(line, sizeof line, "strict: departure from Xen (%s): %s",
		    names[kind], detail);
	platform_log(c, line);
}
