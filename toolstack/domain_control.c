/*
 * Answers to control requests for the running domain, on the control
 * server's thread. Everything here touches the domain only through what
 * is safe from another thread: the xenstore daemon's dom0 calls, atomics,
 * domain_stop and the vCPU kicks.
 *
 * Pause: every vCPU thread parks in its loop before KVM_RUN (vcpu_loop.c)
 * while d->paused is set; the guest's time goes on meanwhile (as under Xen,
 * whose system time is the host's), so on unpause its timers that fell due
 * fire at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "emu/domain.h"
#include "toolstack/control_server.h"
#include "toolstack/control_socket.h"
#include "toolstack/domain_control.h"
#include "xenstore/daemon.h"

#define GUEST_DOMID 1
#define PARK_WAIT_MS 2000
#define XENLET_VERSION "0.1"
/* What the guest is told by xen_version (hypercall_xen_version.c). */
#define XEN_VERSION_OFFERED "4.17"

/* Set by vCPU 0's thread when the guest is first entered. */
static int guest_entered(const struct domain *d)
{
	return __atomic_load_n(&d->stats.guest_entry_ns, __ATOMIC_RELAXED) != 0;
}

static const char *state_of(const struct domain_control *dc)
{
	struct domain *d = dc->d;
	if (__atomic_load_n(&d->stopping, __ATOMIC_SEQ_CST))
		return "dying";
	if (__atomic_load_n(&d->paused, __ATOMIC_SEQ_CST))
		return "paused";
	if (dc->shutdown_asked)
		return "shutting-down";
	if (!guest_entered(d))
		return "starting";
	return "running";
}

static json_t *status(struct domain_control *dc)
{
	struct domain *d = dc->d;
	double uptime = (double)(stats_now_ns() - d->stats.start_ns) / 1e9;
	return json_pack("{s:b,s:s,s:i,s:I,s:i,s:s,s:f,s:I}", "ok", 1, "name", dc->name,
			 "domid", GUEST_DOMID, "memory_mib", (json_int_t)d->cfg->memory_mib,
			 "vcpus", (int)d->cfg->vcpus, "state", state_of(dc), "uptime_s", uptime,
			 "pid", (json_int_t)getpid());
}

static json_t *info(struct domain_control *dc)
{
	struct domain *d = dc->d;
	struct utsname u;
	if (uname(&u) < 0)
		snprintf(u.nodename, sizeof u.nodename, "?");
	const char *path = "starting";
	if (guest_entered(d))
		path = d->vcpu[0].core.st->trap_path == CORE_PATH_HOST ? "host" : "guest";
	return json_pack("{s:b,s:s,s:s,s:s,s:s,s:s,s:s}", "ok", 1, "name", dc->name,
			 "xenlet_version", XENLET_VERSION, "xen_version", XEN_VERSION_OFFERED,
			 "host", u.nodename, "host_kernel", u.release, "trap_path", path);
}

