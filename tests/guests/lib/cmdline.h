/*
 * Reading "key=value" words from a guest command line (words are separated
 * by spaces; the last occurrence of a key wins, as in Linux).
 */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

enum cmdline_result { CMDLINE_MISSING, CMDLINE_OK, CMDLINE_BAD };

/* Copies the value of key into val (NUL-terminated); CMDLINE_BAD if it
 * does not fit.  A bare "key" has the empty value. */
enum cmdline_result cmdline_str(const char *cmdline, const char *key,
				char *val, size_t valsize);

/* A decimal or 0x-prefixed hexadecimal number; CMDLINE_BAD if malformed or
 * out of range. */
enum cmdline_result cmdline_u64(const char *cmdline, const char *key,
				uint64_t *val);

#endif
