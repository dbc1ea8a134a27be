#include "xenstore/daemon.h"

#include "xenstore/daemon_log.h"
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xenstore/daemon_internal.h"

void daemon_mark_dirty(struct conn *c)
{
	struct endpoint *ep = c->owner;

	if (ep->dirty || ep->gone)
		return;
	ep->dirty = true;
	ep->next_dirty = ep->d->dirty;
	ep->d->dirty = ep;
}

static void bury(struct xs_daemon *d, struct endpoint *ep)
{
	ep->gone = true;
	ep->next_gone = d->graveyard;
	d->graveyard = ep;
}

static void free_endpoint(struct endpoint *ep)
{
	if (ep->kind == EP_SOCKET)
		free((struct client *)ep);
	else
		free((struct xs_domain *)ep);
}

static void free_graveyard(struct xs_daemon *d)
{
	while (d->graveyard) {
		struct endpoint *ep = d->graveyard;

		d->graveyard = ep->next_gone;
		free_endpoint(ep);
	}
}

static int wake_loop(int fd)
{
	uint64_t one = 1;

	return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : errno;
}

int daemon_wake_loop(struct xs_daemon *d)
{
	return wake_loop(d->wake_fd);
}

void daemon_undirty(struct xs_daemon *d, struct endpoint *ep)
{
	for (struct endpoint **p = &d->dirty; *p; p = &(*p)->next_dirty) {
		if (*p == ep) {
			*p = ep->next_dirty;
			break;
		}
	}
	ep->dirty = false;
}

static void drain_eventfd(int fd)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		xsd_log("eventfd read: %s", strerror(errno));
}

/* ---- Socket clients ---------------------------------------------------- */

static void drop_client(struct xs_daemon *d, struct client *cl)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, cl->sc.fd, NULL);
	sock_client_fini(&cl->sc, &d->srv);
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		d->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	bury(d, &cl->ep);
}

static void service_client(struct xs_daemon *d, struct client *cl)
{
	sock_client_service(&cl->sc, &d->srv);
	if (cl->sc.closed) {
		drop_client(d, cl);
		return;
	}
	uint32_t events = (sock_client_wants_read(&cl->sc) ? EPOLLIN : 0) |
			  (sock_client_wants_write(&cl->sc) ? EPOLLOUT : 0);

	if (events != cl->events) {
		struct epoll_event ev = { .events = events, .data.ptr = cl };

		if (epoll_ctl(d->epfd, EPOLL_CTL_MOD, cl->sc.fd, &ev) != 0) {
			drop_client(d, cl);
			return;
		}
		cl->events = events;
	}
}

static void accept_clients(struct xs_daemon *d)
{
	for (;;) {
		int fd = accept4(d->listen_fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				xsd_log("accept: %s", strerror(errno));
			return;
		}
		struct client *cl = calloc(1, sizeof(*cl));

		if (!cl) {
			close(fd);
			continue;
		}
		cl->ep.kind = EP_SOCKET;
		cl->ep.d = d;
		sock_client_init(&cl->sc, fd, daemon_mark_dirty, &cl->ep);
		cl->events = EPOLLIN;

		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = cl };

		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			sock_client_fini(&cl->sc, &d->srv);
			free(cl);
			continue;
		}
		cl->next = d->clients;
		if (d->clients)
			d->clients->prev = cl;
		d->clients = cl;
	}
}

/* ---- Guest rings ------------------------------------------------------- */

static void stop_ring(struct xs_daemon *d, struct xs_domain *dom)
{
	wire_conn_gone(&d->srv, &dom->port.conn);
	conn_out_clear(&dom->port.conn);
}

static void service_ring(struct xs_daemon *d, struct xs_domain *dom)
{
	if (dom->released || dom->port.dead)
		return;
	bool more = ring_port_service(&dom->port, &d->srv);

	if (dom->port.dead)
		stop_ring(d, dom);
	else if (more)
		wake_loop(dom->kick_fd); /* the rest after the others' turn */
}

/* RELEASE from domain 0: the ring is no longer served; the launcher still
 * holds the handle until xs_daemon_remove_domain. */
