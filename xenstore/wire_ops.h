/* Internal to the protocol layer: the request handlers the dispatch table
 * points at, and the helpers they share. A handler runs only after
 * wire_process_message checked the request's argument layout, privilege
 * and transaction; it queues its reply and returns 0, or returns a
 * positive errno that becomes an XS_ERROR reply. */
#ifndef XENSTORE_WIRE_OPS_H
#define XENSTORE_WIRE_OPS_H

#include "xenstore/wire_dispatch.h"

struct wire_req {
	const struct xsd_sockmsg *hdr;
	const char *payload;
	uint32_t len;
	struct wire_args args;
};

typedef int wire_handler(struct wire_server *srv, struct conn *c,
			 const struct wire_req *rq);

/* Node operations (wire_ops_node.c) */
wire_handler wire_op_read, wire_op_write, wire_op_mkdir, wire_op_rm,
	wire_op_directory, wire_op_directory_part, wire_op_get_perms,
	wire_op_set_perms;
/* Watches and transactions (wire_ops_session.c) */
wire_handler wire_op_watch, wire_op_unwatch, wire_op_reset_watches,
	wire_op_transaction_start, wire_op_transaction_end;
/* Domains (wire_ops_domain.c) */
wire_handler wire_op_introduce, wire_op_release, wire_op_get_domain_path,
	wire_op_is_domain_introduced, wire_op_resume, wire_op_set_target;
/* CONTROL (wire_ops_control.c) */
wire_handler wire_op_control;

/* Replies carrying data, "OK", or a decimal number string. */
int wire_reply(struct conn *c, const struct wire_req *rq, const void *data,
	       size_t len);
int wire_reply_ok(struct conn *c, const struct wire_req *rq);

/* Makes a request's path absolute: absolute and '@' paths as given,
 * relative ones under c's home. *strip (may be NULL) is what a watch on it
 * must drop from fired paths to report them relative again. EINVAL for an
 * empty path or one over XENSTORE_REL_PATH_MAX / XENSTORE_ABS_PATH_MAX. */
#define WIRE_PATH_BUF (XENSTORE_ABS_PATH_MAX + 1)
int wire_resolve(const struct conn *c, const char *in, char out[WIRE_PATH_BUF],
		 size_t *strip);

/* A decimal domain id 0..65535 with nothing after it; EINVAL otherwise. */
int wire_parse_domid(const char *s, unsigned int *domid);
/* A plain unsigned decimal with nothing after it; EINVAL otherwise. */
int wire_parse_u64(const char *s, uint64_t *v);

#endif
