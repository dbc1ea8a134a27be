/*
 * User-mode networking: the guest's frames go into libslirp, which
 * answers ARP, DHCP and DNS itself and carries TCP and UDP over the
 * host's own sockets; QEMU's `-netdev user` network (net_spec.h).
 *
 * libslirp is not thread-safe, and it keeps process-wide state beside
 * each instance (its clock reading, the host's DNS address cache), so
 * one mutex, slirp_lock, covers every slirp call of every link.  Each
 * link runs a loop thread of its own that holds the lock except while
 * it sleeps in poll() on slirp's sockets and on a wake eventfd; netback's
 * thread takes the lock to hand a frame to slirp_input and then wakes the
 * loop, since the frame may have opened a socket or moved a timer.
 *
 * Frames slirp sends the guest (from either thread) wait in a bounded
 * queue of copies with an eventfd of its own, readable while the queue
 * is not empty: net_link_rx_fd.
 */
#include <errno.h>
#include <glib.h>
#include <libslirp.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "backends/eventfd_signal.h"
#include "backends/net/link_impl.h"

/* Bounds of the guest-bound queue: past either, frames are dropped
 * (slirp's TCP sends them again later). */
#define RX_QUEUE_FRAMES 1024
#define RX_QUEUE_BYTES (4u << 20)

/* Complaints printed per link (guest errors) and per process (libslirp's
 * own glib messages, some of which a guest can provoke at will). */
#define GUEST_ERRORS_PRINTED 5
#define GLIB_MESSAGES_PRINTED 10

/* QEMU's addresses within the network (net_spec.h). */
#define HOST_OFFSET 2
#define DNS_OFFSET 3
#define DHCP_START_OFFSET 15
/* The widest prefix that leaves room for the DHCP range above .15. */
#define MAX_PREFIX 27

static pthread_mutex_t slirp_lock = PTHREAD_MUTEX_INITIALIZER;

struct slirp_timer {
	struct slirp_timer *next;
	SlirpTimerId id;
	void *cb_opaque;
	int64_t expire_ms;        /* on the CLOCK_MONOTONIC scale; -1: idle */
};

struct rx_frame {
	struct rx_frame *next;
	size_t len;
	uint8_t bytes[];
};

struct slirp_link {
	struct net_link link;
	Slirp *slirp;

	/* Under slirp_lock. */
	struct slirp_timer *timers;
	bool stopping;
	unsigned guest_errors;

	/* The loop thread's: what slirp_pollfds_fill asked for, the wake
	 * eventfd first. */
	pthread_t thread;
	bool thread_running;
	int wake_fd;
	struct pollfd *pollfds;
	unsigned nr_pollfds, max_pollfds;

	/* Guest-bound frames, under rx_lock (taken inside slirp_lock by
	 * send_packet, alone by receive). */
	pthread_mutex_t rx_lock;
	int rx_fd;
	struct rx_frame *rx_head, **rx_tail;
	size_t rx_frames, rx_bytes;
};

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- libslirp's callbacks (all called with slirp_lock held) ---------- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct slirp_link *sl = opaque;
	struct rx_frame *f = NULL;

	pthread_mutex_lock(&sl->rx_lock);
	if (sl->rx_frames < RX_QUEUE_FRAMES &&
	    sl->rx_bytes + len <= RX_QUEUE_BYTES)
		f = malloc(sizeof(*f) + len);
	if (!f) {
		pthread_mutex_unlock(&sl->rx_lock);
		link_count_drop(&sl->link);
		/* All taken, as far as slirp is concerned: an error would
		 * only make it print a complaint per frame. */
		return (ssize_t)len;
	}
	f->next = NULL;
	f->len = len;
	memcpy(f->bytes, buf, len);
	*sl->rx_tail = f;
	sl->rx_tail = &f->next;
	if (sl->rx_frames++ == 0)
		eventfd_signal(sl->rx_fd);
	sl->rx_bytes += len;
	pthread_mutex_unlock(&sl->rx_lock);
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	struct slirp_link *sl = opaque;

	if (++sl->guest_errors <= GUEST_ERRORS_PRINTED)
		fprintf(stderr, "xenlet: slirp: %s%s\n", msg,
			sl->guest_errors == GUEST_ERRORS_PRINTED
			? " (further guest errors counted, not printed)" : "");
}

