#include "cmdline.h"

#include <stdbool.h>

static size_t word_len(const char *p)
{
	size_t n = 0;
	while (p[n] && p[n] != ' ')
		n++;
	return n;
}

/* Finds the last word "key" or "key=...": returns its value and length. */
static const char *find_value(const char *cmdline, const char *key,
			      size_t *len)
{
	size_t klen = 0;
	const char *found = NULL;

	while (key[klen])
		klen++;
	for (const char *p = cmdline; *p;) {
		if (*p == ' ') {
			p++;
			continue;
		}
		size_t n = word_len(p);
		bool key_matches = n >= klen;
		for (size_t i = 0; key_matches && i < klen; i++)
			key_matches = p[i] == key[i];
		if (key_matches && n == klen) {
			found = p + n;
			*len = 0;
		} else if (key_matches && p[klen] == '=') {
			found = p + klen + 1;
			*len = n - klen - 1;
		}
		p += n;
	}
	return found;
}

enum cmdline_result cmdline_str(const char *cmdline, const char *key,
				char *val, size_t valsize)
{
	size_t len;
	const char *v = find_value(cmdline, key, &len);

	if (!v)
		return CMDLINE_MISSING;
	if (len >= valsize)
		return CMDLINE_BAD;
	for (size_t i = 0; i < len; i++)
		val[i] = v[i];
	val[len] = '\0';
	return CMDLINE_OK;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

enum cmdline_result cmdline_u64(const char *cmdline, const char *key,
				uint64_t *val)
{
	size_t len;
	const char *v = find_value(cmdline, key, &len);
	unsigned base = 10;
	uint64_t acc = 0;

	if (!v)
		return CMDLINE_MISSING;
	if (len > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		v += 2;
		len -= 2;
	}
	if (len == 0)
		return CMDLINE_BAD;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)digit_value(v[i]);
		if (d >= base || acc > (UINT64_MAX - d) / base)
			return CMDLINE_BAD;
		acc = acc * base + d;
	}
	*val = acc;
	return CMDLINE_OK;
}
