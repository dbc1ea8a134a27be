/*
 * Guest symbols for trace-report: from a System.map ("ADDR TYPE NAME"
 * lines) or from an ELF64 file's symbol table (a vmlinux, a test guest).
 * Both are untrusted input: every offset and size is checked against the
 * buffer before use, names are copied out.  Lookup finds the symbol
 * containing an address by binary search.
 */
#ifndef XENLET_SYMBOL_MAP_H
#define XENLET_SYMBOL_MAP_H

#include <stddef.h>
#include <stdint.h>

struct symbol {
	uint64_t addr;
	uint64_t size;   /* 0: unknown (System.map): up to the next symbol */
	char *name;
};

struct symbol_map {
	struct symbol *syms;  /* sorted by addr */
	size_t n;
};

/* Code symbols of a System.map (types t, T, w, W) or an ELF64 symtab
 * (functions, and untyped labels in executable sections), picked by the buffer's first bytes.  0, or -1 with a
 * reason in err. */
int symbol_map_load(struct symbol_map *m, const uint8_t *data, size_t len,
		    char *err, size_t errlen);

int symbol_map_parse_system_map(struct symbol_map *m, const char *text, size_t len,
				char *err, size_t errlen);
int symbol_map_parse_elf(struct symbol_map *m, const uint8_t *data, size_t len,
			 char *err, size_t errlen);

/* The index of the symbol containing addr, or -1. */
long symbol_map_find(const struct symbol_map *m, uint64_t addr);

void symbol_map_free(struct symbol_map *m);

#endif
