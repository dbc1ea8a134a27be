#include "cksum.h"

#define CKSUM_POLY 0x04C11DB7u

static uint32_t crc_byte(uint32_t crc, uint8_t b)
{
	crc ^= (uint32_t)b << 24;
	for (int i = 0; i < 8; i++)
		crc = (crc & 0x80000000u) ? (crc << 1) ^ CKSUM_POLY : crc << 1;
	return crc;
}

uint32_t posix_cksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = 0;

	for (size_t i = 0; i < len; i++)
		crc = crc_byte(crc, p[i]);
	/* The length follows, least significant byte first, no zero bytes
	 * past its highest non-zero one. */
	for (size_t n = len; n; n >>= 8)
		crc = crc_byte(crc, (uint8_t)n);
	return ~crc;
}
