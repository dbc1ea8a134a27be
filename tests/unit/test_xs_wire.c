/* The xenstore protocol layer: framing, request validation and dispatch,
 * watch events, output bounds, and the guest ring transport with hostile
 * indexes. Requests go through the real store engine. */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/conn.h"
#include "xenstore/transport_ring.h"
#include "xenstore/wire.h"
#include "xenstore/wire_dispatch.h"

/* ---- Harness ------------------------------------------------------------ */

struct reply {
	struct xsd_sockmsg hdr;
	char payload[XENSTORE_PAYLOAD_MAX + 1];
};

static struct wire_server srv;

static void setup(void)
{
	memset(&srv, 0, sizeof(srv));
	srv.store = xs_store_new(wire_fire_watch, &srv);
	ck_assert_ptr_nonnull(srv.store);
}

static void teardown(void)
{
	xs_store_free(srv.store);
}

static void new_conn(struct conn *c, unsigned int domid)
{
	conn_init(c, domid, NULL, NULL);
}

static void drop_conn(struct conn *c)
{
	wire_conn_gone(&srv, c);
	conn_fini(c);
}

/* Takes the next queued message off c; false if none. */
static bool pop(struct conn *c, struct reply *r)
{
	const uint8_t *bytes;
	size_t n = conn_out_peek(c, &bytes);

	if (n == 0)
		return false;
	ck_assert_uint_ge(n, WIRE_HDR_SIZE);
	memcpy(&r->hdr, bytes, WIRE_HDR_SIZE);
	ck_assert_uint_eq(n, WIRE_HDR_SIZE + r->hdr.len);
	memcpy(r->payload, bytes + WIRE_HDR_SIZE, r->hdr.len);
	r->payload[r->hdr.len] = '\0';
	conn_out_advance(c, n);
	return true;
}

static void send_raw(struct conn *c, uint32_t type, uint32_t tx,
		     const void *payload, uint32_t len)
{
	struct xsd_sockmsg hdr = wire_header(type, 0x1234, tx, len);

	wire_process_message(&srv, c, &hdr, payload);
}

/* One request whose payload is given with its NULs (len counts them). */
static struct reply req(struct conn *c, uint32_t type, uint32_t tx,
			const char *payload, uint32_t len)
{
	struct reply r;

	send_raw(c, type, tx, payload, len);
	ck_assert_msg(pop(c, &r), "no reply to type %u", type);
	ck_assert_msg(r.hdr.req_id == 0x1234, "reply to type %u: type %u \"%s\"",
		      type, r.hdr.type, r.payload);
	ck_assert_uint_eq(r.hdr.tx_id, tx);
	return r;
}

#define REQ(c, type, tx, lit) req(c, type, tx, lit, sizeof(lit) - 1)

static void expect_error(struct reply r, const char *name)
{
	ck_assert_uint_eq(r.hdr.type, XS_ERROR);
	ck_assert_str_eq(r.payload, name);
	ck_assert_uint_eq(r.hdr.len, strlen(name) + 1);
}

static void expect_ok(struct reply r, uint32_t type)
{
	ck_assert_msg(r.hdr.type == type, "type %u (%s), wanted %u",
		      r.hdr.type, r.payload, type);
	ck_assert_str_eq(r.payload, "OK");
}

static void write_node(struct conn *c, const char *path, const char *val)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1, vl = strlen(val);

	memcpy(buf, path, pl);
	memcpy(buf + pl, val, vl);
	expect_ok(req(c, XS_WRITE, 0, buf, (uint32_t)(pl + vl)), XS_WRITE);
}

/* ---- Framing ------------------------------------------------------------ */

static size_t frame(uint8_t *out, uint32_t type, uint32_t req_id,
		    const void *payload, uint32_t len)
{
	struct xsd_sockmsg hdr = wire_header(type, req_id, 0, len);

	memcpy(out, &hdr, WIRE_HDR_SIZE);
	memcpy(out + WIRE_HDR_SIZE, payload, len);
	return WIRE_HDR_SIZE + len;
}

START_TEST(reader_byte_by_byte)
{
	static struct wire_reader r;
	uint8_t buf[64];
	size_t n = frame(buf, XS_READ, 7, "/a\0", 3), used;

	wire_reader_reset(&r);
	for (size_t i = 0; i + 1 < n; i++) {
		ck_assert_int_eq(wire_reader_feed(&r, buf + i, 1, &used),
				 WIRE_NEED_MORE);
		ck_assert_uint_eq(used, 1);
	}
	ck_assert_int_eq(wire_reader_feed(&r, buf + n - 1, 1, &used),
			 WIRE_COMPLETE);
	ck_assert_uint_eq(r.hdr.type, XS_READ);
	ck_assert_uint_eq(r.hdr.req_id, 7);
	ck_assert_str_eq(r.payload, "/a");
}
END_TEST

START_TEST(reader_stops_at_message_end)
{
	static struct wire_reader r;
	uint8_t buf[128];
	size_t n1 = frame(buf, XS_READ, 1, "/x", 2);
	size_t n2 = frame(buf + n1, XS_RM, 2, "/y\0", 3), used;

	wire_reader_reset(&r);
	ck_assert_int_eq(wire_reader_feed(&r, buf, n1 + n2, &used),
			 WIRE_COMPLETE);
	ck_assert_uint_eq(used, n1);
	/* The spare byte terminates a payload sent without its NUL. */
	ck_assert_str_eq(r.payload, "/x");
	wire_reader_reset(&r);
	ck_assert_int_eq(wire_reader_feed(&r, buf + n1, n2, &used),
			 WIRE_COMPLETE);
	ck_assert_uint_eq(r.hdr.req_id, 2);
}
END_TEST

START_TEST(reader_rejects_oversize)
{
	static struct wire_reader r;
	struct xsd_sockmsg hdr = wire_header(XS_WRITE, 1, 0,
					     XENSTORE_PAYLOAD_MAX + 1);
	size_t used;

	wire_reader_reset(&r);
	ck_assert_int_eq(wire_reader_feed(&r, &hdr, sizeof(hdr), &used),
			 WIRE_TOO_LONG);
	hdr.len = XENSTORE_PAYLOAD_MAX;
	wire_reader_reset(&r);
	ck_assert_int_eq(wire_reader_feed(&r, &hdr, sizeof(hdr), &used),
			 WIRE_NEED_MORE);
	hdr.len = UINT32_MAX;
	wire_reader_reset(&r);
	ck_assert_int_eq(wire_reader_feed(&r, &hdr, sizeof(hdr), &used),
			 WIRE_TOO_LONG);
}
END_TEST

