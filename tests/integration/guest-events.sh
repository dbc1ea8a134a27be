#!/bin/bash
# Boots the events guest in each trap path: its console ring output must
# reach stdout (each send drains it; a line never sent is read when the
# domain stops), event channel operations behave as Xen's, and a timer
# wakes SCHEDOP_block with VIRQ_TIMER at the event callback.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/events.elf

for path in guest host; do
	run_xenlet "$path" "$GUEST" --trap-path "$path"
	expect_rc 0
	expect_result "SUCCESS"
	expect_out_line "events: hello through the console ring"
	expect_out_line "events: after the long line"
	expect_out_has "events: VIRQ_TIMER woke SCHEDOP_block after "
	want=$(awk 'BEGIN { for (i = 0; i < 3 * 2048; i++) printf "%c", 97 + i % 26 }')
	if grep -qxF -- "events: long line: $want" "$OUT"; then
		pass "the 6 KiB line came through the 2 KiB ring whole"
	else
		fail "the 6 KiB line is missing or damaged"
	fi

	run_xenlet "$path-unsent" "$GUEST" --trap-path "$path" --cmdline "xt.step=unsent"
	expect_rc 0
	expect_out_line "events: written without a send"
done

finish
