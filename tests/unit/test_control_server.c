/*
 * The control socket's server loop (toolstack/control_server.c) with a
 * stand-in handler, against clients that misbehave: many requests in one
 * write, an overlong line, more clients than it serves, a client that
 * never reads its replies (others must still be answered), clients
 * still connected when it stops (nothing leaks, under ASan), and a
 * connection given away after its reply (the console request) with the
 * bytes sent behind that request.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "toolstack/control_server.h"

static char dir[64], path[128];
static int handled;
/* What the hand-over callback was given (handed_fd -2: not called). */
static int handed_fd = -2;
static char handed_rest[CONTROL_LINE_MAX + 1];
static size_t handed_len;

/* Answers with the command's name; "console" is given away. */
static json_t *echo(void *opaque, const struct control_request *req, int *hand_over)
{
	(void)opaque;
	__atomic_add_fetch(&handled, 1, __ATOMIC_SEQ_CST);
	if (req->cmd == CONTROL_CONSOLE)
		*hand_over = 1;
	return json_pack("{s:b,s:s}", "ok", 1, "cmd", control_cmd_name(req->cmd));
}

static void take(void *opaque, int fd, const char *rest, size_t len)
{
	(void)opaque;
	ck_assert_uint_le(len, sizeof handed_rest);
	memcpy(handed_rest, rest, len);
	handed_len = len;
	__atomic_store_n(&handed_fd, fd, __ATOMIC_SEQ_CST);
}

static struct control_server *start(void)
{
	snprintf(dir, sizeof dir, "/tmp/test-control-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/s.sock", dir);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 64), 0);
	char err[128];
	struct control_server *s = control_server_start(fd, echo, take, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

static void stop(struct control_server *s)
{
	control_server_stop(s);
	unlink(path);
	rmdir(dir);
}

static int client(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
		ck_assert_int_gt(w, 0);
		buf += w;
		len -= (size_t)w;
	}
}

/* Reads until n lines or EOF (within 5 s); returns the bytes, malloc'd. */
static char *read_lines(int fd, int n, int *got_eof)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1);
	int lines = 0;
	*got_eof = 0;
	while (lines < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ck_assert_int_eq(poll(&p, 1, 5000), 1);
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
		ssize_t r = recv(fd, buf + len, cap - len, 0);
		if (r <= 0) {
			*got_eof = 1;
			break;
		}
		for (ssize_t i = 0; i < r; i++)
			lines += buf[len + (size_t)i] == '\n';
		len += (size_t)r;
	}
	buf[len] = '\0';
	return buf;
}

/* Reads one line (within 5 s) and checks it is want. */
static void expect_line(int fd, const char *want)
{
	int eof;
	char *out = read_lines(fd, 1, &eof);
	ck_assert_str_eq(out, want);
	free(out);
}

START_TEST(requests_in_order)
{
	struct control_server *s = start();
	int fd = client();
	const char *req = "{\"cmd\":\"status\"}\n{\"cmd\":\"pause\"}\nnonsense\n{\"cmd\":\"info\"}\n";
	send_all(fd, req, strlen(req));
	int eof;
	char *out = read_lines(fd, 4, &eof);
	ck_assert_int_eq(eof, 0);
	char *l1 = out, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1,
	     *l4 = strchr(l3, '\n') + 1;
	ck_assert(!strncmp(l1, "{\"ok\":true,\"cmd\":\"status\"}\n", l2 - l1));
	ck_assert(!strncmp(l2, "{\"ok\":true,\"cmd\":\"pause\"}\n", l3 - l2));
	ck_assert(!strncmp(l3, "{\"ok\":false,\"error\":\"not JSON", 29));
	ck_assert(!strncmp(l4, "{\"ok\":true,\"cmd\":\"info\"}\n", strlen(l4)));
	free(out);
	/* A request split across writes is one request. */
	send_all(fd, "{\"cmd\":", 7);
	usleep(20000);
	send_all(fd, "\"destroy\"}\n", 11);
	expect_line(fd, "{\"ok\":true,\"cmd\":\"destroy\"}\n");
	close(fd);
	stop(s);
}
END_TEST

START_TEST(overlong_line_closes)
{
	struct control_server *s = start();
	int fd = client();
	size_t n = CONTROL_LINE_MAX + 100;
	char *junk = malloc(n);
	memset(junk, '{', n);
	send_all(fd, junk, n);
	free(junk);
	int eof;
	char *out = read_lines(fd, 2, &eof);
	ck_assert_int_eq(eof, 1);
	ck_assert_ptr_nonnull(strstr(out, "longer than"));
	ck_assert_int_eq(strchr(out, '\n') - out + 1, (long)strlen(out)); /* one line */
	free(out);
	close(fd);
	/* The server goes on. */
	fd = client();
	send_all(fd, "{\"cmd\":\"status\"}\n", 17);
	expect_line(fd, "{\"ok\":true,\"cmd\":\"status\"}\n");
	close(fd);
	stop(s);
}
END_TEST

