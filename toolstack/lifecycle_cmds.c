/*
 * `xenlet list|shutdown|reboot|destroy|pause|unpause|vcpu-list|info|
 * xenstore-*`: each finds the domain's control socket in the runtime
 * directory, sends one request per step and prints the reply for people.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "toolstack/control_proto.h"
#include "toolstack/control_socket.h"
#include "toolstack/lifecycle_cmds.h"
#include "toolstack/runtime_dir.h"

#define CALL_TIMEOUT_MS 10000
#define WAIT_POLL_MS 100
#define LS_MAX_DEPTH 64

int lifecycle_connect_domain(const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX], err[256];
	if (!domain_name_valid(name)) {
		fprintf(stderr, "xenlet: bad domain name '%s'\n", name);
		return -1;
	}
	if (runtime_dir_path(dir, sizeof dir, err, sizeof err) ||
	    runtime_file(path, sizeof path, dir, name, "sock")) {
		fprintf(stderr, "xenlet: %s\n", err[0] ? err : "path too long");
		return -1;
	}
	int fd = control_socket_connect(path);
	if (fd < 0)
		fprintf(stderr, "xenlet: no domain '%s' running (%s: %s)\n", name, path,
			strerror(errno));
	return fd;
}

/* The reply to request (consumed), if it says ok; else NULL after
 * saying why. */
static json_t *call(int fd, const char *name, json_t *request)
{
	char err[256];
	json_t *reply = request ? control_call(fd, request, CALL_TIMEOUT_MS, err, sizeof err)
				: NULL;
	if (!request)
		snprintf(err, sizeof err, "out of memory");
	json_decref(request);
	if (!reply) {
		fprintf(stderr, "xenlet: %s: %s\n", name, err);
		return NULL;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		const char *e = json_string_value(json_object_get(reply, "error"));
		fprintf(stderr, "xenlet: %s: %s\n", name, e ? e : "failed");
		json_decref(reply);
		return NULL;
	}
	return reply;
}

static json_t *request(const char *cmd, const char *path, const char *value)
{
	json_t *r = json_pack("{s:s}", "cmd", cmd);
	if (r && path && json_object_set_new(r, "path", json_string(path)))
		goto fail;
	if (r && value && json_object_set_new(r, "value", json_string(value)))
		goto fail;
	return r;
fail:
	json_decref(r);
	return NULL;
}

/* One request on a connection of its own: its ok reply, or NULL after
 * saying why. */
static json_t *request_once(const char *name, const char *cmd, const char *path,
			    const char *value)
{
	int fd = lifecycle_connect_domain(name);
	if (fd < 0)
		return NULL;
	json_t *reply = call(fd, name, request(cmd, path, value));
	close(fd);
	return reply;
}

/* One request without arguments, for its ok: 0, or 1. */
static int simple(const char *name, const char *cmd)
{
	json_t *reply = request_once(name, cmd, NULL, NULL);
	json_decref(reply);
	return reply ? 0 : 1;
}

static int one_name(int argc, char **argv, const char *usage)
{
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: xenlet %s %s\n", argv[0], usage);
		return -1;
	}
	return 0;
}

/* ---- list and vcpu-list ------------------------------------------- */

/* Calls fn for every domain answering in the runtime directory (a socket
 * nobody answers on is a dead launcher's: removed, with its pid file). */
static int for_each_domain(void (*fn)(int fd, const char *name, void *opaque), void *opaque)
{
	char dir[PATH_MAX], err[256];
	if (runtime_dir_path(dir, sizeof dir, err, sizeof err)) {
		fprintf(stderr, "xenlet: %s\n", err);
		return 1;
	}
	DIR *dh = opendir(dir);
	if (!dh)
		return 0; /* no directory: no domain */
	struct dirent *e;
	while ((e = readdir(dh))) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".sock"))
			continue;
		char name[DOMAIN_NAME_MAX + 1], path[PATH_MAX];
		if (n - 5 > DOMAIN_NAME_MAX)
			continue;
		memcpy(name, e->d_name, n - 5);
		name[n - 5] = '\0';
		if (!domain_name_valid(name) || runtime_file(path, sizeof path, dir, name, "sock"))
			continue;
		int fd = control_socket_connect(path);
		if (fd < 0) {
			if (errno == ECONNREFUSED) {
				unlink(path);
				if (!runtime_file(path, sizeof path, dir, name, "pid"))
					unlink(path);
			}
			continue;
		}
		fn(fd, name, opaque);
		close(fd);
	}
	closedir(dh);
	return 0;
}

