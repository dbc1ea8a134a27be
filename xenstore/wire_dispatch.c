#include "xenstore/wire_dispatch.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/daemon_log.h"
#include "xenstore/wire_ops.h"

/* Privileged: only domain 0 (every socket client) may send it. */
#define WIRE_PRIV (1u << 0)
/* The header's tx_id is not a transaction this request runs in. */
#define WIRE_NOTID (1u << 1)
/* The payload is a path, its NUL, then a binary value. */
#define WIRE_PATH_VALUE (1u << 2)

/* max_args 0: any number of strings (each still NUL-terminated). */
struct wire_op {
	const char *name;
	wire_handler *fn;
	unsigned flags;
	uint8_t min_args, max_args;
};

static const struct wire_op wire_ops[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { "CONTROL", wire_op_control, WIRE_PRIV | WIRE_NOTID, 1, 0 },
	[XS_DIRECTORY] = { "DIRECTORY", wire_op_directory, 0, 1, 1 },
	[XS_READ] = { "READ", wire_op_read, 0, 1, 1 },
	[XS_GET_PERMS] = { "GET_PERMS", wire_op_get_perms, 0, 1, 1 },
	[XS_WATCH] = { "WATCH", wire_op_watch, WIRE_NOTID, 2, 3 },
	[XS_UNWATCH] = { "UNWATCH", wire_op_unwatch, WIRE_NOTID, 2, 3 },
	[XS_TRANSACTION_START] = { "TRANSACTION_START",
				   wire_op_transaction_start, 0, 0, 1 },
	[XS_TRANSACTION_END] = { "TRANSACTION_END", wire_op_transaction_end,
				 0, 1, 1 },
	[XS_INTRODUCE] = { "INTRODUCE", wire_op_introduce,
			   WIRE_PRIV | WIRE_NOTID, 3, 4 },
	[XS_RELEASE] = { "RELEASE", wire_op_release, WIRE_PRIV | WIRE_NOTID,
			 1, 1 },
	[XS_GET_DOMAIN_PATH] = { "GET_DOMAIN_PATH", wire_op_get_domain_path,
				 WIRE_NOTID, 1, 1 },
	[XS_WRITE] = { "WRITE", wire_op_write, WIRE_PATH_VALUE, 1, 1 },
	[XS_MKDIR] = { "MKDIR", wire_op_mkdir, 0, 1, 1 },
	[XS_RM] = { "RM", wire_op_rm, 0, 1, 1 },
	[XS_SET_PERMS] = { "SET_PERMS", wire_op_set_perms, 0, 2, 0 },
	[XS_IS_DOMAIN_INTRODUCED] = { "IS_DOMAIN_INTRODUCED",
				      wire_op_is_domain_introduced,
				      WIRE_PRIV | WIRE_NOTID, 1, 1 },
	[XS_RESUME] = { "RESUME", wire_op_resume, WIRE_PRIV | WIRE_NOTID, 1, 1 },
	[XS_SET_TARGET] = { "SET_TARGET", wire_op_set_target,
			    WIRE_PRIV | WIRE_NOTID, 2, 2 },
	[XS_RESET_WATCHES] = { "RESET_WATCHES", wire_op_reset_watches,
			       WIRE_NOTID, 0, 1 },
	[XS_DIRECTORY_PART] = { "DIRECTORY_PART", wire_op_directory_part, 0,
				2, 2 },
};

const char *wire_type_name(uint32_t type)
{
	if (type >= XS_TYPE_COUNT || !wire_ops[type].fn)
		return NULL;
	return wire_ops[type].name;
}

/* The payload matches the operation's layout: enough NUL-terminated
 * strings, not too many, and nothing unterminated after them (except a
 * WRITE value). */
static int check_layout(const struct wire_op *op, struct wire_req *rq)
{
	unsigned limit = op->max_args ? op->max_args : op->min_args;

	if (op->flags & WIRE_PATH_VALUE) {
		wire_split(rq->payload, rq->len, 1, &rq->args);
		return rq->args.count == 1 ? 0 : EINVAL;
	}
	wire_split(rq->payload, rq->len, limit, &rq->args);
	if (rq->args.count < op->min_args)
		return EINVAL;
	if (rq->args.too_many) {
		if (op->max_args)
			return EINVAL;
		/* Unbounded: the handler walks the rest, which must end
		 * in a NUL like every string before it. */
		return rq->args.tail[rq->args.tail_len - 1] == '\0' ? 0
								    : EINVAL;
	}
	return rq->args.tail_len == 0 ? 0 : EINVAL;
}

