/*
 * grub 2's environment block (/boot/grub/grubenv): "name=value" lines
 * after a "# GRUB Environment Block" header, padded with '#' to 1 KiB;
 * grub-editenv escapes a backslash or newline in a value with a
 * backslash.  Where saved_entry (GRUB_DEFAULT=saved) lives.
 */
#ifndef XENLET_GRUBENV_H
#define XENLET_GRUBENV_H

#include <stddef.h>

/*
 * The value of name in the block buf[0..len) copied to out (NUL-ended):
 * 0, or -1 when the block has no such variable or its value does not fit.
 * buf need not end with a NUL.
 */
int grubenv_get(const char *buf, size_t len, const char *name, size_t name_len,
		char *out, size_t outlen);

#endif
