#include "format.h"

#include <stdbool.h>
#include <stdint.h>

struct out {
	char *buf;
	size_t size;
	size_t len;	/* what the full output would need, without the NUL */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left;	/* '-' */
	bool zero;	/* '0' */
	int width;
	int precision;	/* -1 if none: max chars of %s, min digits of numbers */
};

static void put_field(struct out *o, const struct spec *s, const char *sign,
		      const char *body, int body_len)
{
	int sign_len = 0;
	while (sign[sign_len])
		sign_len++;
	int fill = s->width - sign_len - body_len;

	if (!s->left && !s->zero)
		pad(o, ' ', fill);
	for (int i = 0; i < sign_len; i++)
		put(o, sign[i]);
	if (!s->left && s->zero)
		pad(o, '0', fill);
	for (int i = 0; i < body_len; i++)
		put(o, body[i]);
	if (s->left)
		pad(o, ' ', fill);
}

static void put_number(struct out *o, const struct spec *s, uint64_t v,
		       unsigned base, bool upper, const char *sign)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = sizeof(tmp);

	do {
		tmp[--n] = digits[v % base];
		v /= base;
	} while (v);
	while (n > 0 && (int)sizeof(tmp) - n < s->precision)
		tmp[--n] = '0';
	put_field(o, s, sign, tmp + n, (int)sizeof(tmp) - n);
}

enum length { LEN_INT, LEN_LONG, LEN_LLONG, LEN_SIZE };

static uint64_t take_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_LONG:  return va_arg(*ap, unsigned long);
	case LEN_LLONG: return va_arg(*ap, unsigned long long);
	case LEN_SIZE:  return va_arg(*ap, size_t);
	default:        return va_arg(*ap, unsigned int);
	}
}

static int64_t take_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_LONG:  return va_arg(*ap, long);
	case LEN_LLONG: return va_arg(*ap, long long);
	case LEN_SIZE:  return (int64_t)va_arg(*ap, size_t);
	default:        return va_arg(*ap, int);
	}
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	va_list ap;

	va_copy(ap, ap_in);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		const char *start = p++;
		struct spec s = { false, false, 0, -1 };
		for (;; p++) {
			if (*p == '-')
				s.left = true;
			else if (*p == '0')
				s.zero = true;
			else
				break;
		}
		if (*p == '*') {
			s.width = va_arg(ap, int);
			if (s.width < 0) {
				s.left = true;
				s.width = -s.width;
			}
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				s.width = s.width * 10 + (*p++ - '0');
		}
		if (*p == '.') {
			s.precision = 0;
			if (*++p == '*') {
				s.precision = va_arg(ap, int);
				p++;
			} else {
				while (*p >= '0' && *p <= '9')
					s.precision = s.precision * 10 + (*p++ - '0');
			}
		}
		enum length len = LEN_INT;
		if (*p == 'l') {
			len = LEN_LONG;
			if (*++p == 'l') {
				len = LEN_LLONG;
				p++;
			}
		} else if (*p == 'z') {
			len = LEN_SIZE;
			p++;
		}

		switch (*p) {
		case 'd':
		case 'i': {
			int64_t v = take_signed(&ap, len);
			uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
			put_number(&o, &s, mag, 10, false, v < 0 ? "-" : "");
			break;
		}
		case 'u':
			put_number(&o, &s, take_unsigned(&ap, len), 10, false, "");
			break;
		case 'x':
		case 'X':
			put_number(&o, &s, take_unsigned(&ap, len), 16, *p == 'X', "");
			break;
		case 'p':
			put_number(&o, &s, (uintptr_t)va_arg(ap, void *), 16, false,
				   "0x");
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			s.zero = false;
			put_field(&o, &s, "", &c, 1);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			int n = 0;
			if (!str)
				str = "(null)";
			while ((s.precision < 0 || n < s.precision) && str[n])
				n++;
			s.zero = false;
			put_field(&o, &s, "", str, n);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown conversion: print it as written, so it shows. */
			for (const char *q = start; q <= p && *q; q++)
				put(&o, *q);
			if (!*p)
				p--;
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