static void release_hook(void *opaque, unsigned int domid)
{
	struct xs_daemon *d = opaque;

	for (struct xs_domain *dom = d->domains; dom; dom = dom->next) {
		if (dom->port.conn.domid == domid && !dom->released) {
			dom->released = true;
			stop_ring(d, dom);
		}
	}
}

struct xs_domain *xs_daemon_add_domain(struct xs_daemon *d, unsigned int domid,
				       struct xenstore_domain_interface *page,
				       xs_daemon_notify_fn *notify,
				       void *opaque)
{
	struct xs_domain *dom = calloc(1, sizeof(*dom));
	int err;

	if (!dom)
		return NULL;
	dom->ep.kind = EP_RING;
	dom->ep.d = d;
	dom->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dom->kick_fd < 0) {
		err = errno;
		free(dom);
		errno = err;
		return NULL;
	}
	pthread_mutex_lock(&d->lock);
	err = xs_store_domain_introduce(d->srv.store, 0, domid);
	if (!err) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = dom };

		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, dom->kick_fd, &ev) != 0) {
			err = errno;
			xs_store_domain_release(d->srv.store, 0, domid);
		}
	}
	if (err) {
		pthread_mutex_unlock(&d->lock);
		close(dom->kick_fd);
		free(dom);
		errno = err;
		return NULL;
	}
	ring_port_init(&dom->port, domid, page, notify, opaque, daemon_mark_dirty,
		       &dom->ep);
	dom->next = d->domains;
	d->domains = dom;
	pthread_mutex_unlock(&d->lock);
	/* Requests the guest wrote before it was added, and the
	 * @introduceDomain events now queued for watchers. */
	wake_loop(dom->kick_fd);
	wake_loop(d->wake_fd);
	return dom;
}

void xs_daemon_kick(struct xs_domain *dom)
{
	wake_loop(dom->kick_fd);
}

void xs_daemon_kick_if_unread(struct xs_domain *dom)
{
	if (ring_port_unread(&dom->port))
		wake_loop(dom->kick_fd);
}

void xs_daemon_remove_domain(struct xs_daemon *d, struct xs_domain *dom)
{
	pthread_mutex_lock(&d->lock);
	if (!dom->released)
		xs_store_domain_release(d->srv.store, 0, dom->port.conn.domid);
	ring_port_fini(&dom->port, &d->srv);
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, dom->kick_fd, NULL);
	close(dom->kick_fd);
	for (struct xs_domain **p = &d->domains; *p; p = &(*p)->next) {
		if (*p == dom) {
			*p = dom->next;
			break;
		}
	}
	daemon_undirty(d, &dom->ep);
	/* An event for it may already sit in the loop's current batch. */
	bury(d, &dom->ep);
	pthread_mutex_unlock(&d->lock);
	wake_loop(d->wake_fd);
}

/* ---- The loop ---------------------------------------------------------- */

static void handle_event(struct xs_daemon *d, struct endpoint *ep)
{
	if (ep->gone)
		return;
	switch (ep->kind) {
	case EP_WAKE:
		drain_eventfd(d->wake_fd);
		break;
	case EP_LISTEN:
		accept_clients(d);
		break;
	case EP_SOCKET:
		service_client(d, (struct client *)ep);
		break;
	case EP_RING:
		drain_eventfd(((struct xs_domain *)ep)->kick_fd);
		service_ring(d, (struct xs_domain *)ep);
		break;
	case EP_DOM0_WATCH: /* never in epoll: delivered from the dirty list */
		break;
	}
}

/* Endpoints that got output from someone else's request (watch events)
 * or were held back. One round; what it makes dirty waits for the next
 * turn of the loop, so a chain of watchers cannot starve the others. */
static void service_dirty(struct xs_daemon *d)
{
	struct endpoint *list = d->dirty;

	d->dirty = NULL;
	while (list) {
		struct endpoint *ep = list;

		list = ep->next_dirty;
		ep->dirty = false;
		if (ep->gone)
			continue;
		if (ep->kind == EP_SOCKET)
			service_client(d, (struct client *)ep);
		else if (ep->kind == EP_RING)
			service_ring(d, (struct xs_domain *)ep);
		else if (ep->kind == EP_DOM0_WATCH)
			dom0_watch_deliver((struct xs_dom0_watch *)ep);
	}
}

