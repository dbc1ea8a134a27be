#!/bin/bash
# Boots the shutdown-modes guest in each trap path and checks the launcher's
# exit status for every way a guest can end, and that a fault report names
# the fault and the RIP the guest says it will fault at.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/shutdown-modes.elf

shutdown_run() {
	local path=$1 action=$2 via=$3 reason=$4 status=$5
	run_xenlet "$path-$action-$via" "$GUEST" --trap-path "$path" \
		--cmdline "xt.action=$action xt.via=$via"
	expect_rc "$status"
	expect_out_line "shutdown-modes: SCHEDOP_shutdown reason $reason via $via"
}

fault_run() {
	local path=$1 action=$2 name=$3 pattern=$4 rip
	run_xenlet "$path-$action" "$GUEST" --trap-path "$path" \
		--cmdline "xt.action=$action"
	expect_rc 4
	rip=$(sed -n "s/^shutdown-modes: expect $name at rip=0x\([0-9a-f]*\)$/\1/p" "$OUT")
	if [ -z "$rip" ]; then
		fail "the guest did not print where it would fault"
		return
	fi
	expect_err_matches "$pattern" "$rip"
}

for path in guest host; do
	shutdown_run "$path" poweroff page 0 0
	shutdown_run "$path" poweroff syscall 0 0
	shutdown_run "$path" reboot page 1 2
	shutdown_run "$path" reboot syscall 1 2
	shutdown_run "$path" crash page 3 3
	shutdown_run "$path" crash syscall 3 3
	# Any other reason ends the run like a crash.
	shutdown_run "$path" watchdog page 4 3
	fault_run "$path" pagefault '#PF' '#PF|page.?fault'
	fault_run "$path" ud2 '#UD' '#UD|invalid.?opcode|undefined.?opcode'
	fault_run "$path" gpf '#GP' '#GP|general.?protection'
done

shutdown_run auto poweroff page 0 0

# No action: the guest skips, which still ends in a poweroff.
run_xenlet no-action "$GUEST" --trap-path host
expect_rc 0
expect_result "SKIP (no xt.action=poweroff|reboot|crash|watchdog|pagefault|ud2|gpf|yield)"

finish
