/*
 * The entry a guest's boot-loader configuration would boot: what the
 * grub 2 and grub legacy parsers hand back, and what the launcher then
 * reads from the guest's disk.  Paths are within the partition that holds
 * the configuration (grub's device prefixes such as "(hd0,msdos1)" are
 * gone).
 */
#ifndef XENLET_BOOT_ENTRY_H
#define XENLET_BOOT_ENTRY_H

#include <stddef.h>

#define BOOT_TITLE_MAX 512   /* submenu titles and the entry's, joined by '>' */
#define BOOT_PATH_MAX 1024
#define BOOT_ARGS_MAX 4096   /* Linux's own command-line limit on x86 is 2048 */
#define BOOT_INITRDS_MAX 4   /* grub 2 loads several, one after another */

struct boot_entry {
	char title[BOOT_TITLE_MAX];
	char kernel[BOOT_PATH_MAX];
	char initrds[BOOT_INITRDS_MAX][BOOT_PATH_MAX];
	unsigned nr_initrds;
	char args[BOOT_ARGS_MAX];
};

/*
 * Copies a path as a boot loader names it into out: a leading device
 * "(...)" is dropped and the rest made absolute.  -1 when it does not fit
 * or names nothing.
 */
int boot_path_normalize(const char *in, char *out, size_t outlen);

/* Appends " word" (no space when out is empty); -1 when it does not fit. */
int boot_args_append(char *out, size_t outlen, const char *word);

#endif