int xs_daemon_run(struct xs_daemon *d)
{
	struct epoll_event evs[32];
	int err = 0;

	pthread_mutex_lock(&d->lock);
	while (!__atomic_load_n(&d->stopping, __ATOMIC_ACQUIRE)) {
		int timeout = d->dirty ? 0 : -1;

		pthread_mutex_unlock(&d->lock);
		int n = epoll_wait(d->epfd, evs, 32, timeout);

		pthread_mutex_lock(&d->lock);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			xsd_log("epoll_wait: %s", strerror(err));
			break;
		}
		for (int i = 0; i < n; i++)
			handle_event(d, evs[i].data.ptr);
		service_dirty(d);
		free_graveyard(d);
	}
	__atomic_store_n(&d->stopping, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&d->lock);
	return err;
}

static void *daemon_thread(void *arg)
{
	xs_daemon_run(arg);
	return NULL;
}

int xs_daemon_start(struct xs_daemon *d)
{
	int err = pthread_create(&d->thread, NULL, daemon_thread, d);

	if (!err)
		d->threaded = true;
	return err;
}

void xs_daemon_stop(struct xs_daemon *d)
{
	__atomic_store_n(&d->stopping, 1, __ATOMIC_RELEASE);
	wake_loop(d->wake_fd);
}

void xs_daemon_join(struct xs_daemon *d)
{
	if (d->threaded) {
		pthread_join(d->thread, NULL);
		d->threaded = false;
	}
}

/* ---- Life cycle -------------------------------------------------------- */

static int add_fd(struct xs_daemon *d, int fd, struct endpoint *ep)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ep };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
}

struct xs_daemon *xs_daemon_create(void)
{
	struct xs_daemon *d = calloc(1, sizeof(*d));
	int err = ENOMEM;

	if (!d)
		return NULL;
	d->epfd = d->wake_fd = d->listen_fd = -1;
	pthread_mutex_init(&d->lock, NULL);
	d->srv.store = xs_store_new(wire_fire_watch, &d->srv);
	d->srv.hooks.release = release_hook;
	d->srv.hooks.opaque = d;
	d->wake_ep = (struct endpoint){ .kind = EP_WAKE, .d = d };
	d->listen_ep = (struct endpoint){ .kind = EP_LISTEN, .d = d };
	if (!d->srv.store)
		goto fail;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->epfd < 0 || d->wake_fd < 0) {
		err = errno;
		goto fail;
	}
	err = add_fd(d, d->wake_fd, &d->wake_ep);
	if (err)
		goto fail;
	return d;
fail:
	xs_daemon_destroy(d);
	errno = err;
	return NULL;
}

int xs_daemon_listen(struct xs_daemon *d, const char *path)
{
	int err;

	pthread_mutex_lock(&d->lock);
	if (d->listen_fd >= 0) {
		pthread_mutex_unlock(&d->lock);
		return EBUSY;
	}
	int fd = sock_listen(path);

	if (fd < 0) {
		pthread_mutex_unlock(&d->lock);
		return -fd;
	}
	d->sock_path = strdup(path);
	d->listen_fd = fd;
	err = d->sock_path ? add_fd(d, fd, &d->listen_ep) : ENOMEM;
	if (err) {
		close(fd);
		unlink(path);
		free(d->sock_path);
		d->sock_path = NULL;
		d->listen_fd = -1;
	}
	pthread_mutex_unlock(&d->lock);
	return err;
}

void xs_daemon_destroy(struct xs_daemon *d)
{
	if (!d)
		return;
	while (d->clients)
		drop_client(d, d->clients);
	while (d->domains) {
		struct xs_domain *dom = d->domains;

		d->domains = dom->next;
		ring_port_fini(&dom->port, &d->srv);
		close(dom->kick_fd);
		bury(d, &dom->ep);
	}
	free_graveyard(d);
	dom0_watches_free(d);
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->sock_path);
	}
	free(d->sock_path);
	if (d->wake_fd >= 0)
		close(d->wake_fd);
	if (d->epfd >= 0)
		close(d->epfd);
	xs_store_free(d->srv.store);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