static int64_t cb_clock_get_ns(void *opaque)
{
	(void)opaque;
	return monotonic_ns();
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque,
				 void *opaque)
{
	struct slirp_link *sl = opaque;
	struct slirp_timer *t = malloc(sizeof(*t));

	/* slirp has no way to hear of a failure. */
	if (!t)
		abort();
	*t = (struct slirp_timer){ .next = sl->timers, .id = id,
				   .cb_opaque = cb_opaque, .expire_ms = -1 };
	sl->timers = t;
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct slirp_link *sl = opaque;

	for (struct slirp_timer **p = &sl->timers; *p; p = &(*p)->next) {
		if (*p == timer) {
			*p = (*p)->next;
			free(timer);
			return;
		}
	}
}

/* The loop looks at its timers before it sleeps again: a timer moved
 * from netback's thread is seen once net_link_send wakes it. */
static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	(void)opaque;
	((struct slirp_timer *)timer)->expire_ms = expire_ms;
}

/* The loop asks slirp for its sockets on every round instead. */
static void cb_register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_notify(void *opaque)
{
	struct slirp_link *sl = opaque;

	eventfd_signal(sl->wake_fd);
}

static const SlirpCb slirp_callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new_opaque = cb_timer_new_opaque,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_unregister_poll_fd,
	.notify = cb_notify,
};

/* libslirp's own warnings and criticals (G_LOG_DOMAIN "Slirp"), which a
 * guest can provoke (one per ping6 to the outside), printed as few times
 * as the guest errors are. */
static void glib_message(const gchar *domain, GLogLevelFlags level,
			 const gchar *msg, gpointer data)
{
	static atomic_uint printed;

	(void)domain;
	(void)data;
	if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
		return;
	unsigned n = atomic_fetch_add(&printed, 1) + 1;

	if (n <= GLIB_MESSAGES_PRINTED)
		fprintf(stderr, "xenlet: slirp: %s%s\n", msg,
			n == GLIB_MESSAGES_PRINTED
			? " (further libslirp messages not printed)" : "");
}

static void route_glib_messages(void)
{
	g_log_set_handler("Slirp", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
			  G_LOG_FLAG_RECURSION, glib_message, NULL);
}

/* ---- The poll loop ----------------------------------------------------- */

static int cb_add_poll(int fd, int events, void *opaque)
{
	struct slirp_link *sl = opaque;

	if (sl->nr_pollfds == sl->max_pollfds) {
		unsigned max = sl->max_pollfds * 2;
		struct pollfd *p = realloc(sl->pollfds, max * sizeof(*p));

		/* Not polled this round: slirp takes -1 as "not asked". */
		if (!p)
			return -1;
		sl->pollfds = p;
		sl->max_pollfds = max;
	}
	sl->pollfds[sl->nr_pollfds] = (struct pollfd){
		.fd = fd,
		.events = (short)((events & SLIRP_POLL_IN ? POLLIN : 0) |
				  (events & SLIRP_POLL_OUT ? POLLOUT : 0) |
				  (events & SLIRP_POLL_PRI ? POLLPRI : 0)),
	};
	return (int)sl->nr_pollfds++;
}

static int cb_get_revents(int idx, void *opaque)
{
	struct slirp_link *sl = opaque;

	/* 0 is the wake eventfd, never handed to slirp. */
	if (idx <= 0 || (unsigned)idx >= sl->nr_pollfds)
		return 0;
	short r = sl->pollfds[idx].revents;

	return (r & POLLIN ? SLIRP_POLL_IN : 0) |
	       (r & POLLOUT ? SLIRP_POLL_OUT : 0) |
	       (r & POLLPRI ? SLIRP_POLL_PRI : 0) |
	       (r & POLLERR ? SLIRP_POLL_ERR : 0) |
	       (r & POLLHUP ? SLIRP_POLL_HUP : 0);
}

