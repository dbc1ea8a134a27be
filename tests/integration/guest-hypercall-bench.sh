#!/bin/bash
# A short run of the hypercall-bench guest in each trap path, so the bench
# keeps working: it must power off with its five bench lines, and the
# launcher's --stats must count exactly the XENVER_version calls it made
# and name the trap path asked for.  In the host path the page-table calls'
# CPU work must take the short ways: each NEW_BASEPTR's CR3 by
# KVM_SET_SREGS, each store (and invlpg) through the short detour.
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
	for kind in hypercall_page syscall mmu_update update_va_mapping new_baseptr; do
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
	if [ "$path" = host ]; then
		cr3=$(stat_value cpu_ops.cr3_sregs) stores=$(stat_value cpu_ops.detour_stores)
		if [ "${cr3:-0}" -ge "$CALLS" ] && [ "${stores:-0}" -ge $((2 * CALLS)) ]; then
			pass "CR3 loads by SET_SREGS ($cr3), stores by the short detour ($stores)"
		else
			fail "CR3 by SET_SREGS '${cr3:-0}' (want $CALLS+)," \
				"short detours '${stores:-0}' (want $((2 * CALLS))+)"
		fi
	fi
	used=$(stat_value trap_path)
	if [ "$used" = "$path" ]; then
		pass "stats trap_path $used"
	else
		fail "stats trap_path '$used', asked for $path"
	fi
done

finish
