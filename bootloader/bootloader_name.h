/*
 * Which boot loader a config names: xl configs say "pygrub" or the path
 * of the script (/usr/lib/xen-4.17/bin/pygrub); both mean the one built
 * into xenlet.
 */
#ifndef XENLET_BOOTLOADER_NAME_H
#define XENLET_BOOTLOADER_NAME_H

#include <stdbool.h>
#include <string.h>

static inline bool bootloader_is_pygrub(const char *name)
{
	const char *slash = strrchr(name, '/');
	return !strcmp(slash ? slash + 1 : name, "pygrub");
}

#endif
