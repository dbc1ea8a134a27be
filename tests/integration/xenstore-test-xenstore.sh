#!/bin/bash
# Xen's own conformance client, test-xenstore (Debian's xen-utils-4.17),
# against xenlet-xenstored: reads, writes, directories, removal and
# transactions (with a conflict) over libxenstore, using relative paths.
#
# The binary needs only libxenstore, but its package depends on the Xen
# hypervisor tooling, so it is not installed: the .deb is downloaded with
# apt-get and the one binary extracted under build/.
set -u
cd "$(dirname "$0")/../.."
XSD=build/xenstore/xenlet-xenstored
[ -x "$XSD" ] || { echo "FAIL: $XSD not built"; exit 1; }

tx=/usr/lib/xen-4.17/bin/test-xenstore
if [ ! -x "$tx" ]; then
	root=build/xen-utils
	tx=$root/usr/lib/xen-4.17/bin/test-xenstore
	if [ ! -x "$tx" ]; then
		mkdir -p "$root"
		# Only the one binary: the package's other files include
		# directories named *.d, which the Makefile would take for
		# dependency files under build/.
		if ! (cd "$root" && apt-get download -q xen-utils-4.17 >download.log 2>&1) ||
		   ! dpkg-deb --fsys-tarfile "$root"/xen-utils-4.17_*.deb |
			   tar -x -C "$root" ./usr/lib/xen-4.17/bin/test-xenstore; then
			echo "skip: cannot download xen-utils-4.17 (for test-xenstore):"
			cat "$root/download.log"
			exit 77
		fi
		rm -f "$root"/xen-utils-4.17_*.deb
	fi
fi
if ! ldd "$tx" | grep -q 'libxenstore.so.4 => /'; then
	echo "skip: test-xenstore needs libxenstore4 (Debian package xenstore-utils)"
	exit 77
fi

dir=$(mktemp -d)
sock=$dir/socket
"$XSD" --socket "$sock" --foreground 2>"$dir/daemon.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
export XENSTORED_PATH=$sock

status=0
ntests=$("$tx" -l | wc -l)
"$tx" >"$dir/out" 2>&1
rc=$?
cat "$dir/out"
if [ "$rc" != 0 ] || grep -q failed "$dir/out"; then
	echo "FAIL: test-xenstore exit $rc"
	status=1
fi
# Every listed test must have reported a time (a pass).
passed=$(grep -c ' ns$' "$dir/out")
if [ "$passed" != "$ntests" ]; then
	echo "FAIL: $passed of $ntests tests passed"
	status=1
fi
# Then each test 20 times in a row, and random ones for 3 seconds.
if ! "$tx" -i 20 >"$dir/out" 2>&1 || grep -q failed "$dir/out"; then
	cat "$dir/out"
	echo "FAIL: test-xenstore -i 20"
	status=1
fi
if ! "$tx" -r 3 >"$dir/out" 2>&1; then
	cat "$dir/out"
	echo "FAIL: test-xenstore -r 3"
	status=1
fi
# It cleans up after itself: nothing left of xenstore-test.
if XENSTORED_PATH=$sock xenstore-exists /local/domain/0/xenstore-test 2>/dev/null; then
	echo "FAIL: /local/domain/0/xenstore-test left behind"
	status=1
fi
echo "test-xenstore: $passed/$ntests passed, status $status"
exit $status
