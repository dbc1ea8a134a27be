/*
 * The POSIX `cksum` checksum (CRC-32, polynomial 0x04C11DB7, with the
 * length appended), so a test script can compute the same value with
 * cksum(1) on the host.
 */
#ifndef GUEST_CKSUM_H
#define GUEST_CKSUM_H

#include <stddef.h>
#include <stdint.h>

uint32_t posix_cksum(const void *data, size_t len);

#endif
