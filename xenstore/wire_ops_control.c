/* CONTROL <command> [<argument>...]: the daemon's own knobs. The set is
 * implementation specific (as in xenstored); an unknown command is EINVAL. */
#include <stdio.h>
#include <string.h>

#include "xenstore/wire_ops.h"

#include "xenstore/daemon_log.h"
struct control_cmd {
	const char *name;
	const char *usage;
	int (*fn)(struct wire_server *srv, struct conn *c,
		  const struct wire_req *rq, const char *const *argv,
		  unsigned argc);
};

static const struct control_cmd control_cmds[];

static int control_print(struct wire_server *srv, struct conn *c,
			 const struct wire_req *rq, const char *const *argv,
			 unsigned argc)
{
	(void)srv;
	if (argc != 1)
		return EINVAL;
	xsd_log("%s", argv[0]);
	return wire_reply_ok(c, rq);
}

static int control_log(struct wire_server *srv, struct conn *c,
		       const struct wire_req *rq, const char *const *argv,
		       unsigned argc)
{
	if (argc != 1)
		return EINVAL;
	if (strcmp(argv[0], "on") == 0)
		srv->log_requests = true;
	else if (strcmp(argv[0], "off") == 0)
		srv->log_requests = false;
	else
		return EINVAL;
	return wire_reply_ok(c, rq);
}

/* "quota" lists every limit; "quota <name> <value>" changes one. */
static int control_quota(struct wire_server *srv, struct conn *c,
			 const struct wire_req *rq, const char *const *argv,
			 unsigned argc)
{
	if (argc == 0) {
		char text[XENSTORE_PAYLOAD_MAX];
		size_t len = 0;

		for (int q = 0; q < XS_QUOTA_COUNT; q++)
			len += (size_t)snprintf(
				text + len, sizeof(text) - len, "%-16s %u\n",
				xs_quota_name((enum xs_quota)q),
				xs_store_quota_get(srv->store, (enum xs_quota)q));
		return wire_reply(c, rq, text, len + 1);
	}
	if (argc != 2)
		return EINVAL;

	uint64_t value;

	if (wire_parse_u64(argv[1], &value) || value > UINT32_MAX)
		return EINVAL;
	for (int q = 0; q < XS_QUOTA_COUNT; q++) {
		if (strcmp(argv[0], xs_quota_name((enum xs_quota)q)) == 0) {
			xs_store_quota_set(srv->store, (enum xs_quota)q,
					   (unsigned int)value);
			return wire_reply_ok(c, rq);
		}
	}
	return EINVAL;
}

static int control_help(struct wire_server *srv, struct conn *c,
			const struct wire_req *rq, const char *const *argv,
			unsigned argc)
{
	char text[1024];
	size_t len = 0;

	(void)srv;
	(void)argv;
	if (argc != 0)
		return EINVAL;
	for (const struct control_cmd *cmd = control_cmds; cmd->name; cmd++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"%s%s%s\n", cmd->name,
					*cmd->usage ? " " : "", cmd->usage);
	return wire_reply(c, rq, text, len + 1);
}

static const struct control_cmd control_cmds[] = {
	{ "help", "", control_help },
	{ "log", "on|off", control_log },
	{ "print", "<string>", control_print },
	{ "quota", "[<name> <value>]", control_quota },
	{ NULL, NULL, NULL },
};

int wire_op_control(struct wire_server *srv, struct conn *c,
		    const struct wire_req *rq)
{
	const char *argv[WIRE_MAX_ARGS];
	unsigned argc = 0;
	struct wire_args all;

	/* The table let any number of strings through; commands here take
	 * few, so more than fit is simply a bad command line. */
	wire_split(rq->payload, rq->len, WIRE_MAX_ARGS, &all);
	if (all.too_many)
		return EINVAL;
	for (unsigned i = 1; i < all.count; i++)
		argv[argc++] = all.strings[i];
	for (const struct control_cmd *cmd = control_cmds; cmd->name; cmd++)
		if (strcmp(all.strings[0], cmd->name) == 0)
			return cmd->fn(srv, c, rq, argv, argc);
	return EINVAL;
}