static struct slirp_timer *first_due_timer(struct slirp_link *sl, int64_t now)
{
	for (struct slirp_timer *t = sl->timers; t; t = t->next)
		if (t->expire_ms >= 0 && t->expire_ms <= now)
			return t;
	return NULL;
}

static void fire_due_timers(struct slirp_link *sl)
{
	int64_t now = monotonic_ns() / 1000000;
	struct slirp_timer *t;

	/* A handler may re-arm (always later: slirp's only timer, the
	 * router advertisement, every few minutes) or free timers, so the
	 * search starts again from the head after each. */
	while ((t = first_due_timer(sl, now))) {
		t->expire_ms = -1;
		slirp_handle_timer(sl->slirp, t->id, t->cb_opaque);
	}
}

/* poll()'s timeout: slirp's own (UINT32_MAX: none), or sooner if one of
 * its timers is due sooner. */
static int poll_timeout_ms(struct slirp_link *sl, uint32_t slirp_ms)
{
	int64_t now = monotonic_ns() / 1000000;
	int64_t wait = slirp_ms == UINT32_MAX ? -1 : (int64_t)slirp_ms;

	for (struct slirp_timer *t = sl->timers; t; t = t->next) {
		if (t->expire_ms < 0)
			continue;
		int64_t left = t->expire_ms > now ? t->expire_ms - now : 0;

		if (wait < 0 || left < wait)
			wait = left;
	}
	return wait > INT32_MAX ? INT32_MAX : (int)wait;
}

static void *slirp_loop(void *arg)
{
	struct slirp_link *sl = arg;

	pthread_mutex_lock(&slirp_lock);
	while (!sl->stopping) {
		uint32_t slirp_ms = UINT32_MAX;

		sl->nr_pollfds = 1;
		slirp_pollfds_fill(sl->slirp, &slirp_ms, cb_add_poll, sl);
		int timeout = poll_timeout_ms(sl, slirp_ms);

		pthread_mutex_unlock(&slirp_lock);
		int n = poll(sl->pollfds, sl->nr_pollfds, timeout);
		pthread_mutex_lock(&slirp_lock);

		if (n > 0 && sl->pollfds[0].revents)
			eventfd_drain(sl->wake_fd);
		slirp_pollfds_poll(sl->slirp, n < 0, cb_get_revents, sl);
		fire_due_timers(sl);
	}
	pthread_mutex_unlock(&slirp_lock);
	return NULL;
}

