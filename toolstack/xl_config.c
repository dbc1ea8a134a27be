/* An xl config read as xl reads it (xl_config.h): the file put together
 * with its overrides, libxlutil's parse, and the scalar keys. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bootloader/bootloader_name.h"
#include "pv-shim/shim_abi.h"
#include "toolstack/xl_config.h"
#include "toolstack/xl_parse.h"

/* --memory's bounds (emu/main.c): room for a kernel, at most what the
 * builder's physmap covers. */
#define XL_MEMORY_MIN_MIB 4
#define XL_MEMORY_MAX_MIB (500 * 1024)

/* Largest config xenlet reads: xl's are a few KiB. */
#define XL_CONFIG_MAX_BYTES (1024 * 1024)

static const char *const action_names[] = {
	[XL_ACTION_DESTROY] = "destroy",
	[XL_ACTION_RESTART] = "restart",
	[XL_ACTION_RENAME_RESTART] = "rename-restart",
	[XL_ACTION_PRESERVE] = "preserve",
	[XL_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
	[XL_ACTION_COREDUMP_RESTART] = "coredump-restart",
	[XL_ACTION_SOFT_RESET] = "soft-reset",
};

const char *xl_action_name(enum xl_action action)
{
	return action_names[action];
}

const char *xl_key_verdict_name(enum xl_key_verdict verdict)
{
	switch (verdict) {
	case XL_KEY_USED:
		return "used";
	case XL_KEY_IGNORED:
		return "ignored";
	case XL_KEY_UNSUPPORTED:
		return "not supported";
	}
	return "?";
}

/* A key used as it is, with nothing to say. */
static void used(struct xl_parse *p, const char *key)
{
	xl_parse_verdict(p, key, XL_KEY_USED, "%s", "");
}

/* ---- reading values ---------------------------------------------------- */

/* 0 and *out set, 1 if the key is absent, -1 after an error. */
static int get_string(struct xl_parse *p, const char *key, const char **out)
{
	int r = xlu_cfg_get_string(p->xlu, key, out, 1);
	if (r == ESRCH)
		return 1;
	if (r) {
		xl_parse_error(p, key, "wants a string, not a list");
		xl_parse_verdict(p, key, XL_KEY_UNSUPPORTED, "not a string");
		return -1;
	}
	return 0;
}

static int get_number(struct xl_parse *p, const char *key, long min, long max,
		      const char *what, long *out)
{
	long v;
	const char *s;
	int r = xlu_cfg_get_long(p->xlu, key, &v, 1);
	if (r == ESRCH)
		return 1;
	if (r == 0 && v >= min && v <= max) {
		*out = v;
		return 0;
	}
	if (r == 0 || r == ERANGE)
		xl_parse_error(p, key, "wants %s from %ld to %ld, not %s", what, min, max,
			       xlu_cfg_get_string(p->xlu, key, &s, 1) ? "that" : s);
	else if (xlu_cfg_get_string(p->xlu, key, &s, 1))
		xl_parse_error(p, key, "wants %s, not a list", what);
	else
		xl_parse_error(p, key, "wants %s, not '%s'", what, s);
	xl_parse_verdict(p, key, XL_KEY_UNSUPPORTED, "not a valid value");
	return -1;
}

static char *copy(const char *s)
{
	char *c = strdup(s);
	if (!c)
		abort(); /* a config's strings are small; no memory is a host failure */
	return c;
}

/* ---- the keys ------------------------------------------------------------ */

static void parse_name_uuid(struct xl_parse *p)
{
	struct xl_config *cfg = p->cfg;
	const char *s;
	int r = get_string(p, "name", &s);
	if (r == 1)
		xl_parse_error(p, "name", "missing: xl requires every domain to have a name");
	if (r == 0 && !*s)
		xl_parse_error(p, "name", "is empty");
	if (r == 0 && *s) {
		cfg->name = copy(s);
		xl_parse_verdict(p, "name", XL_KEY_USED, "the domain's name in xenstore");
	}

	r = get_string(p, "uuid", &s);
	if (r)
		return;
	/* As libxl_uuid_from_string: 8-4-4-4-12 hex digits. */
	bool ok = strlen(s) == 36;
	for (size_t i = 0; ok && i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];
		bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			   (c >= 'A' && c <= 'F');
		ok = dash ? c == '-' : hex;
	}
	if (!ok) {
		xl_parse_error(p, "uuid", "'%s' is not a UUID (8-4-4-4-12 hex digits)", s);
		xl_parse_verdict(p, "uuid", XL_KEY_UNSUPPORTED, "not a UUID");
		return;
	}
	cfg->uuid = copy(s);
	for (char *c = cfg->uuid; *c; c++)
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	xl_parse_verdict(p, "uuid", XL_KEY_USED, "the domain's /vm/UUID in xenstore");
}

