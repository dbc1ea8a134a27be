/*
 * Virtual disk names as xl gives them to a guest (xl-disk-configuration's
 * vdev, libxl's device numbering): the number is the device id under
 * device/vbd/ and the Linux frontend derives the guest's name from it.
 *
 *   xvdX[N]   disk < 16, N < 16:  202 << 8 | disk << 4 | N  (xvda = 51712)
 *             larger:             1 << 28 | disk << 8 | N   (N < 256)
 *   dDpN      the same numbers for disk D, partition N
 *   hdX[N]    disk < 4, N < 64:   (3 or 22) << 8 | (disk & 1) << 6 | N
 *   sdX[N]    disk < 16, N < 16:  8 << 8 | disk << 4 | N
 *   a number  taken as the device id itself
 *
 * X is one or more letters, a=0 … z=25, aa=26 … (bijective base 26).
 */
#ifndef XENLET_BLK_VDEV_H
#define XENLET_BLK_VDEV_H

#include <stdint.h>

/* 0 and *devid, or -1 when name is not a disk name xl accepts. */
int vdev_parse(const char *name, uint32_t *devid);

/* The xvd name of the n-th disk (n < 26*27): "xvda", "xvdb", … "xvdaa". */
void vdev_default_name(unsigned n, char *buf, unsigned len);

#endif
