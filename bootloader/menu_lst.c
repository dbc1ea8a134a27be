/* grub legacy's menu.lst to the entry it would boot (see menu_lst.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bootloader/menu_lst.h"

#define LINE_MAX_LEN (BOOT_ARGS_MAX + BOOT_PATH_MAX + 64)

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The next whitespace-separated word of *s into out; false if none or
 * too long. */
static bool next_word(const char **s, char *out, size_t outlen)
{
	const char *p = *s;
	while (is_space(*p))
		p++;
	size_t len = 0;
	while (p[len] && !is_space(p[len]))
		len++;
	*s = p + len;
	if (!len || len >= outlen)
		return false;
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

struct reading {
	long want;             /* the entry to keep (-1: none) */
	long default_index;    /* -1 until `default N` */
	long nr_entries;       /* `title` lines seen */
	bool chosen_too_long;
	bool chosen_has_kernel;
	struct boot_entry chosen; /* the entry at default_index, as read so far */
	struct boot_entry current;
	bool current_too_long, current_has_kernel;
};

static void end_entry(struct reading *r);

/* One line, comments and trailing spaces gone: its keyword and the rest. */
static void line(struct reading *r, char *text)
{
	while (is_space(*text))
		text++;
	size_t kw = 0;
	while (text[kw] && !is_space(text[kw]) && text[kw] != '=')
		kw++;
	char *rest = text + kw;
	while (is_space(*rest))
		rest++;
	if (*rest == '=')
		rest++;
	while (is_space(*rest))
		rest++;
	if (kw == 7 && !strncmp(text, "default", 7)) {
		/* Only before the first entry: grub legacy reads it there. */
		if (r->nr_entries)
			return;
		char *end;
		long n = strtol(rest, &end, 10);
		r->default_index = (end != rest && !*end && n >= 0) ? n : 0;
	} else if (kw == 5 && !strncmp(text, "title", 5)) {
		if (r->nr_entries)
			end_entry(r);
		r->nr_entries++;
		memset(&r->current, 0, sizeof r->current);
		r->current_too_long = r->current_has_kernel = false;
		snprintf(r->current.title, sizeof r->current.title, "%s", rest);
	} else if (!r->nr_entries) {
		return; /* global commands: timeout, color, password… */
	} else if (kw == 6 && !strncmp(text, "kernel", 6) && !r->current_has_kernel) {
		const char *p = rest;
		char path[BOOT_PATH_MAX], word[BOOT_ARGS_MAX];
		r->current_has_kernel = true;
		if (!next_word(&p, path, sizeof path) ||
		    boot_path_normalize(path, r->current.kernel, sizeof r->current.kernel))
			r->current_too_long = true;
		while (next_word(&p, word, sizeof word))
			if (boot_args_append(r->current.args, sizeof r->current.args, word))
				r->current_too_long = true;
	} else if (kw == 6 && !strncmp(text, "initrd", 6) && !r->current.nr_initrds) {
		const char *p = rest;
		char path[BOOT_PATH_MAX];
		if (!next_word(&p, path, sizeof path) ||
		    boot_path_normalize(path, r->current.initrds[0], BOOT_PATH_MAX))
			r->current_too_long = true;
		else
			r->current.nr_initrds = 1;
	}
	/* root (hdN,M), module, savedefault, boot…: nothing to take */
}

/* The entry just finished, kept if it is the default. */
static void end_entry(struct reading *r)
{
	if (r->nr_entries - 1 == r->want) {
		r->chosen = r->current;
		r->chosen_too_long = r->current_too_long;
		r->chosen_has_kernel = r->current_has_kernel;
	}
}

/* Every line of cfg through line(): the entry numbered r->want kept. */
static void scan(const char *cfg, size_t len, struct reading *r, char *text)
{
	for (size_t at = 0; at <= len;) {
		size_t end = at;
		while (end < len && cfg[end] != '\n')
			end++;
		/* A line too long for any field is cut short, and the entry it
		 * is in refused for its length. */
		size_t n = end - at < LINE_MAX_LEN - 1 ? end - at : LINE_MAX_LEN - 1;
		memcpy(text, cfg + at, n);
		text[n] = '\0';
		/* (A NUL in the line ends it here, as it would for grub.) */
		char *hash = strchr(text, '#');
		if (hash)
			*hash = '\0';
		for (size_t t = strlen(text); t && is_space(text[t - 1]); t--)
			text[t - 1] = '\0';
		line(r, text);
		if (end - at != n && r->nr_entries)
			r->current_too_long = true;
		at = end + 1;
	}
	if (r->nr_entries)
		end_entry(r);
}

int menu_lst_choose(const char *cfg, size_t len, struct boot_entry *out,
		    char *err, size_t errlen)
{
	struct reading *r = calloc(1, sizeof *r);
	char *text = malloc(LINE_MAX_LEN);
	int rc = -1;
	if (!r || !text) {
		snprintf(err, errlen, "out of memory reading menu.lst");
		goto out;
	}
	/* Once to count the entries and find the default, once to keep it:
	 * a default past the last entry (or "saved") boots entry 0. */
	r->want = r->default_index = -1;
	scan(cfg, len, r, text);
	if (!r->nr_entries) {
		snprintf(err, errlen, "menu.lst has no title entries");
		goto out;
	}
	long want = r->default_index >= 0 && r->default_index < r->nr_entries
		? r->default_index : 0;
	memset(r, 0, sizeof *r);
	r->want = want;
	r->default_index = -1;
	scan(cfg, len, r, text);
	if (!r->chosen_has_kernel) {
		snprintf(err, errlen, "grub legacy's default entry '%s' has no kernel line",
			 r->chosen.title);
		goto out;
	}
	if (r->chosen_too_long) {
		snprintf(err, errlen, "grub legacy's default entry '%s': a path or the "
			 "arguments are too long", r->chosen.title);
		goto out;
	}
	*out = r->chosen;
	rc = 0;
out:
	free(text);
	free(r);
	return rc;
}
