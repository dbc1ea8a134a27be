/*
 * vif = [ ... ]: each entry a comma-separated list of KEY=VALUE, as xl
 * splits it (spaces around each pair dropped).  A vif with bridge= is a
 * tap on that bridge (`--net tap,bridge=BR`), as Xen's vif-bridge script
 * makes it; one without is on user-mode networking (`--net user`),
 * since there is no dom0 network to route it through.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "toolstack/xl_parse.h"

/* vif options xl knows that change nothing here, and why. */
static const struct {
	const char *key;
	const char *why;
} ignored_options[] = {
	{ "script", "xenlet attaches the tap to the bridge itself" },
	{ "backend", "xenlet is the backend" },
	{ "rate", "no rate limit" },
	{ "model", "an HVM option" },
	{ "type", "an HVM option" },
	{ "gatewaydev", "no routed or NAT scripts: xenlet attaches the vif itself" },
	{ "forwarddev", "no routed or NAT scripts: xenlet attaches the vif itself" },
	{ "netdev", "no driver domains" },
	{ "accel", "no acceleration" },
	{ "mtu", "the vif's MTU is set in the guest" },
	{ "devid", "vifs are numbered in order" },
	{ "trusted", "the frontend is never trusted" },
	{ "untrusted", "the frontend is never trusted" },
};

struct vif_options {
	char mac[32];
	char bridge[32];
	char vifname[32];
	char ip[64];
};

/* One "key=value" of the entry, trimmed; 0, or -1 after an error. */
static int vif_option(struct xl_parse *p, const char *what, const char *opt, size_t len,
		      struct vif_options *o)
{
	while (len && isspace((unsigned char)*opt)) {
		opt++;
		len--;
	}
	while (len && isspace((unsigned char)opt[len - 1]))
		len--;
	if (!len)
		return 0;
	const char *eq = memchr(opt, '=', len);
	if (!eq) {
		xl_parse_warning(p, "vif", "%s: '%.*s' ignored: not KEY=VALUE", what,
				 (int)len, opt);
		return 0;
	}
	size_t klen = (size_t)(eq - opt);
	const char *val = eq + 1;
	size_t vlen = len - klen - 1;
	char *dst = NULL;
	size_t dstlen = 0;
	if (klen == 3 && !memcmp(opt, "mac", 3)) {
		dst = o->mac;
		dstlen = sizeof o->mac;
	} else if (klen == 6 && !memcmp(opt, "bridge", 6)) {
		dst = o->bridge;
		dstlen = sizeof o->bridge;
	} else if (klen == 7 && !memcmp(opt, "vifname", 7)) {
		dst = o->vifname;
		dstlen = sizeof o->vifname;
	} else if (klen == 2 && !memcmp(opt, "ip", 2)) {
		dst = o->ip;
		dstlen = sizeof o->ip;
	}
	if (dst) {
		if (vlen >= dstlen) {
			xl_parse_error(p, "vif", "%s: %.*s is too long", what, (int)len, opt);
			return -1;
		}
		memcpy(dst, val, vlen);
		dst[vlen] = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof ignored_options / sizeof ignored_options[0]; i++)
		if (strlen(ignored_options[i].key) == klen &&
		    !memcmp(ignored_options[i].key, opt, klen)) {
			xl_parse_warning(p, "vif", "%s: %.*s ignored: %s", what, (int)len, opt,
					 ignored_options[i].why);
			return 0;
		}
	xl_parse_warning(p, "vif", "%s: %.*s ignored: not a vif option xenlet knows",
			 what, (int)len, opt);
	return 0;
}

static int parse_vif(struct xl_parse *p, unsigned index, const char *spec)
{
	struct xl_config *cfg = p->cfg;
	char what[32];
	snprintf(what, sizeof what, "vif[%u]", index);
	struct vif_options o = { 0 };
	const char *s = spec;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (vif_option(p, what, s, len, &o))
			return -1;
		if (!comma)
			break;
		s = comma + 1;
	}
	if (cfg->nr_nets == XENLET_MAX_NETS) {
		xl_parse_error(p, "vif", "%s: xenlet serves at most %d vifs", what,
			       XENLET_MAX_NETS);
		return -1;
	}
	/* The same value `--net` would be given. */
	char arg[160];
	if (o.bridge[0])
		snprintf(arg, sizeof arg, "tap,bridge=%s%s%s%s%s", o.bridge,
			 o.vifname[0] ? ",ifname=" : "", o.vifname,
			 o.mac[0] ? ",mac=" : "", o.mac);
	else
		snprintf(arg, sizeof arg, "user%s%s", o.mac[0] ? ",mac=" : "", o.mac);
	if (!o.bridge[0] && o.vifname[0])
		xl_parse_warning(p, "vif", "%s: vifname=%s ignored: without bridge= the vif "
				 "is on user-mode networking, with no host interface",
				 what, o.vifname);
	if (o.ip[0])
		xl_parse_warning(p, "vif", "%s: ip=%s noted only: the guest sets its own "
				 "address%s", what, o.ip, o.bridge[0] ? "" :
				 " (user-mode networking offers 10.0.2.15 by DHCP)");
	char err[256];
	if (net_spec_parse(arg, cfg->nr_nets, &cfg->nets[cfg->nr_nets], err, sizeof err)) {
		xl_parse_error(p, "vif", "%s: %s", what, err);
		return -1;
	}
	cfg->nr_nets++;
	return 0;
}

int xl_parse_vifs(struct xl_parse *p)
{
	XLU_ConfigList *list;
	int n;
	int r = xlu_cfg_get_list(p->xlu, "vif", &list, &n, 1);
	if (r == ESRCH)
		return 0;
	if (r) {
		xl_parse_error(p, "vif", "wants a list of vif specs: vif = [ '...', ... ]");
		xl_parse_verdict(p, "vif", XL_KEY_UNSUPPORTED, "not a list");
		return -1;
	}
	unsigned errors = p->cfg->nr_errors;
	for (int i = 0; i < n; i++) {
		const char *spec = xlu_cfg_get_listitem(list, i);
		if (!spec)
			xl_parse_error(p, "vif", "vif[%d]: wants a string, not a list", i);
		else
			parse_vif(p, (unsigned)i, spec);
	}
	if (p->cfg->nr_errors != errors) {
		xl_parse_verdict(p, "vif", XL_KEY_UNSUPPORTED, "a vif cannot be made");
		return -1;
	}
	unsigned taps = 0;
	for (unsigned i = 0; i < p->cfg->nr_nets; i++)
		taps += p->cfg->nets[i].kind == NET_KIND_TAP;
	xl_parse_verdict(p, "vif", XL_KEY_USED, "%u on a bridge's tap, %u on user-mode "
			 "networking", taps, p->cfg->nr_nets - taps);
	return 0;
}