/* type= (and the older builder=): xenlet builds PV domains only. */
static void parse_type(struct xl_parse *p)
{
	const char *s;
	int r = get_string(p, "type", &s);
	if (r == 0) {
		if (!strcmp(s, "pv"))
			used(p, "type");
		else if (!strcmp(s, "pvh") || !strcmp(s, "hvm")) {
			xl_parse_error(p, "type", "'%s' guests cannot run here: xenlet "
				       "runs PV guests only (type = \"pv\")", s);
			xl_parse_verdict(p, "type", XL_KEY_UNSUPPORTED,
					 "xenlet runs PV guests only");
		} else {
			xl_parse_error(p, "type", "'%s' is not a domain type (pv, pvh, hvm)", s);
			xl_parse_verdict(p, "type", XL_KEY_UNSUPPORTED, "unknown type");
		}
	}
	bool type_given = r != 1;
	r = get_string(p, "builder", &s);
	if (r)
		return;
	if (type_given) {
		/* xl: type= decides; builder= is its deprecated spelling. */
		xl_parse_verdict(p, "builder", XL_KEY_IGNORED, "type= decides");
		xl_parse_warning(p, "builder", "ignored: type= decides");
	} else if (!strcmp(s, "generic") || !strcmp(s, "linux")) {
		xl_parse_verdict(p, "builder", XL_KEY_USED, "a PV domain");
	} else if (!strcmp(s, "hvm")) {
		xl_parse_error(p, "builder", "'hvm' guests cannot run here: xenlet "
			       "runs PV guests only");
		xl_parse_verdict(p, "builder", XL_KEY_UNSUPPORTED, "xenlet runs PV guests only");
	} else {
		xl_parse_error(p, "builder", "'%s' is not a builder (generic, hvm)", s);
		xl_parse_verdict(p, "builder", XL_KEY_UNSUPPORTED, "unknown builder");
	}
}

static void parse_kernel(struct xl_parse *p)
{
	struct xl_config *cfg = p->cfg;
	const char *s;
	int rk = get_string(p, "kernel", &s);
	if (rk == 0 && *s) {
		cfg->kernel = copy(s);
		used(p, "kernel");
	} else if (rk == 0) {
		xl_parse_error(p, "kernel", "is empty");
	}
	if (get_string(p, "ramdisk", &s) == 0) {
		cfg->ramdisk = *s ? copy(s) : NULL;
		used(p, "ramdisk");
	}

	int rb = get_string(p, "bootloader", &s);
	if (rb == 0)
		cfg->bootloader = copy(s);
	if (get_string(p, "bootloader_args", &s) == 0 ||
	    xlu_cfg_get_list(p->xlu, "bootloader_args", NULL, NULL, 1) == 0)
		xl_parse_verdict(p, "bootloader_args", XL_KEY_IGNORED,
				 "pygrub is built in and takes no arguments");
	if (rb == 0 && cfg->kernel) {
		xl_parse_verdict(p, "bootloader", XL_KEY_IGNORED,
				 "kernel= is booted directly");
		xl_parse_warning(p, "bootloader", "'%s' not run: kernel= is booted directly", s);
	} else if (rb == 0 && bootloader_is_pygrub(cfg->bootloader)) {
		/* The launcher reads the first disk as pygrub would
		 * (bootloader/); cmdline/extra replace the entry's
		 * arguments, as pygrub's --args. */
		used(p, "bootloader");
	} else if (rb == 0) {
		xl_parse_error(p, "bootloader", "'%s': only pygrub is built in; give "
			       "bootloader=\"pygrub\" or kernel= (and ramdisk=)", s);
		xl_parse_verdict(p, "bootloader", XL_KEY_UNSUPPORTED,
				 "only pygrub is built in");
	} else if (rk == 1) {
		xl_parse_error(p, "kernel", "missing: a PV guest needs kernel=");
	}
}

