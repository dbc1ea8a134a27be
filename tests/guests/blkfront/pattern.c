/*
 * What the disks' sectors hold: the images' initial fill (a 16-byte unit
 * repeated, as `yes UNIT | head -c SIZE` writes it: 512 is a multiple of
 * 16, so every sector starts with the unit) and the pattern the guest
 * writes, which names its sector so that a sector landing in the wrong
 * place shows, and which the host regenerates with printf.
 */
#include "blkfront.h"

#include "format.h"

#define LINE 32u

void pattern_sector(uint8_t *dst, uint64_t lba)
{
	for (unsigned line = 0; line < SECTOR / LINE; line++) {
		char text[LINE + 1];
		fmt_snprintf(text, sizeof text, "lba %08lx line %02x xenlet-blk\n",
			     (unsigned long)lba, line);
		memcpy(dst + line * LINE, text, LINE);
	}
}

bool pattern_sector_ok(const uint8_t *src, uint64_t lba)
{
	uint8_t want[SECTOR];
	pattern_sector(want, lba);
	return memcmp(src, want, SECTOR) == 0;
}

bool pattern_initial_ok(const uint8_t *src, const char *unit)
{
	for (unsigned off = 0; off < SECTOR; off += 16)
		if (memcmp(src + off, unit, 16) != 0)
			return false;
	return true;
}

bool all_bytes(const uint8_t *p, uint8_t value, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		if (p[i] != value)
			return false;
	return true;
}
