/*
 * trace-report's readers: the --trace file's header checks and records,
 * System.map and ELF symbol tables (hostile ones too: answers or reasons,
 * never a read past the buffer, which ASan would see: every buffer goes in
 * as an exact-size heap copy), lookup by binary search, and the tables.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/stats.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/xen_abi.h"
#include "tools/trace_report/trace_summary.h"

static uint8_t *copy(const void *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);
	memcpy(c, p, len);
	return c;
}

/* A trace of n records of record_size bytes (the known fields first). */
static uint8_t *make_trace(const struct trace_record *r, size_t n, uint32_t record_size,
			   size_t *len)
{
	struct trace_header h = { .version = TRACE_VERSION, .record_size = record_size,
				  .tsc_khz = 1000, .nr_vcpus = 1 };
	memcpy(h.magic, TRACE_MAGIC, sizeof h.magic);
	*len = sizeof h + n * record_size;
	uint8_t *b = calloc(1, *len);
	memcpy(b, &h, sizeof h);
	for (size_t i = 0; i < n; i++)
		memcpy(b + sizeof h + i * record_size, &r[i], sizeof r[i]);
	return b;
}

static int open_trace(const uint8_t *b, size_t len, struct trace_file *t, char *err)
{
	return trace_open(t, b, len, err, 160);
}

