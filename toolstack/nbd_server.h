/*
 * A qemu-nbd serving one disk image of a format xenlet's blkback does not
 * read itself (qcow2, vhd, qed...), on a Unix socket of its own, for as
 * long as the domain runs: what `xenlet create` does for an xl disk with
 * format=qcow2, where xl would have its device model read the image.
 */
#ifndef XENLET_NBD_SERVER_H
#define XENLET_NBD_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct nbd_server {
	pid_t pid;          /* 0: not running */
	char dir[64];       /* a private directory holding the socket */
	char socket[108];   /* sockaddr_un's sun_path */
};

/*
 * Starts `qemu-nbd --format=FORMAT [--read-only] IMAGE` on a new socket
 * and waits until it accepts connections; writes the NBD URI blkback
 * takes (nbd+unix:///?socket=...) to uri.  0, or -1 with a one-line
 * reason in err.  The server dies with the launcher, even by SIGKILL.
 */
int nbd_server_start(struct nbd_server *s, const char *image, const char *format,
		     bool readonly, char *uri, size_t urilen, char *err, size_t errlen);

/* Stops it and removes its socket; nothing if it was not started. */
void nbd_server_stop(struct nbd_server *s);

#endif