START_TEST(split_and_error_names)
{
	struct wire_args a;

	wire_split("a\0bc\0tail", 9, 8, &a);
	ck_assert_uint_eq(a.count, 2);
	ck_assert_str_eq(a.strings[1], "bc");
	ck_assert_uint_eq(a.tail_len, 4);
	wire_split("a\0b\0c\0", 6, 2, &a);
	ck_assert(a.too_many);
	ck_assert_str_eq(a.tail, "c");
	ck_assert_str_eq(wire_error_name(ENOENT), "ENOENT");
	ck_assert_str_eq(wire_error_name(EPERM), "EPERM");
	ck_assert_str_eq(wire_error_name(ETIMEDOUT), "EINVAL");
	ck_assert_int_eq(wire_error_from_name("EAGAIN"), EAGAIN);
	ck_assert_int_eq(wire_error_from_name("EBOGUS"), 0);
}
END_TEST

/* ---- Output queue ------------------------------------------------------- */

START_TEST(output_partial_sends)
{
	struct conn c;
	struct conn_part part = { "hello", 6 };
	const uint8_t *bytes;

	new_conn(&c, 0);
	ck_assert_int_eq(conn_queue(&c, XS_READ, 1, 0, &part, 1), 0);
	ck_assert_int_eq(conn_queue(&c, XS_READ, 2, 0, &part, 1), 0);
	ck_assert_uint_eq(c.out_bytes, 2 * (WIRE_HDR_SIZE + 6));
	conn_out_advance(&c, 5);
	ck_assert_uint_eq(conn_out_peek(&c, &bytes), WIRE_HDR_SIZE + 1);
	conn_out_advance(&c, WIRE_HDR_SIZE + 1 + 3);
	ck_assert_uint_eq(conn_out_peek(&c, &bytes), WIRE_HDR_SIZE + 3);
	ck_assert_str_eq((const char *)bytes + WIRE_HDR_SIZE - 3, "hello");
	conn_fini(&c);
}
END_TEST

START_TEST(output_events_bounded)
{
	struct conn c;
	unsigned queued = 0;

	new_conn(&c, 1);
	for (int i = 0; i < 100000; i++)
		queued += conn_queue_event(&c, "/some/path/that/changed", "tok");
	ck_assert(c.overflowed);
	ck_assert_uint_lt(queued, 100000);
	ck_assert_uint_le(c.out_bytes, CONN_OUT_MAX + WIRE_MSG_MAX);
	ck_assert_uint_eq(c.events_dropped, 100000 - queued);
	ck_assert(!conn_wants_input(&c));
	conn_fini(&c);
}
END_TEST

START_TEST(backpressure_stops_consuming)
{
	struct conn c;
	static uint8_t stream[64 * 1024];
	size_t len = 0;

	new_conn(&c, 0);
	write_node(&c, "/big", "");
	{
		static char val[3000];
		char buf[3010];

		memset(val, 'v', sizeof(val));
		memcpy(buf, "/big", 5);
		memcpy(buf + 5, val, sizeof(val));
		expect_ok(req(&c, XS_WRITE, 0, buf, 5 + sizeof(val)), XS_WRITE);
	}
	/* Many READs of a 3000-byte value, sent without reading replies. */
	while (len + WIRE_HDR_SIZE + 5 <= sizeof(stream))
		len += frame(stream + len, XS_READ, 9, "/big", 5);
	size_t used = wire_consume(&srv, &c, stream, len);

	ck_assert_uint_lt(used, len);
	ck_assert_uint_ge(c.out_bytes, CONN_OUT_HIGH);
	ck_assert_uint_lt(c.out_bytes, CONN_OUT_HIGH + WIRE_MSG_MAX);
	/* Once the client takes its replies, the rest goes through. */
	struct reply r;

	while (pop(&c, &r))
		ck_assert_uint_eq(r.hdr.len, 3000);
	size_t more = wire_consume(&srv, &c, stream + used, len - used);

	ck_assert_uint_gt(more, 0);
	drop_conn(&c);
}
END_TEST

/* ---- Validation --------------------------------------------------------- */

START_TEST(unknown_types_are_enosys)
{
	struct conn c;

	new_conn(&c, 0);
	expect_error(REQ(&c, XS_TYPE_COUNT, 0, "/\0"), "ENOSYS");
	expect_error(REQ(&c, XS_INVALID, 0, ""), "ENOSYS");
	expect_error(REQ(&c, XS_WATCH_EVENT, 0, "/a\0t\0"), "ENOSYS");
	expect_error(REQ(&c, XS_ERROR, 0, "EINVAL\0"), "ENOSYS");
	expect_error(REQ(&c, XS_RESET_WATCHES - 1, 0, ""), "ENOSYS");
	drop_conn(&c);
}
END_TEST

START_TEST(argument_layout_checked)
{
	struct conn c;

	new_conn(&c, 0);
	/* READ: exactly one NUL-terminated string. */
	expect_error(REQ(&c, XS_READ, 0, "/abc"), "EINVAL");
	expect_error(REQ(&c, XS_READ, 0, ""), "EINVAL");
	expect_error(REQ(&c, XS_READ, 0, "/a\0/b\0"), "EINVAL");
	expect_error(REQ(&c, XS_READ, 0, "/a\0junk"), "EINVAL");
	/* WRITE needs its path's NUL; the value may hold anything. */
	expect_error(REQ(&c, XS_WRITE, 0, "/nonul"), "EINVAL");
	expect_ok(REQ(&c, XS_WRITE, 0, "/bin\0a\0b\0"), XS_WRITE);
	struct reply r = REQ(&c, XS_READ, 0, "/bin\0");

	ck_assert_uint_eq(r.hdr.len, 4);
	ck_assert_int_eq(memcmp(r.payload, "a\0b\0", 4), 0);
	/* WATCH: path and token. */
	expect_error(REQ(&c, XS_WATCH, 0, "/a\0"), "EINVAL");
	expect_error(REQ(&c, XS_WATCH, 0, "/a\0tok"), "EINVAL");
	/* SET_PERMS: path and at least one permission, all terminated. */
	expect_error(REQ(&c, XS_SET_PERMS, 0, "/bin\0"), "EINVAL");
	expect_error(REQ(&c, XS_SET_PERMS, 0, "/bin\0b0\0r1"), "EINVAL");
	expect_error(REQ(&c, XS_SET_PERMS, 0, "/bin\0x0\0"), "EINVAL");
	/* Paths. */
	expect_error(REQ(&c, XS_WRITE, 0, "/a//b\0v"), "EINVAL");
	expect_error(REQ(&c, XS_WRITE, 0, "/a/\0v"), "EINVAL");
	expect_error(REQ(&c, XS_WRITE, 0, "/a b\0v"), "EINVAL");
	expect_error(REQ(&c, XS_DIRECTORY_PART, 0, "/\0x1\0"), "EINVAL");
	expect_error(REQ(&c, XS_TRANSACTION_END, 5, "T\0"), "ENOENT");
	drop_conn(&c);
}
END_TEST