START_TEST(header_checks)
{
	struct trace_record r = { .kind = EXIT_IO_HYPERCALL };
	size_t len;
	uint8_t *good = make_trace(&r, 1, sizeof r, &len);
	struct trace_file t;
	char err[160];
	uint8_t *c = copy(good, len);
	ck_assert_int_eq(open_trace(c, len, &t, err), 0);
	ck_assert_uint_eq(t.nr_records, 1);
	ck_assert_uint_eq(t.tsc_khz, 1000);
	free(c);

	c = copy(good, 31);
	ck_assert_int_eq(open_trace(c, 31, &t, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "too short"));
	free(c);

	struct {
		size_t off;
		uint32_t value;
		const char *reason;
	} bad[] = {
		{ 0, 0x4141, "bad magic" },
		{ 8, 2, "version" },
		{ 12, 47, "record size" },
		{ 12, 4097, "record size" },
		{ 16, 0, "TSC" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c = copy(good, len);
		memcpy(c + bad[i].off, &bad[i].value, sizeof bad[i].value);
		if (bad[i].off == 16)
			memset(c + 16, 0, 8);
		ck_assert_int_eq(open_trace(c, len, &t, err), -1);
		ck_assert_msg(strstr(err, bad[i].reason), "'%s' lacks '%s'", err, bad[i].reason);
		free(c);
	}
	free(good);
}
END_TEST

START_TEST(records_partial_and_larger)
{
	struct trace_record r[2] = {
		{ .rip = 0x1234, .code = 17, .cause = TRACE_CAUSE_HYPERCALL, .guest_ticks = 5 },
		{ .rip = 0x5678, .code = 14, .cause = TRACE_CAUSE_TRAP, .arg = 2 },
	};
	size_t len;
	/* A later version's 64-byte records: the known fields are read. */
	uint8_t *b = make_trace(r, 2, 64, &len);
	uint8_t *c = copy(b, len - 10); /* the second one cut short */
	struct trace_file t;
	char err[160];
	ck_assert_int_eq(open_trace(c, len - 10, &t, err), 0);
	ck_assert_uint_eq(t.nr_records, 1);
	struct trace_record got;
	trace_record(&t, 0, &got);
	ck_assert_uint_eq(got.rip, 0x1234);
	ck_assert_uint_eq(got.code, 17);
	ck_assert_uint_eq(got.guest_ticks, 5);
	free(c);
	c = copy(b, len);
	ck_assert_int_eq(open_trace(c, len, &t, err), 0);
	ck_assert_uint_eq(t.nr_records, 2);
	trace_record(&t, 1, &got);
	ck_assert_uint_eq(got.arg, 2);
	free(c);
	free(b);
}
END_TEST

static int load_map(const char *text, struct symbol_map *m, char *err)
{
	size_t len = strlen(text);
	uint8_t *c = copy(text, len);
	int rc = symbol_map_load(m, c, len, err, 160);
	free(c);
	return rc;
}

static const char *name_at(const struct symbol_map *m, uint64_t addr)
{
	long i = symbol_map_find(m, addr);
	return i < 0 ? NULL : m->syms[i].name;
}

START_TEST(system_map)
{
	struct symbol_map m;
	char err[160];
	ck_assert_int_eq(load_map(
		"ffffffff81000200 T second\n"
		"ffffffff81000000 T _text\n"
		"ffffffff81000100 t local_fn\r\n"
		"ffffffff82000000 D some_data\n"
		"0000000000000000 A absolute\n"
		"ffffffff81000300 W weak_fn\n"
		"not a line at all\n"
		"ffffffff81000400 T\n"
		"ffffffffffffffffff T too_long_address\n"
		"ffffffff81000500 T last", &m, err), 0);
	ck_assert_uint_eq(m.n, 5);
	ck_assert_ptr_null(name_at(&m, 0xffffffff80ffffffULL));
	ck_assert_str_eq(name_at(&m, 0xffffffff81000000ULL), "_text");
	ck_assert_str_eq(name_at(&m, 0xffffffff810000ffULL), "_text");
	ck_assert_str_eq(name_at(&m, 0xffffffff81000100ULL), "local_fn");
	ck_assert_str_eq(name_at(&m, 0xffffffff81000234ULL), "second");
	ck_assert_str_eq(name_at(&m, 0xffffffff81000300ULL), "weak_fn");
	ck_assert_str_eq(name_at(&m, 0xffffffff81000600ULL), "last");
	symbol_map_free(&m);

	ck_assert_int_eq(load_map("ffffffff82000000 D only_data\n", &m, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no code symbols"));
	ck_assert_int_eq(load_map("", &m, err), -1);
}
END_TEST

/* A minimal ELF64: sections null, .text (code), .data, .symtab, .strtab. */
struct tiny_elf {
	Elf64_Ehdr eh;
	Elf64_Shdr sh[5];
	Elf64_Sym sym[5];
	char str[48];
};

static void tiny_elf(struct tiny_elf *e)
{
	memset(e, 0, sizeof *e);
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_shoff = offsetof(struct tiny_elf, sh);
	e->eh.e_shentsize = sizeof(Elf64_Shdr);
	e->eh.e_shnum = 5;
	e->sh[1] = (Elf64_Shdr){ .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR };
	e->sh[2] = (Elf64_Shdr){ .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_WRITE };
	e->sh[3] = (Elf64_Shdr){ .sh_type = SHT_SYMTAB, .sh_offset = offsetof(struct tiny_elf, sym),
				 .sh_size = sizeof e->sym, .sh_entsize = sizeof(Elf64_Sym),
				 .sh_link = 4 };
	e->sh[4] = (Elf64_Shdr){ .sh_type = SHT_STRTAB, .sh_offset = offsetof(struct tiny_elf, str),
				 .sh_size = sizeof e->str };
	memcpy(e->str, "\0func\0label\0datum\0elsewhere", 28);
	e->sym[1] = (Elf64_Sym){ .st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
				 .st_shndx = 1, .st_value = 0x1000, .st_size = 0x10 };
	e->sym[2] = (Elf64_Sym){ .st_name = 6, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE),
				 .st_shndx = 1, .st_value = 0x1020 };
	e->sym[3] = (Elf64_Sym){ .st_name = 12, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT),
				 .st_shndx = 2, .st_value = 0x2000, .st_size = 8 };
	e->sym[4] = (Elf64_Sym){ .st_name = 18, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE),
				 .st_shndx = 2, .st_value = 0x3000 };
}

static int load_elf(const struct tiny_elf *e, size_t len, struct symbol_map *m, char *err)
{
	uint8_t *c = copy(e, len);
	int rc = symbol_map_load(m, c, len, err, 160);
	free(c);
	return rc;
}

