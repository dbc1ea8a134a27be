#!/bin/bash
# The lifecycle CLI against running domains, through their control sockets
# in a runtime directory of the test's own ($XENLET_RUNTIME_DIR):
# - the shutdown-modes guest yielding forever (xt.action=yield), in both
#   trap paths: `run -d` detaches once it runs (pid file, socket, log),
#   `list`, `info`, `vcpu-list`, `xenstore-read/-write/-ls/-rm`, a taken
#   name refused, default names, `pause` (the vCPU makes no exits and uses
#   no CPU while paused) and `unpause`, a dead launcher's socket cleaned by
#   `list`, hostile protocol lines, and `destroy` (socket and pid file
#   gone, the log saying why and the status);
# - the SMP guest paused and unpaused during its event storm between two
#   vCPUs: it still passes, with no event lost;
# - `--on-reboot restart`: a guest rebooting at once is booted again, in
#   the same process, until destroyed;
# - a CD-ROM (`--disk ...,cdrom`, xl's devtype=cdrom) in the store as
#   libxl and Xen's blkback leave one: device-type cdrom on both sides,
#   removable, mode r, info VDISK_CDROM|VDISK_REMOVABLE|VDISK_READONLY;
# - Debian's kernel in the host trap path: `shutdown -w` through
#   control/shutdown (the kernel runs /sbin/poweroff), ending the run with
#   exit status 0; `reboot` with `--on-reboot restart`: it boots again,
#   then shuts down (status 0).
# XENLET_LIFECYCLE_DEBIAN=0 leaves Debian's kernel out (a quick run).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
export XENLET_RUNTIME_DIR=$WORK/run
RT=$XENLET_RUNTIME_DIR

got() { # WHAT WANT GOT
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1: wanted '$2', got '$3'"; fi
}
check() { # WHAT COMMAND...: the command succeeds
	local what=$1
	shift
	if "$@" >"$WORK/check.out" 2>&1; then pass "$what"; else
		fail "$what: '$*' failed: $(head -3 "$WORK/check.out")"
	fi
}
refuse() { # WHAT COMMAND...: the command fails
	local what=$1
	shift
	if "$@" >"$WORK/check.out" 2>&1; then fail "$what: '$*' succeeded"; else
		pass "$what"
	fi
}
field() { # NAME COLUMN: a column of NAME's row in `xenlet list`
	"$XENLET" list | awk -v n="$1" -v c="$2" '$1 == n { print $c }'
}
vcpu0() { # NAME COLUMN: of vCPU 0's row in `xenlet vcpu-list NAME`
	"$XENLET" vcpu-list "$1" | awk -v c="$2" '$3 == "0" { print $c }'
}
gone() { # NAME: its socket and pid file are gone
	if [ -e "$RT/$1.sock" ] || [ -e "$RT/$1.pid" ]; then
		fail "$1's socket or pid file left behind: $(ls "$RT")"
	else
		pass "$1's socket and pid file removed"
	fi
}

