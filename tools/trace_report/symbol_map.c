/* Guest symbols from a System.map or an ELF64 symtab (symbol_map.h). */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/trace_report/symbol_map.h"

#define MAX_NAME 512 /* longer names are cut: they only label lines */
/* A kernel has some 10^5; the report keys a symbol in 32 bits. */
#define MAX_SYMBOLS (16u << 20)

static int add(struct symbol_map *m, size_t *cap, uint64_t addr, uint64_t size,
	       const char *name, size_t name_len)
{
	if (m->n == MAX_SYMBOLS)
		return -1;
	if (m->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct symbol *s = realloc(m->syms, ncap * sizeof *s);
		if (!s)
			return -1;
		m->syms = s;
		*cap = ncap;
	}
	if (name_len > MAX_NAME)
		name_len = MAX_NAME;
	char *copy = malloc(name_len + 1);
	if (!copy)
		return -1;
	memcpy(copy, name, name_len);
	copy[name_len] = '\0';
	m->syms[m->n++] = (struct symbol){ .addr = addr, .size = size, .name = copy };
	return 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct symbol *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int finish(struct symbol_map *m, char *err, size_t errlen)
{
	if (!m->n) {
		snprintf(err, errlen, "no code symbols found");
		return -1;
	}
	qsort(m->syms, m->n, sizeof *m->syms, by_addr);
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One "ADDR TYPE NAME" line, [p, end): 1 if it is a code symbol (added),
 * 0 if not or malformed (skipped), -1 out of memory. */
static int system_map_line(struct symbol_map *m, size_t *cap, const char *p,
			   const char *end)
{
	uint64_t addr = 0;
	int digits = 0;
	for (; p < end && hex_digit(*p) >= 0; p++, digits++) {
		if (digits == 16)
			return 0;
		addr = addr << 4 | (uint64_t)hex_digit(*p);
	}
	if (!digits || end - p < 4 || p[0] != ' ' || p[2] != ' ')
		return 0;
	char type = p[1];
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return 0;
	const char *name = p + 3;
	size_t len = (size_t)(end - name);
	if (len && name[len - 1] == '\r')
		len--;
	if (!len || memchr(name, '\0', len))
		return 0;
	return add(m, cap, addr, 0, name, len) ? -1 : 1;
}

int symbol_map_parse_system_map(struct symbol_map *m, const char *text, size_t len,
				char *err, size_t errlen)
{
	*m = (struct symbol_map){ 0 };
	size_t cap = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if (system_map_line(m, &cap, p, eol) < 0) {
			symbol_map_free(m);
			snprintf(err, errlen, "out of memory or more than %u symbols",
				 MAX_SYMBOLS);
			return -1;
		}
		p = nl ? nl + 1 : end;
	}
	if (finish(m, err, errlen)) {
		symbol_map_free(m);
		return -1;
	}
	return 0;
}

/* [off, off + size) lies inside a buffer of len bytes. */
static int inside(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static int section(const uint8_t *data, size_t len, const Elf64_Ehdr *eh,
		   unsigned i, Elf64_Shdr *sh)
{
	uint64_t off = eh->e_shoff + (uint64_t)i * eh->e_shentsize;
	if (!inside(off, sizeof *sh, len))
		return -1;
	memcpy(sh, data + off, sizeof *sh);
	return 0;
}

/* A function, or an assembly label (STT_NOTYPE) in an executable section,
 * such as a kernel's hypercall_page and entry code. */
static int code_symbol(const uint8_t *data, size_t len, const Elf64_Ehdr *eh,
		       const Elf64_Sym *s)
{
	if (s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE)
		return 0;
	if (ELF64_ST_TYPE(s->st_info) == STT_FUNC)
		return 1;
	Elf64_Shdr sh;
	return ELF64_ST_TYPE(s->st_info) == STT_NOTYPE && s->st_shndx < eh->e_shnum &&
	       !section(data, len, eh, s->st_shndx, &sh) && (sh.sh_flags & SHF_EXECINSTR);
}

/* The code symbols of symtab section sh, their names in section
 * sh->sh_link. */
static int elf_symtab(struct symbol_map *m, size_t *cap, const uint8_t *data,
		      size_t len, const Elf64_Ehdr *eh, const Elf64_Shdr *sh)
{
	Elf64_Shdr strtab;
	if (sh->sh_entsize < sizeof(Elf64_Sym) || !inside(sh->sh_offset, sh->sh_size, len) ||
	    sh->sh_link >= eh->e_shnum || section(data, len, eh, sh->sh_link, &strtab) ||
	    strtab.sh_type != SHT_STRTAB || !inside(strtab.sh_offset, strtab.sh_size, len))
		return 0; /* unusable: other tables may still serve */
	const char *names = (const char *)data + strtab.sh_offset;
	uint64_t count = sh->sh_size / sh->sh_entsize;
	for (uint64_t k = 0; k < count; k++) {
		Elf64_Sym s;
		memcpy(&s, data + sh->sh_offset + k * sh->sh_entsize, sizeof s);
		if (!code_symbol(data, len, eh, &s) || s.st_name >= strtab.sh_size)
			continue;
		const char *name = names + s.st_name;
		size_t nlen = strnlen(name, strtab.sh_size - s.st_name);
		if (!nlen)
			continue;
		if (add(m, cap, s.st_value, s.st_size, name, nlen))
			return -1;
	}
	return 0;
}

int symbol_map_parse_elf(struct symbol_map *m, const uint8_t *data, size_t len,
			 char *err, size_t errlen)
{
	*m = (struct symbol_map){ 0 };
	Elf64_Ehdr eh;
	if (len < sizeof eh || memcmp(data, ELFMAG, SELFMAG)) {
		snprintf(err, errlen, "not an ELF file");
		return -1;
	}
	memcpy(&eh, data, sizeof eh);
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "not a little-endian ELF64 file");
		return -1;
	}
	if (eh.e_shentsize < sizeof(Elf64_Shdr)) {
		snprintf(err, errlen, "no usable section headers (a stripped vmlinux?)");
		return -1;
	}
	size_t cap = 0;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;
		if (section(data, len, &eh, i, &sh))
			break;
		if (sh.sh_type == SHT_SYMTAB && elf_symtab(m, &cap, data, len, &eh, &sh)) {
			symbol_map_free(m);
			snprintf(err, errlen, "out of memory or more than %u symbols",
				 MAX_SYMBOLS);
			return -1;
		}
	}
	if (finish(m, err, errlen)) {
		symbol_map_free(m);
		return -1;
	}
	return 0;
}

int symbol_map_load(struct symbol_map *m, const uint8_t *data, size_t len,
		    char *err, size_t errlen)
{
	if (len >= SELFMAG && !memcmp(data, ELFMAG, SELFMAG))
		return symbol_map_parse_elf(m, data, len, err, errlen);
	return symbol_map_parse_system_map(m, (const char *)data, len, err, errlen);
}

long symbol_map_find(const struct symbol_map *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n; /* the answer is below hi */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	const struct symbol *s = &m->syms[lo - 1];
	if (s->size && addr - s->addr >= s->size)
		return -1;
	return (long)(lo - 1);
}

void symbol_map_free(struct symbol_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->syms[i].name);
	free(m->syms);
	*m = (struct symbol_map){ 0 };
}
