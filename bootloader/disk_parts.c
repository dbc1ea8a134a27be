/* A disk's partitions and their file-system types, through libblkid. */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "bootloader/disk_parts.h"

#define SECTOR 512 /* libblkid's unit for partition starts and sizes */

static void probe_fstype(int fd, struct disk_part *part)
{
	part->fstype[0] = '\0';
	blkid_probe pr = blkid_new_probe();
	if (!pr)
		return;
	const char *type;
	if (!blkid_probe_set_device(pr, fd, (blkid_loff_t)part->offset,
				    (blkid_loff_t)part->size) &&
	    !blkid_probe_enable_superblocks(pr, 1) &&
	    !blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE) &&
	    !blkid_do_safeprobe(pr) &&
	    !blkid_probe_lookup_value(pr, "TYPE", &type, NULL))
		snprintf(part->fstype, sizeof part->fstype, "%s", type);
	blkid_free_probe(pr);
}

int disk_parts_read(const char *path, struct disk_part *parts, unsigned max,
		    unsigned *nr, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	blkid_probe pr = blkid_new_probe();
	if (!pr || blkid_probe_set_device(pr, fd, 0, 0)) {
		snprintf(err, errlen, "%s: libblkid cannot probe it", path);
		if (pr)
			blkid_free_probe(pr);
		close(fd);
		return -1;
	}
	*nr = 0;
	blkid_probe_enable_partitions(pr, 1);
	blkid_partlist list = blkid_probe_get_partitions(pr);
	int count = list ? blkid_partlist_numof_partitions(list) : 0;
	for (int i = 0; i < count && *nr < max; i++) {
		blkid_partition p = blkid_partlist_get_partition(list, i);
		/* An extended partition only holds the logical ones, which
		 * are in the list themselves. */
		if (!p || blkid_partition_is_extended(p))
			continue;
		struct disk_part *d = &parts[(*nr)++];
		d->number = (unsigned)blkid_partition_get_partno(p);
		d->offset = (uint64_t)blkid_partition_get_start(p) * SECTOR;
		d->size = (uint64_t)blkid_partition_get_size(p) * SECTOR;
	}
	if (!*nr && max) {
		/* No table: the file system, if any, is the whole disk. */
		off_t end = lseek(fd, 0, SEEK_END);
		parts[0] = (struct disk_part){ .number = 0, .offset = 0,
					       .size = end > 0 ? (uint64_t)end : 0 };
		*nr = 1;
	}
	blkid_free_probe(pr);
	for (unsigned i = 0; i < *nr; i++)
		probe_fstype(fd, &parts[i]);
	close(fd);
	return 0;
}
