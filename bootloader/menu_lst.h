/*
 * grub legacy's menu.lst (grub 0.97, as Debian's update-grub and xen-tools
 * wrote it for PV guests in pygrub's early days): `default N`, `title`
 * starting an entry, and in it `root`, `kernel PATH ARGS…` and
 * `initrd PATH`.  A keyword may be followed by spaces or '='; '#' starts
 * a comment.  `default saved` (the number in /boot/grub/default) and a
 * number past the last entry boot entry 0, as grub does when its saved
 * default is missing.  Paths are within the partition holding menu.lst.
 */
#ifndef XENLET_MENU_LST_H
#define XENLET_MENU_LST_H

#include <stddef.h>
#include "bootloader/boot_entry.h"

/* The entry grub legacy would boot from cfg[0..len) (no NUL needed): 0,
 * or -1 with a one-line reason. */
int menu_lst_choose(const char *cfg, size_t len, struct boot_entry *out,
		    char *err, size_t errlen);

#endif
