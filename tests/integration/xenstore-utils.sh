#!/bin/bash
# Debian's xenstore-utils (libxenstore over the Unix socket, unchanged)
# against xenlet-xenstored on a private socket: reads, writes, listings,
# permissions, a watch in the background, relative paths, a directory too
# big for one reply, and a clean exit on SIGTERM.
set -u
cd "$(dirname "$0")/../.."
XSD=build/xenstore/xenlet-xenstored

for t in xenstore-read xenstore-write xenstore-ls xenstore-watch xenstore-rm \
	xenstore-chmod xenstore-exists xenstore-list; do
	if ! command -v "$t" >/dev/null; then
		echo "skip: $t not installed (Debian package xenstore-utils)"
		exit 77
	fi
done
[ -x "$XSD" ] || { echo "FAIL: $XSD not built"; exit 1; }

dir=$(mktemp -d)
sock=$dir/run/socket
"$XSD" --socket "$sock" --foreground 2>"$dir/daemon.log" &
pid=$!
cleanup() {
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { echo "FAIL: daemon did not create $sock"; cat "$dir/daemon.log"; exit 1; }
export XENSTORED_PATH=$sock

failures=0
expect() { # expect NAME WANT GOT
	if [ "$2" == "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1"
		echo "  wanted: $(printf '%q' "$2")"
		echo "  got:    $(printf '%q' "$3")"
		failures=$((failures + 1))
	fi
}

xenstore-write /vm/name guest1 /vm/memory 512
expect "write exit code" 0 $?
expect "read" guest1 "$(xenstore-read /vm/name)"
xenstore-read /vm/absent 2>/dev/null
expect "read of a missing node fails" 1 $?
xenstore-exists /vm/memory
expect "exists" 0 $?
xenstore-exists /vm/absent
expect "exists of a missing node" 1 $?
expect "list" "$(printf 'memory\nname')" "$(xenstore-list /vm)"
expect "ls" "$(printf 'memory = "512"\nname = "guest1"')" "$(xenstore-ls /vm)"

xenstore-chmod /vm/name n0 r3
expect "chmod exit code" 0 $?
# xenstore-ls -p pads with dots to the terminal's width: compare the ends.
expect "ls -p after chmod" 'name = "guest1" (n0,r3)' \
	"$(xenstore-ls -p /vm | grep '^name' | sed 's/  [ .]*  / /')"
expect "ls -p of an untouched node" '(n0)' \
	"$(xenstore-ls -p /vm | grep '^memory' | grep -o '(.*)')"

# A watch fires once when set, then once per change below it.
xenstore-write /vm/watched ""
xenstore-watch -n 3 /vm/watched >"$dir/watch.out" 2>&1 &
wpid=$!
for _ in $(seq 100); do [ -s "$dir/watch.out" ] && break; sleep 0.05; done
xenstore-write /vm/watched/a 1
xenstore-write /vm/elsewhere 1
xenstore-write /vm/watched/b 2
for _ in $(seq 100); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$wpid" 2>/dev/null; then
	kill "$wpid"
	echo "FAIL: xenstore-watch did not see its 3 events"
	failures=$((failures + 1))
fi
wait "$wpid" 2>/dev/null
expect "watch events" "$(printf '/vm/watched\n/vm/watched/a\n/vm/watched/b')" \
	"$(cat "$dir/watch.out")"

# Relative paths resolve under the connection's home, /local/domain/0.
xenstore-write relative/key here
expect "relative write" here "$(xenstore-read /local/domain/0/relative/key)"
expect "relative read" here "$(xenstore-read relative/key)"

# 300 children (~9 KiB of names): DIRECTORY says E2BIG and libxenstore
# switches to DIRECTORY_PART. One xenstore-write of many keys is one
# transaction.
args=()
for i in $(seq -w 1 300); do args+=("/big/child-with-a-long-name-$i" "$i"); done
xenstore-write "${args[@]}"
expect "many keys in one transaction" 0 $?
expect "listing over one payload" 300 "$(xenstore-list /big | wc -l)"
expect "its last entry" child-with-a-long-name-300 "$(xenstore-list /big | tail -1)"

xenstore-rm /vm/memory
expect "rm exit code" 0 $?
xenstore-exists /vm/memory
expect "gone after rm" 1 $?
xenstore-rm /vm
expect "rm of a subtree" "" "$(xenstore-ls / | grep '^vm')"
xenstore-rm /no/such/parent 2>/dev/null
expect "rm below a missing parent fails" 1 $?

kill -TERM "$pid"
wait "$pid"
expect "daemon exit status on SIGTERM" 0 $?
[ -e "$sock" ] && { echo "FAIL: socket left behind"; failures=$((failures + 1)); }
pid=

echo "xenstore-utils: $failures failure(s)"
[ "$failures" = 0 ]
