#include "xenstore/wire.h"

#include <string.h>

void wire_reader_reset(struct wire_reader *r)
{
	r->have = 0;
	memset(&r->hdr, 0, sizeof(r->hdr));
	r->payload[0] = '\0';
}

enum wire_feed wire_reader_feed(struct wire_reader *r, const void *buf,
				size_t len, size_t *used)
{
	const uint8_t *in = buf;
	size_t taken = 0;

	if (r->have < WIRE_HDR_SIZE) {
		size_t want = WIRE_HDR_SIZE - r->have;
		size_t n = len < want ? len : want;

		memcpy((uint8_t *)&r->hdr + r->have, in, n);
		r->have += n;
		taken += n;
		if (r->have < WIRE_HDR_SIZE) {
			*used = taken;
			return WIRE_NEED_MORE;
		}
		if (r->hdr.len > XENSTORE_PAYLOAD_MAX) {
			*used = taken;
			return WIRE_TOO_LONG;
		}
	}

	size_t got = r->have - WIRE_HDR_SIZE;
	size_t want = r->hdr.len - got;
	size_t n = len - taken < want ? len - taken : want;

	memcpy(r->payload + got, in + taken, n);
	r->have += n;
	taken += n;
	*used = taken;
	if (got + n < r->hdr.len)
		return WIRE_NEED_MORE;
	r->payload[r->hdr.len] = '\0';
	return WIRE_COMPLETE;
}

const char *wire_error_name(int err)
{
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	return "EINVAL";
}

int wire_error_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (strcmp(xsd_errors[i].errstring, name) == 0)
			return xsd_errors[i].errnum;
	return 0;
}

void wire_split(const char *payload, uint32_t len, unsigned limit,
		struct wire_args *out)
{
	uint32_t pos = 0;

	if (limit > WIRE_MAX_ARGS)
		limit = WIRE_MAX_ARGS;
	out->count = 0;
	out->too_many = false;
	while (pos < len) {
		const char *nul = memchr(payload + pos, '\0', len - pos);

		if (!nul)
			break;
		if (out->count == limit) {
			out->too_many = true;
			break;
		}
		out->strings[out->count++] = payload + pos;
		pos = (uint32_t)(nul - payload) + 1;
	}
	out->tail = payload + pos;
	out->tail_len = len - pos;
}

struct xsd_sockmsg wire_header(uint32_t type, uint32_t req_id, uint32_t tx_id,
			       uint32_t len)
{
	return (struct xsd_sockmsg){
		.type = type, .req_id = req_id, .tx_id = tx_id, .len = len,
	};
}
