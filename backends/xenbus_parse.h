/*
 * Reading what a frontend wrote in its xenstore directory. The guest owns
 * those nodes and can put any bytes there (up to the store's value quota),
 * so a value is taken only in the one form a well-behaved frontend writes:
 * unsigned decimal digits, nothing else (no sign, space, prefix or NUL),
 * at most XENBUS_UINT_DIGITS of them, within the caller's bound.
 */
#ifndef XENLET_XENBUS_PARSE_H
#define XENLET_XENBUS_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Enough for UINT64_MAX; longer is hostile even with leading zeros. */
#define XENBUS_UINT_DIGITS 20

/* The value of s[0..len) if it is such a number no greater than max:
 * 0 and *val set, or -EINVAL (*val untouched). */
int xenbus_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *val);

/* A state node's value as enum xenbus_state's number (which may be one
 * the enum does not name: the state machine calls that an error), or
 * XenbusStateUnknown when it is not a number at all, as Linux reads a
 * state it cannot scan. */
int xenbus_parse_state(const char *s, size_t len);

#endif
