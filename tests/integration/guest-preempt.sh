#!/bin/bash
# Boots the preempt guest in each trap path: VIRQ_TIMER upcalls must
# interrupt a guest that spins on rdtsc without a hypercall or a trap, in
# guest kernel and user mode, at the periodic timer's rate, with Xen's
# frame for the interrupted instruction; none while evtchn_upcall_mask is
# set (then one, when unmasked) and none once the timer is stopped.
#
# The guest itself proves the upcalls were not driven by its hypercalls
# (their frames' rips lie in loops that make none); the --stats counts
# are printed as a note: the hypercalls stay those of its set-up, its
# progress lines and one iret per upcall, while the exits grow with the
# kicks that deliver the upcalls.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/preempt.elf

stat_of() {
	awk -v k="$1" '$1 == "xenlet-stats:" && $2 == k { print $3; found = 1 }
		END { if (!found) print 0 }' "$ERR"
}

# The upcall count a phase's progress line gives ("preempt: PHASE: N upcalls in").
upcalls() {
	sed -n "s/^preempt: $1: \([0-9]*\) upcalls in .*/\1/p" "$OUT" | head -n 1
}

for path in guest host; do
	run_xenlet "$path" "$GUEST" --trap-path "$path" --stats
	expect_rc 0
	expect_result "SUCCESS"
	expect_out_has "preempt: kernel spin: "
	expect_out_has "preempt: user spin: "
	expect_out_has "preempt: masked spin: "
	expect_out_has "preempt: stopped: "
	exits=$(grep '^xenlet-stats: vm_exits\.' "$ERR" | sed 's/^xenlet-stats: vm_exits\.//' |
		tr '\n' ' ')
	echo "note [$path]: upcalls while spinning: kernel $(upcalls "kernel spin")," \
		"user $(upcalls "user spin"); vm_exits $(stat_of vm_exits) (${exits% });" \
		"hypercalls $(stat_of hypercalls), of which iret $(stat_of hypercall.iret)"
done

finish
