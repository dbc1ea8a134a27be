/*
 * A small synchronous xenstore client over the domain's ring, as a PV
 * kernel's xenbus talks to the store before it has interrupts: write the
 * request, signal the store's port, and poll the ring (yielding the vCPU)
 * for the answer.  Enough for a test frontend: read, write, and waiting
 * for a node to take a value.
 */
#ifndef GUEST_XENSTORE_H
#define GUEST_XENSTORE_H

#include <stddef.h>

/* Reads path into buf (NUL-terminated, at most len - 1 bytes); the value's
 * length, or -1 if the store answered with an error (ENOENT, EACCES…),
 * whose name is then in buf. */
int xs_read(const char *path, char *buf, size_t len);

/* Writes value at path: 0, or -1 if the store refused (reason in the
 * console log). */
int xs_write(const char *path, const char *value);

/* Writes the formatted value (format.h's conversions) at path, as
 * xs_write. */
int xs_printf(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads path as a decimal number; -1 if missing or not a number. */
long xs_read_long(const char *path);

/* Polls path until it reads as want (a decimal number), at most about
 * tries times; 0 when it did, -1 when not (the last value is logged). */
int xs_wait_long(const char *path, long want, unsigned tries);

#endif
