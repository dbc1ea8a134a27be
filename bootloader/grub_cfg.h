/*
 * grub 2's grub.cfg, read as grub's menu would be: menuentry and submenu
 * blocks (nested), `set default=` at the top level (a number, a title or
 * an --id, or "N>M…" through submenus; "${saved_entry}" and other
 * variables from the environment block), and in the entry grub would
 * boot, its first linux/linux16 command (kernel and arguments) and first
 * initrd command.  `if`/`elif`/`else` follow the simple tests of
 * grub_condition.h, with variables from the file, grub's platform ("xen")
 * and the environment block: Debian's generated
 * `if [ "${next_entry}" ] … else set default="${saved_entry}" fi` picks
 * as grub would.  A branch whose test cannot be known here runs, and so
 * do those after it (a variable keeps the last value assigned).
 * `set root=` and `search` are ignored: files are read from the
 * partition holding grub.cfg, so $root expands to nothing and "($root)"
 * prefixes drop out of paths.
 */
#ifndef XENLET_GRUB_CFG_H
#define XENLET_GRUB_CFG_H

#include <stddef.h>
#include "bootloader/boot_entry.h"

/*
 * The entry grub would boot from cfg[0..cfg_len), variables not set by
 * the file taken from the environment block env[0..env_len) (may be
 * empty).  0, or -1 with a one-line reason.  Neither buffer needs a NUL.
 */
int grub_cfg_choose(const char *cfg, size_t cfg_len, const char *env, size_t env_len,
		    struct boot_entry *out, char *err, size_t errlen);

#endif
