/*
 * Getting the ELF kernel out of a Linux bzImage: the boot protocol's setup
 * header (>= 2.08) says where the compressed payload is; the payload is
 * decompressed with the library for its format (XZ, gzip, zstd, LZ4 legacy
 * frame).  Linux appends the decompressed size as a 32-bit little-endian
 * word, which is checked, so a truncated payload cannot pass unnoticed.
 */
#ifndef XENLET_BZIMAGE_H
#define XENLET_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest decompressed kernel accepted (the fuzzer builds with a smaller one). */
#ifndef BZIMAGE_MAX_OUTPUT
#define BZIMAGE_MAX_OUTPUT ((size_t)1 << 30)
#endif

/* True if buf carries the bzImage setup header signature ("HdrS" at 0x202). */
bool bzimage_detect(const uint8_t *buf, size_t len);

/*
 * Decompresses the payload of the bzImage in buf into a new malloc'd buffer
 * (*out, *outlen; the caller frees it).  On failure returns -1, leaves *out
 * NULL and writes one line naming the reason to err.
 */
int bzimage_extract(const uint8_t *buf, size_t len, uint8_t **out, size_t *outlen,
		    char *err, size_t errlen);

#endif
