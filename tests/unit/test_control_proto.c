/*
 * The control protocol's request parser (toolstack/control_proto.c) with
 * good requests and hostile lines: whatever is not exactly a request the
 * protocol defines is refused with a reason, and nothing overruns the
 * fixed-size request.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "toolstack/control_proto.h"

static struct control_request req;
static char err[256];

static int parse(const char *line)
{
	return control_request_parse(line, strlen(line), &req, err, sizeof err);
}

static void refused(const char *line, const char *why)
{
	ck_assert_msg(parse(line) == -1, "accepted: %s", line);
	ck_assert_msg(strstr(err, why), "'%s': reason '%s' lacks '%s'", line, err, why);
}

START_TEST(every_command)
{
	static const struct {
		const char *line;
		enum control_cmd cmd;
	} ok[] = {
		{ "{\"cmd\":\"status\"}", CONTROL_STATUS },
		{ "{\"cmd\":\"info\"}", CONTROL_INFO },
		{ "{\"cmd\":\"vcpu-list\"}", CONTROL_VCPU_LIST },
		{ "{\"cmd\":\"shutdown\"}", CONTROL_SHUTDOWN },
		{ "{\"cmd\":\"reboot\"}", CONTROL_REBOOT },
		{ "{\"cmd\":\"destroy\"}", CONTROL_DESTROY },
		{ "{\"cmd\":\"pause\"}", CONTROL_PAUSE },
		{ "{\"cmd\":\"unpause\"}", CONTROL_UNPAUSE },
		{ "{\"cmd\":\"console\"}", CONTROL_CONSOLE },
		{ "  { \"cmd\" : \"status\" }  ", CONTROL_STATUS },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ck_assert_msg(parse(ok[i].line) == 0, "%s: %s", ok[i].line, err);
		ck_assert_int_eq(req.cmd, ok[i].cmd);
		ck_assert_ptr_nonnull(strstr(ok[i].line, control_cmd_name(req.cmd)));
	}
}
END_TEST

START_TEST(xenstore_arguments)
{
	ck_assert_int_eq(parse("{\"cmd\":\"xenstore-read\",\"path\":\"/local/domain/1/name\"}"), 0);
	ck_assert_int_eq(req.cmd, CONTROL_XS_READ);
	ck_assert_str_eq(req.path, "/local/domain/1/name");
	ck_assert_int_eq(parse("{\"value\":\"a\\nb \\u00e9\",\"path\":\"/x\",\"cmd\":\"xenstore-write\"}"), 0);
	ck_assert_int_eq(req.cmd, CONTROL_XS_WRITE);
	ck_assert_str_eq(req.path, "/x");
	ck_assert_str_eq(req.value, "a\nb \xc3\xa9");
	ck_assert_int_eq(parse("{\"cmd\":\"xenstore-write\",\"path\":\"/x\",\"value\":\"\"}"), 0);
	ck_assert_str_eq(req.value, "");
	ck_assert_int_eq(parse("{\"cmd\":\"xenstore-ls\",\"path\":\"/\"}"), 0);
	ck_assert_int_eq(parse("{\"cmd\":\"xenstore-rm\",\"path\":\"/a/b\"}"), 0);
	ck_assert_int_eq(req.cmd, CONTROL_XS_RM);
	ck_assert_str_eq(control_cmd_name((enum control_cmd)99), "?");
}
END_TEST

START_TEST(not_a_request)
{
	refused("", "not JSON");
	refused("   ", "not JSON");
	refused("null", "not JSON");
	refused("\"status\"", "not JSON");
	refused("42", "not JSON");
	refused("[\"status\"]", "a request is a JSON object");
	refused("{", "not JSON");
	refused("{\"cmd\":\"status\"", "not JSON");
	refused("{\"cmd\":\"status\"}{\"cmd\":\"status\"}", "not JSON");
	refused("{\"cmd\":\"status\"} x", "not JSON");
	refused("{'cmd':'status'}", "not JSON");
	refused("{\"cmd\":\"status\",}", "not JSON");
	refused("{cmd:\"status\"}", "not JSON");
	refused("{}", "no \"cmd\"");
}
END_TEST

START_TEST(bad_commands_and_keys)
{
	refused("{\"cmd\":\"Status\"}", "unknown command");
	refused("{\"cmd\":\"status \"}", "unknown command");
	refused("{\"cmd\":\"\"}", "unknown command");
	refused("{\"cmd\":\"a-command-name-longer-than-the-buffer-holds\"}", "longer than");
	refused("{\"cmd\":1}", "must be a string");
	refused("{\"cmd\":null}", "must be a string");
	refused("{\"cmd\":[\"status\"]}", "must be a string");
	refused("{\"cmd\":{\"x\":1}}", "must be a string");
	refused("{\"cmd\":true}", "must be a string");
	refused("{\"cmd\":\"status\",\"cmd\":\"destroy\"}", "not JSON"); /* duplicate */
	refused("{\"cmd\":\"status\",\"path\":\"/x\"}", "takes no \"path\"");
	refused("{\"cmd\":\"destroy\",\"force\":\"yes\"}", "takes no \"force\"");
	refused("{\"cmd\":\"console\",\"tty\":\"/dev/pts/0\"}", "takes no \"tty\"");
	refused("{\"cmd\":\"xenstore-read\",\"path\":\"/x\",\"value\":\"v\"}", "takes no \"value\"");
	refused("{\"cmd\":\"status\",\"\\u001b[2J\":\"x\"}", "takes no \"?[2J\"");
	refused("{\"cmd\":\"sta\\u0000tus\"}", "not JSON"); /* jansson refuses NUL */
}
END_TEST

