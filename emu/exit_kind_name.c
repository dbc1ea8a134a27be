/* Names of enum exit_kind, shared by --stats and the trace reader. */
#include "emu/stats.h"

static const char *const exit_names[EXIT_KINDS] = {
	[EXIT_IO_HYPERCALL] = "io_hypercall", [EXIT_IO_TRAP] = "io_trap",
	[EXIT_IO_CONSOLE] = "io_console", [EXIT_IO_LOG] = "io_log",
	[EXIT_IO_STOP] = "io_stop", [EXIT_IO_CALIBRATE] = "io_calibrate",
	[EXIT_IO_READY] = "io_ready", [EXIT_IO_OTHER] = "io_other",
	[EXIT_IO_NOTIFY] = "io_notify", [EXIT_IO_BLOCK] = "io_block",
	[EXIT_IO_TIMER] = "io_timer",
	[EXIT_IO_KICK] = "io_kick",
	[EXIT_IO_YIELD] = "io_yield",
	[EXIT_HLT] = "hlt", [EXIT_SHUTDOWN] = "shutdown",
	[EXIT_INTERNAL_ERROR] = "internal_error", [EXIT_INTR] = "intr",
	[EXIT_IRQ_WINDOW] = "irq_window",
	[EXIT_OTHER] = "other",
};

const char *exit_kind_name(unsigned kind)
{
	return kind < EXIT_KINDS ? exit_names[kind] : "unknown";
}
