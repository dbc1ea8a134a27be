/* The --net option's value (net_spec.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "backends/net/net_spec.h"

#define USER_NET_DEFAULT "10.0.2.0"
#define USER_NET_PREFIX 24
#define USER_DHCP_HOST 15 /* the guest's address: network + 15 */

/* One "key=value" or "key" option, not NUL-terminated. */
struct opt {
	const char *key, *value;
	size_t key_len, value_len;
};

static bool is(const struct opt *o, const char *key)
{
	return o->key_len == strlen(key) && !memcmp(o->key, key, o->key_len);
}

/* The value as a C string in buf: -1 if it does not fit. */
static int value_string(const struct opt *o, char *buf, size_t size)
{
	if (o->value_len >= size)
		return -1;
	memcpy(buf, o->value, o->value_len);
	buf[o->value_len] = 0;
	return 0;
}

static int parse_on_off(const struct opt *o, bool *out)
{
	char v[8];
	if (value_string(o, v, sizeof v))
		return -1;
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char end;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	/* A vif's own address: unicast. */
	return (mac[0] & 1) ? -1 : 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v == 0 || v > 65535 || s[0] == '-' || s[0] == '+')
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* "[ADDR]:PORT" in s (modified); an empty ADDR leaves *addr as it is. */
static int parse_addr_port(char *s, struct in_addr *addr, uint16_t *port)
{
	char *colon = strrchr(s, ':');
	if (!colon)
		return -1;
	*colon = 0;
	if (*s && inet_pton(AF_INET, s, addr) != 1)
		return -1;
	return parse_port(colon + 1, port);
}

static struct in_addr guest_address(const struct net_spec *n)
{
	return (struct in_addr){ htonl(ntohl(n->net_addr.s_addr) + USER_DHCP_HOST) };
}

/* QEMU's hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT. */
static int parse_hostfwd(struct net_spec *n, const struct opt *o, char *err, size_t errlen)
{
	char v[128];
	if (n->nr_hostfwd == NET_SPEC_MAX_HOSTFWD) {
		snprintf(err, errlen, "at most %d hostfwd rules", NET_SPEC_MAX_HOSTFWD);
		return -1;
	}
	struct net_hostfwd *f = &n->hostfwd[n->nr_hostfwd];
	*f = (struct net_hostfwd){ .host_addr.s_addr = htonl(INADDR_ANY) };
	if (value_string(o, v, sizeof v))
		goto bad;
	char *s = v;
	if (!strncmp(s, "tcp:", 4)) {
		s += 4;
	} else if (!strncmp(s, "udp:", 4)) {
		f->udp = true;
		s += 4;
	} else if (*s == ':') {
		s++;
	}
	char *dash = strchr(s, '-');
	if (!dash)
		goto bad;
	*dash = 0;
	/* The guest's address by default: net= may come later, so fill it
	 * in at the end (an all-zero address here means "default"). */
	f->guest_addr.s_addr = 0;
	if (parse_addr_port(s, &f->host_addr, &f->host_port) ||
	    parse_addr_port(dash + 1, &f->guest_addr, &f->guest_port))
		goto bad;
	n->nr_hostfwd++;
	return 0;
bad:
	snprintf(err, errlen, "hostfwd=%.*s: expected [tcp|udp]:[HOSTADDR]:HOSTPORT-"
		 "[GUESTADDR]:GUESTPORT", (int)o->value_len, o->value);
	return -1;
}

static int parse_net(struct net_spec *n, const struct opt *o, char *err, size_t errlen)
{
	char v[32];
	if (value_string(o, v, sizeof v))
		goto bad;
	unsigned prefix = USER_NET_PREFIX;
	char *slash = strchr(v, '/');
	if (slash) {
		char *end;
		*slash = 0;
		prefix = (unsigned)strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || prefix < 8 || prefix > 24)
			goto bad;
	}
	if (inet_pton(AF_INET, v, &n->net_addr) != 1)
		goto bad;
	uint32_t mask = ~0u << (32 - prefix);
	if (ntohl(n->net_addr.s_addr) & ~mask)
		goto bad;
	n->net_prefix = prefix;
	return 0;
bad:
	snprintf(err, errlen, "net=%.*s: expected a network ADDR[/PREFIX] with PREFIX "
		 "8 to 24 and no host bits set", (int)o->value_len, o->value);
	return -1;
}

static int parse_common(struct net_spec *n, const struct opt *o, bool *done,
			char *err, size_t errlen)
{
	char v[32];
	*done = true;
	if (is(o, "mac")) {
		if (value_string(o, v, sizeof v) || parse_mac(v, n->mac)) {
			snprintf(err, errlen, "mac=%.*s: expected a unicast MAC like "
				 "00:16:3e:12:34:56", (int)o->value_len, o->value);
			return -1;
		}
		return 0;
	}
	if (is(o, "gso")) {
		if (parse_on_off(o, &n->gso)) {
			snprintf(err, errlen, "gso=%.*s: expected on or off",
				 (int)o->value_len, o->value);
			return -1;
		}
		return 0;
	}
	*done = false;
	return 0;
}

