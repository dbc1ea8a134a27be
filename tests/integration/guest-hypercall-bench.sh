#!/bin/bash
# A short run of the hypercall-bench guest in each trap path, so the bench
# keeps working: it must power off with both bench lines, and the
# launcher's --stats must count exactly the XENVER_version calls it made
# and name the trap path asked for.  In the host path the calls through
# the hypercall page must arrive from the page's own `out`
# (emu/build/hypercall_page.h), the bare syscalls through the trampoline.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/hypercall-bench.elf
CALLS=200

stat_value() {
	awk -v k="$1" '$1 == "xenlet-stats:" && $2 == k { print $3 }' "$ERR"
}

for path in guest host; do
	run_xenlet "$path" "$GUEST" --trap-path "$path" --stats \
		--cmdline "xt.calls=$CALLS"
	expect_rc 0
	expect_result SUCCESS
	for kind in hypercall_page syscall; do
		if grep -qE "^bench: $kind median_ticks=[0-9]+ min_ticks=[0-9]+ calls=$CALLS\$" "$OUT"; then
			pass "bench line for $kind"
		else
			fail "no bench line for $kind with calls=$CALLS"
		fi
	done
	n=$(stat_value hypercall.xen_version)
	if [ "$n" = $((2 * CALLS)) ]; then
		pass "stats count $n xen_version hypercalls"
	else
		fail "stats count '$n' xen_version hypercalls, the guest made $((2 * CALLS))"
	fi
	# Besides the bench's calls, the guest framework makes a few of its
	# own through the page (console_io, sched_op).
	page=$(stat_value page_hypercalls)
	if [ "$path" = host ] && [ "$page" -ge "$CALLS" ] && [ "$page" -lt $((CALLS + 50)) ]; then
		pass "stats count $page hypercalls from the page's exit"
	elif [ "$path" = guest ] && [ "$page" = 0 ]; then
		pass "no hypercall from a page exit in the guest path"
	else
		fail "stats count '$page' hypercalls from the page's exit in the $path path ($CALLS made through the page)"
	fi
	used=$(stat_value trap_path)
	if [ "$used" = "$path" ]; then
		pass "stats trap_path $used"
	else
		fail "stats trap_path '$used', asked for $path"
	fi
done

finish
