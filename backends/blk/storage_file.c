/*
 * Raw image files and block devices: opening them, what they offer
 * (size, sector sizes, discard), and doing one request with blocking
 * system calls for the thread pool.
 */
#include "backends/blk/storage_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static bool is_power_of_two(uint64_t v)
{
	return v && !(v & (v - 1));
}

static bool logical_size_ok(uint64_t v)
{
	return is_power_of_two(v) && v >= 512 && v <= 4096;
}

/* A number from a sysfs file of the device (or of the whole disk, for a
 * partition's queue attributes); 0 if absent. */
static uint64_t sysfs_number(dev_t dev, const char *attr)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s", major(dev), minor(dev), attr);
	f = fopen(path, "re");
	if (!f && strncmp(attr, "queue/", 6) == 0) {
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../%s", major(dev), minor(dev),
			 attr);
		f = fopen(path, "re");
	}
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int block_device_info(struct storage *s, const struct stat *st, char *err, size_t errlen)
{
	uint64_t size;
	int logical = 0, ro = 0;
	unsigned int physical = 0;

	if (ioctl(s->fd, BLKGETSIZE64, &size) < 0 || ioctl(s->fd, BLKSSZGET, &logical) < 0 ||
	    ioctl(s->fd, BLKPBSZGET, &physical) < 0 || ioctl(s->fd, BLKROGET, &ro) < 0) {
		snprintf(err, errlen, "block device ioctl: %s", strerror(errno));
		return -errno;
	}
	if (!logical_size_ok((uint64_t)logical)) {
		snprintf(err, errlen, "logical sector size %d not 512..4096", logical);
		return -EINVAL;
	}
	if (ro && !s->info.read_only) {
		snprintf(err, errlen, "the block device is read-only");
		return -EROFS;
	}
	s->info.block_device = true;
	s->info.size = size;
	s->info.logical_sector_size = (uint32_t)logical;
	s->info.physical_sector_size =
		is_power_of_two(physical) && physical >= (unsigned)logical ? physical : (uint32_t)logical;
	if (!s->info.read_only && sysfs_number(st->st_rdev, "queue/discard_max_bytes")) {
		uint64_t g = sysfs_number(st->st_rdev, "queue/discard_granularity");

		s->info.can_discard = true;
		s->info.discard_granularity =
			is_power_of_two(g) && g <= UINT32_MAX ? (uint32_t)g : (uint32_t)logical;
		s->info.discard_alignment =
			(uint32_t)(sysfs_number(st->st_rdev, "discard_alignment") % s->info.discard_granularity);
	}
	return 0;
}

/* O_DIRECT on a file: the file system says what alignment it needs
 * (statx's DIOALIGN, Linux 6.1); without the answer, its block size is
 * always enough. */
static uint32_t direct_io_alignment(int fd, const struct stat *st)
{
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
	    (sx.stx_mask & STATX_DIOALIGN) && sx.stx_dio_offset_align) {
		uint32_t a = sx.stx_dio_offset_align > sx.stx_dio_mem_align ? sx.stx_dio_offset_align
									    : sx.stx_dio_mem_align;
		return a < 512 ? 512 : a;
	}
	return (uint32_t)st->st_blksize;
}

static int regular_file_info(struct storage *s, const struct stat *st, char *err, size_t errlen)
{
	uint32_t logical = 512;
	uint32_t blksize = (uint32_t)st->st_blksize;

	if (s->info.direct) {
		logical = direct_io_alignment(s->fd, st);
		if (!logical_size_ok(logical)) {
			snprintf(err, errlen, "O_DIRECT needs %u-byte alignment, not 512..4096", logical);
			return -EINVAL;
		}
	}
	s->info.size = (uint64_t)st->st_size;
	s->info.logical_sector_size = logical;
	/* The file system's block: what writes had better not split. */
	s->info.physical_sector_size =
		is_power_of_two(blksize) && blksize >= logical && blksize <= 4096 ? blksize : logical;
	/* Punching a hole past the end changes nothing, and tells whether
	 * the file system can. */
	if (!s->info.read_only &&
	    fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, st->st_size, 1) == 0) {
		s->info.can_discard = true;
		s->info.discard_granularity = is_power_of_two(blksize) ? blksize : logical;
		s->info.discard_alignment = 0;
	}
	return 0;
}

int storage_file_open(struct storage *s, const char *path, unsigned flags, char *err,
		      size_t errlen)
{
	int oflags = O_CLOEXEC | (flags & STORAGE_READ_ONLY ? O_RDONLY : O_RDWR) |
		     (flags & STORAGE_DIRECT ? O_DIRECT : 0);
	char why[160];
	struct stat st;
	int rc;

	s->info.read_only = flags & STORAGE_READ_ONLY;
	s->info.direct = flags & STORAGE_DIRECT;
	s->info.can_flush = true;
	s->info.max_transfer = STORAGE_FILE_MAX_TRANSFER;
	s->fd = open(path, oflags);
	if (s->fd < 0 || fstat(s->fd, &st) < 0) {
		rc = -errno;
		snprintf(why, sizeof(why), "%s", strerror(errno));
	} else if (S_ISBLK(st.st_mode)) {
		rc = block_device_info(s, &st, why, sizeof(why));
	} else if (S_ISREG(st.st_mode)) {
		rc = regular_file_info(s, &st, why, sizeof(why));
	} else {
		snprintf(why, sizeof(why), "not a regular file or a block device");
		rc = -EINVAL;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, why);
	return rc;
}

/* Read or write until all is done: positional, so workers share the fd. */
static int64_t transfer_all(int fd, struct storage_req *r)
{
	while (r->done < r->len) {
		int cnt = (int)(r->iovcnt < STORAGE_IOV_PER_CALL ? r->iovcnt : STORAGE_IOV_PER_CALL);
		off_t at = (off_t)(r->offset + r->done);
		ssize_t n = r->op == STORAGE_OP_READ ? preadv(fd, r->iov, cnt, at)
						     : pwritev(fd, r->iov, cnt, at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) /* the file ended before the size it had at open */
			return -EIO;
		storage_req_advance(r, (uint64_t)n);
	}
	return (int64_t)r->len;
}

static int64_t discard(const struct storage *s, const struct storage_req *r)
{
	if (s->info.block_device) {
		uint64_t range[2] = { r->offset, r->len };

		return ioctl(s->fd, BLKDISCARD, range) < 0 ? -errno : 0;
	}
	return fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)r->offset,
			 (off_t)r->len) < 0 ? -errno : 0;
}

void storage_file_execute(const struct storage *s, struct storage_req *r)
{
	switch (r->op) {
	case STORAGE_OP_READ:
	case STORAGE_OP_WRITE:
		r->result = transfer_all(s->fd, r);
		break;
	case STORAGE_OP_FLUSH:
		r->result = fdatasync(s->fd) < 0 ? -errno : 0;
		break;
	case STORAGE_OP_DISCARD:
		r->result = discard(s, r);
		break;
	}
}