/* A line of exactly CONTROL_LINE_MAX bytes is still read (and refused
 * only for what it says). */
START_TEST(longest_line)
{
	struct control_server *s = start();
	int fd = client();
	char *line = malloc(CONTROL_LINE_MAX + 1);
	memset(line, ' ', CONTROL_LINE_MAX);
	memcpy(line, "{\"cmd\":\"status\"}", 16);
	line[CONTROL_LINE_MAX] = '\n';
	send_all(fd, line, CONTROL_LINE_MAX + 1);
	free(line);
	int eof;
	char *out = read_lines(fd, 1, &eof);
	ck_assert_str_eq(out, "{\"ok\":true,\"cmd\":\"status\"}\n");
	free(out);
	close(fd);
	stop(s);
}
END_TEST

START_TEST(too_many_clients)
{
	struct control_server *s = start();
	int fds[CONTROL_MAX_CLIENTS + 1], eof;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		fds[i] = client();
		send_all(fds[i], "{\"cmd\":\"info\"}\n", 15);
		free(read_lines(fds[i], 1, &eof));
		ck_assert_int_eq(eof, 0);
	}
	/* One too many: closed at once. */
	fds[CONTROL_MAX_CLIENTS] = client();
	free(read_lines(fds[CONTROL_MAX_CLIENTS], 1, &eof));
	ck_assert_int_eq(eof, 1);
	close(fds[CONTROL_MAX_CLIENTS]);
	/* One leaves: a new one is served. */
	close(fds[0]);
	usleep(50000);
	fds[0] = client();
	send_all(fds[0], "{\"cmd\":\"info\"}\n", 15);
	char *out = read_lines(fds[0], 1, &eof);
	ck_assert_int_eq(eof, 0);
	ck_assert_str_eq(out, "{\"ok\":true,\"cmd\":\"info\"}\n");
	free(out);
	/* Stopped with all of them connected: nothing leaks. */
	stop(s);
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		close(fds[i]);
}
END_TEST

/* A client that sends without ever reading fills its socket with
 * replies; the loop must not block on it. */
START_TEST(client_that_never_reads)
{
	struct control_server *s = start();
	int hog = client();
	int one = 4096;
	setsockopt(hog, SOL_SOCKET, SO_RCVBUF, &one, sizeof one);
	static const char req[] = "{\"cmd\":\"status\"}\n";
	for (int i = 0; i < 20000; i++) {
		struct pollfd p = { .fd = hog, .events = POLLOUT };
		if (poll(&p, 1, 100) != 1)
			break; /* the server stopped reading from it: good */
		if (send(hog, req, sizeof req - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			break;
	}
	int fd = client();
	send_all(fd, req, sizeof req - 1);
	expect_line(fd, "{\"ok\":true,\"cmd\":\"status\"}\n");
	close(fd);
	close(hog);
	stop(s);
}
END_TEST

/* The console request: its reply, then the connection is the callback's
 * with the raw bytes that came behind the request line; the server reads
 * and answers nothing more on it. */
START_TEST(connection_given_away)
{
	struct control_server *s = start();
	int fd = client();
	int before = __atomic_load_n(&handled, __ATOMIC_SEQ_CST);
	static const char req[] = "{\"cmd\":\"console\"}\nls -l\n\0\xff{\"cmd\":\"status\"}\n";
	send_all(fd, req, sizeof req - 1);
	expect_line(fd, "{\"ok\":true,\"cmd\":\"console\"}\n");
	for (int ms = 0; ms < 5000 && __atomic_load_n(&handed_fd, __ATOMIC_SEQ_CST) == -2; ms++)
		usleep(1000);
	int mine = __atomic_load_n(&handed_fd, __ATOMIC_SEQ_CST);
	ck_assert_int_ge(mine, 0);
	static const char rest[] = "ls -l\n\0\xff{\"cmd\":\"status\"}\n";
	ck_assert_uint_eq(handed_len, sizeof rest - 1);
	ck_assert(!memcmp(handed_rest, rest, sizeof rest - 1));
	/* The status behind it was not a request. */
	ck_assert_int_eq(__atomic_load_n(&handled, __ATOMIC_SEQ_CST), before + 1);
	/* Both ways, raw. */
	send_all(mine, "guest\n", 6);
	expect_line(fd, "guest\n");
	send_all(fd, "key", 3);
	char buf[8];
	struct pollfd p = { .fd = mine, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ck_assert_int_eq(recv(mine, buf, sizeof buf, 0), 3);
	ck_assert(!memcmp(buf, "key", 3));
	/* Stopping the server leaves the given connection alone. */
	stop(s);
	send_all(mine, "still\n", 6);
	expect_line(fd, "still\n");
	close(mine);
	close(fd);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("control_server");
	TCase *tc = tcase_create("clients");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, requests_in_order);
	tcase_add_test(tc, overlong_line_closes);
	tcase_add_test(tc, longest_line);
	tcase_add_test(tc, too_many_clients);
	tcase_add_test(tc, client_that_never_reads);
	tcase_add_test(tc, connection_given_away);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
