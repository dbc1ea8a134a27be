/* qemu-nbd for one disk image (nbd_server.h). */
#include <errno.h>
#include <libnbd.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "toolstack/nbd_server.h"

/* qemu-nbd opens a qcow2 image in well under a second; a slow disk or a
 * busy machine gets ten. */
#define NBD_SERVER_START_MS 10000

/* Whether it serves: a whole NBD connection, opened and shut down as a
 * client does (the socket exists before qemu-nbd has opened the image,
 * and a connection dropped mid-handshake makes it log an error). */
static bool serving(const char *uri)
{
	struct nbd_handle *h = nbd_create();
	if (!h)
		return false;
	bool ok = nbd_connect_uri(h, uri) == 0;
	if (ok)
		nbd_shutdown(h, 0);
	nbd_close(h);
	return ok;
}

static void child(const struct nbd_server *s, const char *image, const char *format,
		  bool readonly)
{
	/* Not in the terminal's process group (Ctrl-C is the guest's), and
	 * gone when the launcher is, however it ends. */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	char sock_opt[160], format_opt[64];
	snprintf(sock_opt, sizeof sock_opt, "--socket=%s", s->socket);
	snprintf(format_opt, sizeof format_opt, "--format=%s", format);
	/* --persistent: a frontend that reconnects finds it still there. */
	char *argv[] = { "qemu-nbd", sock_opt, format_opt, "--persistent", (char *)image,
			 NULL, NULL };
	if (readonly) {
		argv[5] = argv[4];
		argv[4] = "--read-only";
	}
	execvp("qemu-nbd", argv);
	fprintf(stderr, "xenlet: qemu-nbd: %s (Debian: apt-get install qemu-utils)\n",
		strerror(errno));
	_exit(127);
}

int nbd_server_start(struct nbd_server *s, const char *image, const char *format,
		     bool readonly, char *uri, size_t urilen, char *err, size_t errlen)
{
	*s = (struct nbd_server){ 0 };
	const char *tmp = getenv("TMPDIR");
	snprintf(s->dir, sizeof s->dir, "%s/xenlet-nbd.XXXXXX",
		 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(s->dir)) {
		snprintf(err, errlen, "a directory for qemu-nbd's socket: %s", strerror(errno));
		s->dir[0] = 0;
		return -1;
	}
	snprintf(s->socket, sizeof s->socket, "%s/disk.sock", s->dir);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		nbd_server_stop(s);
		return -1;
	}
	if (pid == 0)
		child(s, image, format, readonly);
	s->pid = pid;
	snprintf(uri, urilen, "nbd+unix:///?socket=%s", s->socket);
	for (int waited = 0; waited < NBD_SERVER_START_MS; waited += 20) {
		if (serving(uri))
			return 0;
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			s->pid = 0;
			snprintf(err, errlen, "qemu-nbd --format=%s %s exited (status %d) "
				 "before serving it", format, image,
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			nbd_server_stop(s);
			return -1;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	}
	snprintf(err, errlen, "qemu-nbd --format=%s %s did not start serving in %d s",
		 format, image, NBD_SERVER_START_MS / 1000);
	nbd_server_stop(s);
	return -1;
}

void nbd_server_stop(struct nbd_server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->socket[0])
		unlink(s->socket);
	if (s->dir[0])
		rmdir(s->dir);
	s->socket[0] = s->dir[0] = 0;
}
