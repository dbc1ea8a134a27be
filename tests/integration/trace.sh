#!/bin/bash
# --trace, --trace-hypercalls and --strict in each trap path.
#
# The hypercall bench guest makes CALLS XENVER_version calls through its
# hypercall page and as many raw syscalls: --trace-hypercalls must print
# each with its result, and trace-report must count them and place their
# RIPs in the guest's own functions (the test guest's ELF as the vmlinux):
# a page call's in the function that called the page.
# In the host path each hypercall is a VM exit; in the guest path the shim
# handles them and only --trace-hypercalls' report of each one leaves it.
# The traps guest's fpu_taskswitch(1) is a departure from Xen on these
# hosts (no #NM follows): --strict must name it, --stats count it, and in
# the host path its faults must resolve to the instructions that made them.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

REPORT=build/tools/trace-report
if [ ! -x "$REPORT" ]; then
	echo "FAIL: $REPORT is not built (run make)"
	exit 1
fi
BENCH=$GUESTS/hypercall-bench.elf
TRAPS=$GUESTS/traps.elf
CALLS=200
# XENVER_version's answer: Xen 4.17
VERSION=$(((4 << 16) | 17))

# The report line of a cause: "exits guest_ms xenlet_ms  WHAT" -> exits.
report_count() {
	awk -v what="$2" '
		$0 ~ /^by / { table = $0 }
		table == "by " t && substr($0, index($0, $4)) == what { print $1; exit }
	' t="$3" "$1"
}

expect_count() { # FILE TABLE WHAT N
	local n
	n=$(report_count "$1" "$3" "$2")
	if [ "$n" = "$4" ]; then
		pass "report: $4 x '$3' ($2)"
	else
		fail "report: '${n:-none}' x '$3' ($2), expected $4"
		sed 's/^/  report| /' "$1" | head -40
	fi
}

for path in guest host; do
	run_xenlet "$path-bench" "$BENCH" --trap-path "$path" --cmdline "xt.calls=$CALLS" \
		--trace "$WORK/$path.trace" --trace-hypercalls --strict
	expect_rc 0
	expect_result "SUCCESS"
	n=$(grep -cxF "xenlet-hypercall: vcpu0 xen_version(0, 0) = $VERSION" "$ERR")
	if [ "$n" = $((2 * CALLS)) ]; then
		pass "--trace-hypercalls printed $n xen_version calls"
	else
		fail "--trace-hypercalls printed $n xen_version calls, expected $((2 * CALLS))"
	fi
	expect_err_matches '^xenlet-hypercall: vcpu0 sched_op\(2, 0x[0-9a-f]+\) = 0$'
	expect_err_matches '^xenlet: strict: 0 departures from Xen$'

	"$REPORT" -n 50 "$WORK/$path.trace" "$BENCH" >"$WORK/$path.report" 2>&1 ||
		fail "trace-report failed: $(cat "$WORK/$path.report")"
	expect_count "$WORK/$path.report" "cause, most exits first:" \
		"hypercall xen_version" $((2 * CALLS))
	expect_count "$WORK/$path.report" "guest function and cause, most exits first:" \
		"hypercall_via_syscall: hypercall xen_version" "$CALLS"
	# A call through the page is named by its caller, whose return
	# address the page's entry saved under %rcx and %r11, not by the page.
	expect_count "$WORK/$path.report" "guest function and cause, most exits first:" \
		"hypercall_via_page: hypercall xen_version" "$CALLS"
	if grep -qE '^ +[0-9]+ .* 0x[0-9a-f]+ hypercall_via_syscall\+0x[0-9a-f]+$' "$WORK/$path.report"; then
		pass "report: a RIP resolved to hypercall_via_syscall+offset"
	else
		fail "report: no RIP resolved to hypercall_via_syscall+offset"
	fi
	total=$(sed -n 's/^trace: \([0-9]*\) exits on 1 vCPU(s), .*/\1/p' "$WORK/$path.report")
	size=$(stat -c %s "$WORK/$path.trace")
	if [ -n "$total" ] && [ "$size" = $((32 + 48 * total)) ]; then
		pass "trace of $total records, $size bytes"
	else
		fail "trace of '${total:-?}' records in $size bytes"
	fi

	run_xenlet "$path-traps" "$TRAPS" --trap-path "$path" --trace "$WORK/$path-traps.trace" --strict
	expect_rc 0
	expect_result "SUCCESS"
	expect_err_matches '^xenlet: strict: departure from Xen \(fpu_taskswitch_no_nm\): fpu_taskswitch\(1\)'
	expect_err_matches '^xenlet: strict: fpu_taskswitch_no_nm 1$'
	n=$(grep -c 'strict: departure from Xen' "$ERR")
	if [ "$n" = 1 ]; then
		pass "one departure reported"
	else
		fail "$n departures reported, expected only the first of one kind"
	fi
	"$REPORT" -n 100 "$WORK/$path-traps.trace" "$TRAPS" >"$WORK/$path-traps.report" 2>&1 ||
		fail "trace-report failed: $(cat "$WORK/$path-traps.report")"
	if [ "$path" = host ]; then
		# Every guest trap is an exit here, at the instruction that faulted.
		expect_count "$WORK/$path-traps.report" "guest function and cause, most exits first:" \
			"snip_de: trap 0 #DE" 2
		expect_count "$WORK/$path-traps.report" "guest function and cause, most exits first:" \
			"snip_ud: trap 6 #UD" 2
	else
		# The shim handled the hypercall; only --strict's report left it.
		expect_count "$WORK/$path-traps.report" "cause, most exits first:" \
			"hypercall fpu_taskswitch" 1
	fi

	run_xenlet "$path-stats" "$TRAPS" --trap-path "$path" --stats
	expect_rc 0
	expect_err_matches '^xenlet-stats: departure\.fpu_taskswitch_no_nm 1$'
	if grep -q 'strict' "$ERR"; then
		fail "departures printed without --strict"
	else
		pass "no departure printed without --strict"
	fi
done

finish
