#!/bin/bash
# Boots the grant guest in each trap path: its grant table set up and
# mapped with its own PTEs, its own pages granted to itself, mapped
# (by address and by PTE, read-only and writable, batched), read and
# written through the mappings, unmapped (and refused when the PTE was
# changed behind Xen's back), copied between grants and frames, and the
# same under version 2 with the status frame mapped, a sub-page grant,
# and set_version refused while that frame is mapped; each with Xen's
# status codes.  The launcher's count of grant_table_op calls must show
# they reached the core.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/grant.elf

for path in guest host; do
	run_xenlet "$path" "$GUEST" --trap-path "$path" --stats
	expect_rc 0
	expect_result SUCCESS
	expect_out_has "grant: table of 2 frames at mfn "
	expect_out_line "grant: maps and unmaps done"
	expect_out_line "grant: copies done"
	expect_out_line "grant: version 2 done"
	expect_err_matches "^xenlet-stats: hypercall\.grant_table_op [1-9][0-9]+$"
done

finish
