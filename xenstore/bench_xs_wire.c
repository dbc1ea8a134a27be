/* bench-xs-wire: requests per second through the xenstore daemon's Unix
 * socket, for READ, WRITE and a committed transaction (START + WRITE +
 * END), from 1 and from 8 concurrent clients. Each client is a thread
 * speaking the wire protocol synchronously (send, wait for the reply), as
 * libxenstore does; the daemon runs in this process on its own thread.
 * Prints figures only; timing never fails it. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xenstore/daemon.h"
#include "xenstore/wire.h"

#define RUN_SECONDS 1.0

enum workload { W_READ, W_WRITE, W_TX };
static const char *const workload_names[] = { "read", "write",
					       "transaction" };

struct client {
	pthread_t thread;
	int fd;
	unsigned id;
	enum workload w;
	volatile const bool *stop;
	uint64_t ops, retries;
	bool failed;
};

static char sock_path[108];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool full_io(int fd, void *buf, size_t len, bool out)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = out ? write(fd, p, len) : read(fd, p, len);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* One request, one reply; the reply's type and payload are returned. */
static bool call(int fd, uint32_t type, uint32_t tx, const void *payload,
		 uint32_t len, uint32_t *rtype, char *reply)
{
	uint8_t msg[WIRE_MSG_MAX];
	struct xsd_sockmsg hdr = wire_header(type, 1, tx, len);

	memcpy(msg, &hdr, sizeof(hdr));
	memcpy(msg + sizeof(hdr), payload, len);
	if (!full_io(fd, msg, sizeof(hdr) + len, true) ||
	    !full_io(fd, &hdr, sizeof(hdr), false) ||
	    hdr.len > XENSTORE_PAYLOAD_MAX ||
	    !full_io(fd, reply, hdr.len, false))
		return false;
	reply[hdr.len] = '\0';
	*rtype = hdr.type;
	return true;
}

static int connect_client(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(addr.sun_path, sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		perror("bench-xs-wire: connect");
		exit(1);
	}
	return fd;
}

static bool one_op(struct client *c, char *reply)
{
	char req[128];
	uint32_t type;
	/* "<path>\0<16-byte value>": READ sends the path, WRITE both. */
	uint32_t n = (uint32_t)snprintf(req, sizeof(req),
					"/bench/client%u/key%c0123456789abcdef",
					c->id, 0);
	uint32_t path_len = (uint32_t)strlen(req) + 1;

	switch (c->w) {
	case W_READ:
		return call(c->fd, XS_READ, 0, req, path_len, &type,
			    reply) &&
		       type == XS_READ;
	case W_WRITE:
		return call(c->fd, XS_WRITE, 0, req, n, &type,
			    reply) &&
		       type == XS_WRITE;
	case W_TX:
		for (;;) {
			uint32_t tx;

			if (!call(c->fd, XS_TRANSACTION_START, 0, "", 1, &type,
				  reply) ||
			    type != XS_TRANSACTION_START)
				return false;
			tx = (uint32_t)strtoul(reply, NULL, 10);
			if (!call(c->fd, XS_WRITE, tx, req, n,
				  &type, reply) ||
			    type != XS_WRITE ||
			    !call(c->fd, XS_TRANSACTION_END, tx, "T", 2, &type,
				  reply))
				return false;
			if (type == XS_TRANSACTION_END)
				return true;
			if (type != XS_ERROR || strcmp(reply, "EAGAIN") != 0)
				return false;
			c->retries++;
		}
	}
	return false;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	char reply[XENSTORE_PAYLOAD_MAX + 1];

	while (!*c->stop) {
		if (!one_op(c, reply)) {
			c->failed = true;
			break;
		}
		c->ops++;
	}
	return NULL;
}

static void run(enum workload w, unsigned nclients)
{
	struct client clients[8];
	volatile bool stop = false;
	char reply[XENSTORE_PAYLOAD_MAX + 1];
	uint64_t ops = 0, retries = 0;

	for (unsigned i = 0; i < nclients; i++) {
		clients[i] = (struct client){ .id = i, .w = w, .stop = &stop };
		clients[i].fd = connect_client();
		/* The node every workload touches exists before timing. */
		struct client setup = clients[i];

		setup.w = W_WRITE;
		if (!one_op(&setup, reply)) {
			fprintf(stderr, "bench-xs-wire: setup write failed\n");
			exit(1);
		}
	}
	double start = now();

	for (unsigned i = 0; i < nclients; i++)
		pthread_create(&clients[i].thread, NULL, client_main,
			       &clients[i]);
	while (now() - start < RUN_SECONDS)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	stop = true;
	for (unsigned i = 0; i < nclients; i++) {
		pthread_join(clients[i].thread, NULL);
		close(clients[i].fd);
		if (clients[i].failed) {
			fprintf(stderr, "bench-xs-wire: %s request failed\n",
				workload_names[w]);
			exit(1);
		}
		ops += clients[i].ops;
		retries += clients[i].retries;
	}
	double secs = now() - start;

	printf("%-12s %7u %12.0f %12.1f", workload_names[w], nclients,
	       (double)ops / secs, secs * 1e6 * nclients / (double)ops);
	if (w == W_TX)
		printf("   (%" PRIu64 " EAGAIN retries)", retries);
	printf("\n");
}

int main(void)
{
	char dir[] = "/tmp/bench-xs-wire-XXXXXX";

	if (!mkdtemp(dir)) {
		perror("bench-xs-wire: mkdtemp");
		return 1;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/socket", dir);
	struct xs_daemon *d = xs_daemon_create();

	if (!d || xs_daemon_listen(d, sock_path) != 0 || xs_daemon_start(d)) {
		fprintf(stderr, "bench-xs-wire: cannot start the daemon\n");
		return 1;
	}
	printf("xenstore over its Unix socket: synchronous clients, daemon "
	       "in-process, %.0f s a row\n", RUN_SECONDS);
	printf("%-12s %7s %12s %12s\n", "request", "clients", "ops/s",
	       "us/op/client");
	for (enum workload w = W_READ; w <= W_TX; w++) {
		run(w, 1);
		run(w, 8);
	}
	xs_daemon_stop(d);
	xs_daemon_join(d);
	xs_daemon_destroy(d);
	rmdir(dir);
	return 0;
}
