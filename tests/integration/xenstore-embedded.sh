#!/bin/bash
# The launcher plays dom0: while a guest runs, Debian's xenstore-utils see
# the embedded xenstore on --xenstore-socket, with the guest's domain
# introduced and its home filled in as Xen's toolstack does, and a --disk's
# backend directory as libxl writes it (its "dev" names the disk for
# pvgrub2); SIGTERM then stops the guest and the launcher removes the
# socket.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
for t in xenstore-read xenstore-ls xenstore-write; do
	command -v "$t" >/dev/null || { echo "skip: $t not installed"; exit 77; }
done

got() { # NAME WANT GOT
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1: wanted '$2', got '$3'"; fi
}

truncate -s 1M "$WORK/disk.img"
for path in guest host; do
	RUN=embedded-$path OUT=$WORK/$path.out ERR=$WORK/$path.err
	sock=$WORK/xenstored-$path.socket
	"$XENLET" run "$GUESTS/shutdown-modes.elf" --memory 32 --trap-path "$path" \
		--cmdline "xt.action=yield" --xenstore-socket "$sock" \
		--disk "$WORK/disk.img,vdev=xvdb" >"$OUT" 2>"$ERR" &
	pid=$!
	for _ in $(seq 200); do
		grep -q "yielding until stopped" "$OUT" 2>/dev/null && break
		sleep 0.05
	done
	export XENSTORED_PATH=$sock

	got "guest is running" "shutdown-modes: yielding until stopped" "$(head -2 "$OUT" | tail -1)"
	got "domain name" xenlet-guest "$(xenstore-read /local/domain/1/name)"
	got "domid" 1 "$(xenstore-read /local/domain/1/domid)"
	got "memory target (KiB)" 32768 "$(xenstore-read /local/domain/1/memory/target)"
	got "store port" 1 "$(xenstore-read /local/domain/1/store/port)"
	got "console port" 2 "$(xenstore-read /local/domain/1/console/port)"
	vm=$(xenstore-read /local/domain/1/vm)
	got "vm uuid matches its path" "$vm" "/vm/$(xenstore-read "$vm/uuid")"
	got "home is dom0's, readable by the guest" 'n0,r1' \
		"$(xenstore-ls -p /local/domain | sed -n 's/^1 = "".*(\(.*\))$/\1/p')"
	got "control/shutdown belongs to the guest" 'n1' \
		"$(xenstore-ls -p /local/domain/1/control | sed -n 's/^shutdown = "".*(\(.*\))$/\1/p')"
	for node in feature-poweroff feature-reboot feature-suspend sysrq; do
		got "control/$node belongs to the guest, as libxl makes it" 'n1' \
			"$(xenstore-ls -p /local/domain/1/control | sed -n "s/^$node = \"\".*(\(.*\))\$/\1/p")"
	done
	be=/local/domain/0/backend/vbd/1/51728
	got "disk backend: the vdev as named, in dev" xvdb "$(xenstore-read "$be/dev")"
	got "disk backend: params" "$WORK/disk.img" "$(xenstore-read "$be/params")"
	xenstore-write /local/domain/1/data/probe hello
	got "dom0 tool writes" hello "$(xenstore-read /local/domain/1/data/probe)"

	kill -TERM "$pid"
	wait "$pid"
	RC=$?
	expect_rc 143
	expect_err_matches "^xenlet: stopped by signal 15$"
	if [ -e "$sock" ]; then fail "socket $sock left behind"; else pass "socket removed"; fi
done
finish
