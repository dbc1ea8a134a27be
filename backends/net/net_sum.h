/*
 * The Internet checksum (RFC 1071) and the sums the offloads take of a
 * frame's headers (net_headers.h): its IPv4 header, its TCP/UDP packet
 * with the pseudo-header.  A folded sum is a ones' complement number as
 * the wire reads it (big-endian): 0xffff over a packet whose checksum
 * field is right, the field's value being the complement of the sum with
 * the field 0.
 */
#ifndef XENLET_NET_SUM_H
#define XENLET_NET_SUM_H

#include <stddef.h>
#include <stdint.h>
#include "backends/net/net_headers.h"

/* Adds len bytes to a running sum.  A message may be summed in pieces
 * one after another as long as every piece but the last has an even
 * length (each 16-bit word must start at an even place). */
uint64_t net_sum_add(uint64_t acc, const void *data, size_t len);

/* The running sum folded to 16 bits. */
uint16_t net_sum_fold(uint64_t acc);

/* The folded sum of the IPv4 header (h->ip_version 4). */
uint16_t net_sum_ipv4_header(const uint8_t *frame, const struct net_headers *h);

/* The folded sum of the pseudo-header and the h->l4_len bytes of the
 * TCP/UDP packet at h->l4_off, its checksum field as it stands. */
uint16_t net_sum_l4(const uint8_t *frame, const struct net_headers *h);

#endif
