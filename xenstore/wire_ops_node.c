/* Requests that read or change nodes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/wire_ops.h"

int wire_op_read(struct wire_server *srv, struct conn *c,
		 const struct wire_req *rq)
{
	char path[WIRE_PATH_BUF];
	char *val;
	size_t len;
	int err = wire_resolve(c, rq->args.strings[0], path, NULL);

	if (!err)
		err = xs_store_read(srv->store, c->domid, rq->hdr->tx_id, path,
				    &val, &len);
	if (err)
		return err;
	err = wire_reply(c, rq, val, len);
	free(val);
	return err;
}

int wire_op_write(struct wire_server *srv, struct conn *c,
		  const struct wire_req *rq)
{
	char path[WIRE_PATH_BUF];
	int err = wire_resolve(c, rq->args.strings[0], path, NULL);

	if (!err)
		err = xs_store_write(srv->store, c->domid, rq->hdr->tx_id, path,
				     rq->args.tail, rq->args.tail_len);
	return err ? err : wire_reply_ok(c, rq);
}

int wire_op_mkdir(struct wire_server *srv, struct conn *c,
		  const struct wire_req *rq)
{
	char path[WIRE_PATH_BUF];
	int err = wire_resolve(c, rq->args.strings[0], path, NULL);

	if (!err)
		err = xs_store_mkdir(srv->store, c->domid, rq->hdr->tx_id, path);
	return err ? err : wire_reply_ok(c, rq);
}

int wire_op_rm(struct wire_server *srv, struct conn *c,
	       const struct wire_req *rq)
{
	char path[WIRE_PATH_BUF];
	int err = wire_resolve(c, rq->args.strings[0], path, NULL);

	if (!err)
		err = xs_store_rm(srv->store, c->domid, rq->hdr->tx_id, path);
	return err ? err : wire_reply_ok(c, rq);
}

static int list_children(struct wire_server *srv, struct conn *c,
			 const struct wire_req *rq, char **list, size_t *len,
			 uint64_t *gen)
{
	char path[WIRE_PATH_BUF];
	int err = wire_resolve(c, rq->args.strings[0], path, NULL);

	if (err)
		return err;
	return xs_store_directory(srv->store, c->domid, rq->hdr->tx_id, path,
				  list, len, gen);
}

/* A listing longer than one payload is E2BIG: libxenstore then switches
 * to DIRECTORY_PART. */
int wire_op_directory(struct wire_server *srv, struct conn *c,
		      const struct wire_req *rq)
{
	char *list;
	size_t len;
	int err = list_children(srv, c, rq, &list, &len, NULL);

	if (err)
		return err;
	err = len > XENSTORE_PAYLOAD_MAX ? E2BIG : wire_reply(c, rq, list, len);
	free(list);
	return err;
}

/* Reply: "<generation>\0" then as many whole names from byte `offset` of
 * the full listing as fit, and one more "\0" (an empty name) once the
 * listing's end is included, which is how the client knows it is done. */
int wire_op_directory_part(struct wire_server *srv, struct conn *c,
			   const struct wire_req *rq)
{
	uint64_t offset, gen;
	char *list;
	size_t len;
	int err = wire_parse_u64(rq->args.strings[1], &offset);

	if (err)
		return err;
	err = list_children(srv, c, rq, &list, &len, &gen);
	if (err)
		return err;

	char genstr[24];
	size_t genlen = (size_t)snprintf(genstr, sizeof(genstr), "%" PRIu64,
					 gen) + 1;
	size_t start = offset < len ? (size_t)offset : len;
	size_t room = XENSTORE_PAYLOAD_MAX - genlen - 1;
	size_t end = start;

	while (end < len) {
		size_t name = strlen(list + end) + 1;

		if (end - start + name > room)
			break;
		end += name;
	}
	struct conn_part parts[3] = {
		{ genstr, genlen },
		{ list + start, end - start },
		{ "", end == len ? 1 : 0 },
	};

	err = conn_queue(c, rq->hdr->type, rq->hdr->req_id, rq->hdr->tx_id,
			 parts, 3);
	free(list);
	return err;
}

int wire_op_get_perms(struct wire_server *srv, struct conn *c,
		      const struct wire_req *rq)
{
	char path[WIRE_PATH_BUF];
	struct xs_store_perm *perms;
	unsigned int n;
	char *text;
	size_t len;
	int err = wire_resolve(c, rq->args.strings[0], path, NULL);

	if (!err)
		err = xs_store_get_perms(srv->store, c->domid, rq->hdr->tx_id,
					 path, &perms, &n);
	if (err)
		return err;
	err = xs_store_perms_format(perms, n, &text, &len);
	free(perms);
	if (err)
		return err;
	err = len > XENSTORE_PAYLOAD_MAX ? E2BIG : wire_reply(c, rq, text, len);
	free(text);
	return err;
}

int wire_op_set_perms(struct wire_server *srv, struct conn *c,
		      const struct wire_req *rq)
{
	char path[WIRE_PATH_BUF];
	const char *first = rq->args.strings[0];
	size_t skip = strlen(first) + 1;
	struct xs_store_perm *perms;
	unsigned int n;
	int err = wire_resolve(c, first, path, NULL);

	if (err)
		return err;
	err = xs_store_perms_parse(rq->payload + skip, rq->len - skip, &perms,
				   &n);
	if (err)
		return err;
	err = xs_store_set_perms(srv->store, c->domid, rq->hdr->tx_id, path,
				 perms, n);
	free(perms);
	return err ? err : wire_reply_ok(c, rq);
}
