/*
 * An xl config file, as hostile as a downloaded one can be, through the
 * whole config -> struct path (libxlutil's parser, the key scan, every
 * key's reading, disks through xlu_disk_parse, vifs through net_spec),
 * with what a started guest relies on checked whenever the parse says
 * the guest can start.
 *
 * Input: the file's text; whatever follows a 0xff byte is one KEY=VALUE
 * override (as `xenlet create FILE KEY=VALUE`).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "toolstack/xl_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* Debian's libxlutil 4.17 drops a value on some syntax errors (its
 * parser's error recovery frees the setting, not the string or list
 * under construction): a few bytes per bad file, in the library, not
 * in what xenlet allocates, which is still checked. */
const char *__lsan_default_suppressions(void)
{
	return "leak:libxlutil.so\n";
}

static FILE *null_diag(void)
{
	static FILE *f;
	if (!f)
		f = fopen("/dev/null", "w");
	if (!f)
		abort();
	return f;
}

static void check_startable(const struct xl_config *c)
{
	const struct xenlet_config *r = &c->run;
	/* A kernel, or pygrub to find one on the first disk. */
	bool by_pygrub = !r->kernel && r->bootloader && r->nr_disks;
	if ((!by_pygrub && (!r->kernel || !*r->kernel)) || !r->name || !*r->name ||
	    !r->cmdline)
		abort();
	if (r->vcpus < 1 || r->vcpus > 32 || r->memory_mib < 4 ||
	    r->memory_mib > 500 * 1024 || r->memory_mib % 2)
		abort();
	if (r->nr_disks > XENLET_MAX_DISKS || r->nr_nets > XENLET_MAX_NETS)
		abort();
	for (unsigned i = 0; i < r->nr_disks; i++) {
		const struct disk_spec *d = &r->disks[i];
		if (!d->target[0] || !memchr(d->target, 0, sizeof d->target) ||
		    !memchr(d->vdev, 0, sizeof d->vdev))
			abort();
		for (unsigned j = 0; j < i; j++)
			if (r->disks[j].devid == d->devid)
				abort();
	}
	for (unsigned i = 0; i < r->nr_nets; i++)
		if (r->nets[i].handle != i || r->nets[i].kind == NET_KIND_NONE)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xl_config cfg;
	const uint8_t *split = memchr(data, 0xff, size);
	size_t text_len = split ? (size_t)(split - data) : size;
	char *override = NULL;
	char *overrides[1];
	unsigned nr = 0;
	if (split) {
		size_t olen = size - text_len - 1;
		override = malloc(olen + 1);
		if (!override)
			return 0;
		memcpy(override, split + 1, olen);
		override[olen] = 0;
		overrides[nr++] = override;
	}
	/* A copy of just the text, so ASan sees any read past it. */
	char *text = malloc(text_len ? text_len : 1);
	if (!text)
		abort();
	memcpy(text, data, text_len);

	int r = xl_config_parse(&cfg, "fuzz.cfg", text, text_len, overrides, nr, null_diag());
	if (r == 0) {
		if (cfg.nr_errors)
			abort();
		check_startable(&cfg);
		for (unsigned i = 0; i < cfg.nr_keys; i++)
			if (!cfg.keys[i].judged || !memchr(cfg.keys[i].why, 0,
							    sizeof cfg.keys[i].why))
				abort();
	} else if (!cfg.nr_errors) {
		abort();
	}
	xl_config_free(&cfg);
	free(text);
	free(override);
	return 0;
}
