#!/bin/sh
# fetch-busybox-i386.sh — puts Debian 12's i386 busybox-static (a 32-bit
# static binary, for compat-mode user space under the 64-bit kernel) at
# build/busybox32 and prints its path.  apt runs on a private state and
# cache under build/apt-i386 (the machine's own apt configuration and
# lists are not touched: no dpkg --add-architecture), with the machine's
# sources, for architecture i386 only; nothing is installed.  Does nothing
# but print the path when it is already there.
set -eu
cd "$(dirname "$0")/.."
out=build/busybox32
if [ ! -s "$out" ]; then
	state=$PWD/build/apt-i386
	mkdir -p "$state/lists/partial" "$state/archives/partial"
	chmod -R 755 "$state" # apt drops privileges to _apt for the download
	set -- -q -o APT::Architecture=i386 -o APT::Architectures::=i386 \
		-o Dir::State::Lists="$state/lists" -o Dir::State::status=/dev/null \
		-o Dir::Cache="$state" -o Dir::Cache::archives="$state/archives"
	apt-get "$@" update >&2
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	chmod 755 "$tmp"
	(cd "$tmp" && apt-get "$@" download busybox-static:i386 >&2)
	dpkg-deb -x "$tmp"/busybox-static_*_i386.deb "$tmp/pkg"
	cp "$tmp/pkg/bin/busybox" "$out.part"
	mv "$out.part" "$out"
fi
echo "$PWD/$out"
