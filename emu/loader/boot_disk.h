/* `xenlet run --bootloader pygrub`: the kernel, ramdisk and command line
 * from the guest's first disk (bootloader/pygrub.h). */
#ifndef XENLET_BOOT_DISK_H
#define XENLET_BOOT_DISK_H

#include "bootloader/pygrub.h"
#include "emu/config.h"

/*
 * booted becomes cfg with the disk's default entry in it; boot holds its
 * files until pygrub_boot_release.  Prints the entry chosen (one line on
 * stderr), or why none can be: 0 or -1.
 */
int boot_disk_configure(const struct xenlet_config *cfg, struct xenlet_config *booted,
			struct pygrub_boot *boot);

#endif
