/*
 * A tap interface: opened through /dev/net/tun if it exists, else
 * created (the kernel fills in a %d), one non-blocking fd per queue;
 * attached to a bridge and brought up as Xen's vif-bridge script does.
 *
 * Each frame carries a virtio_net_hdr (IFF_VNET_HDR) in both directions,
 * the facts of net_frame_meta (net_frame.h): the kernel takes partial
 * checksums and TCP GSO from us whatever the tap's offloads, and
 * TUNSETOFFLOAD lets it hand us the same, so neither side computes a
 * checksum or cuts a segment the other could leave to the hardware or
 * the guest.  The header's fields are in the host's byte order (legacy
 * virtio on a little-endian host, without TUNSETVNETLE).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "backends/net/link_impl.h"

/* A TCP header: 20 bytes at least, its length in 32-bit words in the
 * high nibble of byte 12 (the data offset). */
#define TCP_MIN_HLEN 20
#define TCP_DOFF_BYTE 12

struct tap_link {
	struct net_link link;
	int fds[NET_SPEC_MAX_QUEUES];
	/* Where a frame longer than receive's buffer lands, so that it is
	 * seen whole and dropped rather than taken cut short. */
	uint8_t overflow[NET_FRAME_MAX];
};

/* Opens one queue of the tap name (or a new one: "" or a %d pattern)
 * and puts the interface's name in actual.  The fd, or -errno. */
static int open_queue(const char *name, bool multi_queue, char actual[IFNAMSIZ])
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
			(multi_queue ? IFF_MULTI_QUEUE : 0);
	memcpy(ifr.ifr_name, name, strnlen(name, IFNAMSIZ - 1));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	memcpy(actual, ifr.ifr_name, IFNAMSIZ);
	actual[IFNAMSIZ - 1] = '\0';
	return fd;
}

/* Fills tl->fds with up to want queues: a multi-queue tap when more than
 * one is wanted and the kernel (or the tap that exists) allows it, else
 * one.  0, or -errno of the single-queue attempt. */
static int open_queues(struct tap_link *tl, const char *name, unsigned want)
{
	int fd = -1;

	if (want > 1)
		fd = open_queue(name, true, tl->link.name);
	if (fd < 0) {
		want = 1;
		fd = open_queue(name, false, tl->link.name);
		if (fd < 0)
			return fd;
	}
	tl->fds[0] = fd;
	tl->link.queues = 1;
	/* Later queues name the tap the first one made: "tap%d" again
	 * would make another. */
	while (tl->link.queues < want) {
		char same[IFNAMSIZ];

		fd = open_queue(tl->link.name, true, same);
		if (fd < 0)
			break; /* "at most": the queues we have will do */
		tl->fds[tl->link.queues++] = fd;
	}
	return 0;
}

/* Whether tap is a port of bridge already (set up by hand, or left by an
 * earlier run on a persistent tap), as sysfs has it. */
static bool bridge_has_port(const char *bridge, const char *tap)
{
	char path[64 + 2 * IFNAMSIZ];

	snprintf(path, sizeof(path), "/sys/class/net/%s/brif/%s", bridge, tap);
	return access(path, F_OK) == 0;
}

/* `ip link set dev TAP master BRIDGE` and `ip link set dev TAP up`. */
static int attach_and_up(struct tap_link *tl, const char *bridge, char *err,
			 size_t errlen)
{
	const char *tap = tl->link.name;
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret = -1;

	if (s < 0) {
		snprintf(err, errlen, "tap %s: socket: %s", tap, strerror(errno));
		return -1;
	}
	if (bridge[0]) {
		int index = (int)if_nametoindex(tap);

		memcpy(ifr.ifr_name, bridge, strlen(bridge));
		ifr.ifr_ifindex = index;
		if (index == 0) {
			snprintf(err, errlen, "tap %s: %s", tap, strerror(errno));
			goto out;
		}
		int e = ioctl(s, SIOCBRADDIF, &ifr) < 0 ? errno : 0;

		if (e && !(e == EBUSY && bridge_has_port(bridge, tap))) {
			snprintf(err, errlen, "bridge %s: %s", bridge,
				 e == EBUSY ? "the tap is a port of another bridge"
				 : e == EOPNOTSUPP ? "not a bridge" : strerror(e));
			goto out;
		}
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, tap, strlen(tap));
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		snprintf(err, errlen, "tap %s: flags: %s", tap, strerror(errno));
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
		snprintf(err, errlen, "tap %s: up: %s", tap, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	close(s);
	return ret;
}

/* ---- net_link operations ---------------------------------------------- */

/* virtio's hdr_len: where the TCP header of a GSO frame ends. */
static int gso_headers_len(const struct net_frame_meta *meta,
			   const uint8_t *frame, size_t len)
{
	size_t tcp = meta->csum_start;

	if (!meta->csum_partial || tcp + TCP_MIN_HLEN > len)
		return -EINVAL;
	size_t end = tcp + (size_t)(frame[tcp + TCP_DOFF_BYTE] >> 4) * 4;

	return end < tcp + TCP_MIN_HLEN || end > len || end > UINT16_MAX
		? -EINVAL : (int)end;
}

static int tap_link_send(struct net_link *link, unsigned queue,
			 const struct net_frame_meta *meta,
			 const uint8_t *frame, size_t len)
{
	struct tap_link *tl = (struct tap_link *)link;
	struct virtio_net_hdr h = { 0 };

	if (meta->csum_partial) {
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = meta->csum_start;
		h.csum_offset = meta->csum_offset;
	} else if (meta->data_valid) {
		h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	}
	if (meta->gso_type != NET_GSO_NONE) {
		int hdr_len = gso_headers_len(meta, frame, len);

		if (hdr_len < 0 || meta->gso_size == 0)
			return -EINVAL;
		h.gso_type = meta->gso_type == NET_GSO_TCPV4
			? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
		h.gso_size = meta->gso_size;
		h.hdr_len = (uint16_t)hdr_len;
	}

	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)frame, .iov_len = len },
	};

	return writev(tl->fds[queue], iov, 2) < 0 ? -errno : 0;
}

