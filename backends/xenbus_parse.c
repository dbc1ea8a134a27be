/* Strict parsing of frontend-written values (xenbus_parse.h). */
#include "backends/xenbus_parse.h"

#include <errno.h>
#include <limits.h>
#include <xen/io/xenbus.h>

int xenbus_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *val)
{
	uint64_t n = 0;

	if (len == 0 || len > XENBUS_UINT_DIGITS)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		unsigned digit = (unsigned)(s[i] - '0');

		if (n > (UINT64_MAX - digit) / 10)
			return -EINVAL;
		n = n * 10 + digit;
	}
	if (n > max)
		return -EINVAL;
	*val = n;
	return 0;
}

int xenbus_parse_state(const char *s, size_t len)
{
	uint64_t v;

	if (xenbus_parse_uint(s, len, INT_MAX, &v))
		return XenbusStateUnknown;
	return (int)v;
}
