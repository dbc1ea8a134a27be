/*
 * grub.cfg and grubenv as a guest's disk can hold them, any bytes: the
 * parser must answer or refuse, never read past either buffer, and an
 * entry it answers with must be within its limits: NUL-ended strings,
 * absolute paths, at most BOOT_INITRDS_MAX initrds.
 *
 * Input: 2 bytes of grubenv length (little-endian), the grubenv, then
 * grub.cfg.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bootloader/grub_cfg.h"
#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s, size_t size, int path)
{
	if (!memchr(s, '\0', size) || (path && s[0] != '/'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t len_bytes[2];
	take(&in, len_bytes, sizeof len_bytes);
	size_t env_len = (size_t)len_bytes[0] | (size_t)len_bytes[1] << 8;
	if (env_len > in.n)
		env_len = in.n;
	/* Exact copies, so that a read past either is caught. */
	char *env = malloc(env_len ? env_len : 1);
	char *cfg = malloc(in.n - env_len ? in.n - env_len : 1);
	struct boot_entry *e = malloc(sizeof *e);
	char err[256];
	if (!env || !cfg || !e)
		abort();
	memcpy(env, in.p, env_len);
	memcpy(cfg, in.p + env_len, in.n - env_len);
	if (grub_cfg_choose(cfg, in.n - env_len, env, env_len, e, err, sizeof err) == 0) {
		check_string(e->title, sizeof e->title, 0);
		check_string(e->kernel, sizeof e->kernel, 1);
		check_string(e->args, sizeof e->args, 0);
		if (e->nr_initrds > BOOT_INITRDS_MAX)
			abort();
		for (unsigned i = 0; i < e->nr_initrds; i++)
			check_string(e->initrds[i], sizeof e->initrds[i], 1);
	} else if (!memchr(err, '\0', sizeof err) || !err[0]) {
		abort();
	}
	free(env);
	free(cfg);
	free(e);
	return 0;
}
