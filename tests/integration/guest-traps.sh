#!/bin/bash
# Boots the traps guest in each trap path: trap table, exception bounces
# with Xen's frame, iret, software interrupts and their DPL, guest user
# mode and back (with user code's own wrgsbase/wrfsbase); then a vector
# without a handler must still end the run with a report naming it and
# the RIP the guest says it faults at.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/traps.elf

for path in guest host; do
	run_xenlet "$path" "$GUEST" --trap-path "$path"
	expect_rc 0
	expect_result "SUCCESS"
	expect_out_line "traps: guest user mode round trip done"
	# A platform limit shown, not hidden: wrgsbase/wrfsbase work in guest
	# user mode here; the core must neither undo nor leak them.
	expect_out_line "traps: user-mode wrgsbase/wrfsbase survive a trap and a syscall (the CPU runs them at CPL3 although CPUID hides FSGSBASE)"

	# fpu_taskswitch's #NM needs a KVM that applies the guest's CR0.TS
	# to CPL3 code; the guest says whether this one does.
	grep '^traps: fpu_taskswitch' "$OUT" | sed "s/^/note [$path]: /"

	run_xenlet "$path-unhandled" "$GUEST" --trap-path "$path" --cmdline "xt.step=unhandled"
	expect_rc 4
	rip=$(sed -n 's/^traps: expect #DE at rip=0x\([0-9a-f]*\)$/\1/p' "$OUT")
	if [ -z "$rip" ]; then
		fail "the guest did not print where it would fault"
	else
		expect_err_matches '#DE|divide error' "$rip"
	fi
done

finish
