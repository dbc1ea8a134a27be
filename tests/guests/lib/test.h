/*
 * The test guest framework.  A guest defines
 *
 *     const char test_title[] = "what it tests";
 *     void test_main(void) { ... check(...); ... }
 *
 * and the framework boots it, runs test_main, prints exactly one final
 * line that runners grep for:
 *
 *     Test result: SUCCESS
 *     Test result: FAILURE (<n> of <m> checks failed)
 *     Test result: SKIP (<reason>)
 *
 * and shuts the domain down: poweroff on success or skip, crash on failure.
 * Every failed check prints "FAIL <file>:<line>: <what>" first.
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>

#include "console.h"

extern const char test_title[];
void test_main(void);

/* What the domain builder handed over at entry (saved by entry.S). */
extern struct start_info *boot_start_info;
extern unsigned long boot_rsp;

/* start_info's command line, NUL-terminated (cut at MAX_GUEST_CMDLINE - 1
 * if the builder did not terminate it; test_cmdline_terminated says). */
const char *test_cmdline(void);
bool test_cmdline_terminated(void);

/* Records one check; prints why when it failed.  Returns ok. */
bool test_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define check(cond) test_check(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define check_msg(cond, ...) test_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define check_eq(a, b)                                                       \
	do {                                                                 \
		uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b); \
		test_check(check_a_ == check_b_, __FILE__, __LINE__,         \
			   "%s == %s (0x%lx vs 0x%lx)", #a, #b, check_a_,    \
			   check_b_);                                        \
	} while (0)

/* A check whose failure makes the rest of the test meaningless: records
 * it and ends the test at once. */
#define require(cond, ...)                                                   \
	do {                                                                 \
		if (!test_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__))  \
			test_finish();                                       \
	} while (0)

/* Prints the result line and shuts down. */
__attribute__((noreturn)) void test_finish(void);
__attribute__((noreturn, format(printf, 1, 2))) void test_skip(const char *fmt, ...);

/* SCHEDOP_shutdown with the given SHUTDOWN_* reason; never returns. */
__attribute__((noreturn)) void test_shutdown(unsigned reason);

#endif
