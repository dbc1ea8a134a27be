/*
 * disk-bench [DEVICE_OR_FILE MIB SECONDS]: the same measurement inside a
 * guest (on /dev/xvda, through xen-blkfront and xenlet's blkback) and on
 * the host (on the image file itself), so make bench can give the ratio.
 * All I/O is O_DIRECT, so neither side's page cache answers for the disk:
 *   1. sequential writes of 1 MiB over the first MIB MiB, then fdatasync;
 *   2. sequential reads of 1 MiB over the same range;
 *   3. random 4 KiB reads within it for SECONDS seconds.
 * Without arguments (as a guest's initramfs runs it) it waits for
 * /dev/xvda and takes MIB and SECONDS from xt.mib= and xt.seconds= on the
 * kernel command line.
 * Output: "disk-bench: seq_write_mib_s X", "seq_read_mib_s X",
 * "rand_read_iops X" (one decimal), or "disk-bench: error ..." and exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <unistd.h>

#define BIG (1u << 20)
#define SMALL 4096u

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	printf("disk-bench: error %s: %s\n", what, strerror(errno));
	return 1;
}

/* The value of xt.KEY= on the kernel command line, or def. */
static double cmdline_value(const char *key, double def)
{
	char line[4096] = "", want[64];
	FILE *f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(line, sizeof line, f))
			line[0] = 0;
		fclose(f);
	}
	snprintf(want, sizeof want, "xt.%s=", key);
	const char *p = strstr(line, want);
	return p ? strtod(p + strlen(want), NULL) : def;
}

/* The guest's disk, once its frontend has made the device node. */
static const char *guest_disk(void)
{
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL); /* EBUSY: already */
	for (int i = 0; i < 100 && access("/dev/xvda", F_OK); i++)
		usleep(100000);
	return "/dev/xvda";
}

int main(int argc, char **argv)
{
	if (argc != 1 && argc != 4) {
		fprintf(stderr, "usage: disk-bench [DEVICE_OR_FILE MIB SECONDS]\n");
		return 2;
	}
	const char *path = argc == 4 ? argv[1] : guest_disk();
	unsigned mib = (unsigned)(argc == 4 ? strtoul(argv[2], NULL, 10) : cmdline_value("mib", 64));
	double seconds = argc == 4 ? strtod(argv[3], NULL) : cmdline_value("seconds", 5);
	int fd = open(path, O_RDWR | O_DIRECT);
	if (fd < 0 || mib == 0)
		return fail("open");
	uint8_t *buf;
	if (posix_memalign((void **)&buf, 4096, BIG))
		return fail("memory");
	for (unsigned i = 0; i < BIG; i++)
		buf[i] = (uint8_t)(i * 7 + 1);

	double t0 = now();
	for (unsigned i = 0; i < mib; i++)
		if (pwrite(fd, buf, BIG, (off_t)i * BIG) != (ssize_t)BIG)
			return fail("write");
	if (fdatasync(fd))
		return fail("fdatasync");
	double t1 = now();
	printf("disk-bench: seq_write_mib_s %.1f\n", mib / (t1 - t0));

	for (unsigned i = 0; i < mib; i++)
		if (pread(fd, buf, BIG, (off_t)i * BIG) != (ssize_t)BIG)
			return fail("read");
	double t2 = now();
	printf("disk-bench: seq_read_mib_s %.1f\n", mib / (t2 - t1));

	/* A fixed sequence, the same on both sides. */
	uint64_t x = 88172645463325252ull, blocks = (uint64_t)mib * (BIG / SMALL), n = 0;
	double end = now() + seconds, t3 = now(), t4;
	do {
		for (int k = 0; k < 16; k++, n++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (pread(fd, buf, SMALL, (off_t)((x % blocks) * SMALL)) != (ssize_t)SMALL)
				return fail("random read");
		}
		t4 = now();
	} while (t4 < end);
	printf("disk-bench: rand_read_iops %.1f\n", (double)n / (t4 - t3));
	close(fd);
	return 0;
}
