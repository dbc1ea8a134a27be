/*
 * The multicast filter a frontend may ask for (request-multicast-control):
 * then only the multicast groups it subscribed through TX extras
 * (XEN_NETIF_EXTRA_TYPE_MCAST_ADD/DEL) reach it, as Linux's netback.
 */
#include <errno.h>
#include <string.h>
#include "backends/net/netback_internal.h"

static int find(const struct netback *nb, const uint8_t *addr)
{
	for (unsigned i = 0; i < nb->nr_mcast; i++)
		if (!memcmp(nb->mcast[i], addr, 6))
			return (int)i;
	return -1;
}

bool netback_mcast_allowed(const struct netback *nb, const uint8_t *dst)
{
	return !nb->fe_mcast_filter || find(nb, dst) >= 0;
}

int netback_mcast_add(struct netback *nb, const uint8_t addr[6])
{
	if (find(nb, addr) >= 0)
		return 0;
	if (nb->nr_mcast == NETBACK_MAX_MCAST)
		return -ENOSPC;
	memcpy(nb->mcast[nb->nr_mcast++], addr, 6);
	return 0;
}

void netback_mcast_del(struct netback *nb, const uint8_t addr[6])
{
	int i = find(nb, addr);
	if (i < 0)
		return;
	/* Order does not matter: the last one fills the hole. */
	memcpy(nb->mcast[i], nb->mcast[--nb->nr_mcast], 6);
}
