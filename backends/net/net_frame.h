/*
 * A frame between netback and the host side (net_link.h), with what the
 * frame still needs done: the same facts as Linux's virtio_net_hdr, so a
 * tap with IFF_VNET_HDR takes and gives them as they are.
 */
#ifndef XENLET_NET_FRAME_H
#define XENLET_NET_FRAME_H

#include <stdbool.h>
#include <stdint.h>

/* An Ethernet frame with a GSO packet: 14 + 65535 + a VLAN tag. */
#define NET_FRAME_MAX (14 + 4 + 65535)
#define NET_ETH_HLEN 14

enum net_gso_type { NET_GSO_NONE, NET_GSO_TCPV4, NET_GSO_TCPV6 };

struct net_frame_meta {
	/* The L4 checksum is partial: the 16 bits at csum_start +
	 * csum_offset hold the pseudo-header sum, the rest of the packet
	 * from csum_start still to be summed in. */
	bool csum_partial;
	uint16_t csum_start, csum_offset;
	/* Checksums were checked (or computed) already: the receiver need
	 * not check them again. */
	bool data_valid;
	/* A TCP packet to be cut into gso_size segments. */
	enum net_gso_type gso_type;
	uint16_t gso_size;
};

#endif