/* cmdline=, or root= and extra= combined as xl combines them:
 * "root=ROOT EXTRA", "root=ROOT" or "EXTRA". */
static void parse_cmdline(struct xl_parse *p)
{
	struct xl_config *cfg = p->cfg;
	const char *cmdline, *root = NULL, *extra = NULL;
	bool have_root = get_string(p, "root", &root) == 0;
	bool have_extra = get_string(p, "extra", &extra) == 0;
	if (get_string(p, "cmdline", &cmdline) == 0) {
		cfg->cmdline = copy(cmdline);
		used(p, "cmdline");
		if (have_root) {
			xl_parse_verdict(p, "root", XL_KEY_IGNORED, "cmdline= wins, as in xl");
			xl_parse_warning(p, "root", "ignored in favour of cmdline=, as xl does");
		}
		if (have_extra) {
			xl_parse_verdict(p, "extra", XL_KEY_IGNORED, "cmdline= wins, as in xl");
			xl_parse_warning(p, "extra", "ignored in favour of cmdline=, as xl does");
		}
		return;
	}
	size_t len = (have_root ? strlen("root=") + strlen(root) + 1 : 0) +
		     (have_extra ? strlen(extra) : 0) + 1;
	char *c = malloc(len);
	if (!c)
		abort();
	if (have_root && have_extra)
		snprintf(c, len, "root=%s %s", root, extra);
	else if (have_root)
		snprintf(c, len, "root=%s", root);
	else
		snprintf(c, len, "%s", have_extra ? extra : "");
	cfg->cmdline = c;
	if (have_root)
		xl_parse_verdict(p, "root", XL_KEY_USED, "the command line's root=");
	if (have_extra)
		xl_parse_verdict(p, "extra", XL_KEY_USED, "the command line");
}

static void parse_memory(struct xl_parse *p)
{
	struct xl_config *cfg = p->cfg;
	long v;
	const char *mem_key = "memory";
	/* xl: without memory=, the guest starts with all of maxmem=. */
	if (!xl_parse_note(p, "memory") && xl_parse_note(p, "maxmem"))
		mem_key = "maxmem";
	int rm = get_number(p, mem_key, XL_MEMORY_MIN_MIB, XL_MEMORY_MAX_MIB,
			    "a number of MiB", &v);
	if (rm == 0) {
		cfg->memory_mib = (uint64_t)v;
		if (v % 2) {
			/* The builder maps guest RAM in 2 MiB steps. */
			cfg->memory_mib++;
			xl_parse_warning(p, mem_key, "%ld MiB rounded up to %llu: xenlet "
					 "gives guests an even number of MiB", v,
					 (unsigned long long)cfg->memory_mib);
			xl_parse_verdict(p, mem_key, XL_KEY_USED, "rounded up to %llu MiB",
					 (unsigned long long)cfg->memory_mib);
		} else {
			used(p, mem_key);
		}
	}
	cfg->maxmem_mib = cfg->memory_mib;
	if (!strcmp(mem_key, "maxmem"))
		return; /* maxmem= is the memory, judged above */
	if (get_number(p, "maxmem", XL_MEMORY_MIN_MIB, LONG_MAX / 1024, "a number of MiB", &v) == 0) {
		if ((uint64_t)v < cfg->memory_mib && v + 1 != (long)cfg->memory_mib) {
			xl_parse_error(p, "maxmem", "%ld MiB is less than memory= (%llu MiB)",
				       v, (unsigned long long)cfg->memory_mib);
			xl_parse_verdict(p, "maxmem", XL_KEY_UNSUPPORTED, "less than memory=");
		} else if ((uint64_t)v > cfg->memory_mib) {
			cfg->maxmem_mib = (uint64_t)v;
			xl_parse_warning(p, "maxmem", "no growing past memory=: the guest has memory= "
					 "(%llu MiB) and cannot grow to %ld MiB",
					 (unsigned long long)cfg->memory_mib, v);
			xl_parse_verdict(p, "maxmem", XL_KEY_IGNORED, "no growing past memory=: the guest "
					 "keeps memory= (%llu MiB)",
					 (unsigned long long)cfg->memory_mib);
		} else {
			used(p, "maxmem");
		}
	}
}

