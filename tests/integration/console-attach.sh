#!/bin/bash
# `xenlet console NAME` and `xenlet create -c` against detached domains
# running the console-in guest (it reads exactly xt.bytes bytes from its
# console ring's in[], then prints their cksum and ends), in each trap
# path:
# - `run -d`, then a first `console` from a pipe sends half the bytes and
#   detaches at the end of its stdin: exit 0, the domain still running;
#   a second client is refused while one is attached, and one that hangs
#   up without a word frees the console; a last `console` sends the rest
#   and shows the guest's verdict, ending by itself when the domain ends;
# - `create -c` (host path): the console attached at once, detached at
#   the end of stdin with the domain running on, then finished as above;
# - on a terminal (script(1)), `console` is raw and Ctrl-] detaches: the
#   bytes before it reach the guest, the terminal's settings come back;
# - the launcher under ASan/UBSan (build/xenlet-san) through the same
#   detach and attach, with no report in its log;
# - `console` of a domain that does not exist fails;
# - Debian's kernel (host path, a busybox shell on hvc0): a command typed
#   through `console` runs and its answer comes back through the ring's
#   out[], and `exit` typed there powers the domain off, which ends the
#   client.  XENLET_CONSOLE_DEBIAN=0 leaves it out (a quick run).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
RT=$XENLET_RUNTIME_DIR
GUEST=$GUESTS/console-in.elf
HALF1='hello ' HALF2='world\n'
SUM=$(printf "%b" "$HALF1$HALF2" | cksum | cut -d' ' -f1)

# attach NAME INPUT HOLD: `xenlet console NAME` with INPUT (printf %b)
# on stdin, kept open HOLD seconds more; sets RC, OUT, ERR and SECS.
attach() {
	OUT=$WORK/$RUN.out ERR=$WORK/$RUN.err
	local start=$SECONDS
	timeout 30 "$XENLET" console "$1" < <(printf "%b" "$2"; sleep "$3") >"$OUT" 2>"$ERR"
	RC=$?
	SECS=$((SECONDS - start))
}
state() { # NAME: its state in `xenlet list`
	"$XENLET" list | awk -v n="$1" '$1 == n { print $5 }'
}
expect_state() { # NAME STATE
	local s
	s=$(state "$1")
	if [ "$s" = "$2" ]; then pass "$1 is $2"; else fail "$1 is '$s', wanted '$2'"; fi
}
# The second half, then the guest's verdict through the client, which
# ends when the domain does (long before its stdin would).
finish_guest() { # NAME
	RUN=$1-rest
	attach "$1" "$HALF2" 20
	expect_rc 0
	expect_out_has "console-in: got 12 bytes, cksum $SUM"
	expect_out_has "Test result: SUCCESS"
	if [ "$SECS" -lt 15 ]; then pass "the client ended with the domain (${SECS}s)"
	else fail "the client outlived the domain (${SECS}s)"; fi
	for _ in $(seq 100); do [ -e "$RT/$1.sock" ] || break; sleep 0.1; done
	if grep -q "ended with status 0" "$RT/$1.log"; then pass "$1 ended with status 0"
	else fail "$1's log: $(tail -3 "$RT/$1.log")"; fi
}

for path in guest host; do
	name=ca-$path
	RUN=$name-start OUT=$WORK/$RUN.out ERR=$WORK/$RUN.err
	timeout 60 "$XENLET" run "$GUEST" --memory 32 --net none --trap-path "$path" \
		--cmdline "xt.bytes=12 xt.cksum=$SUM" --name "$name" -d >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc 0

	RUN=$name-half
	attach "$name" "$HALF1" 0
	expect_rc 0
	expect_state "$name" running

	# One client at a time: a second is refused while the first holds
	# its stdin open, and says why.
	RUN=$name-second
	timeout 30 "$XENLET" console "$name" < <(sleep 2) >/dev/null 2>&1 &
	first=$!
	sleep 0.5
	attach "$name" "" 0
	if [ "$RC" = 1 ] && grep -q "attached to another client" "$ERR"; then
		pass "a second client is refused"
	else fail "a second client: status $RC, $(cat "$ERR")"; fi
	wait "$first"
	RC=$?
	expect_rc 0

	# A client that asks and hangs up at once does not keep the console
	# (one that never reads: tests/unit/test_console_client.c).
	RUN=$name-rude
	if command -v python3 >/dev/null; then
		python3 - "$RT/$name.sock" >"$WORK/rude.out" 2>&1 <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"console"}\n')
s.close()
for _ in range(50):  # the launcher notices the hang-up
    t = socket.socket(socket.AF_UNIX)
    t.connect(sys.argv[1])
    t.sendall(b'{"cmd":"console"}\n')
    reply = t.recv(100)
    if b'"ok":true' in reply:
        t.close()
        print("freed")
        break
    t.close()
    time.sleep(0.05)
PY
		if grep -qx freed "$WORK/rude.out"; then pass "a client that hung up freed the console"
		else fail "the console stayed taken: $(cat "$WORK/rude.out")"; fi
	fi
	expect_state "$name" running
	finish_guest "$name"
done

