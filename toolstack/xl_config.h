/*
 * An xl domain configuration file, read as `xl create` reads it: Xen's own
 * parser (libxlutil) takes the text, with KEY=VALUE overrides appended as
 * xl appends them, and the keys xl would give a PV domain are turned into
 * what `xenlet run` takes (struct xenlet_config).  No call here reaches a
 * hypervisor: libxl's types are used as data only.
 *
 * Every message is one line on the diag stream, "FILE:LINE: error: KEY:
 * ..." or "... warning: ...", "FILE: command line:" for an override.
 * Every key found gets a verdict (used, ignored, not supported) with the
 * reason, for `xenlet check-config`.
 */
#ifndef XENLET_XL_CONFIG_H
#define XENLET_XL_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "emu/config.h"
#include "toolstack/xl_keys.h"

/* on_poweroff, on_reboot, on_crash: xl's names, in xl's order. */
enum xl_action {
	XL_ACTION_DESTROY,
	XL_ACTION_RESTART,
	XL_ACTION_RENAME_RESTART,
	XL_ACTION_PRESERVE,
	XL_ACTION_COREDUMP_DESTROY,
	XL_ACTION_COREDUMP_RESTART,
	XL_ACTION_SOFT_RESET,
};

enum xl_key_verdict {
	XL_KEY_USED,
	XL_KEY_IGNORED,        /* the guest starts without it */
	XL_KEY_UNSUPPORTED,    /* the guest cannot start as the file asks */
};

struct xl_key_note {
	char name[XL_KEY_MAX_NAME];
	unsigned line;
	bool from_command_line;
	enum xl_key_verdict verdict;
	char why[200];         /* "" or the reason, for any verdict */
	bool judged;           /* a verdict was given */
};

#define XL_CONFIG_MAX_KEYS 256

struct xl_config {
	/* For xenlet_run(); its strings and arrays point into this struct. */
	struct xenlet_config run;

	char *name;
	char *uuid;            /* NULL: none given (xenlet makes one) */
	char *kernel;
	char *ramdisk;
	char *cmdline;         /* cmdline=, or "root=ROOT EXTRA" as xl builds it */
	char *bootloader;      /* pygrub runs when there is no kernel= */
	uint64_t memory_mib;
	uint64_t maxmem_mib;   /* = memory_mib unless maxmem= says more */
	unsigned vcpus;
	unsigned maxvcpus;
	enum xl_action on_poweroff, on_reboot, on_crash;
	bool localtime;
	struct disk_spec disks[XENLET_MAX_DISKS];
	/* NULL for a raw image or device; else qemu's name of the image's
	 * format ("qcow2", "vpc", "qed", "qcow"): `create` serves it through
	 * qemu-nbd and the disk's target becomes the server's URI. */
	const char *disk_formats[XENLET_MAX_DISKS];
	unsigned nr_disks;
	struct net_spec nets[XENLET_MAX_NETS];
	unsigned nr_nets;      /* vif = [...]; none without vif=, as xl */

	struct xl_key_note keys[XL_CONFIG_MAX_KEYS];
	unsigned nr_keys;
	unsigned nr_errors;
	unsigned nr_warnings;
};

/*
 * Parses the config text (len bytes, read from filename, which names it in
 * messages) followed by the overrides ("KEY=VALUE", one statement each).
 * cfg is filled as far as the file allows either way and must be given
 * to xl_config_free.  0 if the guest can be started from it, else -1
 * (cfg->nr_errors errors were written to diag).
 */
int xl_config_parse(struct xl_config *cfg, const char *filename, const char *text,
		    size_t len, char *const *overrides, unsigned nr_overrides, FILE *diag);

/* Same, reading the file first (an unreadable file is one error). */
int xl_config_read_file(struct xl_config *cfg, const char *path,
			char *const *overrides, unsigned nr_overrides, FILE *diag);

void xl_config_free(struct xl_config *cfg);

/* "destroy", "restart", ... */
const char *xl_action_name(enum xl_action action);

/* "used", "ignored", "not supported" */
const char *xl_key_verdict_name(enum xl_key_verdict verdict);

#endif
