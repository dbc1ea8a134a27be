#!/bin/bash
# Boots the hostile guest in each trap path: dom0's xenstore and console
# rings cannot become page tables (and still work), frames past guest RAM
# cannot be mapped, a frame retyped after a flush-less unmap is flushed
# first (retype_flushes in --stats), and stray I/O to the hypercall port
# from guest kernel or user mode is the guest's #GP (or emulated with I/O
# privilege) while the domain keeps running.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/hostile.elf

for path in guest host; do
	run_xenlet "$path" "$GUEST" --trap-path "$path" --stats
	expect_rc 0
	expect_result SUCCESS
	# Written through the console ring after the refused retypes.
	expect_out_line "hostile: console ring still carries output"
	expect_out_line "hostile: stray port I/O done, the domain still runs"
	n=$(sed -n 's/^xenlet-stats: retype_flushes \([0-9]*\)$/\1/p' "$ERR")
	if [ -n "$n" ] && [ "$n" -ge 1 ]; then
		pass "retype_flushes $n"
	else
		fail "retype_flushes '${n}', expected at least 1"
	fi
	grep '^hostile:' "$OUT" >"$WORK/$path.steps"
done

# What each step saw (errors, trap frames, emulated values) must not
# depend on where the core runs.
RUN=paths
if diff -u "$WORK/guest.steps" "$WORK/host.steps"; then
	pass "every hostile: line the same in both trap paths"
else
	fail "the trap paths differ (diff above)"
fi

finish