static void parse_vcpus(struct xl_parse *p)
{
	struct xl_config *cfg = p->cfg;
	long vcpus = 0, maxvcpus = 0;
	int rv = get_number(p, "vcpus", 1, SHIM_MAX_VCPUS, "a number of vCPUs", &vcpus);
	int rm = get_number(p, "maxvcpus", 1, INT_MAX, "a number of vCPUs", &maxvcpus);
	if (rv == 0)
		used(p, "vcpus");
	if (rm == 0 && rv == 1) {
		/* xl: without vcpus=, all maxvcpus are online. */
		if (maxvcpus > SHIM_MAX_VCPUS) {
			xl_parse_error(p, "maxvcpus", "%ld vCPUs: xenlet runs at most %d",
				       maxvcpus, SHIM_MAX_VCPUS);
			xl_parse_verdict(p, "maxvcpus", XL_KEY_UNSUPPORTED, "more than %d vCPUs",
					 SHIM_MAX_VCPUS);
		} else {
			vcpus = maxvcpus;
			rv = 0;
			xl_parse_verdict(p, "maxvcpus", XL_KEY_USED, "all of them online, as xl");
		}
	} else if (rm == 0 && rv == 0) {
		if (maxvcpus < vcpus) {
			xl_parse_error(p, "maxvcpus", "%ld is less than vcpus= (%ld)",
				       maxvcpus, vcpus);
			xl_parse_verdict(p, "maxvcpus", XL_KEY_UNSUPPORTED, "less than vcpus=");
		} else if (maxvcpus > vcpus) {
			xl_parse_warning(p, "maxvcpus", "no vCPU hot-plug: the guest has "
					 "vcpus= (%ld) and cannot bring up %ld", vcpus, maxvcpus);
			xl_parse_verdict(p, "maxvcpus", XL_KEY_IGNORED,
					 "no vCPU hot-plug: the guest keeps vcpus= (%ld)", vcpus);
		} else {
			used(p, "maxvcpus");
		}
	}
	if (rv == 0)
		cfg->vcpus = (unsigned)vcpus;
	cfg->maxvcpus = cfg->vcpus > (unsigned)maxvcpus ? cfg->vcpus : (unsigned)maxvcpus;
}

/* on_poweroff, on_reboot, on_crash: destroy and restart are done; the
 * others end the domain as destroy does, said once. */
static void parse_action(struct xl_parse *p, const char *key, enum xl_action *out)
{
	const char *s;
	if (get_string(p, key, &s))
		return;
	for (size_t a = 0; a < sizeof action_names / sizeof action_names[0]; a++) {
		if (strcmp(s, action_names[a]))
			continue;
		*out = (enum xl_action)a;
		switch (*out) {
		case XL_ACTION_DESTROY:
		case XL_ACTION_RESTART:
			used(p, key);
			break;
		case XL_ACTION_RENAME_RESTART:
			/* The old domain is gone with its process: nothing to rename. */
			*out = XL_ACTION_RESTART;
			xl_parse_verdict(p, key, XL_KEY_USED, "as restart: nothing is kept to rename");
			break;
		case XL_ACTION_COREDUMP_RESTART:
			*out = XL_ACTION_RESTART;
			xl_parse_verdict(p, key, XL_KEY_USED, "as restart, without a core dump");
			xl_parse_warning(p, key, "no core dump is written: the guest restarts");
			break;
		case XL_ACTION_COREDUMP_DESTROY:
			*out = XL_ACTION_DESTROY;
			xl_parse_verdict(p, key, XL_KEY_USED, "as destroy, without a core dump");
			xl_parse_warning(p, key, "no core dump is written: the domain is destroyed");
			break;
		case XL_ACTION_PRESERVE:
		case XL_ACTION_SOFT_RESET:
			xl_parse_verdict(p, key, XL_KEY_UNSUPPORTED, "%s: the domain is "
					 "destroyed instead", s);
			xl_parse_warning(p, key, "%s not supported: the domain is destroyed "
					 "instead", s);
			*out = XL_ACTION_DESTROY;
			break;
		}
		return;
	}
	xl_parse_error(p, key, "'%s' is not an action (destroy, restart, rename-restart, "
		       "preserve, coredump-destroy, coredump-restart, soft-reset)", s);
	xl_parse_verdict(p, key, XL_KEY_UNSUPPORTED, "unknown action");
}

