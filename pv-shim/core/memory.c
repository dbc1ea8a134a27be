/*
 * Byte copies for the core.  Plain loops: the shim is built without libc
 * and its CPL0 code must stay within the integer instructions the KVM
 * emulator here knows (no SSE), so no builtins that could expand to them.
 */
#include "pv-shim/core/core.h"

void core_memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	while (n--)
		*d++ = *s++;
}

void core_memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	while (n--)
		*d++ = (uint8_t)c;
}
