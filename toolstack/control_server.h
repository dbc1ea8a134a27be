/*
 * A domain's control socket served from its own thread: an epoll loop
 * reading request lines from at most CONTROL_MAX_CLIENTS clients, each
 * parsed strictly (control_proto.h) and answered by the handler, one reply
 * line per request, in order.
 */
#ifndef XENLET_CONTROL_SERVER_H
#define XENLET_CONTROL_SERVER_H

#include <stddef.h>
#include <jansson.h>
#include "toolstack/control_proto.h"

#define CONTROL_MAX_CLIENTS 16

/* Answers one request on the server's thread: a reply object holding
 * "ok" (the server takes the reference), or NULL for out of memory.
 * Setting *hand_over (0 on entry) gives the connection away once the
 * reply is sent (the console request). */
typedef json_t *control_handler_fn(void *opaque, const struct control_request *req,
				   int *hand_over);
/* Takes a connection given away, on the server's thread: fd (non-blocking,
 * the callee's to close) with the bytes the client sent after that
 * request, rest[0..len) (at most CONTROL_LINE_MAX + 1); fd -1: the client
 * went, or the server stopped, before its reply was sent. */
typedef void control_hand_over_fn(void *opaque, int fd, const char *rest, size_t len);

struct control_server;

/* Serves listen_fd (which it then owns) in a new thread that blocks
 * SIGINT and SIGTERM. NULL with a reason in err. */
struct control_server *control_server_start(int listen_fd, control_handler_fn *fn,
					    control_hand_over_fn *hand_over, void *opaque,
					    char *err, size_t errlen);
/* Stops the thread, closes every connection and the listening socket. */
void control_server_stop(struct control_server *s);

/* {"ok":false,"error":MSG} */
json_t *control_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
