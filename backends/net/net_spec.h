/*
 * A vif as the command line gives it (xl's vif= comes with config files):
 *
 *   --net user[,mac=MAC][,net=ADDR[/PREFIX]][,hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]...
 *             [,restrict=on|off][,gso=on|off]
 *   --net tap[,mac=MAC][,ifname=NAME][,bridge=BR][,queues=N][,gso=on|off]
 *   --net none
 *
 * user: user-mode networking (libslirp), QEMU's `-netdev user` network:
 * 10.0.2.0/24, the host at 10.0.2.2, DNS at 10.0.2.3, the guest given
 * 10.0.2.15 by DHCP; net= moves all of it to another network (host .2,
 * DNS .3, DHCP from .15, as QEMU); hostfwd as QEMU's (HOSTADDR defaults
 * to any, GUESTADDR to the DHCP address); restrict=on keeps the guest from reaching out
 * (only hostfwd connections and the virtual services).
 * tap: a tap interface, opened if it exists, else created (ifname may
 * hold one %d, as the kernel's own names), attached to bridge BR and
 * brought up, as Xen's vif-bridge script does; queues: tap queues (and
 * netif queues) at most, where the kernel offers multi-queue taps.
 * mac: the vif's MAC; without one, 00:16:3e (Xen's prefix) and three
 * random bytes, as xl does.  gso=off: netback offers the frontend no
 * GSO (feature-gso-tcpv4/6 0), so it sends MTU-sized frames.
 * none: no vif (only alone).  Without any --net the guest has one user vif.
 */
#ifndef XENLET_NET_SPEC_H
#define XENLET_NET_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define NET_SPEC_MAX_HOSTFWD 16
#define NET_SPEC_MAX_QUEUES 8

enum net_kind { NET_KIND_NONE, NET_KIND_USER, NET_KIND_TAP };

struct net_hostfwd {
	bool udp;
	struct in_addr host_addr;  /* INADDR_ANY by default */
	uint16_t host_port;        /* host byte order */
	struct in_addr guest_addr; /* 10.0.2.15 by default */
	uint16_t guest_port;
};

struct net_spec {
	enum net_kind kind;
	unsigned handle;           /* vif N: the xenbus devid */
	uint8_t mac[6];
	bool gso;                  /* offer GSO (default on) */
	/* user */
	struct in_addr net_addr;   /* 10.0.2.0 */
	unsigned net_prefix;       /* 24 */
	struct net_hostfwd hostfwd[NET_SPEC_MAX_HOSTFWD];
	unsigned nr_hostfwd;
	bool restrict_guest;
	/* tap */
	char ifname[16];           /* IFNAMSIZ; "" = the kernel's choice */
	char bridge[16];           /* "" = none */
	unsigned queues;           /* 1 unless asked */
};

/* Parses arg as vif number index (its handle); a MAC is generated when
 * none is given.  0, or -1 with a one-line reason in err. */
int net_spec_parse(const char *arg, unsigned index, struct net_spec *out,
		   char *err, size_t errlen);

/* "00:16:3e:12:34:56" */
void net_mac_format(const uint8_t mac[6], char out[18]);

#endif