START_TEST(bad_arguments)
{
	refused("{\"cmd\":\"xenstore-read\"}", "needs a \"path\"");
	refused("{\"cmd\":\"xenstore-write\",\"path\":\"/x\"}", "needs a \"value\"");
	refused("{\"cmd\":\"xenstore-write\",\"value\":\"v\"}", "needs a \"path\"");
	refused("{\"cmd\":\"xenstore-read\",\"path\":\"local/domain\"}", "absolute");
	refused("{\"cmd\":\"xenstore-read\",\"path\":\"\"}", "absolute");
	refused("{\"cmd\":\"xenstore-read\",\"path\":5}", "must be a string");
	refused("{\"cmd\":\"xenstore-write\",\"path\":\"/x\",\"value\":5}", "must be a string");
	refused("{\"cmd\":\"xenstore-write\",\"path\":\"/x\",\"value\":\"a\\u0000b\"}", "not JSON");
	refused("{\"cmd\":\"xenstore-read\",\"path\":\"/\\ud800\"}", "not JSON"); /* lone surrogate */
	/* raw bytes that are not UTF-8 */
	refused("{\"cmd\":\"xenstore-read\",\"path\":\"/\xff\xfe\"}", "not JSON");
}
END_TEST

/* A path or value one byte too long, and the longest that fits. */
START_TEST(lengths)
{
	char *line = malloc(CONTROL_LINE_MAX * 2);
	char *path = malloc(XENSTORE_ABS_PATH_MAX + 2);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(path);
	memset(path, 'a', XENSTORE_ABS_PATH_MAX + 1);
	path[0] = '/';
	path[XENSTORE_ABS_PATH_MAX] = '\0';
	snprintf(line, CONTROL_LINE_MAX * 2, "{\"cmd\":\"xenstore-read\",\"path\":\"%s\"}", path);
	ck_assert_int_eq(parse(line), 0);
	ck_assert_uint_eq(strlen(req.path), XENSTORE_ABS_PATH_MAX);
	path[XENSTORE_ABS_PATH_MAX] = 'a';
	path[XENSTORE_ABS_PATH_MAX + 1] = '\0';
	snprintf(line, CONTROL_LINE_MAX * 2, "{\"cmd\":\"xenstore-read\",\"path\":\"%s\"}", path);
	refused(line, "longer than");

	/* A value of escapes: short on the wire per character, long decoded. */
	char *p = line + sprintf(line, "{\"cmd\":\"xenstore-write\",\"path\":\"/x\",\"value\":\"");
	for (int i = 0; i < XENSTORE_PAYLOAD_MAX + 1; i++)
		*p++ = 'v';
	strcpy(p, "\"}");
	refused(line, "longer than");

	/* A line past the limit is refused before it is parsed. */
	memset(line, ' ', CONTROL_LINE_MAX + 1);
	memcpy(line, "{\"cmd\":\"status\"}", 16);
	ck_assert_int_eq(control_request_parse(line, CONTROL_LINE_MAX + 1, &req, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than"));
	ck_assert_int_eq(control_request_parse(line, CONTROL_LINE_MAX, &req, err, sizeof err), 0);
	free(line);
	free(path);
}
END_TEST

/* Deep nesting: refused, without exhausting the stack. */
START_TEST(deep_nesting)
{
	size_t depth = 4000;
	char *line = malloc(2 * depth + 64);
	ck_assert_ptr_nonnull(line);
	char *p = line + sprintf(line, "{\"cmd\":");
	for (size_t i = 0; i < depth; i++)
		*p++ = '[';
	for (size_t i = 0; i < depth; i++)
		*p++ = ']';
	strcpy(p, "}");
	ck_assert_int_eq(control_request_parse(line, strlen(line), &req, err, sizeof err), -1);
	free(line);
}
END_TEST

/* A line holding a raw NUL: the bytes after it are not ignored. */
START_TEST(embedded_nul)
{
	static const char line[] = "{\"cmd\":\"status\"}\0{\"cmd\":\"destroy\"}";
	ck_assert_int_eq(control_request_parse(line, sizeof line - 1, &req, err, sizeof err), -1);
	ck_assert_int_eq(control_request_parse(line, 16, &req, err, sizeof err), 0);
	ck_assert_int_eq(req.cmd, CONTROL_STATUS);
}
END_TEST

/* A tiny err buffer still ends in a NUL. */
START_TEST(small_error_buffer)
{
	char small[4];
	ck_assert_int_eq(control_request_parse("{}", 2, &req, small, sizeof small), -1);
	ck_assert_uint_lt(strlen(small), sizeof small);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("control_proto");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, every_command);
	tcase_add_test(tc, xenstore_arguments);
	tcase_add_test(tc, not_a_request);
	tcase_add_test(tc, bad_commands_and_keys);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, lengths);
	tcase_add_test(tc, deep_nesting);
	tcase_add_test(tc, embedded_nul);
	tcase_add_test(tc, small_error_buffer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
