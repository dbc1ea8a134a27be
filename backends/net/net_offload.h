/*
 * What a vif does to a frame that the host side cannot (net_link_offloads):
 * complete a partial checksum, cut a GSO packet into segments, check a
 * frame's checksums.  Pure functions over a frame in memory: every header
 * is bounds-checked, a frame they cannot handle is refused (-EINVAL),
 * never read past len.
 *
 * Ethernet frames, optionally one 802.1Q tag; IPv4 (options allowed, not
 * fragments for GSO) and IPv6 (hop-by-hop, routing, destination options
 * extension headers); TCP and UDP.
 */
#ifndef XENLET_NET_OFFLOAD_H
#define XENLET_NET_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>
#include "backends/net/net_frame.h"

/* Where the L4 header and its checksum field are, found from the headers
 * (netif says only "checksum blank", not where, so netback finds it as
 * Linux's skb_checksum_setup does).  Fills meta->csum_start/csum_offset.
 * 0, or -EINVAL: not TCP or UDP over IPv4/IPv6, or truncated. */
int net_csum_locate(const uint8_t *frame, size_t len, struct net_frame_meta *meta);

/* Writes the full L4 checksum of a frame whose checksum is partial
 * (after net_csum_locate; the pseudo-header is summed afresh, whatever the
 * field held).  0 or -EINVAL. */
int net_csum_complete(uint8_t *frame, size_t len, const struct net_frame_meta *meta);

/* 1 if the frame's IPv4 header checksum and TCP/UDP checksum are right
 * (a UDP/IPv4 checksum of 0 means none), 0 if not, -EINVAL if it is not
 * a TCP/UDP IP frame we can check. */
int net_csum_verify(const uint8_t *frame, size_t len);

/* Cuts a GSO frame (meta->gso_type, gso_size) into frames of at most
 * gso_size payload bytes each, with their own IP lengths, IPv4 ids and
 * header checksums, TCP sequence numbers and flags (FIN and PSH on the
 * last segment only, CWR on the first) and full TCP checksums, and calls
 * emit for each in order; emit's nonzero return stops it and is
 * returned.  buf: scratch of NET_FRAME_MAX bytes.  0, the emit's value,
 * or -EINVAL (not TCP over IPv4/IPv6, gso_size 0, headers truncated). */
typedef int net_emit_fn(void *arg, const uint8_t *frame, size_t len);
int net_gso_segment(const uint8_t *frame, size_t len, const struct net_frame_meta *meta,
		    uint8_t *buf, net_emit_fn *emit, void *arg);

#endif