# create -c: detached, the console attached at once; the end of stdin
# detaches and the domain runs on.
name=ca-create
cat >"$WORK/create.cfg" <<CFG
name = "$name"
kernel = "$PWD/$GUEST"
memory = 32
extra = "xt.bytes=12 xt.cksum=$SUM"
CFG
RUN=create-c OUT=$WORK/$RUN.out ERR=$WORK/$RUN.err
timeout 60 "$XENLET" create -c --trap-path host "$WORK/create.cfg" \
	< <(printf "%b" "$HALF1"; sleep 0.5) >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0
expect_err_matches "^xenlet: domain $name detached"
expect_state "$name" running
finish_guest "$name"

# On a terminal: raw, and Ctrl-] detaches (the byte before it is the
# guest's, the domain runs on, the terminal is as it was).
if command -v script >/dev/null; then
	name=ca-tty
	esc_sum=$(printf 'xyz' | cksum | cut -d' ' -f1)
	RUN=tty-start OUT=$WORK/$RUN.out ERR=$WORK/$RUN.err
	timeout 60 "$XENLET" run "$GUEST" --memory 32 --net none --trap-path host \
		--cmdline "xt.bytes=3 xt.cksum=$esc_sum" --name "$name" -d >"$OUT" 2>"$ERR"
	RUN=tty-escape OUT=$WORK/$RUN.out
	(sleep 1; printf 'x\035') | timeout 30 script -qec \
		"stty -g >'$WORK/before'; $XENLET console $name; echo \"rc=\$?\";
		 stty -g >'$WORK/after'" /dev/null >"$OUT"
	RC=$(tr -d '\r' <"$OUT" | sed -n 's/^rc=\([0-9]*\)$/\1/p' | tail -1)
	expect_rc 0
	expect_out_has "detached from $name's console"
	if cmp -s "$WORK/before" "$WORK/after"; then pass "the terminal's settings are as before"
	else fail "the terminal was left changed (stty -g differs)"; fi
	expect_state "$name" running
	RUN=tty-rest
	attach "$name" 'yz' 20
	expect_out_has "console-in: got 3 bytes, cksum $esc_sum"
else
	echo "note: script(1) missing: no terminal checks"
fi

# The console's threads and the hand-over under the sanitizers.
if [ -x build/xenlet-san ]; then
	name=ca-san
	RUN=san-start OUT=$WORK/$RUN.out ERR=$WORK/$RUN.err
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99 \
		timeout 120 build/xenlet-san run "$GUEST" --memory 32 --net none \
		--trap-path host --cmdline "xt.bytes=12 xt.cksum=$SUM" --name "$name" -d \
		>"$OUT" 2>"$ERR"
	RC=$?
	expect_rc 0
	RUN=$name-half
	attach "$name" "$HALF1" 0
	expect_rc 0
	finish_guest "$name"
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$RT/$name.log"; then
		fail "sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error' "$RT/$name.log")"
	else
		pass "no sanitizer report in $name.log"
	fi
else
	echo "note: build/xenlet-san not built: no sanitized run"
fi

RUN=no-such-domain
attach no-such-domain "" 0
if [ "$RC" = 1 ] && grep -q "no domain 'no-such-domain'" "$ERR"; then
	pass "no such domain: refused"
else fail "no such domain: status $RC, $(cat "$ERR")"; fi

if [ "${XENLET_CONSOLE_DEBIAN:-1}" = 0 ]; then
	echo "note: XENLET_CONSOLE_DEBIAN=0: Debian's kernel not booted"
	finish
fi
require_debian build/initramfs-shell.cpio.gz scripts/initramfs-shell.sh
name=ca-debian
RUN=debian-start OUT=$WORK/$RUN.out ERR=$WORK/$RUN.err
timeout 120 "$XENLET" run "$KERNEL" --ramdisk "$INITRD" --trap-path host --net none \
	--cmdline "console=hvc0" --name "$name" -d >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0
for _ in $(seq 1200); do
	grep -q "a shell on hvc0" "$RT/$name.log" 2>/dev/null && break
	sleep 0.5
done
RUN=debian-console OUT=$WORK/$RUN.out ERR=$WORK/$RUN.err
mkfifo "$WORK/keys"
timeout 600 "$XENLET" console "$name" <"$WORK/keys" >"$OUT" 2>"$ERR" &
client=$!
exec 3>"$WORK/keys"
# shellcheck disable=SC2016 # the guest's shell expands it: 42 proves it ran
printf 'echo MARK$((40+2))\n' >&3
for _ in $(seq 1200); do
	tr -d '\r' <"$OUT" | grep -qx MARK42 && break
	sleep 0.1
done
if tr -d '\r' <"$OUT" | grep -qx MARK42; then pass "the shell's answer came back"
else fail "no answer from the shell through the console"; fi
printf 'exit\n' >&3
wait "$client"
RC=$?
exec 3>&-
expect_rc 0
for _ in $(seq 600); do [ -e "$RT/$name.sock" ] || break; sleep 0.2; done
if grep -q "ended with status 0" "$RT/$name.log"; then pass "exit typed there powered it off"
else
	fail "$name's log: $(tail -3 "$RT/$name.log")"
	"$XENLET" destroy "$name" >/dev/null 2>&1 # not left running
fi
finish