/* localtime = 1: as libxl, the host's UTC offset when the config is read
 * becomes the domain's time offset, which Xen adds to the wallclock in
 * shared_info (the guest's clock then reads local time as if UTC). */
static void parse_localtime(struct xl_parse *p)
{
	long v;
	if (get_number(p, "localtime", 0, 1, "a number", &v))
		return;
	p->cfg->localtime = v;
	if (!v) {
		used(p, "localtime");
		return;
	}
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm)) {
		xl_parse_error(p, "localtime", "the host's local time is unknown");
		xl_parse_verdict(p, "localtime", XL_KEY_UNSUPPORTED, "no local time");
		return;
	}
	p->cfg->run.wallclock_offset_s = tm.tm_gmtoff;
	xl_parse_verdict(p, "localtime", XL_KEY_USED, "the wallclock is the host's local "
			 "time (UTC%+ld s)", (long)tm.tm_gmtoff);
}

/* ---- the whole file ------------------------------------------------------ */

struct scan_ctx {
	struct xl_config *cfg;
	size_t file_len;
	bool too_many;
};

static void key_found(const struct xl_key_place *place, void *opaque)
{
	struct scan_ctx *s = opaque;
	struct xl_config *cfg = s->cfg;
	struct xl_key_note *n = NULL;
	for (unsigned i = 0; i < cfg->nr_keys && !n; i++)
		if (!strcmp(cfg->keys[i].name, place->name))
			n = &cfg->keys[i];
	if (!n) {
		if (cfg->nr_keys == XL_CONFIG_MAX_KEYS) {
			s->too_many = true;
			return;
		}
		n = &cfg->keys[cfg->nr_keys++];
		snprintf(n->name, sizeof n->name, "%s", place->name);
		n->verdict = XL_KEY_IGNORED;
	}
	/* A key set again is the later setting's, as libxlutil reads it. */
	n->line = place->line;
	n->from_command_line = place->offset >= s->file_len;
}

/* What xenlet_run takes, pointing into cfg. */
static void fill_run(struct xl_config *cfg)
{
	cfg->run.kernel = cfg->kernel;
	cfg->run.bootloader = cfg->kernel ? NULL : cfg->bootloader;
	cfg->run.ramdisk = cfg->ramdisk;
	cfg->run.cmdline = cfg->cmdline ? cfg->cmdline : "";
	cfg->run.memory_mib = cfg->memory_mib;
	cfg->run.vcpus = cfg->vcpus;
	cfg->run.name = cfg->name;
	cfg->run.uuid = cfg->uuid;
	cfg->run.disks = cfg->disks;
	cfg->run.nr_disks = cfg->nr_disks;
	cfg->run.nets = cfg->nets;
	cfg->run.nr_nets = cfg->nr_nets;
}

