#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "pv-shim/core/events/evtchn.h"
#include "pv-shim/shim_abi.h"
#include "tests/unit/fake_domain.h"

static void need(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fake_domain: %s\n", what);
		abort();
	}
}

void fake_domain_init(struct fake_domain *fd, unsigned nr_vcpus, uint64_t nr_pages)
{
	need(nr_vcpus >= 1 && nr_vcpus <= SHIM_MAX_VCPUS, "vCPU count");
	*fd = (struct fake_domain){ .cfg = { .vcpus = nr_vcpus } };
	struct fake_guest *g = &fd->g;
	fake_guest_init(g, nr_pages);
	g->core.layout.nr_vcpus = nr_vcpus;
	struct domain *d = fd->d = calloc(1, sizeof *d);
	need(d != NULL, "out of memory");
	d->cfg = &fd->cfg;
	d->ram = g->ram;
	d->ram_bytes = nr_pages * FG_PAGE;
	d->shim.nr_pages = nr_pages;
	d->shim.nr_vcpus = nr_vcpus;
	d->shim.region = calloc(1, shim_region_size(nr_pages));
	need(d->shim.region != NULL, "out of memory");
	g->plat.shim_region = d->shim.region; /* shared_info, frame table */
	pthread_mutex_init(&d->core_lock, NULL);
	pthread_mutex_init(&d->stop_lock, NULL);
	d->console_in = (struct console_input){ .stop_fd = -1, .room_fd = -1 };
	d->store_evtchn = FD_STORE;
	d->console_evtchn = FD_CONSOLE;
	evtchn_domain_init(&g->core, FD_DOMID, FD_STORE, FD_CONSOLE, 0);
	for (unsigned n = 0; n < nr_vcpus; n++) {
		struct vcpu *v = &d->vcpu[n];
		v->d = d;
		v->id = n;
		v->kvm.fd = -1;
		v->plat = g->plat;
		v->plat.cpu_ops = (struct shim_cpu_ops *)(d->shim.region + shim_off_cpu_ops(n));
		v->plat.notify_backend = dom0_notify_backend_cb;
		v->plat.notify_opaque = d;
		v->core = g->core;
		v->core.plat = &v->plat;
		v->core.vcpu = n;
		vcpu_smp_init(v);
		v->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		need(v->wake_fd >= 0, "eventfd");
		v->launched = 1;
		g->st->vcpu[n].initialised = g->st->vcpu[n].up = g->st->vcpu[n].started = 1;
	}
	dom0_core_init(d, FD_DOMID);
	fd->bd = dom0_backend_domain(d);
	fd->bd->plat.log = open_memstream(&fd->dom0_log, &fd->dom0_log_len);
	need(fd->bd->plat.log != NULL, "open_memstream");
}

void fake_domain_free(struct fake_domain *fd)
{
	fake_domain_stop_answering(fd);
	struct domain *d = fd->d;
	dom0_core_destroy(d);
	fclose(fd->bd->plat.log);
	free(fd->dom0_log);
	for (unsigned n = 0; n < fd->cfg.vcpus; n++)
		close(d->vcpu[n].wake_fd);
	pthread_mutex_destroy(&d->core_lock);
	pthread_mutex_destroy(&d->stop_lock);
	free(d->shim.region);
	free(d);
	fake_guest_free(&fd->g);
}

struct shim_smp *fake_domain_smp(struct fake_domain *fd)
{
	return (struct shim_smp *)(fd->d->shim.region + SHIM_OFF_SMP);
}

const char *fake_domain_dom0_log(struct fake_domain *fd)
{
	fflush(fd->bd->plat.log);
	return fd->dom0_log ? fd->dom0_log : "";
}

static void sleep_ms(long ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

/* The shim's shim_serve_flush, for the guest path. */
static void shim_answers(struct fake_domain *fd, unsigned n)
{
	struct shim_smp *smp = fake_domain_smp(fd);
	uint32_t req = __atomic_load_n(&smp->flush_req[n], __ATOMIC_SEQ_CST);
	__atomic_store_n(&smp->flush_done[n], req, __ATOMIC_SEQ_CST);
}

static void *respond(void *arg)
{
	struct fake_responder *r = arg;
	while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
		struct pollfd p = { .fd = r->v->wake_fd, .events = POLLIN };
		if (poll(&p, 1, 5) <= 0)
			continue;
		uint64_t n;
		if (read(r->v->wake_fd, &n, sizeof n) < 0)
			continue;
		__atomic_add_fetch(&r->wakes, 1, __ATOMIC_SEQ_CST);
		sleep_ms(r->delay_ms);
		if (__atomic_load_n(&r->fd->bd->path, __ATOMIC_SEQ_CST) == DOM0_PATH_GUEST)
			shim_answers(r->fd, r->v->id);
		else
			vcpu_serve_flush(r->v);
	}
	return NULL;
}

void fake_domain_answer_flushes(struct fake_domain *fd, unsigned vcpu, long delay_ms)
{
	need(vcpu < fd->cfg.vcpus && !fd->resp[vcpu].running, "responder");
	struct fake_responder *r = &fd->resp[vcpu];
	*r = (struct fake_responder){ .fd = fd, .v = &fd->d->vcpu[vcpu],
				      .delay_ms = delay_ms, .running = 1 };
	need(pthread_create(&r->thread, NULL, respond, r) == 0, "pthread_create");
}

void fake_domain_stop_answering(struct fake_domain *fd)
{
	for (unsigned n = 0; n < fd->cfg.vcpus; n++) {
		struct fake_responder *r = &fd->resp[n];
		if (!r->running)
			continue;
		__atomic_store_n(&r->stop, 1, __ATOMIC_SEQ_CST);
		pthread_join(r->thread, NULL);
		r->running = 0;
	}
}
