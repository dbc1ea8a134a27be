/*
 * A guest for the hypercall/trap core without KVM: guest RAM in a host
 * buffer, 4-level page tables the test writes entry by entry, the core's
 * state, and the launcher's platform (emu/vcpu/platform_host.c) with its console
 * and log captured in memory streams so tests can read what was printed.
 */
#ifndef XENLET_TEST_FAKE_GUEST_H
#define XENLET_TEST_FAKE_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pv-shim/core/core.h"
#include "emu/vcpu/platform_host.h"

#define FG_PAGE 4096ULL
#define FG_P  0x001ULL
#define FG_RW 0x002ULL
#define FG_US 0x004ULL
#define FG_PS 0x080ULL
#define FG_USER_RW (FG_P | FG_RW | FG_US)

struct fake_guest {
	uint8_t *ram;
	uint64_t nr_pages;
	uint64_t next_table_pfn;  /* tables are taken from pfn 1 upwards */
	struct core_state *st;
	struct host_platform plat;
	struct core core;
	char *console_text, *log_text;
	size_t console_len, log_len;
};

/* nr_pages of zeroed RAM, an empty L4 at pfn 0 (cr3), kernel mode. */
void fake_guest_init(struct fake_guest *g, uint64_t nr_pages);
void fake_guest_free(struct fake_guest *g);

/* Maps va to pfn with the leaf flags given; missing tables are taken from
 * the table pool and linked P|RW|US. */
void fake_guest_map(struct fake_guest *g, uint64_t va, uint64_t pfn, uint64_t flags);

/* The entry for va at level (3: L4 ... 0: L1), creating the tables above
 * it; tests overwrite it to build broken walks. */
uint64_t *fake_guest_entry(struct fake_guest *g, uint64_t va, int level);

/* Host pointer to a guest frame. */
uint8_t *fake_guest_page(struct fake_guest *g, uint64_t pfn);

/* What the core wrote so far to the console and the log (NUL-terminated). */
const char *fake_guest_console(struct fake_guest *g, size_t *len);
const char *fake_guest_log(struct fake_guest *g);
unsigned fake_guest_log_lines(struct fake_guest *g);

#endif
