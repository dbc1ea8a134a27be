/* Shared by the hostile guest's parts: main.c (rings, shim region, type
 * changes) and ports.c (stray hypercall-port I/O). */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <stdint.h>
#include <xen/xen.h>

/* What the trap hook saw, one entry per trap. */
struct hit {
	uint64_t vector, has_error, error, rip, cs, frame_top;
};
#define MAX_HITS 8
extern struct hit hits[MAX_HITS];
extern volatile unsigned nr_hits;

/*
 * Where each expected trap resumes: the hook moves the saved rip past the
 * faulting instruction by its known length (end - start, from the asm
 * labels).  A trap at another rip still resumes at end, so a wrong frame
 * shows up as a failed check rather than as code run from mid-instruction;
 * a trap nobody expected ends the test.  expect_traps clears nr_hits;
 * with no plan (n == 0) every trap is unexpected.
 */
struct expected_trap {
	const char *start, *end;
};
void expect_traps(const struct expected_trap *plan, unsigned n);
/* From here any trap is unexpected; nr_hits keeps what came. */
void expect_no_traps(void);

extern struct shared_info *shared;

void stray_port_io(void);

#endif
