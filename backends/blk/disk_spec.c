/* The --disk option's value (disk_spec.h). */
#include <stdio.h>
#include <string.h>
#include "backends/blk/disk_spec.h"
#include "backends/blk/vdev.h"

static int option(struct disk_spec *d, const char *opt, size_t len, char *err, size_t errlen)
{
	if (len == 2 && !memcmp(opt, "ro", 2)) {
		d->readonly = true;
		return 0;
	}
	if (len == 5 && !memcmp(opt, "cdrom", 5)) {
		d->cdrom = d->readonly = true;
		return 0;
	}
	if (len == 6 && !memcmp(opt, "direct", 6)) {
		d->direct = true;
		return 0;
	}
	if (len > 5 && !memcmp(opt, "vdev=", 5)) {
		if (len - 5 >= sizeof d->vdev) {
			snprintf(err, errlen, "vdev name too long: %.*s", (int)len, opt);
			return -1;
		}
		memcpy(d->vdev, opt + 5, len - 5);
		d->vdev[len - 5] = 0;
		if (vdev_parse(d->vdev, &d->devid)) {
			snprintf(err, errlen, "'%s' is not a disk name xl knows (xvda, "
				 "xvdb1, hda, sdb, d0p1, or a device number)", d->vdev);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown disk option '%.*s' (vdev=NAME, ro, cdrom, direct)",
		 (int)len, opt);
	return -1;
}

int disk_spec_parse(const char *arg, unsigned index, struct disk_spec *out,
		    char *err, size_t errlen)
{
	*out = (struct disk_spec){ 0 };
	const char *comma = strchr(arg, ',');
	size_t tlen = comma ? (size_t)(comma - arg) : strlen(arg);
	if (tlen == 0) {
		snprintf(err, errlen, "no image path or NBD URI before the options");
		return -1;
	}
	if (tlen >= sizeof out->target) {
		snprintf(err, errlen, "image path too long");
		return -1;
	}
	memcpy(out->target, arg, tlen);
	out->target[tlen] = 0;
	vdev_default_name(index, out->vdev, sizeof out->vdev);
	if (vdev_parse(out->vdev, &out->devid)) {
		snprintf(err, errlen, "too many disks for default names");
		return -1;
	}
	while (comma) {
		const char *opt = comma + 1;
		comma = strchr(opt, ',');
		size_t len = comma ? (size_t)(comma - opt) : strlen(opt);
		if (option(out, opt, len, err, errlen))
			return -1;
	}
	return 0;
}
