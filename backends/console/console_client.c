/*
 * The attached console client (console_client.h).  The lock guards the
 * fd against the one close that may race a send: only the input thread
 * closes it while a domain runs (console_client_gone), and the sends
 * look at it under the lock.  Sends are MSG_DONTWAIT: a full socket
 * buffer drops the rest of that output for this client only.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "backends/console/console_client.h"

static void wake(int fd)
{
	uint64_t one = 1;
	if (fd >= 0 && write(fd, &one, sizeof one) < 0) {
		/* EAGAIN: a wake-up is pending already */
	}
}

int console_client_reserve(struct console_client *cc)
{
	pthread_mutex_lock(&cc->lock);
	int taken = cc->reserved || cc->fd >= 0;
	if (!taken)
		cc->reserved = 1;
	pthread_mutex_unlock(&cc->lock);
	return taken ? -1 : 0;
}

void console_client_attach(struct console_client *cc, int fd, const char *early,
			   size_t len)
{
	pthread_mutex_lock(&cc->lock);
	cc->reserved = 0;
	if (fd >= 0) {
		if (len > sizeof cc->early)
			len = sizeof cc->early; /* the server's lines are shorter */
		memcpy(cc->early, early, len);
		cc->early_len = len;
		cc->fd = fd;
		wake(cc->wake_fd);
	}
	pthread_mutex_unlock(&cc->lock);
}

void console_client_send(struct console_client *cc, const char *buf, size_t len)
{
	if (!cc)
		return;
	pthread_mutex_lock(&cc->lock);
	while (cc->fd >= 0 && len) {
		ssize_t n = send(cc->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* full: dropped for it; gone: the input thread
				* sees the hang-up */
		buf += n;
		len -= (size_t)n;
	}
	pthread_mutex_unlock(&cc->lock);
}

void console_client_release(struct console_client *cc)
{
	pthread_mutex_lock(&cc->lock);
	if (cc->fd >= 0)
		close(cc->fd);
	cc->fd = -1;
	cc->early_len = 0;
	pthread_mutex_unlock(&cc->lock);
}

void console_client_watch(struct console_client *cc, int wake_fd)
{
	pthread_mutex_lock(&cc->lock);
	cc->wake_fd = wake_fd;
	if (cc->fd >= 0)
		wake(wake_fd); /* attached before this thread started */
	pthread_mutex_unlock(&cc->lock);
}

int console_client_take(struct console_client *cc, char *buf, size_t *early_len)
{
	pthread_mutex_lock(&cc->lock);
	int fd = cc->fd;
	memcpy(buf, cc->early, cc->early_len);
	*early_len = cc->early_len;
	cc->early_len = 0;
	pthread_mutex_unlock(&cc->lock);
	return fd;
}

void console_client_gone(struct console_client *cc, int fd)
{
	pthread_mutex_lock(&cc->lock);
	if (cc->fd == fd) {
		close(fd);
		cc->fd = -1;
		cc->early_len = 0;
	}
	pthread_mutex_unlock(&cc->lock);
}
