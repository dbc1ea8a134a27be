/*
 * Files of an ext2/3/4 file system in a partition of a disk, read with
 * libext2fs (read-only; symbolic links followed, as grub follows them:
 * Debian's /vmlinuz is one).
 */
#ifndef XENLET_EXT_FS_H
#define XENLET_EXT_FS_H

#include <stddef.h>
#include <stdint.h>

struct ext_fs;

/* The file system at offset bytes into the disk at path: 0, or -1 with
 * a one-line reason. */
int ext_fs_open(const char *path, uint64_t offset, struct ext_fs **out,
		char *err, size_t errlen);
void ext_fs_close(struct ext_fs *fs);

/*
 * Writes the regular file at name (absolute) to fd from its current
 * offset: its size, or -1 with a reason (-2 when the file does not
 * exist, so a caller can try the next place).  Files over max bytes
 * are refused.
 */
int64_t ext_fs_copy(struct ext_fs *fs, const char *name, int fd, uint64_t max,
		    char *err, size_t errlen);

/* The whole regular file at name into a malloc'd buffer (*buf, *len;
 * NUL-ended for convenience): 0, -1 or -2 as ext_fs_copy. */
int ext_fs_load(struct ext_fs *fs, const char *name, uint64_t max, char **buf,
		size_t *len, char *err, size_t errlen);

#endif