START_TEST(elf_symtab)
{
	struct tiny_elf e;
	tiny_elf(&e);
	struct symbol_map m;
	char err[160];
	ck_assert_int_eq(load_elf(&e, sizeof e, &m, err), 0);
	ck_assert_uint_eq(m.n, 2); /* the function and the code label only */
	ck_assert_ptr_null(name_at(&m, 0xfff));
	ck_assert_str_eq(name_at(&m, 0x1008), "func");
	ck_assert_ptr_null(name_at(&m, 0x1010)); /* past func's size */
	ck_assert_str_eq(name_at(&m, 0x1020), "label");
	ck_assert_str_eq(name_at(&m, 0x9999), "label");
	symbol_map_free(&m);

	/* Hostile tables: refused or skipped, never read outside the file. */
	tiny_elf(&e);
	e.sh[3].sh_size = 1 << 20;
	ck_assert_int_eq(load_elf(&e, sizeof e, &m, err), -1);
	tiny_elf(&e);
	e.sh[3].sh_link = 99;
	ck_assert_int_eq(load_elf(&e, sizeof e, &m, err), -1);
	tiny_elf(&e);
	e.sym[1].st_name = 200;
	e.sym[2].st_shndx = 77;
	ck_assert_int_eq(load_elf(&e, sizeof e, &m, err), -1);
	tiny_elf(&e);
	memset(e.str, 'x', sizeof e.str); /* names without their NUL */
	ck_assert_int_eq(load_elf(&e, sizeof e, &m, err), 0);
	ck_assert_uint_eq(strlen(m.syms[0].name), sizeof e.str - 1);
	symbol_map_free(&m);
	tiny_elf(&e);
	e.eh.e_shoff = 1ULL << 62;
	ck_assert_int_eq(load_elf(&e, sizeof e, &m, err), -1);
	tiny_elf(&e);
	e.eh.e_ident[EI_CLASS] = ELFCLASS32;
	ck_assert_int_eq(load_elf(&e, sizeof e, &m, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "ELF64"));
	ck_assert_int_eq(load_elf(&e, 20, &m, err), -1);
}
END_TEST

