#!/bin/bash
# --trap-path=auto: the start-up measurement runs both ways and the launcher
# takes the cheaper; an explicit path skips the measurement.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

for i in 1 2 3; do
	run_xenlet "auto-$i" "$GUESTS/shutdown-modes.elf" --memory 32 --stats \
		--cmdline "xt.action=poweroff"
	expect_rc 0
	read -r guest host rounds < <(sed -n \
		's/^xenlet-stats: calibrate_ticks guest \([0-9]*\) host \([0-9]*\) rounds \([0-9]*\)$/\1 \2 \3/p' "$ERR")
	chosen=$(sed -n 's/^xenlet-stats: trap_path \(.*\)$/\1/p' "$ERR")
	if [ -z "${guest:-}" ] || [ "${rounds:-0}" -lt 1 ]; then
		fail "no start-up measurement reported"
		continue
	fi
	want=guest
	[ "$host" -lt "$guest" ] && want=host
	if [ "$chosen" = "$want" ]; then
		pass "measured guest $guest host $host ticks: chose $chosen"
	else
		fail "measured guest $guest host $host ticks, but chose $chosen"
	fi
	[ "$(grep -c '^xenlet-stats: vm_exits.io_calibrate ' "$ERR")" = 1 ] &&
		pass "calibration exits counted" || fail "no calibration exits counted"
done

for path in guest host; do
	run_xenlet "explicit-$path" "$GUESTS/shutdown-modes.elf" --memory 32 --stats \
		--trap-path "$path" --cmdline "xt.action=poweroff"
	expect_rc 0
	expect_err_matches "^xenlet-stats: trap_path $path$"
	if grep -q '^xenlet-stats: calibrate_ticks' "$ERR"; then
		fail "an explicit trap path still ran the measurement"
	else
		pass "no measurement with an explicit path"
	fi
done
finish
