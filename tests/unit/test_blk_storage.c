/*
 * Block storage against real disks: raw files through io_uring and the
 * thread pool (each test of files runs on both), O_DIRECT, a loop block
 * device, and NBD exports of qcow2 images served by qemu-nbd, including
 * one whose server is killed.  Every wait has a deadline: a hang fails.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "backends/blk/storage.h"

#define MiB (1u << 20)
#define DEADLINE_MS 20000

static const char *const engines[] = { "io_uring", "threads" };

static char root[256];  /* all tests' directories; main() sweeps it */
static char dir[300];   /* this test's */
static char err[256];
static char image[400];

/* ---- Fixture: a directory per test, on the disk (not tmpfs: O_DIRECT) */

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/t-XXXXXX", root);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(image, sizeof(image), "%s/disk.img", dir);
	unsetenv("XENLET_STORAGE_ENGINE");
}

static void teardown(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A failed test's child exits at once, teardown unrun: what it left
 * (a qemu-nbd, a loop device, files) is cleared here, in the parent. */
static void sweep(void)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "for d in '%s'/t-*; do"
		 "  [ -f \"$d/nbd.pid\" ] && kill -9 \"$(cat \"$d/nbd.pid\")\" 2>/dev/null;"
		 "  for f in \"$d\"/*.img; do"
		 "    [ -f \"$f\" ] || continue;"
		 "    for l in $(losetup -n -O NAME -j \"$f\" 2>/dev/null); do losetup -d \"$l\"; done;"
		 "  done;"
		 "done; rm -rf '%s'",
		 root, root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not clear %s\n", root);
}

static void use_engine(int i)
{
	setenv("XENLET_STORAGE_ENGINE", engines[i], 1);
}

/* Byte i of the test pattern at a disk offset: never all zero. */
static uint8_t pattern(uint64_t at, uint8_t seed)
{
	return (uint8_t)((at * 131 + (at >> 9) + seed) | 1);
}

static void make_image(const char *path, uint64_t size, uint8_t seed)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	uint8_t *buf = malloc(size);

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(buf);
	for (uint64_t i = 0; i < size; i++)
		buf[i] = pattern(i, seed);
	ck_assert_int_eq(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
}

static void read_file(const char *path, uint64_t at, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, len, (off_t)at), (ssize_t)len);
	close(fd);
}

static struct storage *open_ok(const char *spec, unsigned flags)
{
	struct storage *s = storage_open(spec, flags, err, sizeof(err));

	ck_assert_msg(s != NULL, "storage_open(%s): %s", spec, err);
	return s;
}

/* ---- Completions ------------------------------------------------------- */

#define LOG_MAX 4096

struct done_log {
	unsigned n;
	uintptr_t cookie[LOG_MAX];
	int64_t result[LOG_MAX];
};

static struct done_log log_;

static void record(void *opaque, void *cookie, int64_t result)
{
	struct done_log *l = opaque;

	ck_assert_uint_lt(l->n, LOG_MAX);
	l->cookie[l->n] = (uintptr_t)cookie;
	l->result[l->n] = result;
	l->n++;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Reaps until the log holds `want` completions; fails past the deadline. */
static void wait_for(struct storage *s, unsigned want)
{
	long end = now_ms() + DEADLINE_MS;

	storage_submit(s);
	while (log_.n < want) {
		struct pollfd p = { .fd = storage_fd(s), .events = POLLIN };
		long left = end - now_ms();

		ck_assert_msg(left > 0, "only %u of %u completions after %d ms", log_.n, want,
			      DEADLINE_MS);
		if (poll(&p, 1, (int)left) > 0)
			storage_reap(s, record, &log_);
	}
}

static int64_t result_of(uintptr_t cookie)
{
	for (unsigned i = 0; i < log_.n; i++)
		if (log_.cookie[i] == cookie)
			return log_.result[i];
	ck_abort_msg("no completion for cookie %lu", (unsigned long)cookie);
	return 0;
}

static unsigned position_of(uintptr_t cookie)
{
	for (unsigned i = 0; i < log_.n; i++)
		if (log_.cookie[i] == cookie)
			return i;
	ck_abort_msg("no completion for cookie %lu", (unsigned long)cookie);
	return 0;
}

/* One synchronous read or write through the storage. */
static int64_t do_io(struct storage *s, bool write, uint64_t at, void *buf, size_t len)
{
	struct iovec v = { buf, len };
	unsigned before = log_.n;
	int rc = write ? storage_write(s, at, &v, 1, (void *)0xabc)
		       : storage_read(s, at, &v, 1, (void *)0xabc);

	if (rc < 0)
		return rc;
	wait_for(s, before + 1);
	ck_assert_uint_eq(log_.cookie[before], 0xabc);
	return log_.result[before];
}

static int64_t do_flush(struct storage *s)
{
	unsigned before = log_.n;

	ck_assert_int_eq(storage_flush(s, (void *)0xf1), 0);
	wait_for(s, before + 1);
	return log_.result[before];
}

static int64_t do_discard(struct storage *s, uint64_t at, uint64_t len)
{
	unsigned before = log_.n;
	int rc = storage_discard(s, at, len, (void *)0xd1);

	if (rc < 0)
		return rc;
	wait_for(s, before + 1);
	return log_.result[before];
}

static void expect_pattern(const uint8_t *buf, uint64_t at, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != pattern(at + i, seed))
			ck_abort_msg("byte %llu is %#x, not %#x", (unsigned long long)(at + i),
				     buf[i], pattern(at + i, seed));
}