START_TEST(summary_tables)
{
	struct trace_record r[] = {
		{ .cause = TRACE_CAUSE_HYPERCALL, .code = __HYPERVISOR_xen_version,
		  .rip = 0x1004, .guest_ticks = 1000, .host_ticks = 10, .kind = EXIT_IO_HYPERCALL },
		{ .cause = TRACE_CAUSE_HYPERCALL, .code = __HYPERVISOR_xen_version,
		  .rip = 0x1004, .guest_ticks = 1000, .host_ticks = 10, .kind = EXIT_IO_HYPERCALL },
		{ .cause = TRACE_CAUSE_HYPERCALL, .code = __HYPERVISOR_xen_version,
		  .rip = 0x1024, .guest_ticks = 1000, .host_ticks = 10, .kind = EXIT_IO_HYPERCALL },
		{ .cause = TRACE_CAUSE_TRAP, .code = 14, .rip = 0x1008, .host_ticks = 5000,
		  .kind = EXIT_IO_TRAP },
		{ .cause = TRACE_CAUSE_TRAP, .code = CORE_VEC_SYSCALL, .rip = 0x7000,
		  .kind = EXIT_IO_HYPERCALL },
		{ .cause = TRACE_CAUSE_HYPERCALL, .code = 999, .kind = EXIT_IO_HYPERCALL },
		{ .kind = EXIT_IO_READY },
	};
	size_t n = sizeof r / sizeof r[0], len;
	uint8_t *b = make_trace(r, n, sizeof r[0], &len);
	struct trace_file t;
	char err[160];
	ck_assert_int_eq(open_trace(b, len, &t, err), 0);
	struct tiny_elf e;
	tiny_elf(&e);
	struct symbol_map m;
	ck_assert_int_eq(load_elf(&e, sizeof e, &m, err), 0);

	struct trace_summary s;
	ck_assert_int_eq(trace_summarize(&t, &m, &s), 0);
	ck_assert_uint_eq(s.all.count, n);
	ck_assert_uint_eq(s.all.host_ticks, 5030);
	ck_assert_uint_eq(s.causes[__HYPERVISOR_xen_version].count, 3);
	ck_assert_uint_eq(s.causes[__HYPERVISOR_xen_version].guest_ticks, 3000);
	ck_assert_uint_eq(s.causes[CAUSE_HYPERCALL_FIRST + CORE_NR_HYPERCALLS].count, 1);
	ck_assert_uint_eq(s.causes[CAUSE_TRAP_FIRST + 14].count, 1);
	ck_assert_uint_eq(s.causes[CAUSE_TRAP_FIRST + CORE_VEC_SYSCALL].count, 1);
	ck_assert_uint_eq(s.causes[CAUSE_EXIT_FIRST + EXIT_IO_READY].count, 1);
	ck_assert_uint_eq(s.kinds[EXIT_IO_HYPERCALL].count, 5);
	/* func: xen_version (twice) and the #PF; label (untyped: up to the
	 * next symbol, here without end): xen_version and the user syscall;
	 * no symbol: hypercall >= 64 and io_ready. */
	ck_assert_uint_eq(s.nr_symbol_cause, 6);
	ck_assert_uint_eq(s.by_symbol_cause[0].key, (uint64_t)0 << 32 | __HYPERVISOR_xen_version);
	ck_assert_uint_eq(s.by_symbol_cause[0].t.count, 2);
	ck_assert_uint_eq(s.nr_rip, 5); /* 0x1004 twice, 0x1008, 0x1024, 0x7000, 0 twice */

	char label[64];
	trace_cause_label(__HYPERVISOR_xen_version, label, sizeof label);
	ck_assert_str_eq(label, "hypercall xen_version");
	trace_cause_label(CAUSE_TRAP_FIRST + 14, label, sizeof label);
	ck_assert_str_eq(label, "trap 14 #PF");
	trace_cause_label(CAUSE_TRAP_FIRST + 9, label, sizeof label);
	ck_assert_str_eq(label, "trap 9");
	trace_cause_label(CAUSE_EXIT_FIRST + EXIT_IO_READY, label, sizeof label);
	ck_assert_str_eq(label, "exit io_ready");

	char *text;
	size_t text_len;
	FILE *out = open_memstream(&text, &text_len);
	trace_summary_print(out, &s, &t, &m, 10);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "trace: 7 exits on 1 vCPU(s)"));
	ck_assert_ptr_nonnull(strstr(text, "         3        3.000        0.030  hypercall xen_version"));
	ck_assert_ptr_nonnull(strstr(text, "0x1004 func+0x4"));
	ck_assert_ptr_nonnull(strstr(text, "0x1024 label+0x4"));
	ck_assert_ptr_nonnull(strstr(text, "func: trap 14 #PF"));
	ck_assert_ptr_nonnull(strstr(text, "guest user syscall"));
	/* Most xenlet time first: the #PF's 5 ms heads its table. */
	char *by_time = strstr(text, "by cause, most xenlet time first:");
	ck_assert_ptr_nonnull(by_time);
	ck_assert_ptr_nonnull(strstr(by_time, "5.000  trap 14 #PF"));
	ck_assert_ptr_eq(strstr(by_time, "trap 14 #PF"), strstr(strstr(by_time, "what\n"), "trap 14 #PF"));
	free(text);
	trace_summary_free(&s);

	ck_assert_int_eq(trace_summarize(&t, NULL, &s), 0);
	ck_assert_ptr_null(s.by_rip);
	trace_summary_free(&s);
	symbol_map_free(&m);
	free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trace_report");
	TCase *t = tcase_create("trace_report");
	tcase_add_test(t, header_checks);
	tcase_add_test(t, records_partial_and_larger);
	tcase_add_test(t, system_map);
	tcase_add_test(t, elf_symtab);
	tcase_add_test(t, summary_tables);
	suite_add_tcase(s, t);
	return check_run(s);
}
