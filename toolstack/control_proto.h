/*
 * The control protocol's requests (docs/control-protocol.md): one JSON
 * object per line, flat, every value a string. A line is client input and
 * so hostile: it is parsed strictly into a fixed struct, and whatever is
 * not exactly a known request is refused with a reason.
 */
#ifndef XENLET_CONTROL_PROTO_H
#define XENLET_CONTROL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

/* A request line's bytes, newline excluded; longer lines end the session. */
#define CONTROL_LINE_MAX 8192

enum control_cmd {
	CONTROL_STATUS,     /* name, memory, vCPUs, state, uptime */
	CONTROL_INFO,       /* version, host, trap path */
	CONTROL_VCPU_LIST,
	CONTROL_SHUTDOWN,   /* control/shutdown = "poweroff" */
	CONTROL_REBOOT,     /* control/shutdown = "reboot" */
	CONTROL_DESTROY,
	CONTROL_PAUSE,
	CONTROL_UNPAUSE,
	CONTROL_XS_READ,
	CONTROL_XS_WRITE,
	CONTROL_XS_LS,
	CONTROL_XS_RM,
	CONTROL_CONSOLE,    /* the connection becomes the guest's console */
};

struct control_request {
	enum control_cmd cmd;
	/* xenstore-*: an absolute path, NUL-terminated */
	char path[XENSTORE_ABS_PATH_MAX + 1];
	/* xenstore-write: the value, NUL-terminated (a value with a NUL in it
	 * is refused: nothing here needs one) */
	char value[XENSTORE_PAYLOAD_MAX + 1];
};

/* Parses one line (len bytes, no newline). 0, or -1 with a reason in err
 * (always NUL-terminated) and req unspecified. */
int control_request_parse(const char *line, size_t len, struct control_request *req,
			  char *err, size_t errlen);

/* The wire name of cmd ("status", "xenstore-read", ...). */
const char *control_cmd_name(enum control_cmd cmd);

#endif
