/*
 * The console client (console_attach.h).  After the request's "ok" the
 * connection is a raw byte stream both ways: stdin to the guest's input,
 * the guest's output to stdout.  On a terminal, stdin is raw (the guest's
 * tty edits lines and takes Ctrl-C) and Ctrl-] detaches; from a pipe every
 * byte goes to the guest and its end detaches.
 *
 * Detaching half-closes the connection and waits (a bounded time) for the
 * launcher to close its end: then the console is free again by the time
 * this process exits, and the guest's output that was on its way still
 * appears.
 */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "backends/console/raw_terminal.h"
#include "toolstack/console_attach.h"
#include "toolstack/lifecycle_cmds.h"

#define REPLY_WAIT_MS 10000
#define REPLY_MAX 1024
/* After a detach: how long the launcher may take to let go. */
#define DETACH_WAIT_MS 2000

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = fd == STDOUT_FILENO ? write(fd, buf, len)
						: send(fd, buf, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Asks for the console and reads the one-line reply a byte at a time, so
 * that none of the guest's output after it is taken: 0 attached, -1
 * after saying why. */
static int ask(int fd, const char *name)
{
	static const char req[] = "{\"cmd\":\"console\"}\n";
	if (write_all(fd, req, sizeof req - 1)) {
		fprintf(stderr, "xenlet: %s: sending: %s\n", name, strerror(errno));
		return -1;
	}
	char line[REPLY_MAX];
	size_t n = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, REPLY_WAIT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		ssize_t got = r == 1 ? recv(fd, line + n, 1, 0) : -1;
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || n == sizeof line - 1) {
			fprintf(stderr, "xenlet: %s: no reply to the console request\n", name);
			return -1;
		}
		if (line[n] == '\n')
			break;
		n++;
	}
	json_error_t jerr;
	json_t *reply = json_loadb(line, n, 0, &jerr);
	int ok = json_is_true(json_object_get(reply, "ok"));
	if (!ok) {
		const char *e = json_string_value(json_object_get(reply, "error"));
		fprintf(stderr, "xenlet: %s: %s\n", name, e ? e : "the console was refused");
	}
	json_decref(reply);
	return ok ? 0 : -1;
}

/* Copies between stdin/stdout and fd until the session ends. */
static void session(int fd, int tty)
{
	char buf[4096];
	int in_open = 1;
	int64_t deadline = 0; /* once detaching: when to give up waiting */
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = fd, .events = POLLIN },
		};
		int timeout = -1;
		if (!in_open) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return;
			timeout = (int)left;
		}
		int r = poll(p, 2, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		if (p[1].revents) {
			ssize_t n = recv(fd, buf, sizeof buf, 0);
			if (n < 0 && errno == EINTR)
				continue;
			/* The end: the domain ended, or the detach went through. */
			if (n <= 0 || write_all(STDOUT_FILENO, buf, (size_t)n))
				return;
		}
		if (in_open && p[0].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			size_t len = n > 0 ? (size_t)n : 0;
			const char *escape = tty ? memchr(buf, CONSOLE_ESCAPE, len) : NULL;
			if (escape)
				len = (size_t)(escape - buf);
			int failed = len && write_all(fd, buf, len);
			if (n <= 0 || escape || failed) {
				shutdown(fd, SHUT_WR);
				in_open = 0;
				deadline = now_ms() + DETACH_WAIT_MS;
			}
		}
	}
}

int console_attach(const char *name)
{
	int fd = lifecycle_connect_domain(name);
	if (fd < 0)
		return 1;
	if (ask(fd, name)) {
		close(fd);
		return 1;
	}
	struct termios saved;
	int tty = raw_terminal_enter(STDIN_FILENO, &saved);
	if (tty)
		fprintf(stderr, "xenlet: %s's console (Ctrl-] detaches)\n", name);
	session(fd, tty);
	if (tty) {
		raw_terminal_leave(STDIN_FILENO, &saved);
		fprintf(stderr, "\nxenlet: detached from %s's console\n", name);
	}
	close(fd);
	return 0;
}

int lifecycle_console(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: xenlet console NAME\n");
		return 1;
	}
	return console_attach(argv[1]);
}
