/* Reading a libFuzzer input field by field: past its end, zeros. */
#ifndef XENLET_FUZZ_INPUT_H
#define XENLET_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct input {
	const uint8_t *p;
	size_t n;
};

static inline void take(struct input *in, void *dst, size_t len)
{
	size_t have = in->n < len ? in->n : len;
	memcpy(dst, in->p, have);
	memset((uint8_t *)dst + have, 0, len - have);
	in->p += have;
	in->n -= have;
}

#endif
