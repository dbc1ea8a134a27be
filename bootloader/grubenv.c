/* Looking one variable up in grub 2's environment block. */
#include <string.h>
#include "bootloader/grubenv.h"

int grubenv_get(const char *buf, size_t len, const char *name, size_t name_len,
		char *out, size_t outlen)
{
	size_t at = 0;
	while (at < len) {
		size_t line = at;
		/* The line's end: the first newline not escaped. */
		size_t end = line;
		while (end < len && buf[end] != '\n')
			end += (buf[end] == '\\' && end + 1 < len) ? 2 : 1;
		at = end + 1;
		if (buf[line] == '#' || end - line <= name_len ||
		    buf[line + name_len] != '=' || memcmp(buf + line, name, name_len))
			continue;
		size_t o = 0;
		for (size_t i = line + name_len + 1; i < end && i < len; i++) {
			if (buf[i] == '\\' && i + 1 < len)
				i++;
			if (o + 1 >= outlen)
				return -1;
			out[o++] = buf[i];
		}
		if (!outlen)
			return -1;
		out[o] = '\0';
		return 0;
	}
	return -1;
}
