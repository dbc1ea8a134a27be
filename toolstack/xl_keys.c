/* Finding the settings of an xl config and their lines (xl_keys.h). */
#include <stdbool.h>
#include <string.h>
#include "toolstack/xl_keys.h"

static bool ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

void xl_keys_scan(const char *text, size_t len,
		  void (*found)(const struct xl_key_place *place, void *opaque),
		  void *opaque)
{
	unsigned line = 1;
	unsigned depth = 0;        /* inside [ ... ], where newlines do not end a statement */
	bool statement_start = true;
	size_t i = 0;

	while (i < len) {
		char c = text[i];
		if (c == '\n') {
			line++;
			i++;
			if (!depth)
				statement_start = true;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (c == '#') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		if (c == ';' && !depth) {
			statement_start = true;
			i++;
			continue;
		}
		if (c == '\'' || c == '"') {
			/* Strings end on their line in xl's grammar; a backslash
			 * escapes the next character only in double quotes. */
			i++;
			while (i < len && text[i] != c && text[i] != '\n') {
				if (c == '"' && text[i] == '\\' && i + 1 < len &&
				    text[i + 1] != '\n')
					i++;
				i++;
			}
			if (i < len && text[i] == c)
				i++;
			statement_start = false;
			continue;
		}
		if (c == '[') {
			depth++;
			i++;
			continue;
		}
		if (c == ']') {
			if (depth)
				depth--;
			i++;
			continue;
		}
		if (statement_start && !depth && ident_start(c)) {
			struct xl_key_place p = { .line = line, .offset = i };
			size_t n = 0;
			while (i < len && ident_char(text[i])) {
				if (n + 1 < sizeof p.name)
					p.name[n++] = text[i];
				i++;
			}
			p.name[n] = 0;
			found(&p, opaque);
			statement_start = false;
			continue;
		}
		statement_start = false;
		i++;
	}
}
