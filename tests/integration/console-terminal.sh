#!/bin/bash
# xenlet on a terminal (a pty from script(1)), in each trap path, with the
# console-in guest reading its console ring's in[]:
#  - stdin is raw: Ctrl-C (0x03) and a newline reach the guest as bytes,
#    not as a signal to xenlet or a translated CR;
#  - Ctrl-] ends the session: exit status 6, and xenlet says so;
#  - the terminal's settings are back as they were either way.
# The input waits a few seconds so xenlet has set the terminal up first.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
if ! command -v script >/dev/null; then
	echo "skip: script(1) (util-linux) is not installed"
	exit 77
fi
GUEST=$GUESTS/console-in.elf

# on_tty NAME INPUT GUEST-ARGS...: the guest under a pty fed INPUT (printf
# format); sets RC, OUT (what the terminal showed) and TTY_SAME.
on_tty() {
	RUN=$1
	local input=$2
	shift 2
	OUT=$WORK/$RUN.out
	ERR=$WORK/$RUN.err
	: >"$ERR"
	(sleep 3; printf "$input") | timeout "$RUN_TIMEOUT" script -qec \
		"stty -g >'$WORK/$RUN.before'; $XENLET run $GUEST $*; echo \"rc=\$?\";
		 stty -g >'$WORK/$RUN.after'" /dev/null >"$OUT"
	RC=$(tr -d '\r' <"$OUT" | sed -n 's/^rc=\([0-9]*\)$/\1/p' | tail -1)
	if cmp -s "$WORK/$RUN.before" "$WORK/$RUN.after"; then
		pass "the terminal's settings are as before"
	else
		fail "the terminal was left changed (stty -g differs)"
	fi
}

raw_sum=$(printf 'ab\003cd\n' | cksum | cut -d' ' -f1)
for path in guest host; do
	on_tty "$path-raw" 'ab\003cd\n' --trap-path "$path" \
		--cmdline "'xt.bytes=6 xt.cksum=$raw_sum'"
	expect_rc 0
	expect_out_has "console-in: got 6 bytes, cksum $raw_sum"

	on_tty "$path-escape" 'x\035yz' --trap-path "$path" \
		--cmdline "'xt.bytes=100 xt.cksum=1'"
	expect_rc 6
	expect_out_has "xenlet: console session ended (Ctrl-])"
done
finish