static int check_request(struct wire_server *srv, struct conn *c,
			 const struct wire_op *op, struct wire_req *rq)
{
	int err;

	if (!op->fn)
		return ENOSYS;
	err = xs_store_quota_check(srv->store, c->domid,
				   XS_QUOTA_REQUEST_SIZE, rq->len);
	if (err)
		return err;
	err = check_layout(op, rq);
	if (err)
		return err;
	if ((op->flags & WIRE_PRIV) && !c->privileged)
		return EACCES;
	if (!(op->flags & WIRE_NOTID) && rq->hdr->tx_id != 0 &&
	    xs_store_tx_owner(srv->store, rq->hdr->tx_id) != c)
		return ENOENT;
	return 0;
}

void wire_process_message(struct wire_server *srv, struct conn *c,
			  const struct xsd_sockmsg *hdr, const char *payload)
{
	static const struct wire_op unknown = { "UNKNOWN", NULL, 0, 0, 0 };
	const struct wire_op *op = hdr->type < XS_TYPE_COUNT
					   ? &wire_ops[hdr->type]
					   : &unknown;
	struct wire_req rq = { .hdr = hdr, .payload = payload, .len = hdr->len };
	int err;

	if (srv->log_requests)
		xsd_log("dom%u %s(%" PRIu32 ") req %" PRIu32 " tx %" PRIu32
			" len %" PRIu32,
			c->domid, op->name, hdr->type, hdr->req_id, hdr->tx_id,
			hdr->len);
	err = check_request(srv, c, op, &rq);
	if (!err)
		err = op->fn(srv, c, &rq);
	if (err && conn_queue_error(c, hdr->req_id, hdr->tx_id, err) != 0)
		/* Not even an error reply fits: the client would wait
		 * forever, so better it sees the connection fail. */
		c->broken = true;
}

size_t wire_consume(struct wire_server *srv, struct conn *c, const void *buf,
		    size_t len)
{
	const uint8_t *in = buf;
	size_t done = 0;

	while (done < len && conn_wants_input(c)) {
		size_t used;
		enum wire_feed r = wire_reader_feed(&c->in, in + done,
						    len - done, &used);

		done += used;
		if (r == WIRE_TOO_LONG) {
			c->broken = true;
			break;
		}
		if (r == WIRE_COMPLETE) {
			wire_process_message(srv, c, &c->in.hdr,
					     c->in.payload);
			wire_reader_reset(&c->in);
		}
	}
	return done;
}

void wire_fire_watch(void *opaque, void *watcher, const char *path,
		     const char *token)
{
	struct conn *c = watcher;

	(void)opaque;
	if (!conn_queue_event(c, path, token) && c->events_dropped == 1)
		xsd_log("dom%u is not reading its watch events; dropping them",
			c->domid);
}

void wire_conn_gone(struct wire_server *srv, struct conn *c)
{
	xs_store_watch_reset(srv->store, c);
	xs_store_tx_end_owner(srv->store, c);
}

int wire_reply(struct conn *c, const struct wire_req *rq, const void *data,
	       size_t len)
{
	struct conn_part part = { data, len };

	return conn_queue(c, rq->hdr->type, rq->hdr->req_id, rq->hdr->tx_id,
			  &part, 1);
}

int wire_reply_ok(struct conn *c, const struct wire_req *rq)
{
	return wire_reply(c, rq, "OK", 3);
}

int wire_resolve(const struct conn *c, const char *in, char out[WIRE_PATH_BUF],
		 size_t *strip)
{
	size_t len = strlen(in);

	if (len == 0)
		return EINVAL;
	if (in[0] == '/' || in[0] == '@') {
		if (len > XENSTORE_ABS_PATH_MAX)
			return EINVAL;
		memcpy(out, in, len + 1);
		if (strip)
			*strip = 0;
		return 0;
	}
	size_t home = strlen(c->home);

	if (len > XENSTORE_REL_PATH_MAX || home + 1 + len > XENSTORE_ABS_PATH_MAX)
		return EINVAL;
	memcpy(out, c->home, home);
	out[home] = '/';
	memcpy(out + home + 1, in, len + 1);
	if (strip)
		*strip = home + 1;
	return 0;
}

int wire_parse_u64(const char *s, uint64_t *v)
{
	uint64_t n = 0;

	if (!*s)
		return EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return EINVAL;
		if (n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return EINVAL;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*v = n;
	return 0;
}

int wire_parse_domid(const char *s, unsigned int *domid)
{
	uint64_t v;

	if (wire_parse_u64(s, &v) || v > 65535)
		return EINVAL;
	*domid = (unsigned int)v;
	return 0;
}
