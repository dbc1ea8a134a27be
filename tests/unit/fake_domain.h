/*
 * The launcher's own struct domain around a fake guest, without KVM: the
 * launcher's SMP and dom0 code (vcpu_smp.c, vcpu_events.c, vcpu_clock.c,
 * dom0_core.c, ...) runs on it as it does in xenlet, with test threads in
 * place of the vCPUs' threads.  Every vCPU is up, started and launched,
 * with its wake eventfd, its CPU-ops page in the shim region (which is
 * whole: frame table and M2P included) and the launcher's SMP hooks;
 * sends to dom0 reach dom0_notify_backend; dom0's handle is initialised,
 * its log captured, and its trap path not yet chosen (dom0_core_start).
 */
#ifndef XENLET_TEST_FAKE_DOMAIN_H
#define XENLET_TEST_FAKE_DOMAIN_H

#include <pthread.h>
#include <stdint.h>
#include "emu/domain.h"
#include "tests/unit/fake_guest.h"

#define FD_DOMID 1
#define FD_STORE 1   /* the toolstack's ports, bound to dom0 */
#define FD_CONSOLE 2

/* A vCPU's thread as far as TLB shootdowns go: woken by the kicks on its
 * wake eventfd, it answers what was asked of it, delay_ms later, as the
 * vCPU's exit would (vcpu_serve_flush in the host trap path, the shim's
 * counts in struct shim_smp in the guest path). */
struct fake_responder {
	struct fake_domain *fd;
	struct vcpu *v;
	long delay_ms;
	pthread_t thread;
	int running, stop;
	unsigned wakes;
};

struct fake_domain {
	struct fake_guest g;
	struct xenlet_config cfg;
	struct domain *d;
	struct backend_domain *bd;
	char *dom0_log;
	size_t dom0_log_len;
	struct fake_responder resp[SHIM_MAX_VCPUS];
};

void fake_domain_init(struct fake_domain *fd, unsigned nr_vcpus, uint64_t nr_pages);
void fake_domain_free(struct fake_domain *fd);

void fake_domain_answer_flushes(struct fake_domain *fd, unsigned vcpu, long delay_ms);
void fake_domain_stop_answering(struct fake_domain *fd);

/* The guest path's lock and flush counts. */
struct shim_smp *fake_domain_smp(struct fake_domain *fd);

/* What dom0's handle logged so far (NUL-terminated). */
const char *fake_domain_dom0_log(struct fake_domain *fd);

#endif
