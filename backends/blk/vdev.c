/* Virtual disk names to device ids, as xl numbers them (vdev.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backends/blk/vdev.h"

/*
 * prefix, then letters giving a disk index up to max_disk, then an
 * optional partition number without a leading zero, up to max_part.
 */
static int letters_and_partition(const char *name, const char *prefix,
				 long max_disk, long max_part, long *disk, long *part)
{
	size_t n = strlen(prefix);
	if (strncmp(name, prefix, n))
		return -1;
	const char *p = name + n;
	long d = -1;
	for (; *p >= 'a' && *p <= 'z'; p++) {
		d = (d + 1) * 26 + (*p - 'a');
		if (d > max_disk)
			return -1;
	}
	if (d < 0)
		return -1; /* no letter */
	*disk = d;
	*part = 0;
	if (!*p)
		return 0;
	if (*p < '1' || *p > '9')
		return -1;
	char *end;
	long v = strtol(p, &end, 10);
	if (*end || v > max_part)
		return -1;
	*part = v;
	return 0;
}

static uint32_t xvd_number(long disk, long part)
{
	if (disk <= 15 && part <= 15)
		return (202u << 8) | (uint32_t)(disk << 4) | (uint32_t)part;
	return (1u << 28) | (uint32_t)(disk << 8) | (uint32_t)part;
}

/* "dDpN": both decimal, D < 2^20, N < 256. */
static int d_p_form(const char *name, long *disk, long *part)
{
	if (name[0] != 'd' || name[1] < '0' || name[1] > '9')
		return -1;
	char *end;
	long d = strtol(name + 1, &end, 10);
	if (*end != 'p' || end[1] < '0' || end[1] > '9')
		return -1;
	long p = strtol(end + 1, &end, 10);
	if (*end || d >= (1L << 20) || p > 255)
		return -1;
	*disk = d;
	*part = p;
	return 0;
}

int vdev_parse(const char *name, uint32_t *devid)
{
	long disk, part;
	if (!d_p_form(name, &disk, &part) ||
	    !letters_and_partition(name, "xvd", (1L << 20) - 1, 255, &disk, &part)) {
		*devid = xvd_number(disk, part);
		return 0;
	}
	if (name[0] >= '0' && name[0] <= '9') {
		char *end;
		unsigned long v = strtoul(name, &end, 0);
		if (*end || v > INT_MAX)
			return -1;
		*devid = (uint32_t)v;
		return 0;
	}
	if (!letters_and_partition(name, "hd", 3, 63, &disk, &part)) {
		*devid = ((disk < 2 ? 3u : 22u) << 8) | (uint32_t)((disk & 1) << 6) | (uint32_t)part;
		return 0;
	}
	if (!letters_and_partition(name, "sd", 15, 15, &disk, &part)) {
		*devid = (8u << 8) | (uint32_t)(disk << 4) | (uint32_t)part;
		return 0;
	}
	return -1;
}

void vdev_default_name(unsigned n, char *buf, unsigned len)
{
	if (n < 26)
		snprintf(buf, len, "xvd%c", 'a' + n);
	else
		snprintf(buf, len, "xvd%c%c", 'a' + (n / 26 - 1) % 26, 'a' + n % 26);
}
