/* xenstored's Unix socket: a stream of xsd_sockmsg messages in both
 * directions, exactly as libxenstore speaks it. Every socket client is
 * domain 0, and so privileged, as with xenstored. */
#ifndef XENSTORE_TRANSPORT_SOCKET_H
#define XENSTORE_TRANSPORT_SOCKET_H

#include <stdbool.h>
#include <stdint.h>

#include "xenstore/conn.h"
#include "xenstore/wire_dispatch.h"

/* Bytes one sock_client_service call reads from the socket at most. */
#define SOCK_SERVICE_BUDGET (64u * 1024)

/* A listening socket at path (parent directory created, a stale socket
 * replaced), non-blocking and close-on-exec: the fd, or -errno. */
int sock_listen(const char *path);

struct sock_client {
	struct conn conn;
	int fd;
	/* Read from the socket but not yet taken by the protocol layer
	 * (it stopped for backpressure). */
	uint8_t stash[4096];
	uint32_t stash_off, stash_len;
	bool closed; /* peer gone, I/O error or protocol error */
};

/* Takes ownership of a connected fd (made non-blocking here). */
void sock_client_init(struct sock_client *s, int fd, conn_wake_fn *wake,
		      void *owner);
/* Drops watches and transactions, queued output, and closes the fd. */
void sock_client_fini(struct sock_client *s, struct wire_server *srv);

/* Sends what the socket takes, processes requests (within the budget),
 * sends again. Sets s->closed when the client must go. */
void sock_client_service(struct sock_client *s, struct wire_server *srv);

/* What to wait for next: readable while requests are wanted, writable
 * while output is queued. */
bool sock_client_wants_read(const struct sock_client *s);
bool sock_client_wants_write(const struct sock_client *s);

#endif
