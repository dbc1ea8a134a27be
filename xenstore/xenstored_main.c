/* xenlet-xenstored: the daemon on its own, serving a Unix socket (for
 * tests and for using Xen's tools against the store without a guest). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenstore/daemon.h"

#define DEFAULT_SOCKET "/var/run/xenstored/socket"

static struct xs_daemon *the_daemon;

static void on_signal(int sig)
{
	(void)sig;
	xs_daemon_stop(the_daemon);
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--socket PATH] [--foreground]\n"
		"  --socket PATH   listen on PATH (default " DEFAULT_SOCKET ")\n"
		"  --foreground    do not detach from the terminal\n",
		prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_SOCKET;
	bool foreground = false;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "s:Fh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'F':
			foreground = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}

	the_daemon = xs_daemon_create();
	if (!the_daemon) {
		fprintf(stderr, "xenlet-xenstored: %s\n", strerror(errno));
		return 1;
	}
	err = xs_daemon_listen(the_daemon, path);
	if (err) {
		fprintf(stderr, "xenlet-xenstored: cannot listen on %s: %s\n",
			path, strerror(err));
		xs_daemon_destroy(the_daemon);
		return 1;
	}
	/* The socket exists before the parent returns, so a caller can
	 * start the daemon and use it right away. The working directory
	 * stays: a relative socket path is unlinked at exit. */
	if (!foreground && daemon(1, 1) != 0) {
		fprintf(stderr, "xenlet-xenstored: daemon: %s\n",
			strerror(errno));
		xs_daemon_destroy(the_daemon);
		return 1;
	}

	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	err = xs_daemon_run(the_daemon);
	xs_daemon_destroy(the_daemon);
	return err ? 1 : 0;
}
