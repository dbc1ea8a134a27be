/* Shared by the netfront guest's parts: the frames it builds and parses
 * (frames.c), its traffic over the vif (traffic.c) and the two runs
 * (good.c, hostile.c). */
#ifndef NETGUEST_H
#define NETGUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netfront.h"

#define MS 1000000ull
#define REPLY_WAIT_NS (3000 * MS)

/* QEMU's user network, as libslirp serves it. */
#define IP_HOST 0x0a000202u  /* 10.0.2.2: the gateway, answers ARP and ping */
#define IP_GUEST 0x0a00020fu /* 10.0.2.15: what DHCP gives */
#define IP_BROADCAST 0xffffffffu
extern const uint8_t slirp_host_mac[6]; /* 52:55:0a:00:02:02 */
extern const uint8_t broadcast_mac[6];

/* ---- frames.c: Ethernet frames, built and parsed (network byte order
 * on the wire, host order in the arguments). */
#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86dd
#define ARP_FRAME_LEN 60 /* 42 bytes padded to Ethernet's minimum */

uint16_t get16(const uint8_t *p);
uint32_t get32(const uint8_t *p);

/* Ones' complement sum of len bytes (as big-endian 16-bit words) added
 * to sum, and its folded complement: what a checksum field holds. */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
uint16_t csum_fold(uint32_t sum);

size_t frame_arp(uint8_t *f, uint16_t op, const uint8_t sha[6], uint32_t spa,
		 const uint8_t tha[6], uint32_t tpa);

enum udp_csum {
	UDP_CSUM_FULL,    /* the checksum, as a frontend without offload sends */
	UDP_CSUM_PARTIAL, /* the pseudo-header's sum only: NETTXF_csum_blank */
	UDP_CSUM_WRONG,   /* a wrong one, which the receiver must drop */
};
/* A broadcast DHCPDISCOVER from mac with transaction id xid. */
size_t frame_dhcp_discover(uint8_t *f, const uint8_t mac[6], uint32_t xid, enum udp_csum how);
/* An ICMP echo request with payload bytes of echo_payload(seq, i). */
size_t frame_icmp_echo(uint8_t *f, const uint8_t src_mac[6], const uint8_t dst_mac[6],
		       uint32_t src, uint32_t dst, uint16_t id, uint16_t seq, size_t payload);
uint8_t echo_payload(uint16_t seq, size_t i);
/* A DHCPv6 Information-request (RFC 8415) from our link-local address to
 * ff02::1:2, UDP checksum as how; slirp answers with a Reply (to the
 * link-local address it learnt from our router solicitation). */
size_t frame_dhcpv6_info_request(uint8_t *f, const uint8_t mac[6], uint32_t xid,
				 enum udp_csum how);
bool parse_dhcpv6_reply(const uint8_t *f, size_t len, bool partial, uint32_t xid,
			bool *csum_ok);
/* A TCP segment with payload bytes of (i * 3 + 1), its checksum left
 * partial (NETTXF_csum_blank), as a GSO packet is sent; over IPv4, or
 * over IPv6 from our link-local address. */
struct tcp_spec {
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t flags;
	size_t payload;
};
size_t frame_tcp4_partial(uint8_t *f, const uint8_t src_mac[6], const uint8_t dst_mac[6],
			  uint32_t src, uint32_t dst, const struct tcp_spec *t);
size_t frame_tcp6_partial(uint8_t *f, const uint8_t src_mac[6], const uint8_t dst_mac[6],
			  const uint8_t dst[16], const struct tcp_spec *t);
#define TCP_RST 0x04
#define TCP_PSH 0x08
/* An IPv6 router solicitation from our link-local address to ff02::2,
 * which slirp answers with a router advertisement to ff02::1
 * (33:33:00:00:00:01): multicast on demand. */
size_t frame_router_solicit(uint8_t *f, const uint8_t mac[6]);
bool is_router_advert(const uint8_t *f, size_t len);

struct arp_info {
	uint16_t op;
	uint8_t sha[6], tha[6], eth_src[6];
	uint32_t spa, tpa;
};
bool parse_arp(const uint8_t *f, size_t len, struct arp_info *a);

/* An IPv4 frame's headers, checked: header checksum, lengths, and the
 * UDP or ICMP checksum unless partial says the sender left it blank. */
struct ip_info {
	uint8_t proto;
	uint32_t src, dst;
	const uint8_t *l4;  /* the UDP or ICMP header */
	size_t l4_len;
	bool fragment;      /* part of a fragmented datagram: L4 not checked */
	bool csum_ok;       /* IP header's, and L4's where there is one to check */
};
bool parse_ipv4(const uint8_t *f, size_t len, bool partial, struct ip_info *ip);

struct tcp_info {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
};
bool parse_tcp(const struct ip_info *ip, struct tcp_info *t);
/* A TCP segment over IPv6 (no extension headers). */
bool parse_tcp6(const uint8_t *f, size_t len, struct tcp_info *t);

struct dhcp_info {
	uint8_t msg_type;   /* option 53 */
	uint32_t yiaddr, server_id;
};
/* A DHCP reply (UDP 67 -> 68) for xid. */
bool parse_dhcp_reply(const struct ip_info *ip, uint32_t xid, struct dhcp_info *d);

/* ---- traffic.c: the vif and what goes over it. */
extern struct netfront vif;
extern struct shared_info *shared;
extern uint32_t my_ip;        /* 0 until DHCP offered one */
extern unsigned frames_sent, frames_received;

/* Sends a frame (netfront_send), counting it if it was accepted. */
int net_send(const void *frame, size_t len, const struct netfront_part *parts, unsigned nparts,
	     uint16_t flags);

/* Takes frames for at most ns, answering ARP requests for my_ip, until
 * match says one is the one awaited; it, or NULL.  Each frame's slots
 * are checked (no error, no slot past its page, no byte of the page
 * written outside the frame, no flag a frontend without GSO cannot get). */
typedef bool frame_match_fn(const struct netfront_rx *f, void *arg);
const struct netfront_rx *net_await(frame_match_fn *match, void *arg, uint64_t ns);

/* A frame_match_fn: an ARP reply from 10.0.2.2, parsed into arg (a
 * struct arp_info). */
bool is_host_arp_reply(const struct netfront_rx *f, void *arg);
/* An ARP request for 10.0.2.2 from my_ip; true if the reply came and was
 * right (sender 10.0.2.2 at slirp_host_mac, target us).  what: for the
 * failure message. */
bool arp_exchange(const char *what);
/* A DHCPDISCOVER sent in the parts given (nparts 0: one slot) with its
 * UDP checksum as how (NETTXF_csum_blank for PARTIAL); the OFFER's
 * yiaddr, or 0 if none came in ns. */
uint32_t dhcp_discover(enum udp_csum how, const struct netfront_part *parts, unsigned nparts,
		       uint64_t ns);

/* ---- The runs. */
void good_run(void);
void hostile_run(void);

#endif
