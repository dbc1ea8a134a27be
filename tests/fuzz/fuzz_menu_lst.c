/*
 * grub legacy's menu.lst as a guest's disk can hold it, any bytes: an
 * answer within the limits (NUL-ended strings, absolute paths, at most
 * one initrd) or a reason, and no read past the buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bootloader/menu_lst.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s, size_t size, int path)
{
	if (!memchr(s, '\0', size) || (path && s[0] != '/'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *cfg = malloc(size ? size : 1);
	struct boot_entry *e = malloc(sizeof *e);
	char err[256];
	if (!cfg || !e)
		abort();
	memcpy(cfg, data, size);
	if (menu_lst_choose(cfg, size, e, err, sizeof err) == 0) {
		check_string(e->title, sizeof e->title, 0);
		check_string(e->kernel, sizeof e->kernel, 1);
		check_string(e->args, sizeof e->args, 0);
		if (e->nr_initrds > 1)
			abort();
		if (e->nr_initrds)
			check_string(e->initrds[0], sizeof e->initrds[0], 1);
	} else if (!memchr(err, '\0', sizeof err) || !err[0]) {
		abort();
	}
	free(cfg);
	free(e);
	return 0;
}
