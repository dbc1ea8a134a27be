/* grub 2 script: bytes to commands of words (see grub_script_lex.h). */
#include <string.h>
#include "bootloader/grub_script_lex.h"

struct word_out {
	struct grub_command *cmd;
	size_t used;      /* bytes of cmd->text taken */
	size_t start;     /* where the current word began */
	bool in_word;
};

static void put_char(struct word_out *w, char c)
{
	/* One byte kept for the word's NUL. */
	if (w->used + 1 >= sizeof w->cmd->text) {
		w->cmd->truncated = true;
		return;
	}
	w->cmd->text[w->used++] = c;
}

static void begin_word(struct word_out *w)
{
	if (!w->in_word) {
		w->in_word = true;
		w->start = w->used;
	}
}

static void end_word(struct word_out *w)
{
	if (!w->in_word)
		return;
	w->in_word = false;
	struct grub_command *cmd = w->cmd;
	if (w->used >= sizeof cmd->text || cmd->nr_words == GRUB_COMMAND_WORDS_MAX) {
		cmd->truncated = true;
		w->used = w->start;
		return;
	}
	cmd->text[w->used++] = '\0';
	cmd->words[cmd->nr_words++] = cmd->text + w->start;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* At a '$': expands $name, ${name} (and the special $? $# $@ $*) into
 * the word; a lone '$' stays itself. */
static void expand(struct grub_lexer *lx, struct word_out *w)
{
	const char *name = lx->p + 1, *after;
	size_t len = 0;
	if (name < lx->end && *name == '{') {
		name++;
		while (name + len < lx->end && name[len] != '}')
			len++;
		if (name + len == lx->end) {
			/* "${" never closed: grub calls it a syntax error;
			 * taking the rest as literal text is as safe. */
			put_char(w, '$');
			lx->p++;
			return;
		}
		after = name + len + 1;
	} else {
		while (name + len < lx->end && is_name_char(name[len]))
			len++;
		if (!len && name < lx->end && strchr("?#@*", *name) && *name)
			len = 1;
		if (!len) {
			put_char(w, '$');
			lx->p++;
			return;
		}
		after = name + len;
	}
	lx->p = after;
	const char *value = len <= GRUB_VAR_NAME_MAX && lx->lookup
		? lx->lookup(lx->ctx, name, len) : NULL;
	for (; value && *value; value++)
		put_char(w, *value);
}

bool grub_lex_command(struct grub_lexer *lx, struct grub_command *cmd)
{
	struct word_out w = { .cmd = cmd };
	cmd->nr_words = 0;
	cmd->truncated = false;
	while (lx->p < lx->end) {
		char c = *lx->p;
		if (c == '\n' || c == ';') {
			lx->p++;
			end_word(&w);
			if (cmd->nr_words)
				return true;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			lx->p++;
			end_word(&w);
			continue;
		}
		if (c == '#' && !w.in_word) {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
			continue;
		}
		begin_word(&w);
		if (c == '\\') {
			lx->p++;
			if (lx->p < lx->end) {
				if (*lx->p != '\n')
					put_char(&w, *lx->p);
				else if (w.used == w.start)
					w.in_word = false; /* a continuation, not a word */
				lx->p++;
			}
		} else if (c == '\'') {
			lx->p++;
			while (lx->p < lx->end && *lx->p != '\'')
				put_char(&w, *lx->p++);
			if (lx->p < lx->end)
				lx->p++;
		} else if (c == '"') {
			lx->p++;
			while (lx->p < lx->end && *lx->p != '"') {
				if (*lx->p == '$') {
					expand(lx, &w);
				} else if (*lx->p == '\\' && lx->p + 1 < lx->end &&
					   lx->p[1] && strchr("$\"\\\n", lx->p[1])) {
					if (lx->p[1] != '\n')
						put_char(&w, lx->p[1]);
					lx->p += 2;
				} else {
					put_char(&w, *lx->p++);
				}
			}
			if (lx->p < lx->end)
				lx->p++;
		} else if (c == '$') {
			expand(lx, &w);
		} else {
			put_char(&w, c);
			lx->p++;
		}
	}
	end_word(&w);
	return cmd->nr_words > 0;
}