static int tap_link_rx_fd(const struct net_link *link, unsigned queue)
{
	return ((const struct tap_link *)link)->fds[queue];
}

static ssize_t tap_link_receive(struct net_link *link, unsigned queue,
				struct net_frame_meta *meta, uint8_t *buf,
				size_t cap)
{
	struct tap_link *tl = (struct tap_link *)link;
	struct virtio_net_hdr h;
	struct iovec iov[3] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = buf, .iov_len = cap },
		{ .iov_base = tl->overflow, .iov_len = sizeof(tl->overflow) },
	};
	ssize_t n = readv(tl->fds[queue], iov, 3);

	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if ((size_t)n < sizeof(h))
		return -EIO;
	size_t len = (size_t)n - sizeof(h);

	if (len > cap) {
		link_count_drop(link);
		return -EMSGSIZE;
	}
	*meta = (struct net_frame_meta){
		.csum_partial = h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = h.csum_start,
		.csum_offset = h.csum_offset,
		.data_valid = h.flags & VIRTIO_NET_HDR_F_DATA_VALID,
		.gso_size = h.gso_size,
	};
	switch (h.gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		meta->gso_size = 0;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		meta->gso_type = NET_GSO_TCPV4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		meta->gso_type = NET_GSO_TCPV6;
		break;
	default:
		/* Only TSO was offered (TUNSETOFFLOAD): ECN or UDP
		 * segmentation here is a frame net_frame_meta cannot say. */
		link_count_drop(link);
		return -EPROTO;
	}
	return (ssize_t)len;
}

static void tap_link_close(struct net_link *link)
{
	struct tap_link *tl = (struct tap_link *)link;

	/* A tap we made goes with its last fd (we never make it
	 * persistent); one that was there stays, in its bridge. */
	for (unsigned q = 0; q < link->queues; q++)
		close(tl->fds[q]);
	free(tl);
}

static const struct net_link_ops tap_link_ops = {
	.close = tap_link_close,
	.send = tap_link_send,
	.rx_fd = tap_link_rx_fd,
	.receive = tap_link_receive,
};

/* ---- Opening ----------------------------------------------------------- */

int link_tap_open(const struct net_spec *spec, unsigned max_queues,
		  struct net_link **out, char *err, size_t errlen)
{
	unsigned want = spec->queues;
	struct tap_link *tl;

	if (strnlen(spec->ifname, sizeof(spec->ifname)) == sizeof(spec->ifname)) {
		snprintf(err, errlen, "tap ifname %.*s...: longer than %zu characters",
			 (int)sizeof(spec->ifname), spec->ifname, sizeof(spec->ifname) - 1);
		return -1;
	}
	if (strnlen(spec->bridge, sizeof(spec->bridge)) == sizeof(spec->bridge)) {
		snprintf(err, errlen, "bridge %.*s...: longer than %zu characters",
			 (int)sizeof(spec->bridge), spec->bridge, sizeof(spec->bridge) - 1);
		return -1;
	}
	if (want > max_queues)
		want = max_queues;
	if (want > NET_SPEC_MAX_QUEUES)
		want = NET_SPEC_MAX_QUEUES;
	if (want < 1)
		want = 1;

	tl = calloc(1, sizeof(*tl));
	if (!tl) {
		snprintf(err, errlen, "tap: out of memory");
		return -1;
	}
	tl->link = (struct net_link){
		.ops = &tap_link_ops,
		.offloads = NET_LINK_OFFLOAD_CSUM | NET_LINK_OFFLOAD_TSO4 |
			    NET_LINK_OFFLOAD_TSO6,
	};

	int e = open_queues(tl, spec->ifname, want);

	if (e) {
		snprintf(err, errlen, "tap %s: /dev/net/tun: %s",
			 spec->ifname[0] ? spec->ifname : "(new)", strerror(-e));
		free(tl);
		return -1;
	}

	int hdr_size = sizeof(struct virtio_net_hdr);

	if (ioctl(tl->fds[0], TUNSETVNETHDRSZ, &hdr_size) < 0 ||
	    ioctl(tl->fds[0], TUNSETOFFLOAD,
		  TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0) {
		snprintf(err, errlen, "tap %s: offloads: %s", tl->link.name,
			 strerror(errno));
		goto fail;
	}
	if (attach_and_up(tl, spec->bridge, err, errlen))
		goto fail;
	*out = &tl->link;
	return 0;

fail:
	tap_link_close(&tl->link);
	return -1;
}
