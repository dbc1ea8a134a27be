/*
 * grub 2's script language cut into commands of words, as grub's own
 * lexer would: '…' is literal, "…" expands $var and ${var} and takes
 * \$ \" \\ and \newline, unquoted words expand variables and take \x as
 * x, '#' starting a word comments to the end of the line, and a newline
 * or ';' ends a command.  A variable's value comes from the caller's
 * lookup; unknown ones expand to nothing, as in grub.
 */
#ifndef XENLET_GRUB_SCRIPT_LEX_H
#define XENLET_GRUB_SCRIPT_LEX_H

#include <stdbool.h>
#include <stddef.h>

#define GRUB_COMMAND_TEXT_MAX 16384
#define GRUB_COMMAND_WORDS_MAX 128
#define GRUB_VAR_NAME_MAX 64

/* The value of name[0..len), or NULL. */
typedef const char *grub_var_lookup(void *ctx, const char *name, size_t len);

struct grub_lexer {
	const char *p, *end;
	grub_var_lookup *lookup;
	void *ctx;
};

struct grub_command {
	const char *words[GRUB_COMMAND_WORDS_MAX]; /* into text */
	unsigned nr_words;
	bool truncated; /* words or text past the limits were dropped */
	char text[GRUB_COMMAND_TEXT_MAX];
};

/*
 * The next command with at least one word: true, or false at the end of
 * the input.  Words that do not fit are dropped and say so in truncated.
 */
bool grub_lex_command(struct grub_lexer *lx, struct grub_command *cmd);

#endif