START_TEST(privileged_requests_need_dom0)
{
	struct conn guest, dom0;

	new_conn(&guest, 5);
	new_conn(&dom0, 0);
	expect_error(REQ(&guest, XS_INTRODUCE, 0, "6\0" "100\0" "3\0"), "EACCES");
	expect_error(REQ(&guest, XS_RELEASE, 0, "5\0"), "EACCES");
	expect_error(REQ(&guest, XS_SET_TARGET, 0, "5\0" "6\0"), "EACCES");
	expect_error(REQ(&guest, XS_IS_DOMAIN_INTRODUCED, 0, "5\0"), "EACCES");
	expect_error(REQ(&guest, XS_RESUME, 0, "5\0"), "EACCES");
	expect_error(REQ(&guest, XS_CONTROL, 0, "print\0hi\0"), "EACCES");
	/* Layout is checked before privilege. */
	expect_error(REQ(&guest, XS_INTRODUCE, 0, "6\0"), "EINVAL");

	struct reply r = REQ(&guest, XS_GET_DOMAIN_PATH, 0, "7\0");

	ck_assert_uint_eq(r.hdr.type, XS_GET_DOMAIN_PATH);
	ck_assert_str_eq(r.payload, "/local/domain/7");

	r = REQ(&dom0, XS_IS_DOMAIN_INTRODUCED, 0, "6\0");
	ck_assert_str_eq(r.payload, "F");
	expect_ok(REQ(&dom0, XS_INTRODUCE, 0, "6\0" "100\0" "3\0"), XS_INTRODUCE);
	r = REQ(&dom0, XS_IS_DOMAIN_INTRODUCED, 0, "6\0");
	ck_assert_uint_eq(r.hdr.type, XS_IS_DOMAIN_INTRODUCED);
	ck_assert_str_eq(r.payload, "T");
	expect_error(REQ(&dom0, XS_INTRODUCE, 0, "6\0" "100\0" "3\0"), "EEXIST");
	expect_error(REQ(&dom0, XS_INTRODUCE, 0, "0\0" "100\0" "3\0"), "EINVAL");
	expect_error(REQ(&dom0, XS_INTRODUCE, 0, "x\0" "100\0" "3\0"), "EINVAL");
	expect_ok(REQ(&dom0, XS_RESUME, 0, "6\0"), XS_RESUME);
	expect_ok(REQ(&dom0, XS_RELEASE, 0, "6\0"), XS_RELEASE);
	expect_error(REQ(&dom0, XS_RESUME, 0, "6\0"), "ENOENT");
	expect_error(REQ(&dom0, XS_RELEASE, 0, "6\0"), "ENOENT");
	drop_conn(&guest);
	drop_conn(&dom0);
}
END_TEST

START_TEST(transactions_checked_and_isolated)
{
	struct conn a, b;
	struct reply r;

	new_conn(&a, 0);
	new_conn(&b, 0);
	write_node(&a, "/t", "1");
	r = REQ(&a, XS_TRANSACTION_START, 0, "\0");
	ck_assert_uint_eq(r.hdr.type, XS_TRANSACTION_START);
	uint32_t tx = (uint32_t)strtoul(r.payload, NULL, 10);

	ck_assert_uint_ne(tx, 0);
	/* Another connection cannot use a's transaction. */
	expect_error(req(&b, XS_READ, tx, "/t", 3), "ENOENT");
	expect_error(req(&a, XS_READ, tx + 1000, "/t", 3), "ENOENT");
	/* No nesting. */
	expect_error(req(&a, XS_TRANSACTION_START, tx, "", 1), "EBUSY");
	expect_ok(req(&a, XS_WRITE, tx, "/t\0" "2", 4), XS_WRITE);
	r = REQ(&b, XS_READ, 0, "/t\0");
	ck_assert_str_eq(r.payload, "1");
	r = req(&a, XS_READ, tx, "/t", 3);
	ck_assert_str_eq(r.payload, "2");
	expect_error(req(&a, XS_TRANSACTION_END, tx, "X", 2), "EINVAL");
	expect_ok(req(&a, XS_TRANSACTION_END, tx, "T", 2), XS_TRANSACTION_END);
	r = REQ(&b, XS_READ, 0, "/t\0");
	ck_assert_str_eq(r.payload, "2");
	/* A conflicting commit is EAGAIN. */
	r = REQ(&a, XS_TRANSACTION_START, 0, "\0");
	tx = (uint32_t)strtoul(r.payload, NULL, 10);
	r = req(&a, XS_READ, tx, "/t", 3);
	write_node(&b, "/t", "3");
	expect_ok(req(&a, XS_WRITE, tx, "/t\0" "4", 4), XS_WRITE);
	expect_error(req(&a, XS_TRANSACTION_END, tx, "T", 2), "EAGAIN");
	/* Closing a connection aborts its transactions. */
	r = REQ(&a, XS_TRANSACTION_START, 0, "\0");
	tx = (uint32_t)strtoul(r.payload, NULL, 10);
	drop_conn(&a);
	ck_assert_ptr_null(xs_store_tx_owner(srv.store, tx));
	drop_conn(&b);
}
END_TEST

/* Guest domain 3, with its home set up by domain 0 as a toolstack would. */
static void make_guest_home(struct conn *dom0, unsigned int domid)
{
	char path[64], perms[80];
	int n = snprintf(path, sizeof(path), "/local/domain/%u", domid);

	expect_ok(req(dom0, XS_MKDIR, 0, path, (uint32_t)n + 1), XS_MKDIR);
	int m = snprintf(perms, sizeof(perms), "%s%cn%u%c", path, 0, domid, 0);

	expect_ok(req(dom0, XS_SET_PERMS, 0, perms, (uint32_t)m), XS_SET_PERMS);
}

