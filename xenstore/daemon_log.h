/* The daemon's diagnostics: one line each, to stderr unless silenced (the
 * fuzzer, which makes millions of bad clients, silences them). */
#ifndef XENSTORE_DAEMON_LOG_H
#define XENSTORE_DAEMON_LOG_H

#include <stdbool.h>

void xsd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xsd_log_silence(bool silent);

#endif
