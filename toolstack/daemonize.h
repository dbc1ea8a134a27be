/* `xenlet run -d`: the launcher detached from its terminal. */
#ifndef XENLET_DAEMONIZE_H
#define XENLET_DAEMONIZE_H

#include <stdbool.h>
#include <stddef.h>

/* Forks before any thread exists. The child returns, in a new session,
 * with stdin on /dev/null and stdout and stderr appended to log_path,
 * and a fd to pass to daemonize_ready. The parent never returns: it
 * waits for that word and exits 0 once the domain runs (with
 * attach_console, as `create -c`, it first attaches the caller's
 * terminal to the domain's console until detached), or with the child's
 * status (after copying the log to its stderr) if it failed first. -1
 * with a reason in err if nothing was forked. */
int daemonize(const char *log_path, const char *name, bool attach_console,
	      char *err, size_t errlen);
/* The domain runs: the waiting parent may go (a no-op for fd -1); the
 * caller closes fd later. */
void daemonize_ready(int fd);

#endif
