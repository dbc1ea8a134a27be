/*
 * The options `xenlet run` and `xenlet create` share: how the launcher
 * runs the domain (trap path, event-channel ABIs, stats, xenstore
 * socket, detached with a log), as opposed to what the domain is, which
 * `create` takes from its config file.
 */
#ifndef XENLET_LAUNCHER_OPTIONS_H
#define XENLET_LAUNCHER_OPTIONS_H

#include "emu/config.h"

/* getopt_long's values for them. */
enum launcher_option {
	LAUNCHER_OPT_TRAP_PATH = 't',
	LAUNCHER_OPT_EVTCHN = 'e',
	LAUNCHER_OPT_STATS = 's',
	LAUNCHER_OPT_XENSTORE_SOCKET = 'x',
	LAUNCHER_OPT_DAEMONIZE = 'd',
	LAUNCHER_OPT_LOG = 'L',
	LAUNCHER_OPT_TRACE = 0x100,      /* long options only from here */
	LAUNCHER_OPT_TRACE_HYPERCALLS,
	LAUNCHER_OPT_STRICT,
	LAUNCHER_OPT_TIMER_GAP,
};

/* getopt's short options among them. */
#define LAUNCHER_SHORT_OPTIONS "d"

#define LAUNCHER_LONG_OPTIONS \
	{ "trap-path", required_argument, NULL, LAUNCHER_OPT_TRAP_PATH }, \
	{ "evtchn", required_argument, NULL, LAUNCHER_OPT_EVTCHN }, \
	{ "stats", no_argument, NULL, LAUNCHER_OPT_STATS }, \
	{ "xenstore-socket", required_argument, NULL, LAUNCHER_OPT_XENSTORE_SOCKET }, \
	{ "daemonize", no_argument, NULL, LAUNCHER_OPT_DAEMONIZE }, \
	{ "log", required_argument, NULL, LAUNCHER_OPT_LOG }, \
	{ "trace", required_argument, NULL, LAUNCHER_OPT_TRACE }, \
	{ "trace-hypercalls", no_argument, NULL, LAUNCHER_OPT_TRACE_HYPERCALLS }, \
	{ "strict", no_argument, NULL, LAUNCHER_OPT_STRICT }, \
	{ "timer-gap", required_argument, NULL, LAUNCHER_OPT_TIMER_GAP }

/* Applies option opt (one of the above) with its argument: 0, 1 if opt
 * is not a launcher option, or -1 after a one-line message on stderr. */
int launcher_option_apply(int opt, const char *arg, struct xenlet_config *cfg);

#endif