static void list_one(int fd, const char *name, void *opaque)
{
	(void)opaque;
	json_t *r = call(fd, name, request("status", NULL, NULL));
	if (!r)
		return;
	printf("%-32s %5lld %7lld %5lld %-14s %10.1f\n", name,
	       (long long)json_integer_value(json_object_get(r, "domid")),
	       (long long)json_integer_value(json_object_get(r, "memory_mib")),
	       (long long)json_integer_value(json_object_get(r, "vcpus")),
	       json_string_value(json_object_get(r, "state")) ?: "?",
	       json_real_value(json_object_get(r, "uptime_s")));
	json_decref(r);
}

int lifecycle_list(int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: xenlet %s\n", argv[0]);
		return 1;
	}
	printf("%-32s %5s %7s %5s %-14s %10s\n", "Name", "ID", "Mem", "VCPUs", "State",
	       "Uptime(s)");
	return for_each_domain(list_one, NULL);
}

static void vcpu_list_one(int fd, const char *name, void *opaque)
{
	(void)opaque;
	json_t *r = call(fd, name, request("vcpu-list", NULL, NULL));
	size_t i;
	json_t *v;
	if (!r)
		return;
	json_array_foreach(json_object_get(r, "vcpus"), i, v)
		printf("%-32s %5d %5lld %-8s %10.1f %12lld\n", name, 1,
		       (long long)json_integer_value(json_object_get(v, "vcpu")),
		       json_string_value(json_object_get(v, "state")) ?: "?",
		       json_real_value(json_object_get(v, "cpu_time_s")),
		       (long long)json_integer_value(json_object_get(v, "exits")));
	json_decref(r);
}

int lifecycle_vcpu_list(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "usage: xenlet %s [NAME]\n", argv[0]);
		return 1;
	}
	printf("%-32s %5s %5s %-8s %10s %12s\n", "Name", "ID", "VCPU", "State", "Time(s)",
	       "Exits");
	if (argc == 1)
		return for_each_domain(vcpu_list_one, NULL);
	int fd = lifecycle_connect_domain(argv[1]);
	if (fd < 0)
		return 1;
	vcpu_list_one(fd, argv[1], NULL);
	close(fd);
	return 0;
}

/* ---- shutdown, reboot, destroy, pause, unpause ---------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The launcher's pid from NAME.pid, or 0. */
static pid_t launcher_pid(const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX], err[256], buf[32];
	if (runtime_dir_path(dir, sizeof dir, err, sizeof err) ||
	    runtime_file(path, sizeof path, dir, name, "pid"))
		return 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	long pid = fgets(buf, sizeof buf, f) ? strtol(buf, NULL, 10) : 0;
	fclose(f);
	return pid > 1 && pid < INT_MAX ? (pid_t)pid : 0;
}

/* Waits until NAME's socket stops answering (its launcher has ended the
 * domain) and its launcher pid (read before the request: 0 for none) has
 * exited, at most timeout_ms (<0: forever): 0 gone, 1 still there. */
static int wait_gone(const char *name, pid_t pid, int64_t timeout_ms)
{
	char dir[PATH_MAX], path[PATH_MAX], err[256];
	if (runtime_dir_path(dir, sizeof dir, err, sizeof err) ||
	    runtime_file(path, sizeof path, dir, name, "sock"))
		return 1;
	int64_t end = now_ms() + timeout_ms;
	for (;;) {
		int fd = control_socket_connect(path);
		int sock_gone = fd < 0 && (errno == ENOENT || errno == ECONNREFUSED);
		if (fd >= 0)
			close(fd);
		/* The launcher unmaps guest memory and closes its devices
		 * after the socket goes: done only when its process is. */
		if (sock_gone && (!pid || (kill(pid, 0) < 0 && errno == ESRCH)))
			return 0;
		if (timeout_ms >= 0 && now_ms() >= end)
			return 1;
		poll(NULL, 0, WAIT_POLL_MS);
	}
}

/* shutdown and reboot: as xl, return once asked unless -w; --timeout S
 * (ours: xl has none) waits S seconds, then destroys the domain. */
