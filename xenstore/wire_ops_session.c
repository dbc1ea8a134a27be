/* Requests about a connection's own state: its watches and transactions. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xenstore/wire_ops.h"

/* Watches are kept with absolute paths; one the client gave relative
 * fires relative (the store drops `strip` leading characters). */
int wire_op_watch(struct wire_server *srv, struct conn *c,
		  const struct wire_req *rq)
{
	const char *given = rq->args.strings[0];
	const char *token = rq->args.strings[1];
	char path[WIRE_PATH_BUF];
	size_t strip;
	int err = wire_resolve(c, given, path, &strip);

	if (!err)
		err = xs_store_watch_add(srv->store, c, c->domid, path, strip,
					 token);
	if (!err)
		err = wire_reply_ok(c, rq);
	if (err)
		return err;
	/* As xenstored: every new watch fires once, with the path as the
	 * client wrote it, right after the acknowledgement. */
	wire_fire_watch(srv, c, given, token);
	return 0;
}

int wire_op_unwatch(struct wire_server *srv, struct conn *c,
		    const struct wire_req *rq)
{
	char path[WIRE_PATH_BUF];
	int err = wire_resolve(c, rq->args.strings[0], path, NULL);

	if (!err)
		err = xs_store_watch_remove(srv->store, c, path,
					    rq->args.strings[1]);
	return err ? err : wire_reply_ok(c, rq);
}

int wire_op_reset_watches(struct wire_server *srv, struct conn *c,
			  const struct wire_req *rq)
{
	wire_conn_gone(srv, c);
	return wire_reply_ok(c, rq);
}

int wire_op_transaction_start(struct wire_server *srv, struct conn *c,
			      const struct wire_req *rq)
{
	uint32_t txid;
	char text[16];
	int err;

	/* Transactions do not nest. */
	if (rq->hdr->tx_id != 0)
		return EBUSY;
	err = xs_store_tx_start(srv->store, c->domid, c, &txid);
	if (err)
		return err;
	int n = snprintf(text, sizeof(text), "%" PRIu32, txid);

	return wire_reply(c, rq, text, (size_t)n + 1);
}

int wire_op_transaction_end(struct wire_server *srv, struct conn *c,
			    const struct wire_req *rq)
{
	const char *how = rq->args.strings[0];
	bool commit;
	int err;

	if (rq->hdr->tx_id == 0)
		return ENOENT;
	if (strcmp(how, "T") == 0)
		commit = true;
	else if (strcmp(how, "F") == 0)
		commit = false;
	else
		return EINVAL;
	err = xs_store_tx_end(srv->store, c->domid, rq->hdr->tx_id, commit);
	return err ? err : wire_reply_ok(c, rq);
}