GUEST="$GUESTS/shutdown-modes.elf --memory 32 --net none --cmdline xt.action=yield"
for path in guest host; do
	RUN=lifecycle-$path OUT=$WORK/$path.out ERR=$WORK/$path.err
	name=lc-$path
	# shellcheck disable=SC2086 # GUEST is words
	timeout 60 "$XENLET" run $GUEST --trap-path "$path" --name "$name" -d >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc 0
	expect_out_has "xenlet: domain $name detached"
	pid=$(cat "$RT/$name.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then pass "pid file names a live process"
	else fail "no live pid in $RT/$name.pid"; fi
	for _ in $(seq 200); do
		grep -q "yielding until stopped" "$RT/$name.log" 2>/dev/null && break
		sleep 0.05
	done
	got "the console goes to the log" "shutdown-modes: yielding until stopped" \
		"$(grep -m1 yielding "$RT/$name.log")"

	got "list: state" running "$(field "$name" 5)"
	got "list: domid" 1 "$(field "$name" 2)"
	got "list: memory" 32 "$(field "$name" 3)"
	got "list: vcpus" 1 "$(field "$name" 4)"
	got "info: trap path" "trap_path       : $path" "$("$XENLET" info "$name" | grep trap_path)"
	got "xenstore-read name" "$name" "$("$XENLET" xenstore-read "$name" /local/domain/1/name)"
	check "xenstore-write" "$XENLET" xenstore-write "$name" /local/domain/1/data/probe "hello there"
	got "xenstore-read what was written" "hello there" \
		"$("$XENLET" xenstore-read "$name" /local/domain/1/data/probe)"
	got "xenstore-ls" 'probe = "hello there"' \
		"$("$XENLET" xenstore-ls "$name" /local/domain/1/data)"
	check "xenstore-rm" "$XENLET" xenstore-rm "$name" /local/domain/1/data/probe
	refuse "xenstore-read of a removed node" "$XENLET" xenstore-read "$name" /local/domain/1/data/probe
	refuse "xenstore-read of a relative path" "$XENLET" xenstore-read "$name" local/domain
	# shellcheck disable=SC2086 # GUEST is words
	refuse "a second domain with a taken name" \
		timeout 30 "$XENLET" run $GUEST --name "$name" -d
	refuse "a command on a domain that does not exist" "$XENLET" pause no-such-domain

	# Paused, the vCPU makes no VM exits and takes no CPU time; unpaused
	# it goes on.
	check "pause" "$XENLET" pause "$name"
	got "list: paused" paused "$(field "$name" 5)"
	got "vcpu-list: paused" paused "$(vcpu0 "$name" 4)"
	e1=$(vcpu0 "$name" 6) t1=$(vcpu0 "$name" 5)
	sleep 1
	e2=$(vcpu0 "$name" 6) t2=$(vcpu0 "$name" 5)
	got "no exits while paused" "$e1" "$e2"
	got "no CPU time while paused" "$t1" "$t2"
	check "unpause" "$XENLET" unpause "$name"
	sleep 0.5
	e3=$(vcpu0 "$name" 6) t3=$(vcpu0 "$name" 5)
	# (the guest path's yields rarely leave the shim: its CPU time shows)
	if [ "${e3:-0}" -gt "${e2:-0}" ] || awk -v a="$t2" -v b="$t3" 'BEGIN { exit !(b > a) }'; then
		pass "the vCPU runs again after unpause (exits $e2 -> $e3, CPU $t2 -> $t3 s)"
	else fail "no progress after unpause (exits $e2 -> $e3, CPU $t2 -> $t3 s)"; fi
	got "list: running again" running "$(field "$name" 5)"

	# Hostile lines on the socket: each refused with a reason, and the
	# domain still answers afterwards.
	if command -v python3 >/dev/null; then
		python3 - "$RT/$name.sock" >"$WORK/hostile.out" 2>&1 <<'PY'
import json, socket, sys
def session(data, read_lines):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(sys.argv[1])
    s.sendall(data)
    buf = b""
    while buf.count(b"\n") < read_lines:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    s.close()
    return [json.loads(l) for l in buf.split(b"\n") if l]
bad = [b"", b"nonsense", b"[]", b'{"cmd":1}', b'{"cmd":"status","x":"y"}',
       b'{"cmd":"destroy","cmd":"status"}', b'{"cmd":"xenstore-read"}',
       b'{"cmd":"xenstore-write","path":"/a","value":"\\u0000"}', b"\xff\xfe{"]
replies = session(b"\n".join(bad) + b"\n", len(bad))
assert len(replies) == len(bad), replies
assert all(r["ok"] is False and r["error"] for r in replies), replies
# An overlong line: answered with an error, then the connection closed.
replies = session(b"{" * 20000, 1)
assert len(replies) == 1 and not replies[0]["ok"] and "longer" in replies[0]["error"], replies
# Many requests in one write, answered in order.
replies = session(b'{"cmd":"status"}\n' * 50, 50)
assert len(replies) == 50 and all(r["ok"] for r in replies), replies
print("hostile: ok")
PY
		got "hostile lines refused, the socket still serves" "hostile: ok" \
			"$(tail -1 "$WORK/hostile.out")"
		got "list after hostile lines" running "$(field "$name" 5)"
	else
		echo "note: python3 missing: no hostile-line checks"
	fi

	check "destroy" "$XENLET" destroy "$name"
	gone "$name"
	if kill -0 "$pid" 2>/dev/null; then fail "the launcher $pid still runs"
	else pass "the launcher has exited"; fi
	got "the log says who ended it" "xenlet: domain $name destroyed (xenlet destroy)" \
		"$(grep -m1 destroyed "$RT/$name.log")"
	got "the log has the exit status" "xenlet: domain $name ended with status 143" \
		"$(grep -m1 'ended with' "$RT/$name.log")"
done

# Default names, and a dead launcher's socket cleaned by `list`.
RUN=lifecycle-names OUT=$WORK/names.out ERR=$WORK/names.err
for _ in 1 2; do
	# shellcheck disable=SC2086
	timeout 60 "$XENLET" run $GUEST --trap-path host -d >>"$OUT" 2>>"$ERR"
done
got "default names" "xenlet-guest xenlet-guest-2" \
	"$("$XENLET" list | awk 'NR > 1 { print $1 }' | sort | xargs)"
if command -v python3 >/dev/null; then
	python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$RT/dead.sock"
	echo 99999999 >"$RT/dead.pid"
	"$XENLET" list >/dev/null
	gone dead
fi
check "destroy xenlet-guest" "$XENLET" destroy xenlet-guest
check "destroy xenlet-guest-2" "$XENLET" destroy xenlet-guest-2
gone xenlet-guest
gone xenlet-guest-2

# A CD-ROM drive, read through the store as blkfront would read it.
RUN=lifecycle-cdrom OUT=$WORK/cdrom.out ERR=$WORK/cdrom.err
head -c 1048576 /dev/zero >"$WORK/cd.iso"
# shellcheck disable=SC2086
timeout 60 "$XENLET" run $GUEST --trap-path host --name cd \
	--disk "$WORK/cd.iso,vdev=hdc,cdrom" -d >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0
back=/local/domain/0/backend/vbd/1/5632 # hdc: 22 << 8
got "cdrom: backend device-type" cdrom "$("$XENLET" xenstore-read cd $back/device-type)"
got "cdrom: frontend device-type" cdrom \
	"$("$XENLET" xenstore-read cd /local/domain/1/device/vbd/5632/device-type)"
got "cdrom: removable" 1 "$("$XENLET" xenstore-read cd $back/removable)"
got "cdrom: mode" r "$("$XENLET" xenstore-read cd $back/mode)"
# VDISK_CDROM 1 | VDISK_REMOVABLE 2 | VDISK_READONLY 4
got "cdrom: info" 7 "$("$XENLET" xenstore-read cd $back/info)"
check "destroy cd" "$XENLET" destroy cd

# Paused and unpaused again and again in the middle of the SMP guest's
# event storm between two vCPUs (and its timers and shootdowns): every
# vCPU parks, and no event is lost or duplicated.  Two million events
# take some 6 s here (about 350,000 a second), so the storm outlasts the
# six pauses on hosts several times faster (200,000 no longer did once
# the host path's traps got cheaper).
RUN=lifecycle-smp OUT=$WORK/smp.out ERR=$WORK/smp.err
timeout 60 "$XENLET" run "$GUESTS/smp.elf" --vcpus 2 --memory 64 --net none --trap-path host \
	--cmdline xt.events=2000000 --name smp -d >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0
paused=0
for _ in 1 2 3 4 5 6; do
	sleep 0.3
	"$XENLET" pause smp 2>/dev/null || break
	[ "$(vcpu0 smp 4)" = paused ] && paused=$((paused + 1))
	sleep 0.2
	"$XENLET" unpause smp
done
if [ "$paused" -ge 3 ]; then pass "paused $paused times during the run"
else fail "paused only $paused times (the guest ended first?)"; fi
for _ in $(seq 600); do [ -e "$RT/smp.sock" ] || break; sleep 0.2; done
got "the SMP guest passed" "Test result: SUCCESS" "$(grep -m1 '^Test result' "$RT/smp.log")"
if grep -q "^smp: events: sent [0-9]* received [0-9]* duplicates 0 lost 0 " "$RT/smp.log"; then
	pass "no event lost or duplicated across pauses"
else
	fail "events: $(grep -m1 '^smp: events: sent' "$RT/smp.log")"
fi
got "its status" "xenlet: domain smp ended with status 0" "$(grep -m1 'ended with' "$RT/smp.log")"

# --on-reboot restart: a guest that reboots at once is booted again and
# again in the same process, under the same name, until destroyed.
RUN=lifecycle-restart OUT=$WORK/restart.out ERR=$WORK/restart.err
timeout 60 "$XENLET" run "$GUESTS/shutdown-modes.elf" --memory 32 --net none --trap-path host \
	--cmdline xt.action=reboot --name again --on-reboot restart -d >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0
for _ in $(seq 100); do
	[ "$(grep -c 'starting it again' "$RT/again.log" 2>/dev/null)" -ge 3 ] && break
	sleep 0.1
done
n=$(grep -c 'starting it again' "$RT/again.log")
if [ "$n" -ge 3 ]; then pass "booted again after each reboot ($n times)"
else fail "booted again $n times, wanted 3 or more"; fi
check "destroy a domain that keeps rebooting" timeout 60 "$XENLET" destroy again
gone again
got "its last status" "xenlet: domain again ended with status 143" \
	"$(grep -m1 'ended with' "$RT/again.log")"

# The launcher under ASan/UBSan (build/xenlet-san, built by make): its
# control thread answering every command, a domain booted again after
# reboots, and torn down by destroy, with no report (leaks included) in
# the log.
if [ -x build/xenlet-san ]; then
	RUN=lifecycle-sanitized OUT=$WORK/san.out ERR=$WORK/san.err
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99
	timeout 120 build/xenlet-san run "$GUESTS/shutdown-modes.elf" --memory 32 --net none \
		--trap-path host --cmdline xt.action=yield --name san -d >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc 0
	for cmd in "list" "info san" "vcpu-list san" "pause san" "vcpu-list san" \
		"unpause san" "xenstore-write san /local/domain/1/data/x y" \
		"xenstore-ls san" "xenstore-rm san /local/domain/1/data/x" "shutdown san"; do
		# shellcheck disable=SC2086 # the command's words
		check "sanitized: $cmd" "$XENLET" $cmd
	done
	check "sanitized: destroy" timeout 120 "$XENLET" destroy san
	timeout 120 build/xenlet-san run "$GUESTS/shutdown-modes.elf" --memory 32 --net none \
		--trap-path host --cmdline xt.action=reboot --name san-again --on-reboot restart \
		-d >"$OUT" 2>"$ERR"
	for _ in $(seq 200); do
		[ "$(grep -c 'starting it again' "$RT/san-again.log" 2>/dev/null)" -ge 3 ] && break
		sleep 0.1
	done
	check "sanitized: destroy while it keeps rebooting" timeout 120 "$XENLET" destroy san-again
	for log in san san-again; do
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$RT/$log.log"; then
			fail "sanitizer report in $log.log: $(grep -m3 -E 'Sanitizer|runtime error' "$RT/$log.log")"
		else
			pass "no sanitizer report in $log.log"
		fi
	done
	unset ASAN_OPTIONS UBSAN_OPTIONS
else
	echo "note: build/xenlet-san not built: no sanitized run"
fi

# Debian's kernel, shut down and rebooted through control/shutdown.
if [ "${XENLET_LIFECYCLE_DEBIAN:-1}" = 0 ]; then
	echo "note: XENLET_LIFECYCLE_DEBIAN=0: Debian's kernel not booted"
	finish
fi
require_debian build/initramfs-lifecycle.cpio.gz tests/user/lifecycle-guest.sh
wait_ready() { # N: until the guest's Nth "ready" (0 if it came)
	for _ in $(seq 2400); do
		[ "$(grep -c "lifecycle-guest: ready" "$OUT" 2>/dev/null)" -ge "$1" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}

# shutdown -w: the kernel powers off, the run ends with status 0.
RUN=debian-shutdown OUT=$WORK/debian-shutdown.out ERR=$WORK/debian-shutdown.err
timeout 1200 "$XENLET" run "$KERNEL" --ramdisk "$INITRD" --trap-path host --net none \
	--cmdline "console=hvc0" --name deb </dev/null >"$OUT" 2>"$ERR" &
pid=$!
if wait_ready 1; then pass "Debian's kernel is up"; else fail "Debian's kernel never got ready"; fi
got "the kernel's feature-poweroff" 1 \
	"$("$XENLET" xenstore-read deb /local/domain/1/control/feature-poweroff)"
check "shutdown -w" timeout 300 "$XENLET" shutdown -w --timeout 240 deb
wait "$pid"
RC=$?
expect_out_has "lifecycle-guest: the kernel asked for poweroff"
expect_rc 0
gone deb

# reboot with --on-reboot restart: the kernel reboots, boots again in the
# same process, and is then shut down (status 0).
RUN=debian-reboot OUT=$WORK/debian-reboot.out ERR=$WORK/debian-reboot.err
timeout 1200 "$XENLET" run "$KERNEL" --ramdisk "$INITRD" --trap-path host --net none \
	--cmdline "console=hvc0" --name deb --on-reboot restart </dev/null >"$OUT" 2>"$ERR" &
pid=$!
if wait_ready 1; then pass "Debian's kernel is up"; else fail "Debian's kernel never got ready"; fi
check "reboot" "$XENLET" reboot deb
if wait_ready 2; then pass "it came back after the reboot"; else fail "no second boot"; fi
expect_out_has "lifecycle-guest: the kernel asked for reboot"
expect_err_matches "^xenlet: domain deb rebooted: starting it again$"
check "shutdown -w after the reboot" timeout 300 "$XENLET" shutdown -w --timeout 240 deb
wait "$pid"
RC=$?
expect_rc 0
gone deb
finish
