/*
 * The domain's devices (--disk, --net): dom0's xenbus backends for them,
 * started with the domain's xenstore before the guest runs (so its
 * frontends find them at boot, as under xl), stopped when the domain ends
 * (each disk's I/O in flight finished, every grant given back) before
 * guest RAM goes.
 */
#include <stdio.h>
#include "backends/xenbus_backend.h"
#include "backends/blk/blkback.h"
#include "backends/net/netback.h"
#include "emu/domain.h"

int dom0_devices_start(struct domain *d, char *err, size_t errlen)
{
	if (!d->cfg->nr_disks && !d->cfg->nr_nets)
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
	for (unsigned i = 0; i < d->cfg->nr_nets; i++) {
		char why[256];
		if (netback_add(d->backends, &d->cfg->nets[i], &d->net_stats[i], why,
				sizeof why)) {
			snprintf(err, errlen, "vif%u: %s", i, why);
			return -1;
		}
	}
	return 0;
}

void dom0_devices_stop(struct domain *d)
{
	if (d->backends)
		xenbus_backends_destroy(d->backends);
	d->backends = NULL;
}

static void print_disk_stats(const struct domain *d, FILE *out)
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

static void print_net_stats(const struct domain *d, FILE *out)
{
	for (unsigned i = 0; i < d->cfg->nr_nets; i++) {
		const struct netback_stats *s = &d->net_stats[i];
		fprintf(out, "xenlet-stats: vif%u: tx_packets %llu tx_bytes %llu "
			"tx_malformed %llu tx_dropped %llu tx_segmented %llu rx_packets %llu "
			"rx_bytes %llu rx_dropped %llu events %llu notifies %llu "
			"grant_copies %llu\n", d->cfg->nets[i].handle,
			(unsigned long long)s->tx_packets, (unsigned long long)s->tx_bytes,
			(unsigned long long)s->tx_malformed, (unsigned long long)s->tx_dropped,
			(unsigned long long)s->tx_segmented, (unsigned long long)s->rx_packets,
			(unsigned long long)s->rx_bytes, (unsigned long long)s->rx_dropped,
			(unsigned long long)s->events, (unsigned long long)s->notifies,
			(unsigned long long)s->grant_copies);
	}
}

void dom0_devices_print_stats(const struct domain *d, FILE *out)
{
	print_disk_stats(d, out);
	print_net_stats(d, out);
}