static int start_loop(struct slirp_link *sl)
{
	sigset_t all, old;

	/* Signals are the launcher's main thread's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int err = pthread_create(&sl->thread, NULL, slirp_loop, sl);

	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	sl->thread_running = true;
	return 0;
}

/* ---- net_link operations ---------------------------------------------- */

/*
 * Whether slirp_input would take frame as a fragment of an IPv4 datagram.
 *
 * Debian 12's libslirp0 (4.7.0-1) must not see those: when the first
 * fragment it sees of a datagram has no more to follow (the last one
 * first, or a lone one), its reassembly (ip_reass) reads the fragment
 * list before the store that links the new fragment in, finds the
 * datagram "complete" and writes through pointers the guest's bytes make
 * (the compiler's type-based aliasing on libslirp's type-punned lists;
 * the same source built here does not).  Guests fragment only UDP and
 * ICMP datagrams larger than the MTU; those are lost here rather than
 * letting a guest write into the launcher.
 */
static bool is_ipv4_fragment(const uint8_t *frame, size_t len)
{
	const uint8_t *ip = frame + NET_ETH_HLEN;

	return len >= NET_ETH_HLEN + sizeof(struct ip) &&
	       frame[12] == ETHERTYPE_IP >> 8 && frame[13] == (ETHERTYPE_IP & 0xff) &&
	       ((ip[6] << 8 | ip[7]) & (IP_MF | IP_OFFMASK)) != 0;
}

static int slirp_link_send(struct net_link *link, unsigned queue,
			   const struct net_frame_meta *meta,
			   const uint8_t *frame, size_t len)
{
	struct slirp_link *sl = (struct slirp_link *)link;

	(void)queue;
	/* No offloads: netback completes checksums and cuts GSO first. */
	if (meta->csum_partial || meta->gso_type != NET_GSO_NONE)
		return -EINVAL;
	if (len < NET_ETH_HLEN)
		return -EINVAL;
	if (len > NET_FRAME_MAX)
		return -EMSGSIZE;
	if (is_ipv4_fragment(frame, len))
		return -EOPNOTSUPP;
	pthread_mutex_lock(&slirp_lock);
	slirp_input(sl->slirp, frame, (int)len);
	pthread_mutex_unlock(&slirp_lock);
	eventfd_signal(sl->wake_fd);
	return 0;
}

static int slirp_link_rx_fd(const struct net_link *link, unsigned queue)
{
	(void)queue;
	return ((const struct slirp_link *)link)->rx_fd;
}

static ssize_t slirp_link_receive(struct net_link *link, unsigned queue,
				  struct net_frame_meta *meta, uint8_t *buf,
				  size_t cap)
{
	struct slirp_link *sl = (struct slirp_link *)link;
	struct rx_frame *f;

	(void)queue;
	pthread_mutex_lock(&sl->rx_lock);
	f = sl->rx_head;
	if (f) {
		sl->rx_head = f->next;
		if (!sl->rx_head)
			sl->rx_tail = &sl->rx_head;
		sl->rx_bytes -= f->len;
		if (--sl->rx_frames == 0)
			eventfd_drain(sl->rx_fd);
	}
	pthread_mutex_unlock(&sl->rx_lock);
	if (!f)
		return 0;

	ssize_t ret;

	if (f->len > cap) {
		link_count_drop(link);
		ret = -EMSGSIZE;
	} else {
		memcpy(buf, f->bytes, f->len);
		/* slirp computes every checksum it sends. */
		*meta = (struct net_frame_meta){ .data_valid = true };
		ret = (ssize_t)f->len;
	}
	free(f);
	return ret;
}

static void slirp_link_close(struct net_link *link)
{
	struct slirp_link *sl = (struct slirp_link *)link;

	if (sl->thread_running) {
		pthread_mutex_lock(&slirp_lock);
		sl->stopping = true;
		pthread_mutex_unlock(&slirp_lock);
		eventfd_signal(sl->wake_fd);
		pthread_join(sl->thread, NULL);
	}
	if (sl->slirp) {
		pthread_mutex_lock(&slirp_lock);
		slirp_cleanup(sl->slirp);
		pthread_mutex_unlock(&slirp_lock);
	}
	if (sl->guest_errors > GUEST_ERRORS_PRINTED)
		fprintf(stderr, "xenlet: slirp: %u guest errors in all\n",
			sl->guest_errors);
	while (sl->rx_head) {
		struct rx_frame *f = sl->rx_head;

		sl->rx_head = f->next;
		free(f);
	}
	if (sl->rx_fd >= 0)
		close(sl->rx_fd);
	if (sl->wake_fd >= 0)
		close(sl->wake_fd);
	pthread_mutex_destroy(&sl->rx_lock);
	free(sl->pollfds);
	free(sl);
}

static const struct net_link_ops slirp_link_ops = {
	.close = slirp_link_close,
	.send = slirp_link_send,
	.rx_fd = slirp_link_rx_fd,
	.receive = slirp_link_receive,
};

/* ---- Opening ----------------------------------------------------------- */

static struct in_addr in_net(struct in_addr net, uint32_t offset)
{
	return (struct in_addr){ htonl(ntohl(net.s_addr) + offset) };
}

static int make_config(const struct net_spec *spec, SlirpConfig *cfg,
		       char *err, size_t errlen)
{
	char net[INET_ADDRSTRLEN];
	unsigned prefix = spec->net_prefix;

	inet_ntop(AF_INET, &spec->net_addr, net, sizeof(net));
	if (prefix < 1 || prefix > MAX_PREFIX) {
		snprintf(err, errlen,
			 "net %s/%u: the prefix must be 1 to %d (room for DHCP from .%d)",
			 net, prefix, MAX_PREFIX, DHCP_START_OFFSET);
		return -1;
	}
	struct in_addr mask = { htonl(~0u << (32 - prefix)) };

	if (spec->net_addr.s_addr & ~mask.s_addr) {
		snprintf(err, errlen, "net %s/%u: host bits are set", net, prefix);
		return -1;
	}
	*cfg = (SlirpConfig){
		.version = 4,
		.restricted = spec->restrict_guest,
		.in_enabled = true,
		.vnetwork = spec->net_addr,
		.vnetmask = mask,
		.vhost = in_net(spec->net_addr, HOST_OFFSET),
		.vdhcp_start = in_net(spec->net_addr, DHCP_START_OFFSET),
		.vnameserver = in_net(spec->net_addr, DNS_OFFSET),
		/* QEMU's IPv6 defaults: fec0::/64, host ::2, DNS ::3. */
		.in6_enabled = true,
		.vprefix_addr6 = { .s6_addr = { 0xfe, 0xc0 } },
		.vprefix_len = 64,
		.vhost6 = { .s6_addr = { 0xfe, 0xc0, [15] = HOST_OFFSET } },
		.vnameserver6 = { .s6_addr = { 0xfe, 0xc0, [15] = DNS_OFFSET } },
	};
	return 0;
}

static int add_hostfwd(struct slirp_link *sl, const struct net_hostfwd *fwd,
		       char *err, size_t errlen)
{
	char host[INET_ADDRSTRLEN], guest[INET_ADDRSTRLEN];

	errno = 0;
	if (slirp_add_hostfwd(sl->slirp, fwd->udp, fwd->host_addr,
			      fwd->host_port, fwd->guest_addr,
			      fwd->guest_port) == 0)
		return 0;
	int e = errno;

	inet_ntop(AF_INET, &fwd->host_addr, host, sizeof(host));
	inet_ntop(AF_INET, &fwd->guest_addr, guest, sizeof(guest));
	snprintf(err, errlen, "hostfwd=%s:%s:%u-%s:%u: cannot listen on port %u: %s",
		 fwd->udp ? "udp" : "tcp", host, fwd->host_port, guest,
		 fwd->guest_port, fwd->host_port,
		 e ? strerror(e) : "libslirp refused it");
	return -1;
}

int link_slirp_open(const struct net_spec *spec, struct net_link **out,
		    char *err, size_t errlen)
{
	static pthread_once_t glib_once = PTHREAD_ONCE_INIT;
	SlirpConfig cfg;
	struct slirp_link *sl;

	if (make_config(spec, &cfg, err, errlen))
		return -1;
	pthread_once(&glib_once, route_glib_messages);

	sl = calloc(1, sizeof(*sl));
	if (!sl) {
		snprintf(err, errlen, "slirp: out of memory");
		return -1;
	}
	sl->link = (struct net_link){ .ops = &slirp_link_ops, .queues = 1,
				      .name = "slirp" };
	sl->rx_tail = &sl->rx_head;
	pthread_mutex_init(&sl->rx_lock, NULL);
	sl->wake_fd = sl->rx_fd = -1;
	sl->max_pollfds = 16;
	sl->pollfds = malloc(sl->max_pollfds * sizeof(*sl->pollfds));
	if (!sl->pollfds) {
		snprintf(err, errlen, "slirp: out of memory");
		goto fail;
	}
	if ((sl->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
	    (sl->rx_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "slirp: eventfd: %s", strerror(errno));
		goto fail;
	}
	sl->pollfds[0] = (struct pollfd){ .fd = sl->wake_fd, .events = POLLIN };

	pthread_mutex_lock(&slirp_lock);
	sl->slirp = slirp_new(&cfg, &slirp_callbacks, sl);
	int ret = sl->slirp ? 0 : -1;

	if (!sl->slirp)
		snprintf(err, errlen, "slirp: libslirp refused the configuration");
	for (unsigned i = 0; ret == 0 && i < spec->nr_hostfwd; i++)
		ret = add_hostfwd(sl, &spec->hostfwd[i], err, errlen);
	pthread_mutex_unlock(&slirp_lock);
	if (ret)
		goto fail;

	int e = start_loop(sl);

	if (e) {
		snprintf(err, errlen, "slirp: no thread: %s", strerror(-e));
		goto fail;
	}
	*out = &sl->link;
	return 0;

fail:
	slirp_link_close(&sl->link);
	return -1;
}
