/* Framing of xenstore messages (struct xsd_sockmsg + payload) on a byte
 * stream, and the pieces every request handler needs: splitting a payload
 * into its NUL-terminated arguments and naming errors as Xen does. */
#ifndef XENSTORE_WIRE_H
#define XENSTORE_WIRE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#define WIRE_HDR_SIZE sizeof(struct xsd_sockmsg)
#define WIRE_MSG_MAX (WIRE_HDR_SIZE + XENSTORE_PAYLOAD_MAX)

/* Reassembles one message at a time from arbitrary chunks. The payload
 * buffer has one spare byte that is always NUL, so a handler can treat
 * the last argument as a C string even when the sender left it out. */
struct wire_reader {
	struct xsd_sockmsg hdr;
	uint32_t have; /* bytes of header then payload received so far */
	char payload[XENSTORE_PAYLOAD_MAX + 1];
};

enum wire_feed {
	WIRE_NEED_MORE, /* all input consumed, message incomplete */
	WIRE_COMPLETE,  /* r->hdr and r->payload hold one message */
	WIRE_TOO_LONG,  /* header announced len > XENSTORE_PAYLOAD_MAX */
};

void wire_reader_reset(struct wire_reader *r);
/* Consumes bytes from buf up to the end of the current message; *used
 * tells how many. After WIRE_COMPLETE, call wire_reader_reset before
 * feeding more. After WIRE_TOO_LONG the stream cannot be resynchronised. */
enum wire_feed wire_reader_feed(struct wire_reader *r, const void *buf,
				size_t len, size_t *used);

/* Xen's name for a positive errno ("ENOENT"); errors Xen has no name for
 * are reported as "EINVAL", as xenstored does. */
const char *wire_error_name(int err);
/* The inverse, for clients and tests; 0 for an unknown name. */
int wire_error_from_name(const char *name);

/* The arguments of a request: strings[0..count) are NUL-terminated inside
 * the payload; tail/tail_len is whatever follows the last NUL (a WRITE
 * value, or garbage a validator rejects). */
#define WIRE_MAX_ARGS 64
struct wire_args {
	const char *strings[WIRE_MAX_ARGS];
	unsigned count;
	bool too_many;
	const char *tail;
	uint32_t tail_len;
};
/* Splits at most `limit` (≤ WIRE_MAX_ARGS) strings; the rest is the tail. */
void wire_split(const char *payload, uint32_t len, unsigned limit,
		struct wire_args *out);

/* Header of a message in wire byte order (host order: the socket and the
 * ring protocol both use the native layout). */
struct xsd_sockmsg wire_header(uint32_t type, uint32_t req_id, uint32_t tx_id,
			       uint32_t len);

#endif