START_TEST(relative_paths_and_watches)
{
	struct conn dom0, guest;
	struct reply r;

	new_conn(&dom0, 0);
	new_conn(&guest, 3);
	make_guest_home(&dom0, 3);
	expect_ok(REQ(&guest, XS_WRITE, 0, "device/vbd\0x"), XS_WRITE);
	r = REQ(&dom0, XS_READ, 0, "/local/domain/3/device/vbd\0");
	ck_assert_str_eq(r.payload, "x");
	/* dom0's relative paths live under /local/domain/0. */
	expect_ok(REQ(&dom0, XS_WRITE, 0, "mine\0y"), XS_WRITE);
	r = REQ(&dom0, XS_READ, 0, "/local/domain/0/mine\0");
	ck_assert_str_eq(r.payload, "y");

	/* A relative watch: acknowledged, fires once at once, then with
	 * relative paths. */
	send_raw(&guest, XS_WATCH, 0, "device\0tok\0", 11);
	ck_assert(pop(&guest, &r));
	expect_ok(r, XS_WATCH);
	ck_assert(pop(&guest, &r));
	ck_assert_uint_eq(r.hdr.type, XS_WATCH_EVENT);
	ck_assert_uint_eq(r.hdr.req_id, 0);
	ck_assert_uint_eq(r.hdr.len, sizeof("device\0tok"));
	ck_assert_int_eq(memcmp(r.payload, "device\0tok\0", 11), 0);
	ck_assert(!pop(&guest, &r));
	write_node(&dom0, "/local/domain/3/device/vbd/51712", "");
	ck_assert(pop(&guest, &r));
	ck_assert_uint_eq(r.hdr.type, XS_WATCH_EVENT);
	ck_assert_int_eq(memcmp(r.payload, "device/vbd/51712\0tok\0", 21), 0);
	ck_assert(!pop(&guest, &r));
	/* Writes elsewhere do not reach it. */
	write_node(&dom0, "/local/domain/3/other", "");
	ck_assert(!pop(&guest, &r));

	/* Absolute watch by dom0 reports absolute paths. */
	send_raw(&dom0, XS_WATCH, 0, "/local/domain/3\0abs\0", 20);
	ck_assert(pop(&dom0, &r));
	expect_ok(r, XS_WATCH);
	ck_assert(pop(&dom0, &r));
	expect_error(REQ(&dom0, XS_WATCH, 0, "/local/domain/3\0abs\0"), "EEXIST");
	/* The writer's own watch fires too; its event is queued while the
	 * write runs, so ahead of the acknowledgement (as in xenstored). */
	send_raw(&guest, XS_WRITE, 0, "device/x\0" "1", 10);
	ck_assert(pop(&guest, &r));
	ck_assert_uint_eq(r.hdr.type, XS_WATCH_EVENT);
	ck_assert_str_eq(r.payload, "device/x");
	ck_assert(pop(&guest, &r));
	expect_ok(r, XS_WRITE);
	ck_assert(pop(&dom0, &r));
	ck_assert_int_eq(memcmp(r.payload, "/local/domain/3/device/x\0abs\0",
				29), 0);

	/* UNWATCH stops it; RESET_WATCHES drops all. */
	expect_ok(REQ(&guest, XS_UNWATCH, 0, "device\0tok\0"), XS_UNWATCH);
	expect_error(REQ(&guest, XS_UNWATCH, 0, "device\0tok\0"), "ENOENT");
	write_node(&guest, "device/y", "1");
	ck_assert(!pop(&guest, &r));
	ck_assert(pop(&dom0, &r));
	expect_ok(REQ(&dom0, XS_RESET_WATCHES, 0, "\0"), XS_RESET_WATCHES);
	write_node(&guest, "device/z", "1");
	ck_assert(!pop(&dom0, &r));

	/* Special watches and the domain's permissions. */
	send_raw(&dom0, XS_WATCH, 0, "@introduceDomain\0i\0", 19);
	ck_assert(pop(&dom0, &r));
	ck_assert(pop(&dom0, &r));
	ck_assert_str_eq(r.payload, "@introduceDomain");
	send_raw(&dom0, XS_INTRODUCE, 0, "9\0" "1\0" "1\0", 6);
	ck_assert(pop(&dom0, &r));
	ck_assert_uint_eq(r.hdr.type, XS_WATCH_EVENT);
	ck_assert_str_eq(r.payload, "@introduceDomain");
	ck_assert(pop(&dom0, &r));
	expect_ok(r, XS_INTRODUCE);
	expect_error(REQ(&guest, XS_READ, 0, "/local/domain/0/mine\0"),
		     "EACCES");
	drop_conn(&guest);
	drop_conn(&dom0);
}
END_TEST

