/* libFuzzer target: arbitrary bytes as a xenstore client's stream, sent
 * either straight into a connection (as the socket transport does) or
 * through a guest ring page with arbitrary starting indexes. The daemon
 * must answer or drop the client, never crash, leak or loop.
 *
 * Input: byte 0 picks the mode, byte 1 the chunk size, bytes 2..9 the
 * ring's starting req/rsp indexes (ring mode); the rest is the stream. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xenstore/conn.h"
#include "xenstore/daemon_log.h"
#include "xenstore/transport_ring.h"
#include "xenstore/wire_dispatch.h"

static void no_notify(void *opaque)
{
	(void)opaque;
}

/* A watcher on "/" that never reads: its queue must stay bounded. */
static void add_idle_watcher(struct wire_server *srv, struct conn *w)
{
	conn_init(w, 0, NULL, NULL);
	xs_store_watch_add(srv->store, w, 0, "/", 0, "idle");
}

static void run_stream(struct wire_server *srv, unsigned int domid,
		       size_t chunk, const uint8_t *data, size_t size)
{
	struct conn c;
	const uint8_t *bytes;

	conn_init(&c, domid, NULL, NULL);
	while (size && !c.broken) {
		size_t n = size < chunk ? size : chunk;
		size_t used = wire_consume(srv, &c, data, n);

		data += used;
		size -= used;
		/* The client reads everything it was sent, then goes on. */
		size_t out;

		while ((out = conn_out_peek(&c, &bytes)) != 0)
			conn_out_advance(&c, out);
	}
	wire_conn_gone(srv, &c);
	conn_fini(&c);
}

static void run_ring(struct wire_server *srv, unsigned int domid,
		     size_t chunk, uint32_t req_start, uint32_t rsp_start,
		     const uint8_t *data, size_t size)
{
	static struct xenstore_domain_interface page;
	struct ring_port p;

	memset(&page, 0, sizeof(page));
	page.req_cons = page.req_prod = req_start;
	page.rsp_cons = rsp_start;
	page.rsp_prod = rsp_start + (rsp_start & 0x7ff);
	ring_port_init(&p, domid, &page, no_notify, NULL, NULL, NULL);
	/* Bounded rounds: each puts what fits of the next chunk, lets the
	 * daemon run, and takes the replies. */
	for (int round = 0; round < 4096 && !p.dead; round++) {
		size_t n = size < chunk ? size : chunk;

		for (size_t i = 0;
		     i < n && page.req_prod - page.req_cons < XENSTORE_RING_SIZE;
		     i++) {
			page.req[MASK_XENSTORE_IDX(page.req_prod)] = (char)*data;
			page.req_prod++;
			data++;
			size--;
		}
		ring_port_service(&p, srv);
		page.rsp_cons = page.rsp_prod;
		if (!size && page.req_cons == page.req_prod)
			break;
	}
	ring_port_fini(&p, srv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 10)
		return 0;
	/* Millions of bad clients would make millions of log lines. */
	xsd_log_silence(true);
	uint8_t mode = data[0];
	size_t chunk = (size_t)data[1] * 17 + 1;
	uint32_t req_start, rsp_start;

	memcpy(&req_start, data + 2, 4);
	memcpy(&rsp_start, data + 6, 4);
	data += 10;
	size -= 10;

	struct wire_server srv = { 0 };
	struct conn watcher;

	srv.store = xs_store_new(wire_fire_watch, &srv);
	if (!srv.store)
		return 0;
	add_idle_watcher(&srv, &watcher);
	unsigned int domid = (mode & 1) ? 5 : 0;

	if (mode & 2)
		run_ring(&srv, domid, chunk, req_start, rsp_start, data, size);
	else
		run_stream(&srv, domid, chunk, data, size);
	wire_conn_gone(&srv, &watcher);
	conn_fini(&watcher);
	xs_store_free(srv.store);
	return 0;
}