static bool all_zero(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i])
			return false;
	return true;
}

/* ---- Raw files, on each engine ------------------------------------------ */

START_TEST(file_read_write_flush)
{
	uint8_t a[512], b[1024], c[2560], back[4096];
	struct iovec w[3] = { { a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) } };
	struct iovec r[2] = { { back, 1536 }, { back + 1536, 2560 } };
	const struct storage_info *info;
	struct storage *s;

	use_engine(_i);
	make_image(image, MiB, 1);
	s = open_ok(image, 0);
	info = storage_get_info(s);
	ck_assert_str_eq(info->engine, engines[_i]);
	ck_assert_uint_eq(info->size, MiB);
	ck_assert_uint_eq(info->logical_sector_size, 512);
	ck_assert_uint_ge(info->physical_sector_size, 512);
	ck_assert_uint_eq(info->physical_sector_size % 512, 0);
	ck_assert(!info->read_only);
	ck_assert(!info->block_device);
	ck_assert(!info->direct);
	ck_assert(info->can_flush);

	memset(a, 0x11, sizeof(a));
	memset(b, 0x22, sizeof(b));
	memset(c, 0x33, sizeof(c));
	ck_assert_int_eq(storage_write(s, 8192, w, 3, (void *)1), 0);
	wait_for(s, 1);
	ck_assert_int_eq(result_of(1), 4096);
	ck_assert_int_eq(do_flush(s), 0);

	ck_assert_int_eq(storage_read(s, 8192, r, 2, (void *)2), 0);
	wait_for(s, 3);
	ck_assert_int_eq(result_of(2), 4096);
	ck_assert(memcmp(back, a, 512) == 0);
	ck_assert(memcmp(back + 512, b, 1024) == 0);
	ck_assert(memcmp(back + 1536, c, 2560) == 0);
	/* On the file itself, and untouched around it. */
	memset(back, 0, sizeof(back));
	read_file(image, 8192 + 512, back, 1024);
	ck_assert(memcmp(back, b, 1024) == 0);
	ck_assert_int_eq(do_io(s, false, 4096, back, 4096), 4096);
	expect_pattern(back, 4096, 4096, 1);
	ck_assert_int_eq(do_io(s, false, 12288, back, 4096), 4096);
	expect_pattern(back, 12288, 4096, 1);
	storage_close(s);
}
END_TEST

START_TEST(file_size_not_whole_sectors)
{
	uint8_t buf[1024];
	struct storage *s;

	use_engine(_i);
	make_image(image, MiB + 100, 2);
	s = open_ok(image, 0);
	ck_assert_uint_eq(storage_get_info(s)->size, MiB + 100);
	/* The last whole sector reads; one reaching into the tail does not. */
	ck_assert_int_eq(do_io(s, false, MiB - 512, buf, 512), 512);
	expect_pattern(buf, MiB - 512, 512, 2);
	ck_assert_int_eq(do_io(s, false, MiB, buf, 512), -EINVAL);
	ck_assert_int_eq(do_io(s, false, MiB - 512, buf, 1024), -EINVAL);
	storage_close(s);
}
END_TEST

START_TEST(refuses_bad_requests)
{
	static uint8_t buf[8192];
	struct iovec v = { buf, 512 }, none = { buf, 0 };
	struct iovec *many = calloc(STORAGE_MAX_IOV + 1, sizeof(*many));
	struct storage *s;

	use_engine(_i);
	make_image(image, MiB, 3);
	s = open_ok(image, 0);
	ck_assert_int_eq(storage_read(s, 100, &v, 1, NULL), -EINVAL);       /* offset */
	v.iov_len = 700;
	ck_assert_int_eq(storage_read(s, 0, &v, 1, NULL), -EINVAL);         /* length */
	v.iov_len = 512;
	ck_assert_int_eq(storage_write(s, MiB, &v, 1, NULL), -EINVAL);      /* past the end */
	ck_assert_int_eq(storage_read(s, UINT64_MAX - 511, &v, 1, NULL), -EINVAL);
	ck_assert_int_eq(storage_read(s, 0, &none, 1, NULL), -EINVAL);      /* nothing */
	ck_assert_int_eq(storage_read(s, 0, &v, 0, NULL), -EINVAL);
	ck_assert_int_eq(storage_read(s, 0, NULL, 1, NULL), -EINVAL);
	ck_assert_ptr_nonnull(many);
	for (unsigned i = 0; i <= STORAGE_MAX_IOV; i++)
		many[i] = (struct iovec){ buf, 0 };
	many[0].iov_len = 512;
	ck_assert_int_eq(storage_read(s, 0, many, STORAGE_MAX_IOV + 1, NULL), -EINVAL);
	/* Lengths that overflow when summed. */
	many[0].iov_len = SIZE_MAX - 511;
	many[1].iov_len = 1024;
	ck_assert_int_eq(storage_read(s, 0, many, 2, NULL), -EINVAL);
	ck_assert_int_eq(storage_discard(s, 512, 100, NULL), -EINVAL);
	ck_assert_int_eq(storage_discard(s, MiB - 512, 1024, NULL), -EINVAL);
	/* None of them completes later. */
	storage_submit(s);
	usleep(100 * 1000);
	ck_assert_uint_eq(storage_reap(s, record, &log_), 0);
	free(many);
	storage_close(s);
}
END_TEST

