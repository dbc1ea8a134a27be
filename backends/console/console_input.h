/*
 * The guest console's input: xenlet's stdin and the attached console
 * client's socket (console_client.h) fed into the console ring's in[] by
 * a thread of its own (console_input.c), which reaches the launcher only
 * through the callbacks it is given.
 */
#ifndef XENLET_CONSOLE_INPUT_H
#define XENLET_CONSOLE_INPUT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>
#include "backends/console/console_client.h"

struct console_input_config {
	void *ring;                 /* the guest's xencons_interface page */
	/* Raises the guest's console event after each batch put in in[].
	 * The console's port is bound to dom0 by the domain builder, not by
	 * a backend (backend_host.h), so the launcher says how. */
	void (*signal_guest)(void *opaque);
	/* Ctrl-] on a terminal: the user ends the session.  The thread
	 * stops reading; ending the domain is the launcher's. */
	void (*detach)(void *opaque);
	void *opaque;               /* both callbacks', from the input thread */
	struct console_client *client; /* NULL: no control socket, stdin only */
};

/* All zero: not started (console_input_room and _stop do nothing). */
struct console_input {
	struct console_input_config cfg;
	int started;                /* the thread and the fds below exist */
	pthread_t thread;
	int stop_fd, room_fd;       /* eventfds: stop; in[] has room */
	int attach_fd;              /* eventfd: a client was attached */
	int has_stdin;              /* stdin was open at the start */
	int tty;                    /* stdin is a terminal, in raw mode */
	struct termios saved_tty;
	uint32_t prod;              /* our in_prod: never read back from the ring */
};

/* Starts the thread, stdin raw if it is a terminal; none when stdin is
 * closed and there is no client object.  0, or -1 with a reason in err
 * (the terminal as it was). */
int console_input_start(struct console_input *in, const struct console_input_config *cfg,
			char *err, size_t errlen);
/* The guest sent on the console port: it may have made room in in[]
 * (from any thread). */
void console_input_room(struct console_input *in);
/* Stops the thread, however it ended, and restores the terminal; safe to
 * call more than once.  Before the ring's memory goes: the thread writes it. */
void console_input_stop(struct console_input *in);

#endif