static double thread_cpu_s(const struct vcpu *v)
{
	struct timespec ts;
	if (!__atomic_load_n(&v->cpu_clock_ok, __ATOMIC_SEQ_CST) ||
	    clock_gettime(v->cpu_clock, &ts))
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


static json_t *vcpu_list(struct domain_control *dc)
{
	struct domain *d = dc->d;
	json_t *list = json_array();
	int paused = __atomic_load_n(&d->paused, __ATOMIC_SEQ_CST);
	for (unsigned n = 0; list && n < d->cfg->vcpus; n++) {
		const struct vcpu *v = &d->vcpu[n];
		int up = __atomic_load_n(&v->launched, __ATOMIC_SEQ_CST);
		/* Counters the vCPU's thread updates: read relaxed, for a
		 * figure that grows while the vCPU runs, not an exact one. */
		uint64_t exits = 0;
		for (unsigned k = 0; k < EXIT_KINDS; k++)
			exits += __atomic_load_n(&v->stats.exits[k], __ATOMIC_RELAXED);
		json_t *e = json_pack("{s:i,s:s,s:f,s:I}", "vcpu", (int)n,
				      "state", !up ? "offline" : paused ? "paused" : "running",
				      "cpu_time_s", thread_cpu_s(v),
				      "exits", (json_int_t)exits);
		if (!e || json_array_append_new(list, e)) {
			json_decref(list);
			return NULL;
		}
	}
	return list ? json_pack("{s:b,s:o}", "ok", 1, "vcpus", list) : NULL;
}

static unsigned launched_vcpus(struct domain *d)
{
	unsigned k = 0;
	for (unsigned n = 0; n < d->cfg->vcpus; n++)
		k += __atomic_load_n(&d->vcpu[n].launched, __ATOMIC_SEQ_CST) != 0;
	return k;
}

static json_t *pause_domain(struct domain_control *dc)
{
	struct domain *d = dc->d;
	__atomic_store_n(&d->paused, 1, __ATOMIC_SEQ_CST);
	for (unsigned n = 0; n < d->cfg->vcpus; n++)
		if (__atomic_load_n(&d->vcpu[n].launched, __ATOMIC_SEQ_CST))
			vcpu_events_kick(&d->vcpu[n], 1);
	/* Answered once no vCPU is in the guest any more, so that a client
	 * that saw "ok" knows the guest is still. */
	for (int ms = 0; ms < PARK_WAIT_MS; ms++) {
		if ((unsigned)__atomic_load_n(&d->parked, __ATOMIC_SEQ_CST) >= launched_vcpus(d))
			return json_pack("{s:b}", "ok", 1);
		if (__atomic_load_n(&d->stopping, __ATOMIC_SEQ_CST))
			break;
		poll(NULL, 0, 1);
	}
	return control_error("not every vCPU stopped within %d ms", PARK_WAIT_MS);
}

static json_t *unpause_domain(struct domain_control *dc)
{
	struct domain *d = dc->d;
	__atomic_store_n(&d->paused, 0, __ATOMIC_SEQ_CST);
	for (unsigned n = 0; n < d->cfg->vcpus; n++)
		vcpu_clock_wake(&d->vcpu[n]);
	return json_pack("{s:b}", "ok", 1);
}

/* What xl does for shutdown and reboot: ask the guest through its
 * control/shutdown node, which its kernel watches. */
static json_t *ask_guest(struct domain_control *dc, const char *what)
{
	char path[64];
	snprintf(path, sizeof path, "/local/domain/%d/control/shutdown", GUEST_DOMID);
	int e = xs_daemon_write_dom0(dc->d->xenstore.daemon, path, what, NULL, 0);
	if (e)
		return control_error("writing %s: %s", path, strerror(e));
	dc->shutdown_asked = 1;
	return json_pack("{s:b}", "ok", 1);
}

static json_t *destroy(struct domain_control *dc)
{
	struct domain *d = dc->d;
	dc->destroy_asked = 1; /* even if a reboot ends it first */
	if (!__atomic_exchange_n(&d->stop_reported, 1, __ATOMIC_SEQ_CST))
		fprintf(stderr, "xenlet: domain %s destroyed (xenlet destroy)\n", dc->name);
	/* The status SIGTERM gives: to whoever waits, the same end. */
	domain_stop(d, 128 + SIGTERM);
	for (unsigned n = 0; n < d->cfg->vcpus; n++)
		vcpu_clock_wake(&d->vcpu[n]); /* a parked one too */
	return json_pack("{s:b}", "ok", 1);
}

static json_t *xs_read(struct domain_control *dc, const char *path)
{
	char *val;
	size_t len;
	int e = xs_daemon_read_dom0(dc->d->xenstore.daemon, path, &val, &len);
	if (e)
		return control_error("%s: %s", path, strerror(e));
	json_t *r = json_pack("{s:b,s:s%}", "ok", 1, "value", val, len);
	free(val);
	return r ? r : control_error("%s: the value is not UTF-8", path);
}

static json_t *xs_ls(struct domain_control *dc, const char *path)
{
	char *list;
	size_t len;
	int e = xs_daemon_directory_dom0(dc->d->xenstore.daemon, path, &list, &len);
	if (e)
		return control_error("%s: %s", path, strerror(e));
	json_t *names = json_array();
	for (size_t off = 0; names && off < len;) {
		size_t n = strnlen(list + off, len - off);
		if (json_array_append_new(names, json_stringn(list + off, n))) {
			json_decref(names);
			names = NULL;
		}
		off += n + 1;
	}
	free(list);
	return names ? json_pack("{s:b,s:o}", "ok", 1, "children", names) : NULL;
}

static json_t *xs_result(int e, const char *path)
{
	return e ? control_error("%s: %s", path, strerror(e)) : json_pack("{s:b}", "ok", 1);
}

/* One client at a time has the console, as xl's one pty: the next one is
 * told so rather than stealing it.  The connection is given away once
 * "ok" is sent (attach_console). */
static json_t *console(struct domain_control *dc, int *hand_over)
{
	if (console_client_reserve(&dc->console))
		return control_error("the console is attached to another client");
	*hand_over = 1;
	return json_pack("{s:b}", "ok", 1);
}

/* Between boots: the domain's state, destroy (which stops the restart)
 * and the console (which the next boot serves); the rest must wait for
 * the next boot. */
static json_t *between_boots(struct domain_control *dc, const struct control_request *req,
			     int *hand_over)
{
	switch (req->cmd) {
	case CONTROL_CONSOLE:
		return console(dc, hand_over);
	case CONTROL_STATUS:
		return json_pack("{s:b,s:s,s:i,s:s,s:I}", "ok", 1, "name", dc->name,
				 "domid", GUEST_DOMID, "state", "rebooting",
				 "pid", (json_int_t)getpid());
	case CONTROL_DESTROY:
		dc->destroy_asked = 1;
		return json_pack("{s:b}", "ok", 1);
	default:
		return control_error("the domain is rebooting: try again");
	}
}

static json_t *answer(struct domain_control *dc, const struct control_request *req,
		      int *hand_over)
{
	if (!dc->d)
		return between_boots(dc, req, hand_over);
	struct xs_daemon *xs = dc->d->xenstore.daemon;
	switch (req->cmd) {
	case CONTROL_STATUS:
		return status(dc);
	case CONTROL_INFO:
		return info(dc);
	case CONTROL_VCPU_LIST:
		return vcpu_list(dc);
	case CONTROL_SHUTDOWN:
		return ask_guest(dc, "poweroff");
	case CONTROL_REBOOT:
		return ask_guest(dc, "reboot");
	case CONTROL_DESTROY:
		return destroy(dc);
	case CONTROL_PAUSE:
		return pause_domain(dc);
	case CONTROL_UNPAUSE:
		return unpause_domain(dc);
	case CONTROL_XS_READ:
		return xs_read(dc, req->path);
	case CONTROL_XS_WRITE:
		return xs_result(xs_daemon_write_dom0(xs, req->path, req->value, NULL, 0),
				 req->path);
	case CONTROL_XS_LS:
		return xs_ls(dc, req->path);
	case CONTROL_XS_RM:
		return xs_result(xs_daemon_rm_dom0(xs, req->path), req->path);
	case CONTROL_CONSOLE:
		return console(dc, hand_over);
	}
	return control_error("unhandled command");
}

static json_t *handle(void *opaque, const struct control_request *req, int *hand_over)
{
	struct domain_control *dc = opaque;
	pthread_mutex_lock(&dc->lock);
	json_t *reply = answer(dc, req, hand_over);
	pthread_mutex_unlock(&dc->lock);
	return reply;
}

/* The console's client, its "ok" sent: from now its bytes are the
 * guest's input and the guest's output is sent to it. */
static void attach_console(void *opaque, int fd, const char *rest, size_t len)
{
	struct domain_control *dc = opaque;
	console_client_attach(&dc->console, fd, rest, len);
}

void domain_control_attach(struct domain_control *dc, struct domain *d)
{
	pthread_mutex_lock(&dc->lock);
	dc->d = d;
	dc->shutdown_asked = 0;
	pthread_mutex_unlock(&dc->lock);
}

void domain_control_detach(struct domain_control *dc)
{
	pthread_mutex_lock(&dc->lock);
	dc->d = NULL;
	pthread_mutex_unlock(&dc->lock);
}

int domain_control_destroy_asked(struct domain_control *dc)
{
	pthread_mutex_lock(&dc->lock);
	int asked = dc->destroy_asked;
	pthread_mutex_unlock(&dc->lock);
	return asked;
}

int domain_control_claim(struct domain_control *dc, const char *name,
			 char *err, size_t errlen)
{
	*dc = (struct domain_control){ .listen_fd = -1,
				       .lock = PTHREAD_MUTEX_INITIALIZER,
				       .console = CONSOLE_CLIENT_INIT };
	if (runtime_dir_create(dc->dir, sizeof dc->dir, err, errlen)) {
		dc->dir[0] = '\0';
		goto fail;
	}
	dc->listen_fd = control_socket_claim(dc->dir, name, dc->name, sizeof dc->name,
					     dc->sock_path, sizeof dc->sock_path,
					     err, errlen);
	if (dc->listen_fd < 0) {
		runtime_dir_remove_if_empty(dc->dir);
		dc->dir[0] = '\0';
		goto fail;
	}
	return 0;
fail:
	/* A run that goes on without a socket still has a name. */
	snprintf(dc->name, sizeof dc->name, "%s", name ? name : CONTROL_DEFAULT_NAME);
	return -1;
}

int domain_control_serve(struct domain_control *dc, char *err, size_t errlen)
{
	if (dc->listen_fd < 0)
		return 0; /* served already, or nothing claimed */
	if (runtime_file(dc->pid_path, sizeof dc->pid_path, dc->dir, dc->name, "pid")) {
		snprintf(err, errlen, "pid file path too long");
		return -1;
	}
	FILE *f = fopen(dc->pid_path, "we");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
		snprintf(err, errlen, "%s: %s", dc->pid_path, strerror(errno));
		dc->pid_path[0] = '\0';
		return -1;
	}
	dc->server = control_server_start(dc->listen_fd, handle, attach_console, dc,
					  err, errlen);
	dc->listen_fd = -1; /* the server's now, or closed */
	return dc->server ? 0 : -1;
}

void domain_control_stop(struct domain_control *dc)
{
	control_server_stop(dc->server);
	dc->server = NULL;
	if (dc->listen_fd >= 0)
		close(dc->listen_fd);
	dc->listen_fd = -1;
	if (dc->sock_path[0])
		unlink(dc->sock_path);
	dc->sock_path[0] = '\0';
}

void domain_control_remove(struct domain_control *dc)
{
	domain_control_stop(dc);
	console_client_release(&dc->console); /* its client reads the end */
	if (dc->pid_path[0])
		unlink(dc->pid_path);
	if (dc->dir[0])
		runtime_dir_remove_if_empty(dc->dir);
	dc->pid_path[0] = dc->dir[0] = '\0';
}
