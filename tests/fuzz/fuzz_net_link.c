/*
 * libFuzzer target: the slirp link (net_link.c, link_slirp.c) and
 * libslirp behind it against any frames a guest sends.  One link, opened
 * on the first input with restrict=on and no hostfwd, so that nothing
 * leaves the machine; each input's frames go through net_link_send, then
 * every frame waiting for the guest is taken.  Whatever comes back must
 * fit the buffer and say what a slirp frame says (checksums done, no
 * offloads); a crash, a sanitizer report or a leak fails.
 *
 * Input: 1 byte of receive choice (bit 0: a 64-byte buffer, so that
 * frames longer are dropped), then frames, each a 2-byte little-endian
 * length and as many bytes as that (fewer at the input's end).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/net/net_link.h"
#include "tests/fuzz/fuzz_input.h"

#define SMALL_BUFFER 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct net_link *link;
static uint8_t buf[NET_FRAME_MAX];

static void open_link(void)
{
	struct net_spec spec = { .kind = NET_KIND_USER, .queues = 1,
				 .restrict_guest = true, .net_prefix = 24,
				 .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 } };
	char err[256];

	spec.net_addr.s_addr = htonl(0x0a000200); /* 10.0.2.0 */
	if (net_link_open(&spec, 1, &link, err, sizeof(err))) {
		fprintf(stderr, "fuzz-net-link: %s\n", err);
		abort();
	}
}

static void take_waiting(size_t cap)
{
	struct net_frame_meta meta;
	ssize_t n;

	while ((n = net_link_receive(link, 0, &meta, buf, cap)) != 0) {
		if (n == -EMSGSIZE && cap == SMALL_BUFFER)
			continue;
		if (n < 0 || (size_t)n > cap || !meta.data_valid ||
		    meta.csum_partial || meta.gso_type != NET_GSO_NONE)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct net_frame_meta none;
	struct input in = { data, size };
	uint8_t choice;

	if (!link)
		open_link();
	take(&in, &choice, 1);
	size_t cap = choice & 1 ? SMALL_BUFFER : sizeof(buf);

	while (in.n) {
		uint8_t le[2];

		take(&in, le, 2);
		size_t len = (size_t)(le[0] | le[1] << 8);

		if (len > in.n)
			len = in.n;
		/* A copy of exactly its bytes, so that reading one past is
		 * caught. */
		uint8_t *frame = malloc(len ? len : 1);

		if (!frame)
			return 0;
		memcpy(frame, in.p, len);
		in.p += len;
		in.n -= len;
		net_link_send(link, 0, &none, frame, len);
		free(frame);
		take_waiting(cap);
	}
	take_waiting(cap);
	return 0;
}