START_TEST(read_only_refuses_writes)
{
	uint8_t buf[512];
	struct iovec v = { buf, sizeof(buf) };
	const struct storage_info *info;
	struct storage *s;

	use_engine(_i);
	make_image(image, MiB, 4);
	s = open_ok(image, STORAGE_READ_ONLY);
	info = storage_get_info(s);
	ck_assert(info->read_only);
	ck_assert(!info->can_discard);
	ck_assert_int_eq(storage_write(s, 0, &v, 1, NULL), -EROFS);
	ck_assert_int_eq(storage_discard(s, 0, 512, NULL), -EROFS);
	ck_assert_int_eq(do_io(s, false, 512, buf, 512), 512);
	expect_pattern(buf, 512, 512, 4);
	ck_assert_int_eq(do_flush(s), 0);
	storage_close(s);
}
END_TEST

START_TEST(discard_punches_a_hole)
{
	static uint8_t buf[65536];
	const struct storage_info *info;
	struct storage *s;
	struct stat before, after;

	use_engine(_i);
	make_image(image, MiB, 5);
	s = open_ok(image, 0);
	info = storage_get_info(s);
	if (!info->can_discard) {
		printf("skip: %s cannot punch holes\n", dir);
		storage_close(s);
		return;
	}
	ck_assert_uint_ge(info->discard_granularity, 512);
	ck_assert_int_eq(do_flush(s), 0);
	ck_assert_int_eq(stat(image, &before), 0);
	ck_assert_int_eq(do_discard(s, 65536, 65536), 0);
	ck_assert_int_eq(do_discard(s, 4096, 0), 0); /* nothing, at once */
	ck_assert_int_eq(do_io(s, false, 65536, buf, sizeof(buf)), (int64_t)sizeof(buf));
	ck_assert(all_zero(buf, sizeof(buf)));
	ck_assert_int_eq(do_io(s, false, 0, buf, sizeof(buf)), (int64_t)sizeof(buf));
	expect_pattern(buf, 0, sizeof(buf), 5);
	ck_assert_int_eq(stat(image, &after), 0);
	ck_assert_uint_eq(after.st_size, MiB);
	ck_assert_int_lt(after.st_blocks, before.st_blocks);
	storage_close(s);
}
END_TEST

/* A flush is delivered after every write submitted before it; so with
 * the writes in flight it waits, and requests after it come in order. */
START_TEST(flush_completes_after_earlier_writes)
{
	enum { N = 64 };
	static uint8_t buf[N][4096];
	struct storage *s;

	use_engine(_i);
	make_image(image, 4 * MiB, 6);
	s = open_ok(image, 0);
	for (uintptr_t round = 0; round < 4; round++) {
		unsigned base = log_.n;

		for (uintptr_t i = 0; i < N; i++) {
			struct iovec v = { buf[i], sizeof(buf[i]) };

			memset(buf[i], (int)(round * N + i), sizeof(buf[i]));
			ck_assert_int_eq(storage_write(s, (round * N + i) * 4096, &v, 1,
						       (void *)(1000 * round + i + 1)),
					 0);
			if (i == N / 2) /* a flush in the middle of the batch */
				ck_assert_int_eq(storage_flush(s, (void *)(1000 * round + 500)), 0);
		}
		wait_for(s, base + N + 1);
		ck_assert_int_eq(result_of(1000 * round + 500), 0);
		for (uintptr_t i = 0; i <= N / 2; i++)
			ck_assert_uint_lt(position_of(1000 * round + i + 1),
					  position_of(1000 * round + 500));
		for (uintptr_t i = 0; i < N; i++)
			ck_assert_int_eq(result_of(1000 * round + i + 1), 4096);
	}
	storage_close(s);
}
END_TEST

/* Memory whose first touch blocks until uffd_fill: a write from it stays
 * in flight as long as the test wants.  NULL (having said why) without
 * userfaultfd, which kernel-mode faults need privilege for. */
