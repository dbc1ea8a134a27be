#include "xenstore/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void conn_init(struct conn *c, unsigned int domid, conn_wake_fn *wake,
	       void *owner)
{
	memset(c, 0, sizeof(*c));
	c->domid = domid;
	c->privileged = domid == 0;
	snprintf(c->home, sizeof(c->home), "/local/domain/%u", domid);
	wire_reader_reset(&c->in);
	c->wake = wake;
	c->owner = owner;
}

void conn_out_clear(struct conn *c)
{
	struct conn_msg *m = c->out_head;

	while (m) {
		struct conn_msg *next = m->next;

		free(m);
		m = next;
	}
	c->out_head = c->out_tail = NULL;
	c->out_bytes = 0;
}

void conn_fini(struct conn *c)
{
	conn_out_clear(c);
}

static void conn_append(struct conn *c, struct conn_msg *m)
{
	m->next = NULL;
	if (c->out_tail)
		c->out_tail->next = m;
	else
		c->out_head = m;
	c->out_tail = m;
	c->out_bytes += m->len;
	if (!c->wake_pending && c->wake) {
		c->wake_pending = true;
		c->wake(c);
	}
}

int conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	       const struct conn_part *parts, unsigned nparts)
{
	size_t len = 0;

	for (unsigned i = 0; i < nparts; i++) {
		if (parts[i].len > XENSTORE_PAYLOAD_MAX - len)
			return E2BIG;
		len += parts[i].len;
	}
	struct conn_msg *m = malloc(sizeof(*m) + WIRE_HDR_SIZE + len);

	if (!m)
		return ENOMEM;
	m->len = (uint32_t)(WIRE_HDR_SIZE + len);
	m->sent = 0;

	struct xsd_sockmsg hdr = wire_header(type, req_id, tx_id,
					     (uint32_t)len);
	uint8_t *p = m->bytes;

	memcpy(p, &hdr, WIRE_HDR_SIZE);
	p += WIRE_HDR_SIZE;
	for (unsigned i = 0; i < nparts; i++) {
		if (parts[i].len)
			memcpy(p, parts[i].data, parts[i].len);
		p += parts[i].len;
	}
	conn_append(c, m);
	return 0;
}

int conn_queue_error(struct conn *c, uint32_t req_id, uint32_t tx_id, int err)
{
	const char *name = wire_error_name(err);
	struct conn_part part = { name, strlen(name) + 1 };

	return conn_queue(c, XS_ERROR, req_id, tx_id, &part, 1);
}

bool conn_queue_event(struct conn *c, const char *path, const char *token)
{
	struct conn_part parts[2] = {
		{ path, strlen(path) + 1 },
		{ token, strlen(token) + 1 },
	};

	if (c->out_bytes >= CONN_OUT_MAX ||
	    conn_queue(c, XS_WATCH_EVENT, 0, 0, parts, 2) != 0) {
		c->overflowed = true;
		c->events_dropped++;
		return false;
	}
	return true;
}

bool conn_wants_input(const struct conn *c)
{
	return !c->broken && c->out_bytes < CONN_OUT_HIGH;
}

size_t conn_out_peek(const struct conn *c, const uint8_t **bytes)
{
	const struct conn_msg *m = c->out_head;

	if (!m)
		return 0;
	*bytes = m->bytes + m->sent;
	return m->len - m->sent;
}

void conn_out_advance(struct conn *c, size_t n)
{
	while (n && c->out_head) {
		struct conn_msg *m = c->out_head;
		size_t left = m->len - m->sent;
		size_t step = n < left ? n : left;

		m->sent += (uint32_t)step;
		n -= step;
		if (m->sent == m->len) {
			c->out_head = m->next;
			if (!c->out_head)
				c->out_tail = NULL;
			c->out_bytes -= m->len;
			free(m);
		}
	}
}
