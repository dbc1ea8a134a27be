/*
 * Strict parsing of control requests. Jansson does the JSON (UTF-8 checked,
 * duplicate keys refused, nothing after the object); this file refuses
 * everything the protocol does not define: a non-object, a value that is
 * not a string, a NUL inside a string, an unknown key or command, a
 * missing or superfluous argument, a path that is not absolute or too long.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include "toolstack/control_proto.h"

enum arg { ARG_PATH = 1, ARG_VALUE = 2 };

static const struct {
	const char *name;
	unsigned args; /* ARG_* it takes, all required */
} commands[] = {
	[CONTROL_STATUS] = { "status", 0 },
	[CONTROL_INFO] = { "info", 0 },
	[CONTROL_VCPU_LIST] = { "vcpu-list", 0 },
	[CONTROL_SHUTDOWN] = { "shutdown", 0 },
	[CONTROL_REBOOT] = { "reboot", 0 },
	[CONTROL_DESTROY] = { "destroy", 0 },
	[CONTROL_PAUSE] = { "pause", 0 },
	[CONTROL_UNPAUSE] = { "unpause", 0 },
	[CONTROL_XS_READ] = { "xenstore-read", ARG_PATH },
	[CONTROL_XS_WRITE] = { "xenstore-write", ARG_PATH | ARG_VALUE },
	[CONTROL_XS_LS] = { "xenstore-ls", ARG_PATH },
	[CONTROL_XS_RM] = { "xenstore-rm", ARG_PATH },
	[CONTROL_CONSOLE] = { "console", 0 },
};
#define NR_COMMANDS (sizeof commands / sizeof commands[0])

const char *control_cmd_name(enum control_cmd cmd)
{
	return (unsigned)cmd < NR_COMMANDS ? commands[cmd].name : "?";
}

/* The string under key, copied into buf (size bytes with its NUL):
 * 1 copied, 0 absent, -1 refused (err says why). */
static int take_string(json_t *obj, const char *key, char *buf, size_t size,
		       char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	size_t len = json_string_length(v);
	const char *s = json_string_value(v);
	if (!s) {
		snprintf(err, errlen, "\"%s\" must be a string", key);
		return -1;
	}
	if (memchr(s, '\0', len)) {
		snprintf(err, errlen, "\"%s\" holds a NUL", key);
		return -1;
	}
	if (len >= size) {
		snprintf(err, errlen, "\"%s\" is longer than %zu bytes", key, size - 1);
		return -1;
	}
	memcpy(buf, s, len + 1);
	return 1;
}

static int check(json_t *obj, struct control_request *req, char *err, size_t errlen)
{
	char cmd[32];
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "a request is a JSON object");
		return -1;
	}
	int r = take_string(obj, "cmd", cmd, sizeof cmd, err, errlen);
	if (r <= 0) {
		if (r == 0)
			snprintf(err, errlen, "no \"cmd\"");
		return -1;
	}
	size_t n;
	for (n = 0; n < NR_COMMANDS; n++)
		if (!strcmp(cmd, commands[n].name))
			break;
	if (n == NR_COMMANDS) {
		snprintf(err, errlen, "unknown command \"%s\"", cmd);
		return -1;
	}
	req->cmd = (enum control_cmd)n;
	unsigned args = commands[n].args;

	/* Every key must be one this command takes: a typo is an error, not
	 * a request done without its argument. */
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		(void)v;
		if (!strcmp(key, "cmd") ||
		    (!strcmp(key, "path") && (args & ARG_PATH)) ||
		    (!strcmp(key, "value") && (args & ARG_VALUE)))
			continue;
		/* key came from the client: print only a bounded, safe prefix */
		char shown[33];
		size_t i;
		for (i = 0; key[i] && i < sizeof shown - 1; i++)
			shown[i] = (key[i] >= 0x20 && key[i] < 0x7f && key[i] != '"') ? key[i] : '?';
		shown[i] = '\0';
		snprintf(err, errlen, "\"%s\" takes no \"%s\"", cmd, shown);
		return -1;
	}
	if (args & ARG_PATH) {
		r = take_string(obj, "path", req->path, sizeof req->path, err, errlen);
		if (r <= 0) {
			if (r == 0)
				snprintf(err, errlen, "\"%s\" needs a \"path\"", cmd);
			return -1;
		}
		if (req->path[0] != '/') {
			snprintf(err, errlen, "\"path\" must be absolute");
			return -1;
		}
	}
	if (args & ARG_VALUE) {
		r = take_string(obj, "value", req->value, sizeof req->value, err, errlen);
		if (r <= 0) {
			if (r == 0)
				snprintf(err, errlen, "\"%s\" needs a \"value\"", cmd);
			return -1;
		}
	}
	return 0;
}

int control_request_parse(const char *line, size_t len, struct control_request *req,
			  char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	if (len > CONTROL_LINE_MAX) {
		snprintf(err, errlen, "request longer than %d bytes", CONTROL_LINE_MAX);
		return -1;
	}
	memset(req, 0, sizeof *req);
	json_error_t jerr;
	/* JSON_DECODE_ANY is not given: only an object or array is JSON text
	 * to jansson here, and check() takes only the object. */
	json_t *obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj) {
		snprintf(err, errlen, "not JSON: %s at byte %d", jerr.text, jerr.position);
		return -1;
	}
	int rc = check(obj, req, err, errlen);
	json_decref(obj);
	return rc;
}