static int ask_guest(int argc, char **argv, const char *cmd)
{
	static const struct option opts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int wait = 0, c;
	long timeout_s = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "w", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'w':
			wait = 1;
			break;
		case 't':
			timeout_s = strtol(optarg, &end, 10);
			if (!*optarg || *end || timeout_s < 0 || timeout_s > 86400) {
				fprintf(stderr, "xenlet: --timeout wants seconds, 0 to 86400\n");
				return 1;
			}
			wait = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	const char *name = argv[optind];
	pid_t pid = launcher_pid(name);
	if (simple(name, cmd))
		return 1;
	if (!wait)
		return 0;
	if (!wait_gone(name, pid, timeout_s < 0 ? -1 : timeout_s * 1000))
		return 0;
	fprintf(stderr, "xenlet: %s did not end within %ld s: destroying it\n", name,
		timeout_s);
	if (simple(name, "destroy") == 0)
		wait_gone(name, pid, -1);
	return 1;
usage:
	fprintf(stderr, "usage: xenlet %s [-w|--wait] [--timeout S] NAME\n", cmd);
	return 1;
}

int lifecycle_shutdown(int argc, char **argv)
{
	return ask_guest(argc, argv, "shutdown");
}

int lifecycle_reboot(int argc, char **argv)
{
	return ask_guest(argc, argv, "reboot");
}

int lifecycle_destroy(int argc, char **argv)
{
	if (one_name(argc, argv, "NAME"))
		return 1;
	pid_t pid = launcher_pid(argv[1]);
	if (simple(argv[1], "destroy"))
		return 1;
	/* As xl destroy: back when the domain is gone. */
	wait_gone(argv[1], pid, -1);
	return 0;
}

int lifecycle_pause(int argc, char **argv)
{
	return one_name(argc, argv, "NAME") ? 1 : simple(argv[1], "pause");
}

int lifecycle_unpause(int argc, char **argv)
{
	return one_name(argc, argv, "NAME") ? 1 : simple(argv[1], "unpause");
}

int lifecycle_info(int argc, char **argv)
{
	if (one_name(argc, argv, "NAME"))
		return 1;
	json_t *r = request_once(argv[1], "info", NULL, NULL);
	if (!r)
		return 1;
	const char *key;
	json_t *v;
	json_object_foreach(r, key, v)
		if (json_is_string(v))
			printf("%-16s: %s\n", key, json_string_value(v));
	json_decref(r);
	return 0;
}

/* ---- xenstore-* ---------------------------------------------------- */

int lifecycle_xs_read(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: xenlet %s NAME PATH\n", argv[0]);
		return 1;
	}
	json_t *r = request_once(argv[1], "xenstore-read", argv[2], NULL);
	if (!r)
		return 1;
	json_t *v = json_object_get(r, "value");
	fwrite(json_string_value(v) ?: "", 1, json_string_length(v), stdout);
	putchar('\n');
	json_decref(r);
	return 0;
}

int lifecycle_xs_write(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: xenlet %s NAME PATH VALUE\n", argv[0]);
		return 1;
	}
	json_t *r = request_once(argv[1], "xenstore-write", argv[2], argv[3]);
	json_decref(r);
	return r ? 0 : 1;
}

int lifecycle_xs_rm(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: xenlet %s NAME PATH\n", argv[0]);
		return 1;
	}
	json_t *r = request_once(argv[1], "xenstore-rm", argv[2], NULL);
	json_decref(r);
	return r ? 0 : 1;
}

/* Prints path's children as xenstore-ls does (name = "value", indented
 * one space per level), recursing; 0, or 1 on a failed request. */
static int ls_tree(int fd, const char *name, const char *path, int depth)
{
	json_t *r = call(fd, name, request("xenstore-ls", path, NULL));
	if (!r)
		return 1;
	size_t i;
	json_t *child;
	int rc = 0;
	json_array_foreach(json_object_get(r, "children"), i, child) {
		const char *cn = json_string_value(child);
		char sub[XENSTORE_ABS_PATH_MAX + 1];
		int n = snprintf(sub, sizeof sub, "%s%s%s", path,
				 strcmp(path, "/") ? "/" : "", cn ?: "");
		if (!cn || n < 0 || (size_t)n >= sizeof sub)
			continue;
		json_t *v = call(fd, name, request("xenstore-read", sub, NULL));
		printf("%*s%s = \"%s\"\n", depth, "", cn,
		       v ? json_string_value(json_object_get(v, "value")) ?: "" : "");
		json_decref(v);
		if (depth < LS_MAX_DEPTH)
			rc |= ls_tree(fd, name, sub, depth + 1);
	}
	json_decref(r);
	return rc;
}

int lifecycle_xs_ls(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: xenlet %s NAME [PATH]\n", argv[0]);
		return 1;
	}
	int fd = lifecycle_connect_domain(argv[1]);
	if (fd < 0)
		return 1;
	int rc = ls_tree(fd, argv[1], argc == 3 ? argv[2] : "/local/domain/1", 0);
	close(fd);
	return rc;
}
