/* A domain's control socket: claimed by the launcher, reached by clients. */
#ifndef XENLET_CONTROL_SOCKET_H
#define XENLET_CONTROL_SOCKET_H

#include <stddef.h>
#include <jansson.h>

#define CONTROL_DEFAULT_NAME "xenlet-guest"

/* Listens on DIR/NAME.sock (mode 0600: its user's only). With
 * name NULL, the first free of xenlet-guest, xenlet-guest-2, ... A socket
 * nobody answers on is a dead launcher's and is replaced. The name taken
 * goes to name_out, the socket's path to path_out. The listening fd
 * (non-blocking, close-on-exec), or -1 with a reason in err. */
int control_socket_claim(const char *dir, const char *name, char *name_out,
			 size_t name_len, char *path_out, size_t path_len,
			 char *err, size_t errlen);

/* A connected fd, or -1 with errno (ENOENT: no such domain; ECONNREFUSED:
 * a dead launcher's socket). */
int control_socket_connect(const char *path);

/* Sends request (one JSON object) on fd and reads the one-line reply,
 * waiting at most timeout_ms. The reply object (to json_decref), or NULL
 * with a reason in err. */
json_t *control_call(int fd, json_t *request, int timeout_ms, char *err, size_t errlen);

#endif
