/*
 * The control socket's server loop. Clients are the domain's user's own
 * programs (the socket is mode 0600) but are still treated as
 * hostile: a line is bounded (an overlong one is answered and the
 * connection closed), a reply is held back until the client reads it (no
 * blocking write can stall the loop: one slow client only stops its own
 * requests being read), and clients beyond CONTROL_MAX_CLIENTS are
 * refused at once.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "toolstack/control_server.h"
#include "emu/vcpu/stop_signals.h"

struct client {
	int fd;                         /* -1: slot free */
	char in[CONTROL_LINE_MAX + 1];  /* a line and its newline */
	size_t in_len;
	char *out;                      /* the reply not yet sent */
	size_t out_len, out_off;
	int closing;                    /* close once out is sent */
	int hand_over;                  /* give it away once out is sent */
};

struct control_server {
	int listen_fd, stop_fd, epoll_fd;
	control_handler_fn *fn;
	control_hand_over_fn *hand_over;
	void *opaque;
	pthread_t thread;
	struct client clients[CONTROL_MAX_CLIENTS];
};

/* epoll data: the listening socket, the stop eventfd, or a client slot */
enum { TAG_LISTEN = CONTROL_MAX_CLIENTS, TAG_STOP };

json_t *control_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return json_pack("{s:b,s:s}", "ok", 0, "error", msg);
}

static void drop(struct control_server *s, struct client *c)
{
	epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	if (c->hand_over)
		s->hand_over(s->opaque, -1, NULL, 0); /* it was promised */
	c->hand_over = 0;
}

/* The reply is sent: the connection is the handler's from now, with what
 * the client sent after its request. */
static void give_away(struct control_server *s, struct client *c)
{
	epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	s->hand_over(s->opaque, c->fd, c->in, c->in_len);
	c->fd = -1;
	c->in_len = 0;
	c->hand_over = 0;
}

static void watch(struct control_server *s, struct client *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = (uint32_t)(c - s->clients) };
	epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Queues reply (consumed) as one line. */
static void queue_reply(struct client *c, json_t *reply)
{
	char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
	json_decref(reply);
	if (!text) {
		text = strdup("{\"ok\":false,\"error\":\"out of memory\"}");
		if (!text) {
			c->closing = 1;
			return;
		}
	}
	size_t n = strlen(text);
	char *line = realloc(text, n + 2);
	if (!line) {
		free(text);
		c->closing = 1;
		return;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	c->out = line;
	c->out_len = n + 1;
	c->out_off = 0;
}

/* Sends what it can: 0 all sent, 1 more to send, -1 the client is gone. */
static int flush_out(struct client *c)
{
	while (c->out && c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 1 : -1;
		}
		c->out_off += (size_t)w;
	}
	free(c->out);
	c->out = NULL;
	return 0;
}

/* Answers the first complete line in c->in, if there is one: 1 answered. */
static int answer_line(struct control_server *s, struct client *c)
{
	char *nl = memchr(c->in, '\n', c->in_len);
	if (!nl) {
		if (c->in_len > CONTROL_LINE_MAX) {
			queue_reply(c, control_error("request line longer than %d bytes",
						     CONTROL_LINE_MAX));
			c->closing = 1;
			return 1;
		}
		return 0;
	}
	size_t len = (size_t)(nl - c->in);
	struct control_request req;
	char err[256];
	json_t *reply;
	if (control_request_parse(c->in, len, &req, err, sizeof err))
		reply = control_error("%s", err);
	else
		reply = s->fn(s->opaque, &req, &c->hand_over);
	queue_reply(c, reply);
	c->in_len -= len + 1;
	memmove(c->in, nl + 1, c->in_len);
	return 1;
}

/* Answers lines until one reply is left waiting for the client, or no
 * line is complete; then watches for what is wanted next. */
static void serve(struct control_server *s, struct client *c)
{
	for (;;) {
		int r = flush_out(c);
		if (r < 0 || (r == 0 && c->closing)) {
			drop(s, c);
			return;
		}
		if (r == 0 && c->hand_over) {
			give_away(s, c);
			return;
		}
		if (r == 1) {
			watch(s, c, EPOLLOUT);
			return;
		}
		if (!answer_line(s, c)) {
			watch(s, c, EPOLLIN);
			return;
		}
	}
}

static void on_readable(struct control_server *s, struct client *c)
{
	ssize_t r = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, MSG_DONTWAIT);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		drop(s, c);
		return;
	}
	if (r > 0)
		c->in_len += (size_t)r;
	serve(s, c);
}

static void on_accept(struct control_server *s)
{
	for (;;) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return; /* EAGAIN, or a client that went away */
		struct client *c = NULL;
		for (size_t i = 0; i < CONTROL_MAX_CLIENTS && !c; i++)
			if (s->clients[i].fd < 0)
				c = &s->clients[i];
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.u32 = c ? (uint32_t)(c - s->clients) : 0 };
		if (!c || epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->in_len = 0;
		c->closing = 0;
		c->hand_over = 0;
	}
}

static void *loop(void *arg)
{
	struct control_server *s = arg;
	for (;;) {
		struct epoll_event evs[8];
		int n = epoll_wait(s->epoll_fd, evs, 8, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "xenlet: control socket: epoll_wait: %s\n", strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;
			if (tag == TAG_STOP)
				return NULL;
			if (tag == TAG_LISTEN) {
				on_accept(s);
				continue;
			}
			struct client *c = &s->clients[tag];
			if (c->fd < 0)
				continue; /* dropped earlier in this batch */
			if (evs[i].events & (EPOLLERR | EPOLLHUP) && !(evs[i].events & EPOLLIN))
				drop(s, c);
			else if (evs[i].events & EPOLLOUT)
				serve(s, c);
			else
				on_readable(s, c);
		}
	}
}

struct control_server *control_server_start(int listen_fd, control_handler_fn *fn,
					    control_hand_over_fn *hand_over, void *opaque,
					    char *err, size_t errlen)
{
	struct control_server *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "control socket: out of memory");
		close(listen_fd);
		return NULL;
	}
	s->listen_fd = listen_fd;
	s->fn = fn;
	s->hand_over = hand_over;
	s->opaque = opaque;
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event lev = { .events = EPOLLIN, .data.u32 = TAG_LISTEN };
	struct epoll_event sev = { .events = EPOLLIN, .data.u32 = TAG_STOP };
	if (s->stop_fd < 0 || s->epoll_fd < 0 ||
	    epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, listen_fd, &lev) < 0 ||
	    epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->stop_fd, &sev) < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		goto fail;
	}
	/* The vCPU loop takes the stop signals; this thread must not. */
	sigset_t old;
	stop_signals_block(&old);
	int e = pthread_create(&s->thread, NULL, loop, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		snprintf(err, errlen, "control socket thread: %s", strerror(e));
		goto fail;
	}
	return s;
fail:
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	if (s->epoll_fd >= 0)
		close(s->epoll_fd);
	close(listen_fd);
	free(s);
	return NULL;
}

void control_server_stop(struct control_server *s)
{
	if (!s)
		return;
	uint64_t one = 1;
	if (write(s->stop_fd, &one, sizeof one) < 0) {
		/* cannot fail on a fresh eventfd short of overflow */
	}
	pthread_join(s->thread, NULL);
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			drop(s, &s->clients[i]);
	close(s->listen_fd);
	close(s->stop_fd);
	close(s->epoll_fd);
	free(s);
}