static uint8_t *uffd_region(size_t len, int *uffd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	void *p;

	*uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (*uffd < 0 || ioctl(*uffd, UFFDIO_API, &api) < 0) {
		printf("skip: no userfaultfd (%s; needs CAP_SYS_PTRACE or "
		       "vm.unprivileged_userfaultfd=1)\n", strerror(errno));
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	reg = (struct uffdio_register){ .range = { (uintptr_t)p, len },
					.mode = UFFDIO_REGISTER_MODE_MISSING };
	ck_assert_int_eq(ioctl(*uffd, UFFDIO_REGISTER, &reg), 0);
	return p;
}

static void uffd_fill(int uffd, uint8_t *p, size_t len)
{
	struct uffdio_zeropage z = { .range = { (uintptr_t)p, len } };

	ck_assert_int_eq(ioctl(uffd, UFFDIO_ZEROPAGE, &z), 0);
}

/* Reaps for ms milliseconds, whatever comes. */
static void reap_for(struct storage *s, long ms)
{
	long end = now_ms() + ms;

	storage_submit(s);
	for (long left; (left = end - now_ms()) > 0;) {
		struct pollfd p = { .fd = storage_fd(s), .events = POLLIN };

		if (poll(&p, 1, (int)left) > 0)
			storage_reap(s, record, &log_);
	}
}

/* The same, deterministic: a write that cannot finish holds the flush
 * submitted after it, and the read submitted after the flush, for as
 * long as it lasts; a write submitted before it meanwhile completes. */
START_TEST(flush_held_while_a_write_is_stuck)
{
	static uint8_t other[4096], after[4096];
	struct iovec v_other = { other, sizeof(other) }, v_after = { after, sizeof(after) };
	struct iovec v_stuck;
	struct storage *s;
	uint8_t *stuck;
	int uffd;

	use_engine(_i);
	make_image(image, MiB, 18);
	stuck = uffd_region(4096, &uffd);
	if (!stuck)
		return;
	v_stuck = (struct iovec){ stuck, 4096 };
	s = open_ok(image, 0);
	ck_assert_int_eq(storage_write(s, 0, &v_other, 1, (void *)1), 0);
	ck_assert_int_eq(storage_write(s, 8192, &v_stuck, 1, (void *)2), 0);
	ck_assert_int_eq(storage_flush(s, (void *)3), 0);
	ck_assert_int_eq(storage_read(s, 16384, &v_after, 1, (void *)4), 0);
	reap_for(s, 500);
	ck_assert_uint_eq(log_.n, 1);
	ck_assert_uint_eq(log_.cookie[0], 1);

	uffd_fill(uffd, stuck, 4096);
	wait_for(s, 4);
	ck_assert_int_eq(result_of(2), 4096);
	ck_assert_int_eq(result_of(3), 0);
	ck_assert_int_eq(result_of(4), 4096);
	ck_assert_uint_lt(position_of(2), position_of(3));
	expect_pattern(after, 16384, sizeof(after), 18);
	storage_close(s);
	munmap(stuck, 4096);
	close(uffd);
}
END_TEST

START_TEST(queue_depth_then_eagain)
{
	static uint8_t buf[STORAGE_QUEUE_DEPTH][512];
	struct iovec v = { buf[0], 512 };
	struct storage *s;

	use_engine(_i);
	make_image(image, MiB, 7);
	s = open_ok(image, 0);
	for (uintptr_t i = 0; i < STORAGE_QUEUE_DEPTH; i++) {
		v.iov_base = buf[i];
		ck_assert_int_eq(storage_read(s, i * 512, &v, 1, (void *)(i + 1)), 0);
	}
	ck_assert_int_eq(storage_read(s, 0, &v, 1, NULL), -EAGAIN);
	ck_assert_int_eq(storage_flush(s, NULL), -EAGAIN);
	wait_for(s, STORAGE_QUEUE_DEPTH);
	for (uintptr_t i = 0; i < STORAGE_QUEUE_DEPTH; i++) {
		ck_assert_int_eq(result_of(i + 1), 512);
		expect_pattern(buf[i], i * 512, 512, 7);
	}
	ck_assert_int_eq(do_io(s, false, 0, buf[0], 512), 512);
	storage_close(s);
}
END_TEST

/* More iovec entries than one system call takes, as an indirect blkif
 * request can carry: 2000 of 512 bytes, scattered in memory. */
START_TEST(many_iovecs_in_one_request)
{
	enum { N = 2000 };
	uint8_t *mem = malloc(N * 1024);
	struct iovec *v = calloc(N, sizeof(*v));
	struct storage *s;

	ck_assert_ptr_nonnull(mem);
	ck_assert_ptr_nonnull(v);
	use_engine(_i);
	make_image(image, 2 * MiB, 8);
	s = open_ok(image, 0);
	for (unsigned i = 0; i < N; i++)
		v[i] = (struct iovec){ mem + (size_t)(N - 1 - i) * 1024, 512 };
	ck_assert_int_eq(storage_read(s, 4096, v, N, (void *)1), 0);
	wait_for(s, 1);
	ck_assert_int_eq(result_of(1), N * 512);
	for (unsigned i = 0; i < N; i++)
		expect_pattern(v[i].iov_base, 4096 + i * 512, 512, 8);
	for (unsigned i = 0; i < N; i++)
		memset(v[i].iov_base, (int)(i & 0xff) | 1, 512);
	ck_assert_int_eq(storage_write(s, 4096, v, N, (void *)2), 0);
	wait_for(s, 2);
	ck_assert_int_eq(result_of(2), N * 512);
	storage_close(s);
	for (unsigned i = 0; i < N; i += 333) {
		uint8_t back[512];

		read_file(image, 4096 + i * 512, back, 512);
		ck_assert_uint_eq(back[0], (i & 0xff) | 1);
		ck_assert_uint_eq(back[511], (i & 0xff) | 1);
	}
	free(v);
	free(mem);
}
END_TEST

/* The image shrinks under the storage: reads of what is gone fail with
 * an error, not zeros and not a hang. */
START_TEST(file_shrunk_after_open)
{
	uint8_t buf[4096];
	struct storage *s;

	use_engine(_i);
	make_image(image, MiB, 9);
	s = open_ok(image, 0);
	ck_assert_int_eq(truncate(image, 64 * 1024), 0);
	ck_assert_int_eq(do_io(s, false, 512 * 1024, buf, sizeof(buf)), -EIO);
	ck_assert_int_eq(do_io(s, false, 0, buf, sizeof(buf)), (int64_t)sizeof(buf));
	expect_pattern(buf, 0, sizeof(buf), 9);
	storage_close(s);
}
END_TEST

struct chain {
	struct storage *s;
	uint8_t buf[512];
	unsigned left;
};

static void resubmit(void *opaque, void *cookie, int64_t result)
{
	struct chain *c = opaque;
	struct iovec v = { c->buf, sizeof(c->buf) };

	(void)cookie;
	ck_assert_int_eq(result, 512);
	record(&log_, cookie, result);
	if (c->left) {
		c->left--;
		ck_assert_int_eq(storage_read(c->s, c->left * 512, &v, 1, (void *)(uintptr_t)c->left),
				 0);
		storage_submit(c->s);
	}
}

START_TEST(callback_submits_the_next)
{
	struct chain c = { .left = 10 };
	struct iovec v = { c.buf, sizeof(c.buf) };
	long end = now_ms() + DEADLINE_MS;

	use_engine(_i);
	make_image(image, MiB, 10);
	c.s = open_ok(image, 0);
	ck_assert_int_eq(storage_read(c.s, 0, &v, 1, (void *)99), 0);
	storage_submit(c.s);
	while (log_.n < 11) {
		struct pollfd p = { .fd = storage_fd(c.s), .events = POLLIN };

		ck_assert_int_gt(end - now_ms(), 0);
		if (poll(&p, 1, 100) > 0)
			storage_reap(c.s, resubmit, &c);
	}
	expect_pattern(c.buf, 0, 512, 10);
	storage_close(c.s);
}
END_TEST

/* Closing with requests in flight waits for them or drops them; nothing
 * leaks or writes after (ASan watches). */
START_TEST(close_with_requests_in_flight)
{
	static uint8_t buf[64][65536];
	struct storage *s;

	use_engine(_i);
	make_image(image, 8 * MiB, 11);
	s = open_ok(image, 0);
	for (uintptr_t i = 0; i < 64; i++) {
		struct iovec v = { buf[i], sizeof(buf[i]) };

		ck_assert_int_eq(i % 2 ? storage_write(s, i * 65536, &v, 1, NULL)
				       : storage_read(s, i * 65536, &v, 1, NULL),
				 0);
	}
	ck_assert_int_eq(storage_flush(s, NULL), 0);
	storage_submit(s);
	storage_close(s);
}
END_TEST

/* ---- O_DIRECT ------------------------------------------------------------ */

START_TEST(direct_io_alignment)
{
	uint8_t *buf = NULL;
	struct iovec v;
	const struct storage_info *info;
	struct storage *s;
	uint32_t ls;

	use_engine(_i);
	make_image(image, MiB, 12);
	s = storage_open(image, STORAGE_DIRECT, err, sizeof(err));
	if (!s && errno == EINVAL) {
		printf("skip: %s does not take O_DIRECT (%s)\n", dir, err);
		return;
	}
	ck_assert_msg(s != NULL, "%s", err);
	info = storage_get_info(s);
	ls = info->logical_sector_size;
	ck_assert(info->direct);
	ck_assert_uint_ge(ls, 512);
	ck_assert_uint_le(ls, 4096);
	ck_assert_int_eq(posix_memalign((void **)&buf, 4096, 3 * 4096), 0);

	ck_assert_int_eq(do_io(s, false, 4096, buf, 4096), 4096);
	expect_pattern(buf, 4096, 4096, 12);
	memset(buf, 0x5a, 4096);
	ck_assert_int_eq(do_io(s, true, 8192, buf, 4096), 4096);
	ck_assert_int_eq(do_flush(s), 0);
	/* Misaligned memory, misaligned length: refused before the kernel. */
	v = (struct iovec){ buf + 1, 4096 };
	ck_assert_int_eq(storage_read(s, 0, &v, 1, NULL), -EINVAL);
	v = (struct iovec){ buf + ls / 2, ls };
	ck_assert_int_eq(storage_read(s, 0, &v, 1, NULL), -EINVAL);
	v = (struct iovec){ buf, 100 };
	ck_assert_int_eq(storage_read(s, 0, &v, 1, NULL), -EINVAL);
	storage_close(s);

	read_file(image, 8192, buf, 4096);
	ck_assert_uint_eq(buf[0], 0x5a);
	ck_assert_uint_eq(buf[4095], 0x5a);
	free(buf);
}
END_TEST

/* ---- Engine choice --------------------------------------------------------- */

static bool kernel_allows_io_uring(void)
{
	struct io_uring ring;

	if (io_uring_queue_init(4, &ring, 0) < 0)
		return false;
	io_uring_queue_exit(&ring);
	return true;
}

START_TEST(engine_from_environment)
{
	struct storage *s;

	make_image(image, MiB, 13);
	s = open_ok(image, 0);
	if (kernel_allows_io_uring())
		ck_assert_str_eq(storage_get_info(s)->engine, "io_uring");
	else
		printf("skip: this kernel refuses io_uring; default is %s\n",
		       storage_get_info(s)->engine);
	storage_close(s);
	setenv("XENLET_STORAGE_ENGINE", "threads", 1);
	s = open_ok(image, 0);
	ck_assert_str_eq(storage_get_info(s)->engine, "threads");
	storage_close(s);
	setenv("XENLET_STORAGE_ENGINE", "aio", 1);
	ck_assert_ptr_null(storage_open(image, 0, err, sizeof(err)));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "XENLET_STORAGE_ENGINE"));
}
END_TEST

