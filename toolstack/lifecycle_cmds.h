/*
 * The lifecycle commands, xl's in spirit: clients of running domains'
 * control sockets (docs/control-protocol.md). Each returns the process's
 * exit status: 0 done, 1 usage error or failure (said on stderr).
 */
#ifndef XENLET_LIFECYCLE_CMDS_H
#define XENLET_LIFECYCLE_CMDS_H

int lifecycle_list(int argc, char **argv);
int lifecycle_shutdown(int argc, char **argv);
int lifecycle_reboot(int argc, char **argv);
int lifecycle_destroy(int argc, char **argv);
int lifecycle_pause(int argc, char **argv);
int lifecycle_unpause(int argc, char **argv);
int lifecycle_vcpu_list(int argc, char **argv);
int lifecycle_info(int argc, char **argv);
int lifecycle_xs_read(int argc, char **argv);
int lifecycle_xs_write(int argc, char **argv);
int lifecycle_xs_ls(int argc, char **argv);
int lifecycle_xs_rm(int argc, char **argv);
int lifecycle_console(int argc, char **argv);  /* console_attach.c */
/* A connection to the domain NAME's control socket, or -1 after saying
 * why on stderr. */
int lifecycle_connect_domain(const char *name);

/* Rows for main.c's command table. */
#define LIFECYCLE_COMMANDS \
	{ "list", lifecycle_list, "list running domains" }, \
	{ "shutdown", lifecycle_shutdown, "[-w] [--timeout S] NAME: ask the guest to power off" }, \
	{ "reboot", lifecycle_reboot, "[-w] [--timeout S] NAME: ask the guest to reboot" }, \
	{ "destroy", lifecycle_destroy, "NAME: stop the domain now" }, \
	{ "pause", lifecycle_pause, "NAME: stop running its vCPUs" }, \
	{ "unpause", lifecycle_unpause, "NAME: run its vCPUs again" }, \
	{ "vcpu-list", lifecycle_vcpu_list, "[NAME]: the vCPUs of one or every domain" }, \
	{ "info", lifecycle_info, "NAME: versions, host, trap path" }, \
	{ "xenstore-read", lifecycle_xs_read, "NAME PATH: a value in the domain's xenstore" }, \
	{ "xenstore-write", lifecycle_xs_write, "NAME PATH VALUE" }, \
	{ "xenstore-ls", lifecycle_xs_ls, "NAME [PATH]: a subtree (default /local/domain/1)" }, \
	{ "xenstore-rm", lifecycle_xs_rm, "NAME PATH" }, \
	{ "console", lifecycle_console, "NAME: attach to the guest's console (Ctrl-] detaches)" },

#endif