int xl_config_parse(struct xl_config *cfg, const char *filename, const char *text,
		    size_t len, char *const *overrides, unsigned nr_overrides, FILE *diag)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->memory_mib = XENLET_DEFAULT_MEMORY_MIB;
	cfg->vcpus = 1;
	cfg->on_poweroff = XL_ACTION_DESTROY;
	cfg->on_reboot = XL_ACTION_RESTART; /* xl's defaults */
	cfg->on_crash = XL_ACTION_DESTROY;
	cfg->run = (struct xenlet_config){
		.trap_path = TRAP_PATH_AUTO,
		.evtchn_abi = EVTCHN_ABI_FIFO,
	};
	fill_run(cfg);

	struct xl_parse p = { .cfg = cfg, .filename = filename, .diag = diag };

	/* As xl create: the file, a newline, then each override on a line. */
	size_t total = len + 2;
	for (unsigned i = 0; i < nr_overrides; i++)
		total += strlen(overrides[i]) + 1;
	if (len > XL_CONFIG_MAX_BYTES || total > INT_MAX) {
		fprintf(diag, "%s: error: larger than %d bytes: not an xl config\n",
			filename, XL_CONFIG_MAX_BYTES);
		cfg->nr_errors++;
		return -1;
	}
	char *all = malloc(total);
	if (!all)
		abort();
	memcpy(all, text, len);
	size_t at = len;
	all[at++] = '\n';
	for (unsigned i = 0; i < nr_overrides; i++) {
		size_t n = strlen(overrides[i]);
		memcpy(all + at, overrides[i], n);
		at += n;
		all[at++] = '\n';
	}
	all[at] = 0;
	/* A NUL in the file would end libxlutil's reading early and silently. */
	if (memchr(text, 0, len)) {
		fprintf(diag, "%s: error: holds a NUL byte: not an xl config\n", filename);
		cfg->nr_errors++;
		free(all);
		return -1;
	}

	p.report = open_memstream(&p.report_buf, &p.report_len);
	if (!p.report)
		abort();
	p.xlu = xlu_cfg_init(p.report, filename);
	if (!p.xlu)
		abort();
	int r = xlu_cfg_readdata(p.xlu, all, (int)at);
	if (r) {
		/* libxlutil names file and line of each syntax error itself. */
		fflush(p.report);
		unsigned lines = 0;
		while (p.report_taken < p.report_len) {
			const char *s = p.report_buf + p.report_taken;
			const char *nl = memchr(s, '\n', p.report_len - p.report_taken);
			size_t n = nl ? (size_t)(nl - s) : p.report_len - p.report_taken;
			fprintf(diag, "%.*s\n", (int)n, s);
			p.report_taken += n + (nl != NULL);
			lines++;
		}
		if (!lines)
			fprintf(diag, "%s: error: cannot be read: %s\n", filename, strerror(r));
		cfg->nr_errors++;
		goto out;
	}

	struct scan_ctx scan = { .cfg = cfg, .file_len = len };
	xl_keys_scan(all, at, key_found, &scan);
	if (scan.too_many) {
		fprintf(diag, "%s: error: more than %d different keys: not an xl config\n",
			filename, XL_CONFIG_MAX_KEYS);
		cfg->nr_errors++;
		goto out;
	}

	parse_name_uuid(&p);
	parse_type(&p);
	parse_kernel(&p);
	parse_cmdline(&p);
	parse_memory(&p);
	parse_vcpus(&p);
	parse_action(&p, "on_poweroff", &cfg->on_poweroff);
	parse_action(&p, "on_reboot", &cfg->on_reboot);
	parse_action(&p, "on_crash", &cfg->on_crash);
	parse_localtime(&p);
	xl_parse_disks(&p);
	/* pygrub reads the first disk: without one there is nothing to boot. */
	if (!cfg->kernel && cfg->bootloader && bootloader_is_pygrub(cfg->bootloader) &&
	    !cfg->nr_disks) {
		xl_parse_error(&p, "bootloader", "pygrub boots from the first disk: "
			       "give disk= (or kernel=)");
		xl_parse_verdict(&p, "bootloader", XL_KEY_UNSUPPORTED, "no disk to boot from");
	}
	xl_parse_vifs(&p);
	xl_parse_other_keys(&p);
out:
	fill_run(cfg);
	if (p.xlu)
		xlu_cfg_destroy(p.xlu);
	fclose(p.report);
	free(p.report_buf);
	free(all);
	return cfg->nr_errors ? -1 : 0;
}

int xl_config_read_file(struct xl_config *cfg, const char *path,
			char *const *overrides, unsigned nr_overrides, FILE *diag)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		memset(cfg, 0, sizeof *cfg);
		fprintf(diag, "%s: error: cannot open: %s\n", path, strerror(errno));
		cfg->nr_errors = 1;
		return -1;
	}
	char *buf = malloc(XL_CONFIG_MAX_BYTES + 1);
	if (!buf)
		abort();
	size_t len = fread(buf, 1, XL_CONFIG_MAX_BYTES + 1, f);
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		memset(cfg, 0, sizeof *cfg);
		fprintf(diag, "%s: error: cannot read\n", path);
		cfg->nr_errors = 1;
		free(buf);
		return -1;
	}
	int r = xl_config_parse(cfg, path, buf, len, overrides, nr_overrides, diag);
	free(buf);
	return r;
}

void xl_config_free(struct xl_config *cfg)
{
	free(cfg->name);
	free(cfg->uuid);
	free(cfg->kernel);
	free(cfg->ramdisk);
	free(cfg->cmdline);
	free(cfg->bootloader);
	cfg->name = cfg->uuid = cfg->kernel = cfg->ramdisk = NULL;
	cfg->cmdline = cfg->bootloader = NULL;
	fill_run(cfg);
}