/* io_uring_setup refused as a seccomp profile or a container would: the
 * storage falls back to the thread pool by itself.  (Check runs each
 * test in a child, so the filter stays there.) */
START_TEST(thread_pool_when_io_uring_refused)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };
	uint8_t buf[4096];
	struct storage *s;

	make_image(image, MiB, 14);
	ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	ck_assert_int_eq(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), 0);
	ck_assert(!kernel_allows_io_uring());
	s = open_ok(image, 0);
	ck_assert_str_eq(storage_get_info(s)->engine, "threads");
	ck_assert_int_eq(do_io(s, false, 4096, buf, sizeof(buf)), (int64_t)sizeof(buf));
	expect_pattern(buf, 4096, sizeof(buf), 14);
	ck_assert_int_eq(do_io(s, true, 0, buf, sizeof(buf)), (int64_t)sizeof(buf));
	ck_assert_int_eq(do_flush(s), 0);
	storage_close(s);
}
END_TEST

START_TEST(open_errors)
{
	snprintf(image, sizeof(image), "%s/absent.img", dir);
	ck_assert_ptr_null(storage_open(image, 0, err, sizeof(err)));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "absent.img"));
	ck_assert_ptr_null(storage_open("/dev/null", STORAGE_READ_ONLY, err, sizeof(err)));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file or a block device"));
	ck_assert_ptr_null(storage_open(dir, STORAGE_READ_ONLY, err, sizeof(err)));
	/* A file that cannot be written is not opened for writing. */
	make_image(image, MiB, 15);
	ck_assert_int_eq(chmod(image, 0400), 0);
	if (geteuid() != 0) {
		ck_assert_ptr_null(storage_open(image, 0, err, sizeof(err)));
		ck_assert_int_eq(errno, EACCES);
	}
}
END_TEST