START_TEST(directory_and_parts)
{
	struct conn c;
	char path[128], full[32768];
	size_t full_len = 0;
	struct reply r;

	new_conn(&c, 0);
	/* 200 children of ~40 bytes: over one payload. */
	for (int i = 0; i < 200; i++) {
		snprintf(path, sizeof(path),
			 "/dir/child-with-a-long-name-number-%04d", i);
		write_node(&c, path, "");
		full_len += strlen(path) - 5 + 1;
	}
	ck_assert_uint_gt(full_len, XENSTORE_PAYLOAD_MAX);
	expect_error(REQ(&c, XS_DIRECTORY, 0, "/dir\0"), "E2BIG");

	size_t got = 0;
	char gen[32] = "";
	int parts = 0;

	for (;;) {
		char q[64];
		int n = snprintf(q, sizeof(q), "/dir%c%zu", 0, got);

		r = req(&c, XS_DIRECTORY_PART, 0, q, (uint32_t)n + 1);
		ck_assert_uint_eq(r.hdr.type, XS_DIRECTORY_PART);
		ck_assert_uint_le(r.hdr.len, XENSTORE_PAYLOAD_MAX);
		size_t gl = strlen(r.payload) + 1;

		if (parts++ == 0)
			strcpy(gen, r.payload);
		ck_assert_str_eq(r.payload, gen);
		size_t body = r.hdr.len - gl;
		bool last = body > 0 && r.payload[r.hdr.len - 1] == '\0' &&
			    (body == 1 || r.payload[r.hdr.len - 2] == '\0');

		if (last)
			body--;
		memcpy(full + got, r.payload + gl, body);
		got += body;
		if (last)
			break;
		ck_assert_int_lt(parts, 20);
	}
	ck_assert_int_ge(parts, 2);
	ck_assert_uint_eq(got, full_len);
	ck_assert_str_eq(full, "child-with-a-long-name-number-0000");
	ck_assert_str_eq(full + full_len - 35,
			 "child-with-a-long-name-number-0199");

	/* A change moves the generation. */
	write_node(&c, "/dir/new", "");
	r = REQ(&c, XS_DIRECTORY_PART, 0, "/dir\0" "0\0");
	ck_assert_str_ne(r.payload, gen);
	/* Past the end: just the generation and the end marker. */
	r = REQ(&c, XS_DIRECTORY_PART, 0, "/dir\0" "999999\0");
	ck_assert_uint_eq(r.hdr.len, strlen(r.payload) + 2);

	write_node(&c, "/small/a", "");
	write_node(&c, "/small/b", "");
	r = REQ(&c, XS_DIRECTORY, 0, "/small\0");
	ck_assert_uint_eq(r.hdr.len, 4);
	ck_assert_int_eq(memcmp(r.payload, "a\0b\0", 4), 0);
	expect_error(REQ(&c, XS_DIRECTORY, 0, "/nothere\0"), "ENOENT");
	drop_conn(&c);
}
END_TEST

START_TEST(permissions_round_trip)
{
	struct conn dom0, guest;
	struct reply r;

	new_conn(&dom0, 0);
	new_conn(&guest, 4);
	write_node(&dom0, "/p", "secret");
	r = REQ(&dom0, XS_GET_PERMS, 0, "/p\0");
	ck_assert_uint_eq(r.hdr.type, XS_GET_PERMS);
	ck_assert_str_eq(r.payload, "n0");
	expect_error(REQ(&guest, XS_READ, 0, "/p\0"), "EACCES");
	expect_ok(REQ(&dom0, XS_SET_PERMS, 0, "/p\0n0\0r4\0"), XS_SET_PERMS);
	r = REQ(&dom0, XS_GET_PERMS, 0, "/p\0");
	ck_assert_uint_eq(r.hdr.len, 6);
	ck_assert_int_eq(memcmp(r.payload, "n0\0r4\0", 6), 0);
	r = REQ(&guest, XS_READ, 0, "/p\0");
	ck_assert_str_eq(r.payload, "secret");
	expect_error(REQ(&guest, XS_WRITE, 0, "/p\0x"), "EACCES");
	drop_conn(&guest);
	drop_conn(&dom0);
}
END_TEST

/* A device-model stub domain (5) given its guest (6) as target reaches the
 * guest's home, until the guest is released. */
START_TEST(set_target_round_trip)
{
	struct conn dom0, stub;
	struct reply r;

	new_conn(&dom0, 0);
	new_conn(&stub, 5);
	expect_ok(REQ(&dom0, XS_INTRODUCE, 0, "5\0" "100\0" "3\0"),
		  XS_INTRODUCE);
	expect_error(REQ(&dom0, XS_SET_TARGET, 0, "5\0" "6\0"), "ENOENT");
	expect_error(REQ(&dom0, XS_SET_TARGET, 0, "6\0" "5\0"), "ENOENT");
	expect_ok(REQ(&dom0, XS_INTRODUCE, 0, "6\0" "101\0" "4\0"),
		  XS_INTRODUCE);
	make_guest_home(&dom0, 6);
	write_node(&dom0, "/local/domain/6/name", "guest");
	expect_error(REQ(&stub, XS_READ, 0, "/local/domain/6/name\0"),
		     "EACCES");

	expect_error(REQ(&dom0, XS_SET_TARGET, 0, "5\0" "x6\0"), "EINVAL");
	expect_error(REQ(&dom0, XS_SET_TARGET, 0, "5\0" "65536\0"), "EINVAL");
	expect_error(REQ(&dom0, XS_SET_TARGET, 0, "5\0"), "EINVAL");
	expect_error(REQ(&stub, XS_SET_TARGET, 0, "5\0" "6\0"), "EACCES");
	expect_ok(REQ(&dom0, XS_SET_TARGET, 0, "5\0" "6\0"), XS_SET_TARGET);

	r = REQ(&stub, XS_READ, 0, "/local/domain/6/name\0");
	ck_assert_uint_eq(r.hdr.type, XS_READ);
	ck_assert_str_eq(r.payload, "guest");
	write_node(&stub, "/local/domain/6/device-model/state", "running");
	r = REQ(&dom0, XS_GET_PERMS, 0, "/local/domain/6/device-model/state\0");
	ck_assert_str_eq(r.payload, "n5");
	/* The stub's watch on the guest's home now passes the filter. */
	send_raw(&stub, XS_WATCH, 0, "/local/domain/6\0dm\0", 19);
	ck_assert(pop(&stub, &r));
	expect_ok(r, XS_WATCH);
	ck_assert(pop(&stub, &r));
	write_node(&dom0, "/local/domain/6/name", "renamed");
	ck_assert(pop(&stub, &r));
	ck_assert_uint_eq(r.hdr.type, XS_WATCH_EVENT);
	ck_assert_int_eq(memcmp(r.payload, "/local/domain/6/name\0dm\0", 24),
			 0);

	expect_ok(REQ(&dom0, XS_RELEASE, 0, "6\0"), XS_RELEASE);
	expect_error(REQ(&stub, XS_READ, 0, "/local/domain/6/name\0"),
		     "EACCES");
	write_node(&dom0, "/local/domain/6/name", "gone");
	ck_assert(!pop(&stub, &r));
	drop_conn(&stub);
	drop_conn(&dom0);
}
END_TEST

