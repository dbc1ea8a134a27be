#!/bin/sh
# fetch-busybox.sh — puts Debian 12's busybox-static at build/busybox
# (fetched with apt-get download and unpacked; nothing is installed) and
# prints its path.  Does nothing but print it when it is already there.
set -eu
cd "$(dirname "$0")/.."
out=build/busybox
if [ ! -s "$out" ]; then
	mkdir -p build
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	chmod 755 "$tmp" # apt drops privileges to _apt for the download
	(cd "$tmp" && apt-get download -q busybox-static >&2)
	dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/pkg"
	cp "$tmp/pkg/bin/busybox" "$out.part"
	mv "$out.part" "$out"
fi
echo "$PWD/$out"
