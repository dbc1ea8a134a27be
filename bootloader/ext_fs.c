/* Reading files out of an ext2/3/4 file system with libext2fs. */
#include <errno.h>
#include <et/com_err.h>
#include <ext2fs/ext2fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bootloader/ext_fs.h"

#define COPY_CHUNK (1u << 20)

struct ext_fs {
	ext2_filsys fs;
};

int ext_fs_open(const char *path, uint64_t offset, struct ext_fs **out,
		char *err, size_t errlen)
{
	/* Without it error_message() prints numbers for ext2fs's codes. */
	initialize_ext2_error_table();
	char options[64];
	snprintf(options, sizeof options, "offset=%llu", (unsigned long long)offset);
	struct ext_fs *e = calloc(1, sizeof *e);
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Read-only (no EXT2_FLAG_RW): the guest's disk is not ours to
	 * change, and a journal needing recovery is read as it stands. */
	errcode_t rc = ext2fs_open2(path, options, EXT2_FLAG_64BITS, 0, 0,
				    unix_io_manager, &e->fs);
	if (rc) {
		snprintf(err, errlen, "%s", error_message(rc));
		free(e);
		return -1;
	}
	*out = e;
	return 0;
}

void ext_fs_close(struct ext_fs *e)
{
	if (!e)
		return;
	ext2fs_close_free(&e->fs);
	free(e);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Where read_file puts a file's bytes, chunk by chunk. */
typedef int sink_fn(void *ctx, const char *chunk, size_t len);

static int sink_fd(void *ctx, const char *chunk, size_t len)
{
	return write_all(*(int *)ctx, chunk, len);
}

struct memory_sink {
	char *buf;
	size_t len;
};

static int sink_memory(void *ctx, const char *chunk, size_t len)
{
	struct memory_sink *m = ctx;
	memcpy(m->buf + m->len, chunk, len);
	m->len += len;
	return 0;
}

/* The file at name through sink; for sink_memory, *size_out first. */
static int64_t read_file(struct ext_fs *e, const char *name, uint64_t max,
			 sink_fn *sink, void *ctx, struct memory_sink *alloc,
			 char *err, size_t errlen)
{
	ext2_ino_t ino;
	struct ext2_inode inode;
	errcode_t rc = ext2fs_namei_follow(e->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, name, &ino);
	if (rc == EXT2_ET_FILE_NOT_FOUND) {
		snprintf(err, errlen, "%s: no such file", name);
		return -2;
	}
	if (!rc)
		rc = ext2fs_read_inode(e->fs, ino, &inode);
	if (rc) {
		snprintf(err, errlen, "%s: %s", name, error_message(rc));
		return -1;
	}
	if (!LINUX_S_ISREG(inode.i_mode)) {
		snprintf(err, errlen, "%s: not a regular file", name);
		return -1;
	}
	uint64_t size = EXT2_I_SIZE(&inode);
	if (size > max) {
		snprintf(err, errlen, "%s: %llu bytes, more than the %llu allowed", name,
			 (unsigned long long)size, (unsigned long long)max);
		return -1;
	}
	if (alloc) {
		alloc->len = 0;
		alloc->buf = malloc(size + 1);
		if (!alloc->buf) {
			snprintf(err, errlen, "%s: out of memory", name);
			return -1;
		}
	}
	ext2_file_t file;
	rc = ext2fs_file_open(e->fs, ino, 0, &file);
	if (rc) {
		snprintf(err, errlen, "%s: %s", name, error_message(rc));
		return -1;
	}
	char *buf = malloc(COPY_CHUNK);
	uint64_t done = 0;
	int result = buf ? 0 : -1;
	if (!buf)
		snprintf(err, errlen, "out of memory");
	while (!result && done < size) {
		unsigned got = 0;
		unsigned want = size - done < COPY_CHUNK ? (unsigned)(size - done) : COPY_CHUNK;
		rc = ext2fs_file_read(file, buf, want, &got);
		if (rc || !got || got > want) {
			snprintf(err, errlen, "%s: %s", name,
				 rc ? error_message(rc) : "shorter than its size");
			result = -1;
		} else if (sink(ctx, buf, got)) {
			snprintf(err, errlen, "%s: writing a copy: %s", name, strerror(errno));
			result = -1;
		}
		done += got;
	}
	free(buf);
	ext2fs_file_close(file);
	return result ? -1 : (int64_t)size;
}

int64_t ext_fs_copy(struct ext_fs *e, const char *name, int fd, uint64_t max,
		    char *err, size_t errlen)
{
	return read_file(e, name, max, sink_fd, &fd, NULL, err, errlen);
}

int ext_fs_load(struct ext_fs *e, const char *name, uint64_t max, char **buf,
		size_t *len, char *err, size_t errlen)
{
	struct memory_sink m = { NULL, 0 };
	int64_t rc = read_file(e, name, max, sink_memory, &m, &m, err, errlen);
	if (rc < 0) {
		free(m.buf);
		return (int)rc;
	}
	m.buf[m.len] = '\0';
	*buf = m.buf;
	*len = m.len;
	return 0;
}