START_TEST(control_commands)
{
	struct conn c;
	struct reply r;

	new_conn(&c, 0);
	expect_ok(REQ(&c, XS_CONTROL, 0, "print\0unit test\0"), XS_CONTROL);
	expect_error(REQ(&c, XS_CONTROL, 0, "frobnicate\0"), "EINVAL");
	expect_error(REQ(&c, XS_CONTROL, 0, "log\0maybe\0"), "EINVAL");
	expect_ok(REQ(&c, XS_CONTROL, 0, "log\0on\0"), XS_CONTROL);
	ck_assert(srv.log_requests);
	expect_ok(REQ(&c, XS_CONTROL, 0, "log\0off\0"), XS_CONTROL);
	ck_assert(!srv.log_requests);
	r = REQ(&c, XS_CONTROL, 0, "help\0");
	ck_assert_ptr_nonnull(strstr(r.payload, "quota"));
	expect_ok(REQ(&c, XS_CONTROL, 0, "quota\0nodes\0" "17\0"), XS_CONTROL);
	ck_assert_uint_eq(xs_store_quota_get(srv.store, XS_QUOTA_NODES), 17);
	r = REQ(&c, XS_CONTROL, 0, "quota\0");
	ck_assert_ptr_nonnull(strstr(r.payload, "nodes"));
	ck_assert_ptr_nonnull(strstr(r.payload, "17"));
	expect_error(REQ(&c, XS_CONTROL, 0, "quota\0nodes\0-1\0"), "EINVAL");
	expect_error(REQ(&c, XS_CONTROL, 0, "quota\0bogus\0" "1\0"), "EINVAL");
	expect_error(REQ(&c, XS_SET_TARGET, 0, "1\0" "2\0"), "ENOENT");
	drop_conn(&c);
}
END_TEST

START_TEST(consume_oversize_breaks_connection)
{
	struct conn c;
	uint8_t buf[64];
	struct xsd_sockmsg hdr = wire_header(XS_READ, 1, 0, 5000);
	struct reply r;

	new_conn(&c, 0);
	memcpy(buf, &hdr, sizeof(hdr));
	memset(buf + sizeof(hdr), 'a', sizeof(buf) - sizeof(hdr));
	size_t used = wire_consume(&srv, &c, buf, sizeof(buf));

	ck_assert(c.broken);
	ck_assert_uint_eq(used, sizeof(hdr));
	ck_assert_uint_eq(wire_consume(&srv, &c, buf, sizeof(buf)), 0);
	ck_assert(!pop(&c, &r));
	drop_conn(&c);
}
END_TEST

/* ---- Guest ring --------------------------------------------------------- */

static struct xenstore_domain_interface page;
static int notified;

static void count_notify(void *opaque)
{
	(*(int *)opaque)++;
}

/* The guest's side: produce requests, consume responses. */
static size_t guest_put(const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n = 0;

	while (n < len && page.req_prod - page.req_cons < XENSTORE_RING_SIZE) {
		page.req[MASK_XENSTORE_IDX(page.req_prod)] = (char)p[n++];
		page.req_prod++;
	}
	return n;
}

static size_t guest_get(void *out, size_t max)
{
	uint8_t *p = out;
	size_t n = 0;

	while (n < max && page.rsp_cons != page.rsp_prod) {
		p[n++] = (uint8_t)page.rsp[MASK_XENSTORE_IDX(page.rsp_cons)];
		page.rsp_cons++;
	}
	return n;
}

static void guest_request(uint32_t type, uint32_t req_id, const void *payload,
			  uint32_t len)
{
	uint8_t buf[WIRE_MSG_MAX];
	size_t n = frame(buf, type, req_id, payload, len);

	ck_assert_uint_eq(guest_put(buf, n), n);
}

/* Takes one whole message from rsp[], if one is there. */
static bool guest_reply(struct reply *r)
{
	XENSTORE_RING_IDX avail = page.rsp_prod - page.rsp_cons;
	uint8_t *h = (uint8_t *)&r->hdr;

	if (avail < WIRE_HDR_SIZE)
		return false;
	for (size_t i = 0; i < WIRE_HDR_SIZE; i++)
		h[i] = (uint8_t)page.rsp[MASK_XENSTORE_IDX(page.rsp_cons + i)];
	if (avail < WIRE_HDR_SIZE + r->hdr.len)
		return false;
	page.rsp_cons += WIRE_HDR_SIZE;
	ck_assert_uint_le(r->hdr.len, XENSTORE_PAYLOAD_MAX);
	ck_assert_uint_eq(guest_get(r->payload, r->hdr.len), r->hdr.len);
	r->payload[r->hdr.len] = '\0';
	return true;
}

static void ring_setup(struct ring_port *p, unsigned int domid,
		       XENSTORE_RING_IDX start)
{
	memset(&page, 0, sizeof(page));
	page.req_cons = page.req_prod = page.rsp_cons = page.rsp_prod = start;
	notified = 0;
	ring_port_init(p, domid, &page, count_notify, &notified, NULL, NULL);
	ck_assert_uint_eq(page.server_features,
			  XENSTORE_SERVER_FEATURE_RECONNECTION |
				  XENSTORE_SERVER_FEATURE_ERROR);
}

START_TEST(ring_request_reply)
{
	struct ring_port p;
	struct reply r;

	ring_setup(&p, 0, 0);
	guest_request(XS_WRITE, 1, "/r\0value", 8);
	guest_request(XS_READ, 2, "/r\0", 3);
	ck_assert(!ring_port_service(&p, &srv));
	ck_assert_int_gt(notified, 0);
	ck_assert_uint_eq(page.req_cons, page.req_prod);
	ck_assert(guest_reply(&r));
	expect_ok(r, XS_WRITE);
	ck_assert_uint_eq(r.hdr.req_id, 1);
	ck_assert(guest_reply(&r));
	ck_assert_uint_eq(r.hdr.req_id, 2);
	ck_assert_str_eq(r.payload, "value");
	ck_assert(!guest_reply(&r));
	ck_assert_uint_eq(page.error, XENSTORE_ERROR_NONE);
	ring_port_fini(&p, &srv);
}
END_TEST

START_TEST(ring_indexes_wrap)
{
	struct ring_port p;
	struct reply r;
	char val[300];

	/* Indexes about to wrap at 2^32, messages straddling the ring end. */
	ring_setup(&p, 0, UINT32_MAX - 100);
	memset(val, 'w', sizeof(val));
	for (int i = 0; i < 40; i++) {
		char buf[320];

		memcpy(buf, "/wrap", 6);
		memcpy(buf + 6, val, sizeof(val));
		guest_request(XS_WRITE, (uint32_t)i, buf, 6 + sizeof(val));
		ring_port_service(&p, &srv);
		ck_assert(guest_reply(&r));
		expect_ok(r, XS_WRITE);
		ck_assert_uint_eq(r.hdr.req_id, (uint32_t)i);
		guest_request(XS_READ, 1000u + (uint32_t)i, "/wrap\0", 6);
		ring_port_service(&p, &srv);
		ck_assert(guest_reply(&r));
		ck_assert_uint_eq(r.hdr.len, sizeof(val));
		ck_assert_int_eq(memcmp(r.payload, val, sizeof(val)), 0);
	}
	ck_assert_uint_lt(page.req_prod, 100000); /* it did wrap */
	ck_assert(!p.dead);
	ring_port_fini(&p, &srv);
}
END_TEST

