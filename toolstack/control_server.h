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
 * "ok" (the server takes the reference), or NULL for out of memory. */
typedef json_t *control_handler_fn(void *opaque, const struct control_request *req);

struct control_server;

/* Serves listen_fd (which it then owns) in a new thread that blocks
 * SIGINT and SIGTERM. NULL with a reason in err. */
struct control_server *control_server_start(int listen_fd, control_handler_fn *fn,
					    void *opaque, char *err, size_t errlen);
/* Stops the thread, closes every connection and the listening socket. */
void control_server_stop(struct control_server *s);

/* {"ok":false,"error":MSG} */
json_t *control_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
