/* A guest's synchronous xenstore client over a ring page (fake_xs_guest.h). */
#include "tests/unit/fake_xs_guest.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "xenstore/daemon.h"
#include "xenstore/wire.h"

#define REPLY_TIMEOUT_MS 5000

static void notify_guest(void *opaque)
{
	struct fake_xs_guest *g = opaque;
	uint64_t one = 1;

	if (write(g->notify_fd, &one, sizeof(one)) != sizeof(one))
		return; /* the counter is full: a wakeup is pending anyway */
}

int fake_xs_guest_start(struct fake_xs_guest *g, struct xs_daemon *d,
			unsigned int domid)
{
	memset(g, 0, sizeof(*g));
	g->d = d;
	g->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (g->notify_fd < 0)
		return errno;
	g->dom = xs_daemon_add_domain(d, domid, &g->page, notify_guest, g);
	if (!g->dom) {
		int err = errno;

		close(g->notify_fd);
		return err;
	}
	return 0;
}

void fake_xs_guest_stop(struct fake_xs_guest *g)
{
	xs_daemon_remove_domain(g->d, g->dom);
	close(g->notify_fd);
}

/* The daemon's thread writes rsp[] and rsp_prod, reads req[] and req_prod:
 * the indexes are published and read with barriers, as a guest's are. */
static XENSTORE_RING_IDX load_idx(XENSTORE_RING_IDX *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_idx(XENSTORE_RING_IDX *p, XENSTORE_RING_IDX v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Waits for the daemon's next notification; false after the timeout. */
static bool wait_notify(struct fake_xs_guest *g, struct timespec *deadline)
{
	struct timespec now;
	uint64_t n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (deadline->tv_sec - now.tv_sec) * 1000 +
		  (deadline->tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return false;
	struct pollfd pfd = { .fd = g->notify_fd, .events = POLLIN };
	if (poll(&pfd, 1, (int)ms) != 1)
		return false;
	return read(g->notify_fd, &n, sizeof(n)) == sizeof(n);
}

static bool put(struct fake_xs_guest *g, const void *data, size_t len,
		struct timespec *deadline)
{
	const uint8_t *p = data;

	while (len) {
		XENSTORE_RING_IDX prod = g->page.req_prod;
		XENSTORE_RING_IDX room = XENSTORE_RING_SIZE -
					 (prod - load_idx(&g->page.req_cons));

		if (room == 0) {
			xs_daemon_kick(g->dom);
			if (!wait_notify(g, deadline))
				return false;
			continue;
		}
		while (room && len) {
			g->page.req[MASK_XENSTORE_IDX(prod)] = (char)*p++;
			prod++;
			room--;
			len--;
		}
		store_idx(&g->page.req_prod, prod);
	}
	xs_daemon_kick(g->dom);
	return true;
}

/* Takes len bytes from rsp[], waiting for them. */
static bool get(struct fake_xs_guest *g, void *out, size_t len,
		struct timespec *deadline)
{
	uint8_t *p = out;

	while (len) {
		XENSTORE_RING_IDX cons = g->page.rsp_cons;

		if (load_idx(&g->page.rsp_prod) == cons) {
			if (!wait_notify(g, deadline))
				return false;
			continue;
		}
		while (len && load_idx(&g->page.rsp_prod) != cons) {
			*p++ = (uint8_t)g->page.rsp[MASK_XENSTORE_IDX(cons)];
			cons++;
			len--;
		}
		store_idx(&g->page.rsp_cons, cons);
		xs_daemon_kick(g->dom); /* room for more replies */
	}
	return true;
}

int fake_xs_guest_request(struct fake_xs_guest *g, uint32_t type,
			  const void *payload, size_t len, char *reply,
			  size_t size)
{
	static char body[XENSTORE_PAYLOAD_MAX + 1];
	struct timespec deadline;
	uint32_t id = ++g->req_id;
	struct xsd_sockmsg hdr = wire_header(type, id, 0, (uint32_t)len);

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += REPLY_TIMEOUT_MS / 1000;
	if (!put(g, &hdr, sizeof(hdr), &deadline) ||
	    !put(g, payload, len, &deadline))
		return ETIMEDOUT;
	for (;;) {
		if (!get(g, &hdr, sizeof(hdr), &deadline) ||
		    hdr.len > XENSTORE_PAYLOAD_MAX ||
		    !get(g, body, hdr.len, &deadline))
			return ETIMEDOUT;
		body[hdr.len] = '\0';
		if (hdr.type == XS_WATCH_EVENT || hdr.req_id != id)
			continue;
		if (hdr.type == XS_ERROR) {
			int err = wire_error_from_name(body);

			return err ? err : EINVAL;
		}
		if (reply && size) {
			size_t n = hdr.len < size - 1 ? hdr.len : size - 1;

			memcpy(reply, body, n);
			reply[n] = '\0';
		}
		return 0;
	}
}

int fake_xs_guest_write(struct fake_xs_guest *g, const char *path,
			const char *value)
{
	static char buf[XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1, vl = strlen(value);

	if (pl + vl > sizeof(buf))
		return E2BIG;
	memcpy(buf, path, pl);
	memcpy(buf + pl, value, vl);
	return fake_xs_guest_request(g, XS_WRITE, buf, pl + vl, NULL, 0);
}

int fake_xs_guest_read(struct fake_xs_guest *g, const char *path, char *buf,
		       size_t size)
{
	return fake_xs_guest_request(g, XS_READ, path, strlen(path) + 1, buf,
				     size);
}

int fake_xs_guest_rm(struct fake_xs_guest *g, const char *path)
{
	return fake_xs_guest_request(g, XS_RM, path, strlen(path) + 1, NULL, 0);
}