static int parse_user(struct net_spec *n, const struct opt *o, char *err, size_t errlen)
{
	if (is(o, "hostfwd"))
		return parse_hostfwd(n, o, err, errlen);
	if (is(o, "net"))
		return parse_net(n, o, err, errlen);
	if (is(o, "restrict")) {
		if (parse_on_off(o, &n->restrict_guest)) {
			snprintf(err, errlen, "restrict=%.*s: expected on or off",
				 (int)o->value_len, o->value);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown user network option '%.*s' (mac=, net=, hostfwd=, "
		 "restrict=, gso=)", (int)o->key_len, o->key);
	return -1;
}

static int parse_tap(struct net_spec *n, const struct opt *o, char *err, size_t errlen)
{
	if (is(o, "ifname") || is(o, "bridge")) {
		char *dst = is(o, "ifname") ? n->ifname : n->bridge;
		if (o->value_len == 0 || value_string(o, dst, sizeof n->ifname) ||
		    strchr(dst, '/') || strchr(dst, ' ')) {
			snprintf(err, errlen, "%.*s=%.*s: expected an interface name of "
				 "1 to 15 characters", (int)o->key_len, o->key,
				 (int)o->value_len, o->value);
			return -1;
		}
		return 0;
	}
	if (is(o, "queues")) {
		char v[8], *end;
		unsigned long q = 0;
		if (!value_string(o, v, sizeof v))
			q = strtoul(v, &end, 10);
		if (q < 1 || q > NET_SPEC_MAX_QUEUES || !v[0] || *end) {
			snprintf(err, errlen, "queues=%.*s: expected 1 to %d",
				 (int)o->value_len, o->value, NET_SPEC_MAX_QUEUES);
			return -1;
		}
		n->queues = (unsigned)q;
		return 0;
	}
	snprintf(err, errlen, "unknown tap option '%.*s' (mac=, ifname=, bridge=, "
		 "queues=, gso=)", (int)o->key_len, o->key);
	return -1;
}

static void random_mac(uint8_t mac[6])
{
	uint8_t r[3] = { 0 };
	/* Without entropy (never on Linux) the low bytes stay zero: still
	 * a valid Xen MAC. */
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		memset(r, 0, sizeof r);
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	/* xl keeps the fourth byte's top bit clear. */
	mac[3] = r[0] & 0x7f;
	mac[4] = r[1];
	mac[5] = r[2];
}

int net_spec_parse(const char *arg, unsigned index, struct net_spec *out,
		   char *err, size_t errlen)
{
	*out = (struct net_spec){ .handle = index, .gso = true, .queues = 1,
				  .net_prefix = USER_NET_PREFIX };
	inet_pton(AF_INET, USER_NET_DEFAULT, &out->net_addr);
	const char *comma = strchr(arg, ',');
	size_t klen = comma ? (size_t)(comma - arg) : strlen(arg);
	if (klen == 4 && !memcmp(arg, "user", 4)) {
		out->kind = NET_KIND_USER;
	} else if (klen == 3 && !memcmp(arg, "tap", 3)) {
		out->kind = NET_KIND_TAP;
	} else if (klen == 4 && !memcmp(arg, "none", 4)) {
		if (comma) {
			snprintf(err, errlen, "none takes no options");
			return -1;
		}
		out->kind = NET_KIND_NONE;
		return 0;
	} else {
		snprintf(err, errlen, "'%.*s' is not a network kind (user, tap, none)",
			 (int)klen, arg);
		return -1;
	}
	bool mac_given = false;
	while (comma) {
		struct opt o = { .key = comma + 1 };
		comma = strchr(o.key, ',');
		size_t len = comma ? (size_t)(comma - o.key) : strlen(o.key);
		const char *eq = memchr(o.key, '=', len);
		o.key_len = eq ? (size_t)(eq - o.key) : len;
		o.value = eq ? eq + 1 : o.key + len;
		o.value_len = eq ? len - o.key_len - 1 : 0;
		bool done;
		if (parse_common(out, &o, &done, err, errlen))
			return -1;
		mac_given |= done && is(&o, "mac");
		if (done)
			continue;
		if (out->kind == NET_KIND_USER ? parse_user(out, &o, err, errlen)
					       : parse_tap(out, &o, err, errlen))
			return -1;
	}
	for (unsigned i = 0; i < out->nr_hostfwd; i++)
		if (!out->hostfwd[i].guest_addr.s_addr)
			out->hostfwd[i].guest_addr = guest_address(out);
	if (!mac_given)
		random_mac(out->mac);
	return 0;
}

void net_mac_format(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
}
