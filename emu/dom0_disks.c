/*
 * The domain's disks (--disk): dom0's xenbus backends for them, started
 * with the domain's xenstore before the guest runs (so its frontend finds
 * them at boot, as under xl), stopped when the domain ends (each disk's
 * I/O in flight finished, its grants given back) before guest RAM goes.
 */
#include <stdio.h>
#include "backends/xenbus_backend.h"
#include "backends/blk/blkback.h"
#include "emu/domain.h"

int dom0_disks_start(struct domain *d, char *err, size_t errlen)
{
	if (!d->cfg->nr_disks)
		return 0;
	d->backends = xenbus_backends_create(d->xenstore.daemon, dom0_backend_domain(d));
	if (!d->backends) {
		snprintf(err, errlen, "the xenbus backends: out of memory");
		return -1;
	}
	for (unsigned i = 0; i < d->cfg->nr_disks; i++) {
		const struct disk_spec *spec = &d->cfg->disks[i];
		char why[256];
		if (blkback_add(d->backends, spec, &d->disk_stats[i], why, sizeof why)) {
			snprintf(err, errlen, "disk %s (%s): %s", spec->vdev, spec->target, why);
			return -1;
		}
	}
	return 0;
}

void dom0_disks_stop(struct domain *d)
{
	if (d->backends)
		xenbus_backends_destroy(d->backends);
	d->backends = NULL;
}

void dom0_disks_print_stats(const struct domain *d, FILE *out)
{
	for (unsigned i = 0; i < d->cfg->nr_disks; i++) {
		const struct blkback_stats *s = &d->disk_stats[i];
		fprintf(out, "xenlet-stats: disk %s: requests %llu errors %llu events %llu "
			"notifies %llu grant_gets %llu grant_copies %llu read_bytes %llu "
			"written_bytes %llu\n", d->cfg->disks[i].vdev,
			(unsigned long long)s->requests, (unsigned long long)s->errors,
			(unsigned long long)s->events, (unsigned long long)s->notifies,
			(unsigned long long)s->grant_gets, (unsigned long long)s->grant_copies,
			(unsigned long long)s->bytes_read, (unsigned long long)s->bytes_written);
	}
}