START_TEST(ring_hostile_request_index)
{
	struct ring_port p;
	struct reply r;

	ring_setup(&p, 2, 0);
	page.req_prod = XENSTORE_RING_SIZE + 1; /* more than a ring holds */
	ck_assert(!ring_port_service(&p, &srv));
	ck_assert(p.dead);
	ck_assert_uint_eq(page.error, XENSTORE_ERROR_RINGIDX);
	ck_assert_uint_eq(page.req_cons, 0);
	/* Dead stays dead, whatever the guest does next. */
	page.req_prod = 0;
	guest_request(XS_READ, 1, "/\0", 2);
	ck_assert(!ring_port_service(&p, &srv));
	ck_assert(!guest_reply(&r));

	ring_setup(&p, 2, 500);
	page.req_prod = 499; /* behind the consumer: 2^32 - 1 "available" */
	ring_port_service(&p, &srv);
	ck_assert(p.dead);
	ck_assert_uint_eq(page.error, XENSTORE_ERROR_RINGIDX);
	ring_port_fini(&p, &srv);
}
END_TEST

START_TEST(ring_hostile_response_index)
{
	struct ring_port p;

	ring_setup(&p, 0, 0);
	page.rsp_cons = 5000; /* consumed more than was ever produced */
	guest_request(XS_READ, 1, "/\0", 2);
	ring_port_service(&p, &srv);
	ck_assert(p.dead);
	ck_assert_uint_eq(page.error, XENSTORE_ERROR_RINGIDX);
	ck_assert_uint_eq(page.rsp_prod, 0);
	ring_port_fini(&p, &srv);
}
END_TEST

START_TEST(ring_oversize_message)
{
	struct ring_port p;
	struct xsd_sockmsg hdr = wire_header(XS_WRITE, 1, 0, 100000);

	ring_setup(&p, 0, 0);
	guest_put(&hdr, sizeof(hdr));
	ring_port_service(&p, &srv);
	ck_assert(p.dead);
	ck_assert_uint_eq(page.error, XENSTORE_ERROR_PROTO);
	ring_port_fini(&p, &srv);
}
END_TEST

START_TEST(ring_guest_not_reading)
{
	struct ring_port p;
	struct reply r;
	static char val[900];
	char buf[910];
	int sent = 0, got = 0;

	ring_setup(&p, 0, 0);
	memset(val, 'z', sizeof(val));
	memcpy(buf, "/z", 3);
	memcpy(buf + 3, val, sizeof(val));
	guest_request(XS_WRITE, 0, buf, 3 + sizeof(val));
	ring_port_service(&p, &srv);
	ck_assert(guest_reply(&r));
	/* Requests whose replies the guest does not take: the daemon queues
	 * up to its high mark, then leaves the rest in the ring. */
	for (int round = 0; round < 200; round++) {
		while (page.req_prod - page.req_cons + 19 <= XENSTORE_RING_SIZE) {
			guest_request(XS_READ, (uint32_t)sent++, "/z\0", 3);
		}
		ring_port_service(&p, &srv);
	}
	ck_assert_uint_ne(page.req_cons, page.req_prod);
	ck_assert_uint_lt(p.conn.out_bytes, CONN_OUT_HIGH + WIRE_MSG_MAX);
	ck_assert(!p.dead);
	/* Taking replies lets it go on, in order. */
	for (int round = 0; round < 2000 && got < sent; round++) {
		while (guest_reply(&r)) {
			ck_assert_uint_eq(r.hdr.req_id, (uint32_t)got);
			got++;
		}
		ring_port_service(&p, &srv);
	}
	ck_assert_int_eq(got, sent);
	ring_port_fini(&p, &srv);
}
END_TEST

START_TEST(ring_watch_events_and_reconnect)
{
	struct ring_port p;
	struct conn dom0;
	struct reply r;

	new_conn(&dom0, 0);
	make_guest_home(&dom0, 7);
	ring_setup(&p, 7, 0);
	guest_request(XS_WATCH, 5, "data\0t\0", 7);
	ring_port_service(&p, &srv);
	ck_assert(guest_reply(&r));
	expect_ok(r, XS_WATCH);
	ck_assert(guest_reply(&r));
	ck_assert_uint_eq(r.hdr.type, XS_WATCH_EVENT);
	write_node(&dom0, "/local/domain/7/data/x", "1");
	ring_port_service(&p, &srv);
	ck_assert(guest_reply(&r));
	ck_assert_uint_eq(r.hdr.type, XS_WATCH_EVENT);
	ck_assert_int_eq(memcmp(r.payload, "data/x\0t\0", 9), 0);

	/* Reconnect: indexes reset, watches gone. */
	guest_request(XS_READ, 9, "data/x\0", 7);
	page.connection = XENSTORE_RECONNECT;
	ring_port_service(&p, &srv);
	ck_assert_uint_eq(page.connection, XENSTORE_CONNECTED);
	ck_assert_uint_eq(page.req_prod, 0);
	ck_assert_uint_eq(page.rsp_prod, 0);
	write_node(&dom0, "/local/domain/7/data/y", "1");
	ring_port_service(&p, &srv);
	ck_assert(!guest_reply(&r));
	guest_request(XS_READ, 10, "data/x\0", 7);
	ring_port_service(&p, &srv);
	ck_assert(guest_reply(&r));
	ck_assert_uint_eq(r.hdr.req_id, 10);
	ck_assert_str_eq(r.payload, "1");
	ring_port_fini(&p, &srv);
	drop_conn(&dom0);
}
END_TEST

/* ---- The daemon, end to end ---------------------------------------------- */

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xenstore/daemon.h"