/* ---- A block device: a loop device over an image --------------------------- */

/* Attaches a loop device (root only); false, having said why, if not. */
static bool loop_attach(const char *file, unsigned sector_size, char *dev, size_t devlen)
{
	char cmd[640];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "losetup --find --show --sector-size %u '%s' 2>&1", sector_size,
		 file);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	if (!fgets(dev, (int)devlen, p))
		dev[0] = 0;
	dev[strcspn(dev, "\n")] = 0;
	if (pclose(p) != 0 || strncmp(dev, "/dev/loop", 9) != 0) {
		printf("skip: no loop device (needs root and /dev/loop-control): %s\n", dev);
		return false;
	}
	return true;
}

static void loop_detach(const char *dev)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "losetup -d '%s'", dev);
	ck_assert_int_eq(system(cmd), 0);
}

static void block_device_on(int engine, unsigned sector_size)
{
	static uint8_t buf[65536];
	char dev[256];
	const struct storage_info *info;
	struct storage *s;

	use_engine(engine);
	make_image(image, 4 * MiB, 16);
	if (!loop_attach(image, sector_size, dev, sizeof(dev)))
		return;
	s = storage_open(dev, 0, err, sizeof(err));
	if (!s)
		loop_detach(dev);
	ck_assert_msg(s != NULL, "%s", err);
	info = storage_get_info(s);
	ck_assert_str_eq(info->engine, engines[engine]);
	ck_assert(info->block_device);
	ck_assert_uint_eq(info->size, 4 * MiB);
	ck_assert_uint_eq(info->logical_sector_size, sector_size);
	ck_assert_uint_ge(info->physical_sector_size, sector_size);
	ck_assert(info->can_flush);

	ck_assert_int_eq(do_io(s, false, 8192, buf, 8192), 8192);
	expect_pattern(buf, 8192, 8192, 16);
	if (sector_size > 512) {
		struct iovec v = { buf, 512 };

		ck_assert_int_eq(storage_read(s, 512, &v, 1, NULL), -EINVAL);
		ck_assert_int_eq(storage_read(s, 0, &v, 1, NULL), -EINVAL);
	}
	memset(buf, 0x77, sizeof(buf));
	ck_assert_int_eq(do_io(s, true, MiB, buf, sizeof(buf)), (int64_t)sizeof(buf));
	ck_assert_int_eq(do_flush(s), 0);
	if (info->can_discard) {
		ck_assert_uint_ge(info->discard_granularity, sector_size);
		ck_assert_int_eq(do_discard(s, MiB, 65536), 0);
		ck_assert_int_eq(do_io(s, false, MiB, buf, sizeof(buf)), (int64_t)sizeof(buf));
		ck_assert(all_zero(buf, sizeof(buf)));
	} else {
		printf("note: %s offers no discard\n", dev);
	}
	ck_assert_int_eq(do_io(s, false, 4 * MiB - 4096, buf, 4096), 4096);
	expect_pattern(buf, 4 * MiB - 4096, 4096, 16);
	storage_close(s);
	loop_detach(dev);
}

START_TEST(block_device_512)
{
	block_device_on(_i, 512);
}
END_TEST

START_TEST(block_device_4096)
{
	block_device_on(_i, 4096);
}
END_TEST

/* ---- NBD: qcow2 images served by qemu-nbd ----------------------------------- */

static char socket_path[420], pid_path[420], uri[500];

/* Serves a new qcow2 image of `size` (extra: more qemu-nbd options);
 * false, having said why, if qemu-nbd or qemu-img is missing. */
