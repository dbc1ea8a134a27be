/*
 * A small snprintf for the core's diagnostics: the shim has no libc.
 * Supports what the core prints: %s %c %d %u %x %ld %lu %lx %llx %p, the
 * '#' flag, '0' padding and a field width.  Always NUL-terminates.
 */
#include <stdarg.h>
#include "pv-shim/core/core.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char ch)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = ch;
	o->len++;
}

static void put_number(struct out *o, uint64_t v, unsigned base, int negative,
		       int alt, int width, char pad)
{
	char digits[24];
	int n = 0;
	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	int len = n + negative + (alt ? 2 : 0);
	if (pad == ' ')
		for (; width > len; width--)
			put(o, ' ');
	if (negative)
		put(o, '-');
	if (alt) {
		put(o, '0');
		put(o, 'x');
	}
	for (; width > len; width--)
		put(o, '0');
	while (n)
		put(o, digits[--n]);
}

size_t core_format(char *buf, size_t size, const char *fmt, ...)
{
	struct out o = { buf, size, 0 };
	va_list ap;
	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		p++;
		int alt = 0, width = 0, longs = 0;
		char pad = ' ';
		if (*p == '#') {
			alt = 1;
			p++;
		}
		if (*p == '0') {
			pad = '0';
			p++;
		}
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		while (*p == 'l') {
			longs++;
			p++;
		}
		switch (*p) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int n = 0;
			while (s[n])
				n++;
			for (; n < width; width--) /* right-justified, as printf */
				put(&o, ' ');
			while (*s)
				put(&o, *s++);
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = longs ? va_arg(ap, long) : va_arg(ap, int);
			put_number(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10,
				   v < 0, 0, width, pad);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = longs ? va_arg(ap, unsigned long)
					   : va_arg(ap, unsigned int);
			put_number(&o, v, *p == 'u' ? 10 : 16, 0, alt, width, pad);
			break;
		}
		case 'p':
			put_number(&o, (uintptr_t)va_arg(ap, void *), 16, 0, 1,
				   width, pad);
			break;
		case '%':
			put(&o, '%');
			break;
		default: /* unknown conversion: show it rather than guess */
			put(&o, '%');
			if (!*p)
				p--;
			else
				put(&o, *p);
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}
