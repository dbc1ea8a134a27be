/*
 * The frontend-node parsing of the xenbus backend framework against any
 * bytes a guest can write, checked against an independent reading: a
 * number is accepted exactly when every byte is a digit, there are at
 * most XENBUS_UINT_DIGITS of them and the value is within the bound; and
 * whatever the state node says, the state machine answers with a step.
 *
 * Input: 8 bytes of bound, 1 byte of backend state, then the value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>

#include "backends/xenbus_parse.h"
#include "backends/xenbus_step.h"
#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reading the parser must agree with: digits only, folded in 128
 * bits so that no overflow can hide. */
static int reference(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	unsigned __int128 n = 0;

	if (len == 0 || len > XENBUS_UINT_DIGITS)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		n = n * 10 + (unsigned)(s[i] - '0');
	}
	if (n > max)
		return 0;
	*v = (uint64_t)n;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint64_t max, got = 0, want = 0;
	uint8_t backend;

	take(&in, &max, sizeof(max));
	take(&in, &backend, sizeof(backend));
	/* The value as the store hands it over: a copy of exactly its
	 * bytes, so that reading one past would be caught. */
	char *s = malloc(in.n ? in.n : 1);

	if (!s)
		return 0;
	memcpy(s, in.p, in.n);

	int ok = xenbus_parse_uint(s, in.n, max, &got) == 0;

	if (ok != reference(s, in.n, max, &want) || (ok && got != want))
		abort();

	int state = xenbus_parse_state(s, in.n);
	uint64_t st;

	if (reference(s, in.n, INT32_MAX, &st) ? state != (int)st
					       : state != XenbusStateUnknown)
		abort();
	enum xenbus_step step = xenbus_step(
		state, (enum xenbus_state)(backend % (XenbusStateReconfigured + 1)));
	if (step > XENBUS_STEP_FATAL)
		abort();
	free(s);
	return 0;
}
