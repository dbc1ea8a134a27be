/*
 * net-bench MODE ...: the network figures of scripts/bench-net.sh, one
 * static binary for both ends, inside a guest (its initramfs, through
 * xen-netfront or QEMU's virtio-net) and on the host:
 *
 *   tcp-send ADDR PORT SECONDS      connects and writes 64 KiB blocks for
 *                                   SECONDS, then shuts its side down and
 *                                   waits for the peer to close: the time
 *                                   runs until all was read, not only
 *                                   buffered on the way
 *   tcp-recv [ADDR:]PORT TIMEOUT    listens (ADDR default any), takes one
 *                                   connection and reads it to its end
 *   udp-send ADDR PORT SECONDS SIZE datagrams of SIZE bytes as fast as
 *                                   they go for SECONDS, then end markers
 *   udp-recv [ADDR:]PORT TIMEOUT    counts datagrams from the first to the
 *                                   end marker (or 2 s of silence)
 *
 * TIMEOUT: seconds to wait for the peer's first connection or datagram
 * (a stalled transfer ends after 30 s of nothing too), so a broken peer
 * never leaves either end waiting forever.  Addresses are numeric IPv4.
 * Output, one line each, on stdout, flushed as it comes:
 *   "net-bench: listening tcp|udp PORT"  (receivers, once bound)
 *   "net-bench: tcp_send bytes N seconds S mbit_s X"
 *   "net-bench: tcp_recv bytes N seconds S mbit_s X"
 *   "net-bench: udp_send packets N seconds S pps X"
 *   "net-bench: udp_recv packets N bytes N seconds S pps X"
 *   "net-bench: error WHAT: REASON" and exit status 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (64u * 1024)
#define IDLE_MS 30000 /* a transfer that stalls this long has failed */
#define UDP_QUIET_MS 2000
#define END_MARK "net-bench-end"
#define END_COUNT 20

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	printf("net-bench: error %s: %s\n", what, strerror(errno));
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: net-bench tcp-send ADDR PORT SECONDS\n"
			"       net-bench tcp-recv [ADDR:]PORT TIMEOUT\n"
			"       net-bench udp-send ADDR PORT SECONDS SIZE\n"
			"       net-bench udp-recv [ADDR:]PORT TIMEOUT\n");
	return 2;
}

/* ADDR and PORT, or "[ADDR:]PORT" when addr is NULL. */
static int parse_addr(const char *addr, const char *port, struct sockaddr_in *sa)
{
	char buf[64];
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_ANY);
	if (!addr) {
		const char *colon = strrchr(port, ':');
		if (colon) {
			size_t n = (size_t)(colon - port);
			if (n >= sizeof buf)
				return -1;
			memcpy(buf, port, n);
			buf[n] = 0;
			addr = buf;
			port = colon + 1;
		}
	}
	if (addr && inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
		return -1;
	char *end;
	unsigned long p = strtoul(port, &end, 10);
	if (*end || p == 0 || p > 65535)
		return -1;
	sa->sin_port = htons((uint16_t)p);
	return 0;
}

/* Waits until fd is readable (or writable): 1, 0 on timeout, -1. */
static int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;
	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n;
}

/* A listening or bound socket of the type, with the line that says so. */
static int bound_socket(int type, const char *where)
{
	struct sockaddr_in sa;
	if (parse_addr(NULL, where, &sa)) {
		errno = EINVAL;
		return -1;
	}
	int fd = socket(AF_INET, type, 0), one = 1;
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (type == SOCK_DGRAM) {
		/* Room for a burst while this end is not scheduled. */
		int size = 4 << 20;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) ||
	    (type == SOCK_STREAM && listen(fd, 1))) {
		close(fd);
		return -1;
	}
	printf("net-bench: listening %s %u\n", type == SOCK_STREAM ? "tcp" : "udp",
	       ntohs(sa.sin_port));
	fflush(stdout);
	return fd;
}

static int tcp_send(const char *addr, const char *port, double seconds)
{
	struct sockaddr_in sa;
	if (parse_addr(addr, port, &sa)) {
		errno = EINVAL;
		return fail("address");
	}
	int fd = -1;
	/* The receiver may come up a moment later than this end. */
	for (int tries = 0;; tries++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return fail("socket");
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		if (errno != ECONNREFUSED || tries >= 100)
			return fail("connect");
		close(fd);
		usleep(200000);
	}
	static char buf[BLOCK];
	memset(buf, 'x', sizeof buf);
	uint64_t bytes = 0;
	double start = now(), stop = start + seconds;
	while (now() < stop) {
		if (wait_fd(fd, POLLOUT, IDLE_MS) <= 0) {
			errno = ETIMEDOUT;
			return fail("send");
		}
		ssize_t n = send(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return fail("send");
		bytes += (uint64_t)n;
	}
	/* The peer closes once it read everything. */
	if (shutdown(fd, SHUT_WR))
		return fail("shutdown");
	for (;;) {
		if (wait_fd(fd, POLLIN, IDLE_MS) <= 0) {
			errno = ETIMEDOUT;
			return fail("waiting for the receiver");
		}
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n == 0)
			break;
		if (n < 0 && errno != EINTR)
			return fail("waiting for the receiver");
	}
	double secs = now() - start;
	close(fd);
	printf("net-bench: tcp_send bytes %llu seconds %.3f mbit_s %.1f\n",
	       (unsigned long long)bytes, secs, (double)bytes * 8 / secs / 1e6);
	return 0;
}

