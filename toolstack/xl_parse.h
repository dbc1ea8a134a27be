/*
 * The state of one xl config parse, shared by the files that read its
 * keys (xl_config.c: scalar keys; xl_disk.c: disk=; xl_vif.c: vif=;
 * xl_other_keys.c: the rest), and the one way they report (xl_parse.c):
 * a line on diag naming file, line and key, and the key's verdict for
 * check-config.
 */
#ifndef XENLET_XL_PARSE_H
#define XENLET_XL_PARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <libxlutil.h>
#include "toolstack/xl_config.h"

struct xl_parse {
	struct xl_config *cfg;
	XLU_Config *xlu;
	const char *filename;
	FILE *diag;
	/* libxlutil's own messages land here and are passed on as ours. */
	FILE *report;
	char *report_buf;
	size_t report_len;
	size_t report_taken;
};

/* The note of a key the file sets, or NULL if it does not set it. */
struct xl_key_note *xl_parse_note(struct xl_parse *p, const char *key);

/* "FILE:LINE: error: KEY: ..." (counted in cfg->nr_errors). */
void xl_parse_error(struct xl_parse *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xl_parse_warning(struct xl_parse *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets the key's verdict and reason ("" for none). */
void xl_parse_verdict(struct xl_parse *p, const char *key, enum xl_key_verdict verdict,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Passes on what libxlutil reported since the last call as errors (or
 * warnings) of key, prefixed with what (e.g. "disk[1]"); returns how many
 * lines it had. */
unsigned xl_parse_forward_report(struct xl_parse *p, const char *key, const char *what,
				 bool as_error);

/* disk= and vif=: 0, or -1 after reporting errors. */
int xl_parse_disks(struct xl_parse *p);
int xl_parse_vifs(struct xl_parse *p);

/* Every key not judged yet gets its verdict and a warning. */
void xl_parse_other_keys(struct xl_parse *p);

#endif
