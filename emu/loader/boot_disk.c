/*
 * The bootloader field of the config: which boot loaders there are, which
 * disk they read, and what the entry they choose replaces.  As with xl's
 * pygrub, a command line given to xenlet (xl's `extra`, pygrub's --args)
 * replaces the entry's arguments rather than adding to them.
 */
#include <stdio.h>
#include <string.h>
#include "bootloader/bootloader_name.h"
#include "emu/loader/boot_disk.h"

int boot_disk_configure(const struct xenlet_config *cfg, struct xenlet_config *booted,
			struct pygrub_boot *boot)
{
	char err[1024];
	boot->kernel_fd = boot->ramdisk_fd = -1;
	if (!bootloader_is_pygrub(cfg->bootloader)) {
		fprintf(stderr, "xenlet: bootloader '%s': only pygrub is built in\n",
			cfg->bootloader);
		return -1;
	}
	if (cfg->kernel || cfg->ramdisk) {
		fprintf(stderr, "xenlet: pygrub takes the kernel and ramdisk from the disk: "
			"give neither KERNEL nor --ramdisk\n");
		return -1;
	}
	if (!cfg->nr_disks) {
		fprintf(stderr, "xenlet: pygrub needs a --disk to boot from\n");
		return -1;
	}
	const char *disk = cfg->disks[0].target;
	if (!strncmp(disk, "nbd:", 4) || !strncmp(disk, "nbd+", 4)) {
		fprintf(stderr, "xenlet: pygrub reads image files and block devices, "
			"not NBD exports (%s)\n", disk);
		return -1;
	}
	if (pygrub_boot_load(disk, boot, err, sizeof err)) {
		fprintf(stderr, "xenlet: %s\n", err);
		pygrub_boot_release(boot);
		return -1;
	}
	const struct boot_entry *e = &boot->entry;
	bool replaced = cfg->cmdline && cfg->cmdline[0];
	char initrds[BOOT_INITRDS_MAX * (BOOT_PATH_MAX + 1)] = "";
	for (unsigned i = 0; i < e->nr_initrds; i++) {
		size_t have = strlen(initrds);
		snprintf(initrds + have, sizeof initrds - have, "%s%s", i ? "+" : "",
			 e->initrds[i]);
	}
	fprintf(stderr, "xenlet: pygrub: %s partition %u (%s) %s: booting '%s': kernel %s, "
		"initrd %s, args '%s'%s\n", disk, boot->partition, boot->fstype,
		boot->config, e->title, e->kernel, e->nr_initrds ? initrds : "(none)",
		e->args, replaced ? " (replaced by the given command line)" : "");
	*booted = *cfg;
	booted->kernel = boot->kernel_path;
	booted->ramdisk = e->nr_initrds ? boot->ramdisk_path : NULL;
	if (!replaced)
		booted->cmdline = e->args;
	return 0;
}