static int tcp_recv(const char *where, int timeout_s)
{
	int lfd = bound_socket(SOCK_STREAM, where);
	if (lfd < 0)
		return fail("listen");
	if (wait_fd(lfd, POLLIN, timeout_s * 1000) <= 0) {
		errno = ETIMEDOUT;
		return fail("accept");
	}
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return fail("accept");
	close(lfd);
	static char buf[BLOCK];
	uint64_t bytes = 0;
	double start = now();
	for (;;) {
		if (wait_fd(fd, POLLIN, IDLE_MS) <= 0) {
			errno = ETIMEDOUT;
			return fail("recv");
		}
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail("recv");
		bytes += (uint64_t)n;
	}
	double secs = now() - start;
	close(fd);
	printf("net-bench: tcp_recv bytes %llu seconds %.3f mbit_s %.1f\n",
	       (unsigned long long)bytes, secs, (double)bytes * 8 / secs / 1e6);
	return 0;
}

static int udp_send(const char *addr, const char *port, double seconds, size_t size)
{
	struct sockaddr_in sa;
	if (parse_addr(addr, port, &sa) || size < sizeof END_MARK || size > 65507) {
		errno = EINVAL;
		return fail("arguments");
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa))
		return fail("socket");
	char *buf = calloc(1, size);
	if (!buf)
		return fail("memory");
	memset(buf, 'd', size);
	uint64_t packets = 0;
	double start = now(), stop = start + seconds, t = start;
	/* now() every 64 sends: the clock read is not the figure. */
	while (t < stop) {
		for (int i = 0; i < 64; i++) {
			ssize_t n = send(fd, buf, size, 0);
			if (n == (ssize_t)size)
				packets++;
			else if (n < 0 && errno != ENOBUFS && errno != EAGAIN &&
				 errno != EINTR && errno != ECONNREFUSED)
				return fail("send");
		}
		t = now();
	}
	double secs = t - start;
	/* Several end markers, a little apart: any one of them will do. */
	for (int i = 0; i < END_COUNT; i++) {
		send(fd, END_MARK, sizeof END_MARK, 0);
		usleep(10000);
	}
	close(fd);
	free(buf);
	printf("net-bench: udp_send packets %llu seconds %.3f pps %.0f\n",
	       (unsigned long long)packets, secs, (double)packets / secs);
	return 0;
}

static int udp_recv(const char *where, int timeout_s)
{
	int fd = bound_socket(SOCK_DGRAM, where);
	if (fd < 0)
		return fail("bind");
	static char buf[65536];
	uint64_t packets = 0, bytes = 0;
	double first = 0, last = 0;
	for (;;) {
		int ms = packets ? UDP_QUIET_MS : timeout_s * 1000;
		int r = wait_fd(fd, POLLIN, ms);
		if (r < 0)
			return fail("poll");
		if (r == 0) {
			if (packets)
				break; /* the end markers were all lost */
			errno = ETIMEDOUT;
			return fail("recv");
		}
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail("recv");
		if ((size_t)n == sizeof END_MARK && !memcmp(buf, END_MARK, sizeof END_MARK)) {
			if (packets)
				break;
			continue; /* a late marker of an earlier run */
		}
		last = now();
		if (!packets)
			first = last;
		packets++;
		bytes += (uint64_t)n;
	}
	close(fd);
	/* From the first datagram to the last: packets - 1 intervals. */
	double secs = last - first;
	printf("net-bench: udp_recv packets %llu bytes %llu seconds %.3f pps %.0f\n",
	       (unsigned long long)packets, (unsigned long long)bytes, secs,
	       secs > 0 ? (double)(packets - 1) / secs : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 5 && !strcmp(argv[1], "tcp-send"))
		return tcp_send(argv[2], argv[3], strtod(argv[4], NULL));
	if (argc == 4 && !strcmp(argv[1], "tcp-recv"))
		return tcp_recv(argv[2], atoi(argv[3]));
	if (argc == 6 && !strcmp(argv[1], "udp-send"))
		return udp_send(argv[2], argv[3], strtod(argv[4], NULL),
				(size_t)strtoul(argv[5], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "udp-recv"))
		return udp_recv(argv[2], atoi(argv[3]));
	return usage();
}
