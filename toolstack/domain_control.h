/*
 * The launcher's end of the control protocol: the domain's name, its
 * control socket and pid file in the runtime directory, and the answers
 * to every request (status, pause, shutdown, xenstore, ...).
 */
#ifndef XENLET_DOMAIN_CONTROL_H
#define XENLET_DOMAIN_CONTROL_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include "backends/console/console_client.h"
#include "toolstack/runtime_dir.h"

struct domain;
struct control_server;

struct domain_control {
	/* d is the running domain, NULL between boots (--on-reboot
	 * restart): the server's answers hold the lock, so a domain is
	 * never torn down under one. */
	pthread_mutex_t lock;
	struct domain *d;
	int destroy_asked;             /* destroyed between boots: no restart */
	char name[DOMAIN_NAME_MAX + 1];
	char dir[PATH_MAX];
	char sock_path[PATH_MAX];
	char pid_path[PATH_MAX];
	int listen_fd;                 /* claimed, not yet served */
	struct control_server *server;
	int shutdown_asked;            /* 0, or the last control/shutdown written */
	/* The `console` request's client, across boots: each boot's
	 * console (emu/dom0/dom0_console.c) feeds and writes it. */
	struct console_client console;
};

/* Takes the name (NULL: the first free default) by binding its socket in
 * the runtime directory, created if absent. Before any thread exists, so
 * that a detaching run reports a taken name before it detaches. 0, or -1
 * with a reason in err (dc->name is then name or the default, and dc can
 * still be started and stopped: a run without a control socket). */
int domain_control_claim(struct domain_control *dc, const char *name,
			 char *err, size_t errlen);
/* Writes NAME.pid (this process's pid) and serves the socket, once (a
 * no-op afterwards, and without a claimed socket). */
int domain_control_serve(struct domain_control *dc, char *err, size_t errlen);
/* The domain the answers are about, from its start to before its
 * teardown; detached, the socket answers that it is between boots. */
void domain_control_attach(struct domain_control *dc, struct domain *d);
void domain_control_detach(struct domain_control *dc);
/* `xenlet destroy` came between boots. */
int domain_control_destroy_asked(struct domain_control *dc);
/* Stops serving and removes the socket: the domain no longer answers.
 * Safe after a failed claim, without a start, and more than once. */
void domain_control_stop(struct domain_control *dc);
/* The launcher's last act: also removes the pid file (whose going tells
 * `xenlet destroy` and `shutdown -w` that the process is done) and the
 * directory if empty. */
void domain_control_remove(struct domain_control *dc);

#endif
