/* Requests about domains. All but GET_DOMAIN_PATH are domain 0's alone
 * (the dispatch table enforces that). */
#include <stdio.h>
#include <string.h>

#include "xenstore/wire_ops.h"

/* INTRODUCE <domid> <mfn> <port>: the ring is the embedder's business
 * (hooks.introduce maps it); the store records the domain and fires
 * @introduceDomain. */
int wire_op_introduce(struct wire_server *srv, struct conn *c,
		      const struct wire_req *rq)
{
	unsigned int domid;
	uint64_t mfn, port;
	int err = wire_parse_domid(rq->args.strings[0], &domid);

	if (!err)
		err = wire_parse_u64(rq->args.strings[1], &mfn);
	if (!err)
		err = wire_parse_u64(rq->args.strings[2], &port);
	if (err || domid == 0 || port > UINT32_MAX)
		return EINVAL;
	if (xs_store_domain_is_introduced(srv->store, domid))
		return EEXIST;
	if (srv->hooks.introduce) {
		err = srv->hooks.introduce(srv->hooks.opaque, domid, mfn,
					   (unsigned int)port);
		if (err)
			return err;
	}
	err = xs_store_domain_introduce(srv->store, c->domid, domid);
	if (err) {
		if (srv->hooks.release)
			srv->hooks.release(srv->hooks.opaque, domid);
		return err;
	}
	return wire_reply_ok(c, rq);
}

int wire_op_release(struct wire_server *srv, struct conn *c,
		    const struct wire_req *rq)
{
	unsigned int domid;
	int err = wire_parse_domid(rq->args.strings[0], &domid);

	if (!err)
		err = xs_store_domain_release(srv->store, c->domid, domid);
	if (err)
		return err;
	if (srv->hooks.release)
		srv->hooks.release(srv->hooks.opaque, domid);
	return wire_reply_ok(c, rq);
}

int wire_op_get_domain_path(struct wire_server *srv, struct conn *c,
			    const struct wire_req *rq)
{
	char path[32];
	unsigned int domid;
	int err = wire_parse_domid(rq->args.strings[0], &domid);

	(void)srv;
	if (!err)
		err = xs_store_domain_path(domid, path, sizeof(path));
	return err ? err : wire_reply(c, rq, path, strlen(path) + 1);
}

int wire_op_is_domain_introduced(struct wire_server *srv, struct conn *c,
				 const struct wire_req *rq)
{
	unsigned int domid;
	int err = wire_parse_domid(rq->args.strings[0], &domid);

	if (err)
		return err;
	return wire_reply(c, rq,
			  xs_store_domain_is_introduced(srv->store, domid) ? "T"
									  : "F",
			  2);
}

/* RESUME re-arms @releaseDomain for a domain that shut down and came
 * back. Domains here are released only explicitly, never by shutdown, so
 * there is nothing to re-arm; what remains is xenstored's check that the
 * domain is known. */
int wire_op_resume(struct wire_server *srv, struct conn *c,
		   const struct wire_req *rq)
{
	unsigned int domid;
	int err = wire_parse_domid(rq->args.strings[0], &domid);

	if (err)
		return err;
	if (!xs_store_domain_is_introduced(srv->store, domid))
		return ENOENT;
	return wire_reply_ok(c, rq);
}

/* SET_TARGET <domid> <tdomid>: domid (a device-model stub domain) gets
 * tdomid's node permissions besides its own, until either is released. */
int wire_op_set_target(struct wire_server *srv, struct conn *c,
		       const struct wire_req *rq)
{
	unsigned int domid, target;
	int err = wire_parse_domid(rq->args.strings[0], &domid);

	if (!err)
		err = wire_parse_domid(rq->args.strings[1], &target);
	if (!err)
		err = xs_store_set_target(srv->store, c->domid, domid, target);
	return err ? err : wire_reply_ok(c, rq);
}
