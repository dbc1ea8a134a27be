/*
 * Detaching: one fork and setsid. The parent stays until the child says
 * the domain runs, so that `xenlet run -d` still fails with the set-up's
 * status and message when the kernel does not load; the child's word is
 * one byte on a pipe, and a pipe closed without it means the child ended.
 * For `create -c` the parent then becomes the console's client.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "toolstack/console_attach.h"
#include "toolstack/daemonize.h"

static void copy_log(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[4096];
	ssize_t n;
	while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
		if (write(2, buf, (size_t)n) < 0)
			break;
	if (fd >= 0)
		close(fd);
}

static void parent_wait(pid_t child, int rfd, const char *log_path, const char *name,
			bool attach_console)
{
	char word;
	ssize_t n;
	do
		n = read(rfd, &word, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1) {
		/* With the console attached, stdout is the guest's. */
		fprintf(attach_console ? stderr : stdout,
			"xenlet: domain %s detached (pid %d), log %s\n", name, (int)child,
			log_path);
		exit(attach_console ? console_attach(name) : 0);
	}
	int st = 0;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	copy_log(log_path);
	fprintf(stderr, "xenlet: the detached domain did not start (log %s)\n", log_path);
	exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}

int daemonize(const char *log_path, const char *name, bool attach_console,
	      char *err, size_t errlen)
{
	int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log < 0) {
		snprintf(err, errlen, "log %s: %s", log_path, strerror(errno));
		return -1;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(log);
		return -1;
	}
	fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(log);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (child) {
		close(log);
		close(p[1]);
		parent_wait(child, p[0], log_path, name, attach_console);
	}
	close(p[0]);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (setsid() < 0 || null < 0 || dup2(null, 0) < 0 || dup2(log, 1) < 0 ||
	    dup2(log, 2) < 0) {
		fprintf(stderr, "xenlet: detaching: %s\n", strerror(errno));
		exit(1);
	}
	close(null);
	close(log);
	/* Lines reach the log as they are written, console output included. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return p[1];
}

void daemonize_ready(int fd)
{
	if (fd < 0)
		return;
	char word = 0;
	if (write(fd, &word, 1) < 0) {
		/* the parent died: nobody to tell */
	}
}