static bool sock_read_reply(int fd, struct reply *r)
{
	size_t have = 0;
	uint8_t *dst = (uint8_t *)&r->hdr;

	while (have < WIRE_HDR_SIZE + (have >= WIRE_HDR_SIZE ? r->hdr.len : 0)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 5000) != 1)
			return false;
		size_t want = have < WIRE_HDR_SIZE ? WIRE_HDR_SIZE - have
						   : WIRE_HDR_SIZE + r->hdr.len - have;
		uint8_t *to = have < WIRE_HDR_SIZE
				      ? dst + have
				      : (uint8_t *)r->payload + have - WIRE_HDR_SIZE;
		ssize_t n = read(fd, to, want);

		if (n <= 0)
			return false;
		have += (size_t)n;
		if (have == WIRE_HDR_SIZE && r->hdr.len > XENSTORE_PAYLOAD_MAX)
			return false;
	}
	r->payload[r->hdr.len] = '\0';
	return true;
}

static void sock_send(int fd, uint32_t type, uint32_t req_id, const void *p,
		      uint32_t len)
{
	uint8_t buf[WIRE_MSG_MAX];
	size_t n = frame(buf, type, req_id, p, len);

	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
}

static int notify_count;

static void daemon_notify(void *opaque)
{
	(void)opaque;
	__atomic_add_fetch(&notify_count, 1, __ATOMIC_SEQ_CST);
}

START_TEST(daemon_socket_and_ring)
{
	char dir[] = "/tmp/xs-unit-XXXXXX", path[64];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct reply r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run/socket", dir);
	struct xs_daemon *d = xs_daemon_create();

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(xs_daemon_listen(d, path), 0);
	ck_assert_int_eq(xs_daemon_start(d), 0);

	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(addr.sun_path, path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	sock_send(fd, XS_WRITE, 1, "/sock\0hi", 8);
	ck_assert(sock_read_reply(fd, &r));
	expect_ok(r, XS_WRITE);
	sock_send(fd, XS_WATCH, 2, "@introduceDomain\0w\0", 19);
	ck_assert(sock_read_reply(fd, &r));
	expect_ok(r, XS_WATCH);
	ck_assert(sock_read_reply(fd, &r));
	ck_assert_uint_eq(r.hdr.type, XS_WATCH_EVENT);

	/* A guest ring in ordinary memory. */
	memset(&page, 0, sizeof(page));
	struct xs_domain *dom = xs_daemon_add_domain(d, 12, &page,
						     daemon_notify, NULL);

	ck_assert_ptr_nonnull(dom);
	ck_assert_ptr_null(xs_daemon_add_domain(d, 12, &page, daemon_notify,
						NULL));
	ck_assert_int_eq(errno, EEXIST);
	ck_assert(sock_read_reply(fd, &r));
	ck_assert_uint_eq(r.hdr.type, XS_WATCH_EVENT);
	ck_assert_str_eq(r.payload, "@introduceDomain");

	guest_request(XS_GET_DOMAIN_PATH, 3, "12\0", 3);
	xs_daemon_kick(dom);
	for (int i = 0; i < 500 && page.rsp_prod == 0; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	ck_assert(guest_reply(&r));
	ck_assert_str_eq(r.payload, "/local/domain/12");
	ck_assert_int_gt(__atomic_load_n(&notify_count, __ATOMIC_SEQ_CST), 0);

	/* A request written with no event (Linux's xb_write, when it took
	 * the daemon for busy): left alone until whoever sees the guest
	 * idle asks, then answered. Asking with nothing unread does not
	 * wake the loop. */
	XENSTORE_RING_IDX answered = page.rsp_prod;

	xs_daemon_kick_if_unread(dom);
	guest_request(XS_GET_DOMAIN_PATH, 5, "12\0", 3);
	nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
	ck_assert_uint_eq(__atomic_load_n(&page.rsp_prod, __ATOMIC_SEQ_CST), answered);
	xs_daemon_kick_if_unread(dom);
	for (int i = 0; i < 500 && page.rsp_prod == answered; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	ck_assert(guest_reply(&r));
	ck_assert_uint_eq(r.hdr.req_id, 5);
	ck_assert_str_eq(r.payload, "/local/domain/12");

	/* Garbage on the socket closes that client only. */
	uint8_t junk[16];

	memset(junk, 0xff, sizeof(junk));
	ck_assert_int_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	ck_assert(!sock_read_reply(fd, &r));
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	sock_send(fd, XS_READ, 4, "/sock\0", 6);
	ck_assert(sock_read_reply(fd, &r));
	ck_assert_str_eq(r.payload, "hi");
	close(fd);

	xs_daemon_remove_domain(d, dom);
	xs_daemon_stop(d);
	xs_daemon_join(d);
	xs_daemon_destroy(d);
	ck_assert_int_ne(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/run", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

static Suite *wire_suite(void)
{
	Suite *s = suite_create("xs_wire");
	TCase *t = tcase_create("framing");

	tcase_add_test(t, reader_byte_by_byte);
	tcase_add_test(t, reader_stops_at_message_end);
	tcase_add_test(t, reader_rejects_oversize);
	tcase_add_test(t, split_and_error_names);
	tcase_add_test(t, output_partial_sends);
	tcase_add_test(t, output_events_bounded);
	suite_add_tcase(s, t);

	t = tcase_create("dispatch");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, backpressure_stops_consuming);
	tcase_add_test(t, unknown_types_are_enosys);
	tcase_add_test(t, argument_layout_checked);
	tcase_add_test(t, privileged_requests_need_dom0);
	tcase_add_test(t, transactions_checked_and_isolated);
	tcase_add_test(t, relative_paths_and_watches);
	tcase_add_test(t, directory_and_parts);
	tcase_add_test(t, permissions_round_trip);
	tcase_add_test(t, set_target_round_trip);
	tcase_add_test(t, control_commands);
	tcase_add_test(t, consume_oversize_breaks_connection);
	suite_add_tcase(s, t);

	t = tcase_create("ring");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, ring_request_reply);
	tcase_add_test(t, ring_indexes_wrap);
	tcase_add_test(t, ring_hostile_request_index);
	tcase_add_test(t, ring_hostile_response_index);
	tcase_add_test(t, ring_oversize_message);
	tcase_add_test(t, ring_guest_not_reading);
	tcase_add_test(t, ring_watch_events_and_reconnect);
	suite_add_tcase(s, t);

	t = tcase_create("daemon");
	tcase_set_timeout(t, 30);
	tcase_add_test(t, daemon_socket_and_ring);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(wire_suite());
}
