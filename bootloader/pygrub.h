/*
 * Booting a guest from its own disk, as xl's pygrub does: the first
 * partition (in table order; the whole disk when there is no table)
 * holding a grub configuration decides.  In each ext2/3/4 partition the
 * places looked at are, in order, /boot/grub/grub.cfg, /grub/grub.cfg (a
 * separate /boot), /boot/grub2/grub.cfg, /grub2/grub.cfg,
 * /boot/grub/menu.lst and /grub/menu.lst; grub.cfg's variables also come
 * from the grubenv beside it.  The default entry's kernel and initrds
 * (several are joined, as grub loads them) are copied out of that
 * partition into memfds.
 *
 * libblkid and libext2fs read the disk in a child process: the image is
 * the guest's, and a file system made to crash them ends that child
 * only, with an error here.
 */
#ifndef XENLET_PYGRUB_H
#define XENLET_PYGRUB_H

#include <stddef.h>
#include "bootloader/boot_entry.h"

#define PYGRUB_CONFIG_MAX (1u << 20)
#define PYGRUB_KERNEL_MAX (256ull << 20)
#define PYGRUB_RAMDISK_MAX (2ull << 30)

struct pygrub_boot {
	int kernel_fd;            /* memfd, or -1 */
	int ramdisk_fd;           /* memfd, or -1 when the entry has no initrd */
	char kernel_path[32];     /* /proc/self/fd/N of kernel_fd */
	char ramdisk_path[32];    /* of ramdisk_fd, or "" */
	struct boot_entry entry;
	unsigned partition;       /* where the configuration was (0: whole disk) */
	char fstype[32];
	char config[32];          /* its path in that partition */
};

/* 0, or -1 with a one-line reason; release the result either way. */
int pygrub_boot_load(const char *disk, struct pygrub_boot *out, char *err, size_t errlen);
void pygrub_boot_release(struct pygrub_boot *b);

#endif
