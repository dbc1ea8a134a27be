/*
 * disk = [ ... ]: each entry in xl's disk syntax (positional
 * "file:/x.img,xvda,w" or "format=raw, vdev=xvda, access=rw,
 * target=/x.img"), parsed by libxlutil's xlu_disk_parse into a
 * libxl_device_disk used as data only, then turned into blkback's
 * disk_spec.  An image in another format than raw (format=qcow2...) is
 * kept with its format: `create` has qemu-nbd serve it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "backends/blk/vdev.h"
#include "toolstack/xl_parse.h"

static const char *format_name(libxl_disk_format f)
{
	switch (f) {
	case LIBXL_DISK_FORMAT_QCOW:
		return "qcow";
	case LIBXL_DISK_FORMAT_QCOW2:
		return "qcow2";
	case LIBXL_DISK_FORMAT_VHD:
		return "vpc"; /* qemu's name for VHD */
	case LIBXL_DISK_FORMAT_QED:
		return "qed";
	default:
		return "raw";
	}
}

/* One entry; 0, or -1 after an error. */
static int parse_disk(struct xl_parse *p, unsigned index, const char *spec)
{
	struct xl_config *cfg = p->cfg;
	char what[32];
	snprintf(what, sizeof what, "disk[%u]", index);
	libxl_device_disk disk;
	libxl_device_disk_init(&disk);
	int ret = -1;

	int r = xlu_disk_parse(p->xlu, 1, &spec, &disk);
	if (r) {
		if (!xl_parse_forward_report(p, "disk", what, true))
			xl_parse_error(p, "disk", "%s: '%s' is not an xl disk spec", what, spec);
		goto out;
	}
	xl_parse_forward_report(p, "disk", what, false); /* warnings it may have said */
	if (disk.format == LIBXL_DISK_FORMAT_EMPTY || !disk.pdev_path || !*disk.pdev_path) {
		xl_parse_error(p, "disk", "%s: has no target (an empty drive%s)", what,
			       disk.is_cdrom ? ": xenlet cannot change a CD-ROM's medium" : "");
		goto out;
	}
	if (!disk.vdev || !*disk.vdev) {
		xl_parse_error(p, "disk", "%s: has no vdev", what);
		goto out;
	}
	if (cfg->nr_disks == XENLET_MAX_DISKS) {
		xl_parse_error(p, "disk", "%s: xenlet serves at most %d disks", what,
			       XENLET_MAX_DISKS);
		goto out;
	}
	struct disk_spec *d = &cfg->disks[cfg->nr_disks];
	/* A CD-ROM is read-only whatever its access says, as under libxl. */
	*d = (struct disk_spec){ .readonly = !disk.readwrite || disk.is_cdrom,
				 .cdrom = disk.is_cdrom };
	if (strlen(disk.pdev_path) >= sizeof d->target) {
		xl_parse_error(p, "disk", "%s: target path longer than %d bytes", what,
			       DISK_SPEC_MAX_TARGET - 1);
		goto out;
	}
	strcpy(d->target, disk.pdev_path);
	if (strlen(disk.vdev) >= sizeof d->vdev || vdev_parse(disk.vdev, &d->devid)) {
		xl_parse_error(p, "disk", "%s: '%s' is not a disk name xl knows (xvda, "
			       "xvdb1, hda, sdb, d0p1, or a device number)", what, disk.vdev);
		goto out;
	}
	strcpy(d->vdev, disk.vdev);
	for (unsigned i = 0; i < cfg->nr_disks; i++)
		if (cfg->disks[i].devid == d->devid) {
			xl_parse_error(p, "disk", "%s: %s is already an earlier disk's name",
				       what, d->vdev);
			goto out;
		}
	if (disk.script)
		xl_parse_warning(p, "disk", "%s: script=%s ignored: xenlet opens the "
				 "target itself", what, disk.script);
	if (disk.backend_domname)
		xl_parse_warning(p, "disk", "%s: backend=%s ignored: xenlet is the "
				 "backend", what, disk.backend_domname);
	/* Other formats are read by qemu-nbd, which `create` starts. */
	bool raw = disk.format == LIBXL_DISK_FORMAT_RAW ||
		   disk.format == LIBXL_DISK_FORMAT_UNKNOWN;
	cfg->disk_formats[cfg->nr_disks] = raw ? NULL : format_name(disk.format);
	cfg->nr_disks++;
	ret = 0;
out:
	libxl_device_disk_dispose(&disk);
	return ret;
}

int xl_parse_disks(struct xl_parse *p)
{
	XLU_ConfigList *list;
	int n;
	int r = xlu_cfg_get_list(p->xlu, "disk", &list, &n, 1);
	if (r == ESRCH)
		return 0;
	if (r) {
		xl_parse_error(p, "disk", "wants a list of disk specs: disk = [ '...', ... ]");
		xl_parse_verdict(p, "disk", XL_KEY_UNSUPPORTED, "not a list");
		return -1;
	}
	unsigned errors = p->cfg->nr_errors;
	for (int i = 0; i < n; i++) {
		const char *spec = xlu_cfg_get_listitem(list, i);
		if (!spec) {
			xl_parse_error(p, "disk", "disk[%d]: wants a string, not a list", i);
			continue;
		}
		parse_disk(p, (unsigned)i, spec);
	}
	if (p->cfg->nr_errors != errors) {
		xl_parse_verdict(p, "disk", XL_KEY_UNSUPPORTED, "a disk cannot be served");
		return -1;
	}
	unsigned served = 0;
	for (unsigned i = 0; i < p->cfg->nr_disks; i++)
		served += p->cfg->disk_formats[i] != NULL;
	if (served)
		xl_parse_verdict(p, "disk", XL_KEY_USED, "%u disk%s, %u through qemu-nbd",
				 p->cfg->nr_disks, p->cfg->nr_disks == 1 ? "" : "s", served);
	else
		xl_parse_verdict(p, "disk", XL_KEY_USED, "%u disk%s", p->cfg->nr_disks,
				 p->cfg->nr_disks == 1 ? "" : "s");
	return 0;
}