static bool serve_qcow2(uint64_t size, const char *extra)
{
	char cmd[2048];

	if (system("command -v qemu-nbd >/dev/null && command -v qemu-img >/dev/null") != 0) {
		printf("skip: qemu-nbd or qemu-img not installed (Debian: qemu-utils)\n");
		return false;
	}
	snprintf(image, sizeof(image), "%s/disk.qcow2", dir);
	snprintf(socket_path, sizeof(socket_path), "%s/nbd.sock", dir);
	snprintf(pid_path, sizeof(pid_path), "%s/nbd.pid", dir);
	snprintf(uri, sizeof(uri), "nbd+unix:///?socket=%s", socket_path);
	snprintf(cmd, sizeof(cmd), "qemu-img create -q -f qcow2 '%s' %llu", image,
		 (unsigned long long)size);
	ck_assert_int_eq(system(cmd), 0);
	/* --fork returns once the socket is listening. */
	snprintf(cmd, sizeof(cmd),
		 "qemu-nbd --fork --pid-file='%s' --socket='%s' -f qcow2 --persistent --discard=unmap %s '%s'",
		 pid_path, socket_path, extra, image);
	ck_assert_int_eq(system(cmd), 0);
	return true;
}

static pid_t server_pid(void)
{
	FILE *f = fopen(pid_path, "r");
	int pid = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	return pid;
}

static void stop_server(void)
{
	pid_t pid = server_pid();

	kill(pid, SIGKILL);
	/* Not our child (qemu-nbd --fork): wait until it is gone. */
	for (int i = 0; i < 500 && kill(pid, 0) == 0; i++)
		usleep(10 * 1000);
}

START_TEST(nbd_qcow2_read_write_flush_trim)
{
	enum { N = 24 };
	static uint8_t buf[65536], parts[N][512];
	struct iovec v[N];
	const struct storage_info *info;
	struct storage *s;

	if (!serve_qcow2(8 * MiB, ""))
		return;
	s = open_ok(uri, 0);
	info = storage_get_info(s);
	ck_assert_str_eq(info->engine, "nbd");
	ck_assert_uint_eq(info->size, 8 * MiB);
	ck_assert_uint_eq(info->logical_sector_size, 512);
	ck_assert_uint_ge(info->max_transfer, MiB);
	ck_assert(!info->read_only);
	ck_assert(!info->block_device);
	ck_assert(info->can_flush);
	ck_assert(info->can_discard);

	/* A new image reads zeros. */
	ck_assert_int_eq(do_io(s, false, 0, buf, sizeof(buf)), (int64_t)sizeof(buf));
	ck_assert(all_zero(buf, sizeof(buf)));
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i, 17);
	ck_assert_int_eq(do_io(s, true, 2 * MiB, buf, sizeof(buf)), (int64_t)sizeof(buf));
	ck_assert_int_eq(do_flush(s), 0);
	/* Scattered into many buffers. */
	for (unsigned i = 0; i < N; i++)
		v[i] = (struct iovec){ parts[N - 1 - i], 512 };
	ck_assert_int_eq(storage_read(s, 2 * MiB + 4096, v, N, (void *)5), 0);
	wait_for(s, log_.n + 1);
	ck_assert_int_eq(result_of(5), N * 512);
	for (unsigned i = 0; i < N; i++)
		expect_pattern(v[i].iov_base, 4096 + i * 512, 512, 17);
	/* Trim a whole qcow2 cluster: it reads back as zeros. */
	ck_assert_int_eq(do_discard(s, 2 * MiB, 65536), 0);
	ck_assert_int_eq(do_io(s, false, 2 * MiB, buf, sizeof(buf)), (int64_t)sizeof(buf));
	ck_assert(all_zero(buf, sizeof(buf)));
	storage_close(s);
	stop_server();
}
END_TEST

START_TEST(nbd_flush_after_writes)
{
	enum { N = 48 };
	static uint8_t buf[N][4096];
	struct storage *s;

	if (!serve_qcow2(8 * MiB, ""))
		return;
	s = open_ok(uri, 0);
	for (uintptr_t i = 0; i < N; i++) {
		struct iovec v = { buf[i], sizeof(buf[i]) };

		memset(buf[i], (int)i + 1, sizeof(buf[i]));
		ck_assert_int_eq(storage_write(s, i * 4096, &v, 1, (void *)(i + 1)), 0);
	}
	ck_assert_int_eq(storage_flush(s, (void *)999), 0);
	wait_for(s, N + 1);
	ck_assert_uint_eq(position_of(999), N);
	storage_close(s);
	stop_server();
}
END_TEST

START_TEST(nbd_read_only_server)
{
	uint8_t buf[4096];
	struct iovec v = { buf, sizeof(buf) };
	const struct storage_info *info;
	struct storage *s;

	if (!serve_qcow2(MiB, "--read-only"))
		return;
	s = open_ok(uri, 0);
	info = storage_get_info(s);
	ck_assert(info->read_only);
	ck_assert(!info->can_discard);
	ck_assert_int_eq(storage_write(s, 0, &v, 1, NULL), -EROFS);
	ck_assert_int_eq(storage_discard(s, 0, 4096, NULL), -EROFS);
	ck_assert_int_eq(do_io(s, false, 0, buf, sizeof(buf)), (int64_t)sizeof(buf));
	storage_close(s);
	stop_server();
}
END_TEST

