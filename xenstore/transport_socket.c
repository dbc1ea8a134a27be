#include "xenstore/transport_socket.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* mkdir -p of path's parent directory. */
static int make_parent_dirs(const char *path)
{
	char dir[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(dir))
		return ENAMETOOLONG;
	memcpy(dir, path, len + 1);
	char *slash = strrchr(dir, '/');

	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return errno;
	return 0;
}

int sock_listen(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int err;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	err = make_parent_dirs(path);
	if (err)
		return -err;

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* A socket left by a daemon that died; anything else stays. */
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    chmod(path, 0600) != 0 || listen(fd, 64) != 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

void sock_client_init(struct sock_client *s, int fd, conn_wake_fn *wake,
		      void *owner)
{
	memset(s, 0, sizeof(*s));
	conn_init(&s->conn, 0, wake, owner);
	s->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void sock_client_fini(struct sock_client *s, struct wire_server *srv)
{
	wire_conn_gone(srv, &s->conn);
	conn_fini(&s->conn);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static void sock_send(struct sock_client *s)
{
	const uint8_t *bytes;
	size_t pending;

	while (!s->closed && (pending = conn_out_peek(&s->conn, &bytes))) {
		ssize_t n = send(s->fd, bytes, pending,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				s->closed = true;
			return;
		}
		conn_out_advance(&s->conn, (size_t)n);
	}
}

/* Hands stashed bytes to the protocol layer; false if it stopped first. */
static bool sock_drain_stash(struct sock_client *s, struct wire_server *srv)
{
	size_t used = wire_consume(srv, &s->conn, s->stash + s->stash_off,
				   s->stash_len);

	s->stash_off += (uint32_t)used;
	s->stash_len -= (uint32_t)used;
	if (s->conn.broken)
		s->closed = true;
	return s->stash_len == 0;
}

static void sock_receive(struct sock_client *s, struct wire_server *srv)
{
	size_t budget = SOCK_SERVICE_BUDGET;

	if (s->stash_len && !sock_drain_stash(s, srv))
		return;
	while (!s->closed && budget && conn_wants_input(&s->conn)) {
		ssize_t n = recv(s->fd, s->stash, sizeof(s->stash),
				 MSG_DONTWAIT);

		if (n == 0) {
			s->closed = true;
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				s->closed = true;
			return;
		}
		s->stash_off = 0;
		s->stash_len = (uint32_t)n;
		budget -= (size_t)n < budget ? (size_t)n : budget;
		if (!sock_drain_stash(s, srv))
			return;
	}
}

void sock_client_service(struct sock_client *s, struct wire_server *srv)
{
	s->conn.wake_pending = false;
	sock_send(s);
	sock_receive(s, srv);
	sock_send(s);
	/* A socket client can reconnect, so one that lost watch events
	 * learns it by losing the connection rather than silently. */
	if (s->conn.overflowed)
		s->closed = true;
}

bool sock_client_wants_read(const struct sock_client *s)
{
	return !s->closed && conn_wants_input(&s->conn);
}

bool sock_client_wants_write(const struct sock_client *s)
{
	return !s->closed && s->conn.out_head != NULL;
}
