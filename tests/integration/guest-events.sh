#!/bin/bash
# Boots the events guest in each trap path: its console ring output must
# reach stdout (each send drains it; a line never sent is read when the
# domain stops), event channel operations behave as Xen's, and a timer
# wakes SCHEDOP_block with VIRQ_TIMER at the event callback.  The
# wallclock the guest reads is the host's (UTC); started by `create` from
# an xl config with localtime = 1 it is moved by the host's UTC offset
# (a zone 5 h east of UTC here), as Xen's domain time offset moves it.
#
# wallclock_near WANT: the guest's printed wallclock is WANT s after the
# time the run started ($start), give or take the run's own length.
wallclock_near() {
	local wc off
	wc=$(sed -n 's/^events: wallclock \([0-9]*\) s$/\1/p' "$OUT")
	off=$((${wc:-0} - start))
	if [ "$off" -ge $(($1 - 2)) ] && [ "$off" -le $(($1 + 60)) ]; then
		pass "the wallclock is the host's time + $1 s (off by $((off - $1)) s)"
	else
		fail "the wallclock is ${wc:-missing}: $off s from the start, wanted $1"
	fi
}
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/events.elf

for path in guest host; do
	start=$(date +%s)
	run_xenlet "$path" "$GUEST" --trap-path "$path"
	expect_rc 0
	wallclock_near 0
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

	# The one-shot timer gap: the guest path's 20 ms by default, none in
	# the host path, and --timer-gap's in either (README, "Time").
	default_gap=0
	[ "$path" = guest ] && default_gap=20000
	run_xenlet "$path-gap" "$GUEST" --trap-path "$path" --stats
	expect_rc 0
	expect_err_matches "^xenlet-stats: timer_gap_us $default_gap$"
	run_xenlet "$path-gap-given" "$GUEST" --trap-path "$path" --stats --timer-gap 7
	expect_rc 0
	expect_result "SUCCESS"
	expect_err_matches "^xenlet-stats: timer_gap_us 7000$"

	run_xenlet "$path-unsent" "$GUEST" --trap-path "$path" --cmdline "xt.step=unsent"
	expect_rc 0
	expect_out_line "events: written without a send"

	# Blocked with nothing to wake it: sleeping, not spinning, and a
	# SIGINT still ends the run at once.
	RUN=$path-block
	OUT=$WORK/$RUN.out
	ERR=$WORK/$RUN.err
	"$XENLET" run "$GUEST" --trap-path "$path" --cmdline "xt.step=block-forever" \
		>"$OUT" 2>"$ERR" &
	pid=$!
	for _ in $(seq 50); do
		grep -q "events: blocking forever" "$OUT" && break
		sleep 0.1
	done
	sleep 0.5
	cpu=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
	sleep 1
	cpu2=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
	kill -INT "$pid"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		fail "SIGINT did not end a run blocked in SCHEDOP_block within 5 s"
	fi
	wait "$pid"
	RC=$?
	expect_rc 130
	# clock ticks (1/100 s) used in one second of blocking
	if [ $((cpu2 - cpu)) -le 10 ]; then
		pass "blocked vCPU used $((cpu2 - cpu)) ticks of CPU in 1 s"
	else
		fail "blocked vCPU used $((cpu2 - cpu)) ticks of CPU in 1 s: it spins"
	fi
done

RUN=localtime OUT=$WORK/$RUN.out ERR=$WORK/$RUN.err
cat >"$WORK/localtime.cfg" <<CFG
name = "events-localtime"
kernel = "$PWD/$GUEST"
memory = 32
localtime = 1
CFG
start=$(date +%s)
TZ=XLT-5 timeout "$RUN_TIMEOUT" "$XENLET" create --trap-path host "$WORK/localtime.cfg" \
	</dev/null >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0
expect_result "SUCCESS"
wallclock_near 18000

finish
