/*
 * The control socket's two ends at the socket level: claiming a name by
 * binding its socket, connecting to one, and one request/reply exchange.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "toolstack/control_proto.h"
#include "toolstack/control_socket.h"
#include "toolstack/runtime_dir.h"

/* A reply can list a big xenstore directory; more is a broken server. */
#define REPLY_MAX (1 << 20)
#define MAX_DEFAULT_NAMES 100

static int fill_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a->sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(a->sun_path, path);
	return 0;
}

int control_socket_connect(const char *path)
{
	struct sockaddr_un a;
	if (fill_addr(&a, path))
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* 0 bound, 1 the name is a live domain's, -1 error (errno). */
static int try_bind(int fd, const char *path)
{
	struct sockaddr_un a;
	if (fill_addr(&a, path))
		return -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		/* Only its user may connect, whatever the directory allows
		 * (XENLET_RUNTIME_DIR may be shared). Before any thread
		 * exists, so the process-wide umask is ours to change. */
		mode_t old = umask(0077);
		int r = bind(fd, (struct sockaddr *)&a, sizeof a);
		umask(old);
		if (r == 0)
			return 0;
		if (errno != EADDRINUSE)
			return -1;
		int c = control_socket_connect(path);
		if (c >= 0) {
			close(c);
			return 1;
		}
		if (errno != ECONNREFUSED)
			return -1;
		unlink(path); /* its launcher died without removing it */
	}
	errno = EADDRINUSE;
	return -1;
}

int control_socket_claim(const char *dir, const char *name, char *name_out,
			 size_t name_len, char *path_out, size_t path_len,
			 char *err, size_t errlen)
{
	if (name && !domain_name_valid(name)) {
		snprintf(err, errlen, "bad domain name '%s': 1 to %d of A-Z a-z 0-9 _ . -, "
			 "not first . or -", name, DOMAIN_NAME_MAX);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	for (int n = 1; n <= (name ? 1 : MAX_DEFAULT_NAMES); n++) {
		char cand[DOMAIN_NAME_MAX + 1];
		if (name)
			snprintf(cand, sizeof cand, "%s", name);
		else if (n == 1)
			snprintf(cand, sizeof cand, "%s", CONTROL_DEFAULT_NAME);
		else
			snprintf(cand, sizeof cand, "%s-%d", CONTROL_DEFAULT_NAME, n);
		if (runtime_file(path_out, path_len, dir, cand, "sock") ||
		    strlen(path_out) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			snprintf(err, errlen, "%s/%s.sock: path too long for a socket", dir, cand);
			goto fail;
		}
		int r = try_bind(fd, path_out);
		if (r < 0) {
			snprintf(err, errlen, "binding %s: %s", path_out, strerror(errno));
			goto fail;
		}
		if (r == 1)
			continue;
		if (listen(fd, 16) < 0) {
			snprintf(err, errlen, "listen %s: %s", path_out, strerror(errno));
			unlink(path_out);
			goto fail;
		}
		snprintf(name_out, name_len, "%s", cand);
		return fd;
	}
	if (name)
		snprintf(err, errlen, "a domain named '%s' is already running", name);
	else
		snprintf(err, errlen, "no free default name in %s", dir);
fail:
	close(fd);
	return -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to be ready for events until deadline: 0, or -1 (errno). */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

json_t *control_call(int fd, json_t *request, int timeout_ms, char *err, size_t errlen)
{
	int64_t deadline = now_ms() + timeout_ms;
	char *line = json_dumps(request, JSON_COMPACT);
	if (!line) {
		snprintf(err, errlen, "encoding the request failed");
		return NULL;
	}
	size_t len = strlen(line);
	/* The newline sent on its own: json_dumps' buffer has no room. */
	int bad = 0;
	for (size_t off = 0; off < len + 1 && !bad;) {
		const char *p = off < len ? line + off : "\n";
		size_t n = off < len ? len - off : 1;
		if (wait_fd(fd, POLLOUT, deadline)) {
			bad = 1;
			break;
		}
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			bad = 1;
		else if (w > 0)
			off += (size_t)w;
	}
	free(line);
	if (bad) {
		snprintf(err, errlen, "sending: %s", strerror(errno));
		return NULL;
	}
	size_t cap = 4096, got = 0;
	char *buf = malloc(cap);
	char *nl = NULL;
	while (buf && !nl) {
		if (got == cap) {
			if (cap >= REPLY_MAX) {
				snprintf(err, errlen, "reply longer than %d bytes", REPLY_MAX);
				goto fail;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		if (wait_fd(fd, POLLIN, deadline)) {
			snprintf(err, errlen, "waiting for the reply: %s", strerror(errno));
			goto fail;
		}
		ssize_t r = recv(fd, buf + got, cap - got, MSG_DONTWAIT);
		if (r == 0) {
			snprintf(err, errlen, "the domain closed the connection");
			goto fail;
		}
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(err, errlen, "reading the reply: %s", strerror(errno));
			goto fail;
		}
		nl = memchr(buf + got, '\n', (size_t)r);
		got += (size_t)r;
	}
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_error_t jerr;
	json_t *reply = json_loadb(buf, (size_t)(nl - buf), JSON_REJECT_DUPLICATES, &jerr);
	if (!reply || !json_is_object(reply)) {
		snprintf(err, errlen, "bad reply: %s", reply ? "not an object" : jerr.text);
		json_decref(reply);
		goto fail;
	}
	free(buf);
	return reply;
fail:
	free(buf);
	return NULL;
}
