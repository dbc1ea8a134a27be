/* The messages and verdicts of an xl config parse (xl_parse.h). */
#include <stdarg.h>
#include <string.h>
#include "toolstack/xl_parse.h"

struct xl_key_note *xl_parse_note(struct xl_parse *p, const char *key)
{
	for (unsigned i = 0; i < p->cfg->nr_keys; i++)
		if (!strcmp(p->cfg->keys[i].name, key))
			return &p->cfg->keys[i];
	return NULL;
}

static void message(struct xl_parse *p, const char *key, const char *kind,
		    const char *fmt, va_list ap)
{
	const struct xl_key_note *n = xl_parse_note(p, key);
	if (!n)
		fprintf(p->diag, "%s: %s: %s: ", p->filename, kind, key);
	else if (n->from_command_line)
		fprintf(p->diag, "%s: command line: %s: %s: ", p->filename, kind, key);
	else
		fprintf(p->diag, "%s:%u: %s: %s: ", p->filename, n->line, kind, key);
	vfprintf(p->diag, fmt, ap);
	fputc('\n', p->diag);
}

void xl_parse_error(struct xl_parse *p, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	message(p, key, "error", fmt, ap);
	va_end(ap);
	p->cfg->nr_errors++;
}

void xl_parse_warning(struct xl_parse *p, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	message(p, key, "warning", fmt, ap);
	va_end(ap);
	p->cfg->nr_warnings++;
}

void xl_parse_verdict(struct xl_parse *p, const char *key, enum xl_key_verdict verdict,
		      const char *fmt, ...)
{
	struct xl_key_note *n = xl_parse_note(p, key);
	if (!n)
		return;
	n->verdict = verdict;
	n->judged = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(n->why, sizeof n->why, fmt, ap);
	va_end(ap);
}

unsigned xl_parse_forward_report(struct xl_parse *p, const char *key, const char *what,
				 bool as_error)
{
	unsigned lines = 0;
	fflush(p->report);
	while (p->report_taken < p->report_len) {
		const char *s = p->report_buf + p->report_taken;
		const char *nl = memchr(s, '\n', p->report_len - p->report_taken);
		size_t n = nl ? (size_t)(nl - s) : p->report_len - p->report_taken;
		/* libxlutil says "xl: error with disk configuration: ..." */
		static const char xl_prefix[] = "xl: ";
		const char *text = s;
		size_t tlen = n;
		if (tlen >= sizeof xl_prefix - 1 && !memcmp(text, xl_prefix, sizeof xl_prefix - 1)) {
			text += sizeof xl_prefix - 1;
			tlen -= sizeof xl_prefix - 1;
		}
		/* or "FILE: config parsing error in disk specification: ..." */
		size_t flen = strlen(p->filename);
		if (tlen > flen + 2 && !memcmp(text, p->filename, flen) &&
		    !memcmp(text + flen, ": ", 2)) {
			text += flen + 2;
			tlen -= flen + 2;
		}
		if (tlen && as_error)
			xl_parse_error(p, key, "%s: %.*s", what, (int)tlen, text);
		else if (tlen)
			xl_parse_warning(p, key, "%s: %.*s", what, (int)tlen, text);
		lines += tlen != 0;
		p->report_taken += n + (nl != NULL);
	}
	return lines;
}

