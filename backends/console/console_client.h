/*
 * The client attached to the guest's console (`xenlet console`, `create
 * -c`): one connected socket at a time, as xenconsoled gives a domain one
 * pty.  The guest's output is sent to it without ever waiting: what a
 * client does not take at once is dropped for it (the launcher's stdout
 * or log still has everything), so a client that stops reading cannot
 * stall a vCPU or the console.  What it sends is fed to the guest's in[]
 * by the console input thread (console_input.c), which also closes it
 * when it hangs up.
 *
 * The object outlives each boot of the domain (the control socket owns
 * it): a client stays attached across a reboot in the same process.
 */
#ifndef XENLET_CONSOLE_CLIENT_H
#define XENLET_CONSOLE_CLIENT_H

#include <pthread.h>
#include <stddef.h>

/* The most a client may send with its request before it is attached
 * (the control protocol's longest line): fed to the guest first. */
#define CONSOLE_CLIENT_EARLY_MAX 8193

struct console_client {
	pthread_mutex_t lock;
	int reserved;           /* a client was told yes and is being attached */
	int fd;                 /* the attached client's socket, -1: none */
	int wake_fd;            /* the input thread's eventfd, -1: no thread */
	char early[CONSOLE_CLIENT_EARLY_MAX];
	size_t early_len;       /* bytes of early not yet fed to the guest */
};

#define CONSOLE_CLIENT_INIT \
	{ .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1, .wake_fd = -1 }

/* Takes the console for a new client: 0, or -1 if one has it already. */
int console_client_reserve(struct console_client *cc);
/* Attaches the reserved client's socket fd (non-blocking; owned from
 * now), with the bytes it sent after its request; fd -1 gives the
 * reservation up (the client went before it was attached). */
void console_client_attach(struct console_client *cc, int fd, const char *early,
			   size_t len);
/* Sends the guest's output to the client, if one is attached, without
 * waiting (any thread). */
void console_client_send(struct console_client *cc, const char *buf, size_t len);
/* Closes the client's socket (it reads the end of the stream) and frees
 * the console; only when no input thread runs, the fd's other user. */
void console_client_release(struct console_client *cc);

/* ---- for the console input thread ---- */

/* The thread's wake-up eventfd (-1: the thread is gone): written when a
 * client is attached. */
void console_client_watch(struct console_client *cc, int wake_fd);
/* The attached client's fd, or -1; with its early bytes moved to buf
 * (CONSOLE_CLIENT_EARLY_MAX), their count in *early_len. */
int console_client_take(struct console_client *cc, char *buf, size_t *early_len);
/* The client on fd hung up (or broke): closes it, frees the console. */
void console_client_gone(struct console_client *cc, int fd);

#endif
