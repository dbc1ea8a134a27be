/* Helpers both configuration parsers share for paths and arguments. */
#include <string.h>
#include "bootloader/boot_entry.h"

int boot_path_normalize(const char *in, char *out, size_t outlen)
{
	/* "(hd0,msdos1)/boot/vmlinuz", "($root)/vmlinuz" once $root expanded
	 * to nothing: the device is the partition the file came from. */
	if (in[0] == '(') {
		const char *close = strchr(in, ')');
		if (!close)
			return -1;
		in = close + 1;
	}
	if (!in[0])
		return -1;
	size_t len = strlen(in);
	size_t need = len + (in[0] != '/') + 1;
	if (need > outlen)
		return -1;
	size_t at = 0;
	if (in[0] != '/')
		out[at++] = '/';
	memcpy(out + at, in, len + 1);
	return 0;
}

int boot_args_append(char *out, size_t outlen, const char *word)
{
	size_t have = strlen(out), add = strlen(word);
	size_t sep = have ? 1 : 0;
	if (!add)
		return 0;
	if (have + sep + add + 1 > outlen)
		return -1;
	if (sep)
		out[have] = ' ';
	memcpy(out + have + sep, word, add + 1);
	return 0;
}
