/* The options `run` and `create` share (launcher_options.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/launcher_options.h"
#include "pv-shim/core/sched/vtime.h"

int launcher_option_apply(int opt, const char *arg, struct xenlet_config *cfg)
{
	switch (opt) {
	case LAUNCHER_OPT_TRAP_PATH:
		if (!strcmp(arg, "guest"))
			cfg->trap_path = TRAP_PATH_GUEST;
		else if (!strcmp(arg, "host"))
			cfg->trap_path = TRAP_PATH_HOST;
		else if (!strcmp(arg, "auto"))
			cfg->trap_path = TRAP_PATH_AUTO;
		else {
			fprintf(stderr, "xenlet: --trap-path is guest, host or auto\n");
			return -1;
		}
		return 0;
	case LAUNCHER_OPT_EVTCHN:
		if (!strcmp(arg, "fifo"))
			cfg->evtchn_abi = EVTCHN_ABI_FIFO;
		else if (!strcmp(arg, "2l"))
			cfg->evtchn_abi = EVTCHN_ABI_2L;
		else {
			fprintf(stderr, "xenlet: --evtchn is fifo or 2l\n");
			return -1;
		}
		return 0;
	case LAUNCHER_OPT_STATS:
		cfg->stats = true;
		return 0;
	case LAUNCHER_OPT_XENSTORE_SOCKET:
		cfg->xenstore_socket = arg;
		return 0;
	case LAUNCHER_OPT_DAEMONIZE:
		cfg->daemonize = true;
		return 0;
	case LAUNCHER_OPT_LOG:
		cfg->log_path = arg;
		return 0;
	case LAUNCHER_OPT_TRACE:
		cfg->trace_path = arg;
		return 0;
	case LAUNCHER_OPT_TRACE_HYPERCALLS:
		cfg->trace_hypercalls = true;
		return 0;
	case LAUNCHER_OPT_STRICT:
		cfg->strict = true;
		return 0;
	case LAUNCHER_OPT_TIMER_GAP: {
		char *end;
		errno = 0;
		unsigned long ms = strtoul(arg, &end, 10);
		/* The core holds an event back by a second at most. */
		const unsigned long max_ms = VTIME_ONESHOT_GAP_MAX_NS / 1000000;
		if (errno || end == arg || *end || arg[0] == '-' || ms > max_ms) {
			fprintf(stderr, "xenlet: --timer-gap is whole milliseconds, 0 to %lu\n",
				max_ms);
			return -1;
		}
		cfg->timer_gap_given = true;
		cfg->timer_gap_us = (uint64_t)ms * 1000;
		return 0;
	}
	}
	return 1;
}