/* The server dies: requests in flight and new ones complete with errors,
 * promptly; closing afterwards is clean. */
START_TEST(nbd_server_killed)
{
	enum { N = 32 };
	static uint8_t buf[N][65536];
	struct storage *s;
	unsigned failed = 0;

	if (!serve_qcow2(8 * MiB, ""))
		return;
	s = open_ok(uri, 0);
	ck_assert_int_eq(do_io(s, false, 0, buf[0], 4096), 4096);
	for (uintptr_t i = 0; i < N; i++) {
		struct iovec v = { buf[i], sizeof(buf[i]) };

		ck_assert_int_eq(i % 2 ? storage_write(s, i * 65536, &v, 1, (void *)(i + 1))
				       : storage_read(s, i * 65536, &v, 1, (void *)(i + 1)),
				 0);
	}
	storage_submit(s);
	stop_server();
	wait_for(s, 1 + N);
	for (uintptr_t i = 0; i < N; i++) {
		int64_t r = result_of(i + 1);

		ck_assert(r == 65536 || r < 0);
		failed += r < 0;
	}
	printf("nbd_server_killed: %u of %u in flight failed\n", failed, N);
	/* Now nothing is there: every request fails. */
	ck_assert_int_lt(do_io(s, false, 0, buf[0], 4096), 0);
	ck_assert_int_lt(do_io(s, true, 0, buf[0], 4096), 0);
	ck_assert_int_lt(do_flush(s), 0);
	storage_close(s);
}
END_TEST

/* Closing with commands in flight abandons them: no callback, no leak of
 * their buffers, and the server sees a clean disconnect or none. */
START_TEST(nbd_close_with_commands_in_flight)
{
	enum { N = 32 };
	static uint8_t buf[N][65536];
	struct storage *s;

	if (!serve_qcow2(8 * MiB, ""))
		return;
	s = open_ok(uri, 0);
	for (uintptr_t i = 0; i < N; i++) {
		struct iovec v = { buf[i], sizeof(buf[i]) };

		ck_assert_int_eq(i % 2 ? storage_write(s, i * 65536, &v, 1, NULL)
				       : storage_read(s, i * 65536, &v, 1, NULL),
				 0);
	}
	ck_assert_int_eq(storage_flush(s, NULL), 0);
	storage_submit(s);
	storage_close(s);
	stop_server();
}
END_TEST

START_TEST(nbd_unreachable)
{
	snprintf(uri, sizeof(uri), "nbd+unix:///?socket=%s/none.sock", dir);
	ck_assert_ptr_null(storage_open(uri, 0, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "none.sock"));
	ck_assert_int_ne(errno, 0);
}
END_TEST

static Suite *storage_suite(void)
{
	Suite *s = suite_create("blk_storage");
	TCase *files = tcase_create("files");
	TCase *other = tcase_create("engines and devices");
	TCase *nbd = tcase_create("nbd");
	unsigned n = sizeof(engines) / sizeof(engines[0]);

	tcase_add_checked_fixture(files, setup, teardown);
	tcase_set_timeout(files, 60);
	tcase_add_loop_test(files, file_read_write_flush, 0, n);
	tcase_add_loop_test(files, file_size_not_whole_sectors, 0, n);
	tcase_add_loop_test(files, refuses_bad_requests, 0, n);
	tcase_add_loop_test(files, read_only_refuses_writes, 0, n);
	tcase_add_loop_test(files, discard_punches_a_hole, 0, n);
	tcase_add_loop_test(files, flush_completes_after_earlier_writes, 0, n);
	tcase_add_loop_test(files, flush_held_while_a_write_is_stuck, 0, n);
	tcase_add_loop_test(files, queue_depth_then_eagain, 0, n);
	tcase_add_loop_test(files, many_iovecs_in_one_request, 0, n);
	tcase_add_loop_test(files, file_shrunk_after_open, 0, n);
	tcase_add_loop_test(files, callback_submits_the_next, 0, n);
	tcase_add_loop_test(files, close_with_requests_in_flight, 0, n);
	tcase_add_loop_test(files, direct_io_alignment, 0, n);
	suite_add_tcase(s, files);

	tcase_add_checked_fixture(other, setup, teardown);
	tcase_set_timeout(other, 60);
	tcase_add_test(other, engine_from_environment);
	tcase_add_test(other, thread_pool_when_io_uring_refused);
	tcase_add_test(other, open_errors);
	tcase_add_loop_test(other, block_device_512, 0, n);
	tcase_add_loop_test(other, block_device_4096, 0, n);
	suite_add_tcase(s, other);

	tcase_add_checked_fixture(nbd, setup, teardown);
	tcase_set_timeout(nbd, 60);
	tcase_add_test(nbd, nbd_qcow2_read_write_flush_trim);
	tcase_add_test(nbd, nbd_flush_after_writes);
	tcase_add_test(nbd, nbd_read_only_server);
	tcase_add_test(nbd, nbd_server_killed);
	tcase_add_test(nbd, nbd_close_with_commands_in_flight);
	tcase_add_test(nbd, nbd_unreachable);
	suite_add_tcase(s, nbd);
	return s;
}

int main(void)
{
	int rc;

	snprintf(root, sizeof(root), "/var/tmp/xenlet-blk-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	rc = check_run(storage_suite());
	sweep();
	return rc;
}
