/*
 * The control protocol's request parser against any bytes a client can
 * send as a line: it must never overrun, and what it accepts must be a
 * request the protocol defines (a known command, an absolute path of
 * bounded length for the xenstore ones, strings that end where they say).
 * An accepted line is also checked against jansson's own reading: the
 * parser must not take a line that is not one JSON object.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "toolstack/control_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct control_request req;
	char err[128];
	memset(err, 'x', sizeof err);
	int rc = control_request_parse((const char *)data, size, &req, err, sizeof err);
	if (!memchr(err, '\0', sizeof err))
		abort();
	if (rc != 0) {
		if (rc != -1 || !err[0])
			abort(); /* a refusal always says why */
		return 0;
	}
	if (size > CONTROL_LINE_MAX)
		abort();
	const char *name = control_cmd_name(req.cmd);
	if (!strcmp(name, "?") || !memmem(data, size, "cmd", 3))
		abort();
	if (!memchr(req.path, '\0', sizeof req.path) || !memchr(req.value, '\0', sizeof req.value))
		abort();
	int xs = req.cmd == CONTROL_XS_READ || req.cmd == CONTROL_XS_WRITE ||
		 req.cmd == CONTROL_XS_LS || req.cmd == CONTROL_XS_RM;
	if (xs != (req.path[0] == '/'))
		abort();
	if (req.cmd != CONTROL_XS_WRITE && req.value[0])
		abort();
	json_error_t jerr;
	json_t *obj = json_loadb((const char *)data, size, 0, &jerr);
	if (!json_is_object(obj))
		abort();
	json_decref(obj);
	return 0;
}
