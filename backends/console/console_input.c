/*
 * The guest console's input: xenlet's stdin and the attached console
 * client's socket, fed into the console ring's in[] by a thread of its
 * own, as xenconsoled feeds a guest from its pty.
 *
 * The thread reads its sources only when it has handed everything it read
 * so far to the guest: when in[] is full it waits for the guest's next
 * event on the console port (the frontend sends one after it has read), so
 * nothing is lost while the guest does not read (a client's sends then
 * wait in its socket, for it alone).  Each batch is followed by an event
 * to the guest.  At the end of stdin the thread goes on for clients (a
 * detached domain's stdin is /dev/null); without a client object it stops.
 * The guest runs on either way.
 *
 * On a terminal, stdin is put in raw mode (the guest's own tty does line
 * editing, echo and signals: Ctrl-C reaches the guest's shell) and output
 * processing is kept so xenlet's own messages still start on a new line;
 * Ctrl-] ends the session, as `xl console` users expect.  The terminal is
 * restored when the launcher stops the input, however the thread ended,
 * and when starting fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>
#include "backends/console/console_input.h"
#include "backends/console/console_ring.h"
#include "backends/console/raw_terminal.h"

static void drain_eventfd(int fd)
{
	uint64_t n;
	if (read(fd, &n, sizeof n) < 0) {
		/* EAGAIN: nothing to clear */
	}
}

/* Waits for fd to be readable; 0 if the input is stopped first. */
static int wait_for(struct console_input *in, int fd)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = POLLIN }, { .fd = in->stop_fd, .events = POLLIN },
	};
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (p[1].revents)
			return 0;
		if (p[0].revents)
			return 1;
	}
}

/* Hands buf[0..len) to the guest, waiting for room; 0 if the input is
 * stopped first or the ring turned out broken. */
static int feed_all(struct console_input *in, const char *buf, size_t len)
{
	while (len) {
		drain_eventfd(in->room_fd); /* room made before this look is seen */
		long n = console_ring_feed(in->cfg.ring, &in->prod, buf, len);
		if (n < 0) {
			fprintf(stderr, "xenlet: the guest's console input indexes are "
				"inconsistent (more than the ring holds): input stopped\n");
			return 0;
		}
		if (n > 0) {
			in->cfg.signal_guest(in->cfg.opaque);
			buf += n;
			len -= (size_t)n;
		} else if (!wait_for(in, in->room_fd)) {
			return 0;
		}
	}
	return 1;
}

/* Feeds what stdin has: 1 go on, 0 stdin ended, -1 the input stops.  On
 * a terminal, Ctrl-] ends the session (what comes before it is fed). */
static int from_stdin(struct console_input *in)
{
	char buf[512];
	ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0; /* end of input: the guest runs on */
	size_t len = (size_t)n;
	const char *escape = in->tty ? memchr(buf, CONSOLE_ESCAPE, len) : NULL;
	if (escape)
		len = (size_t)(escape - buf);
	if (!feed_all(in, buf, len))
		return -1;
	if (escape) {
		in->cfg.detach(in->cfg.opaque);
		return -1;
	}
	return 1;
}

/* Feeds what the client sent (raw bytes, no escape: its own end looks
 * for Ctrl-]); at its hang-up the console is free again.  0 if the input
 * stopped. */
static int from_client(struct console_input *in, int fd)
{
	char buf[512];
	ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		console_client_gone(in->cfg.client, fd);
		return 1;
	}
	return feed_all(in, buf, (size_t)n);
}

static void *input_thread(void *opaque)
{
	struct console_input *in = opaque;
	struct console_client *cc = in->cfg.client;
	int stdin_open = in->has_stdin;
	char early[CONSOLE_CLIENT_EARLY_MAX];
	for (;;) {
		size_t early_len = 0;
		int client = cc ? console_client_take(cc, early, &early_len) : -1;
		if (early_len && !feed_all(in, early, early_len))
			return NULL;
		if (!stdin_open && !cc)
			return NULL;
		struct pollfd p[4] = {
			{ .fd = in->stop_fd, .events = POLLIN },
			{ .fd = in->attach_fd, .events = POLLIN },
			{ .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = client, .events = POLLIN },
		};
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (p[0].revents)
			return NULL;
		if (p[1].revents)
			drain_eventfd(in->attach_fd); /* taken at the loop's top */
		if (p[2].revents) {
			int r = from_stdin(in);
			if (r < 0)
				return NULL;
			stdin_open = r;
		}
		if (p[3].revents && !from_client(in, client))
			return NULL;
	}
}

/* Undoes what start did: the terminal as it was, the eventfds closed. */
static void release(struct console_input *in)
{
	if (in->tty) {
		raw_terminal_leave(STDIN_FILENO, &in->saved_tty);
		in->tty = 0;
	}
	if (in->stop_fd >= 0)
		close(in->stop_fd);
	if (in->room_fd >= 0)
		close(in->room_fd);
	if (in->attach_fd >= 0)
		close(in->attach_fd);
	in->stop_fd = in->room_fd = in->attach_fd = -1;
}

int console_input_start(struct console_input *in, const struct console_input_config *cfg,
			char *err, size_t errlen)
{
	*in = (struct console_input){ .cfg = *cfg, .stop_fd = -1, .room_fd = -1,
				      .attach_fd = -1 };
	in->has_stdin = fcntl(STDIN_FILENO, F_GETFD) >= 0;
	if (!in->has_stdin && !cfg->client)
		return 0; /* no stdin at all (closed), no client: no console input */
	in->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	in->room_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	in->attach_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (in->stop_fd < 0 || in->room_fd < 0 || in->attach_fd < 0) {
		snprintf(err, errlen, "console input: %s", strerror(errno));
		release(in);
		return -1;
	}
	in->tty = raw_terminal_enter(STDIN_FILENO, &in->saved_tty);
	int rc = pthread_create(&in->thread, NULL, input_thread, in);
	if (rc) {
		release(in);
		snprintf(err, errlen, "console input thread: %s", strerror(rc));
		return -1;
	}
	in->started = 1;
	if (cfg->client)
		console_client_watch(cfg->client, in->attach_fd);
	return 0;
}

void console_input_room(struct console_input *in)
{
	uint64_t one = 1;
	if (in->started && write(in->room_fd, &one, sizeof one) < 0) {
		/* EAGAIN: a wake is pending already */
	}
}

void console_input_stop(struct console_input *in)
{
	if (!in->started)
		return;
	uint64_t one = 1;
	if (write(in->stop_fd, &one, sizeof one) < 0) {
		/* cannot fail with a fresh counter */
	}
	if (in->cfg.client)
		console_client_watch(in->cfg.client, -1);
	pthread_join(in->thread, NULL);
	release(in);
	in->started = 0;
}
