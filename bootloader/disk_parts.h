/*
 * The partitions of a guest's disk (a raw image or a block device), as
 * libblkid reads the table (MBR with logical partitions, GPT, …), each
 * with the file-system type libblkid finds in it.  A disk without a
 * table is one "partition" 0 covering it all.
 */
#ifndef XENLET_DISK_PARTS_H
#define XENLET_DISK_PARTS_H

#include <stddef.h>
#include <stdint.h>

#define DISK_PARTS_MAX 128

struct disk_part {
	unsigned number;      /* as Linux numbers it (xvda1 = 1); 0: the whole disk */
	uint64_t offset;      /* bytes from the start of the disk */
	uint64_t size;        /* bytes */
	char fstype[32];      /* libblkid's TYPE ("ext4", "swap"…), or "" */
};

/* 0 with parts[0..*nr), or -1 with a one-line reason. */
int disk_parts_read(const char *path, struct disk_part *parts, unsigned max,
		    unsigned *nr, char *err, size_t errlen);

#endif
