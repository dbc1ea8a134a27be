/*
 * A disk as the command line gives it, until config files exist:
 *
 *   --disk TARGET[,vdev=NAME][,ro][,cdrom][,direct]
 *
 * TARGET is an image file or block device path, or an NBD URI
 * (nbd://…, nbd+unix://…).  vdev is the guest's name for it, numbered
 * as xl does (vdev.h); without one the n-th disk is xvd<n-th letter>.
 * ro: the guest may not write it (blkback refuses writes, and says
 * info=VDISK_READONLY, mode=r).  cdrom: a read-only CD-ROM drive as xl's
 * devtype=cdrom makes (device-type=cdrom, info adds VDISK_CDROM and
 * VDISK_REMOVABLE); the medium is the one given, never changed.  direct:
 * the image is opened O_DIRECT.
 */
#ifndef XENLET_BLK_DISK_SPEC_H
#define XENLET_BLK_DISK_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISK_SPEC_MAX_TARGET 4096

struct disk_spec {
	char target[DISK_SPEC_MAX_TARGET];
	char vdev[16];
	uint32_t devid;
	bool readonly;
	bool cdrom;                     /* implies readonly */
	bool direct;
};

/* Parses arg as the index-th disk; 0, or -1 with a one-line reason. */
int disk_spec_parse(const char *arg, unsigned index, struct disk_spec *out,
		    char *err, size_t errlen);

#endif
