#!/bin/sh
# fetch-pvgrub.sh — puts Debian 12's pvgrub2 (grub-x86_64-xen.bin from the
# grub-xen-host package: GRUB built as a Xen PV kernel, which reads the
# guest's own /boot/grub/grub.cfg through blkfront and boots the kernel it
# names inside the same domain) at build/pvgrub/grub-x86_64-xen.bin, and
# prints its path.
# Uses apt only (apt-get download + dpkg-deb -x); nothing is installed.
# Does nothing but print the path when the file is already there.
set -eu

cd "$(dirname "$0")/.."
target=build/pvgrub/grub-x86_64-xen.bin

if [ ! -s "$target" ]; then
	mkdir -p build/pvgrub
	tmp=$(mktemp -d)
	# apt downloads as the _apt user when it can; let it write here.
	if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then
		chown _apt "$tmp"
	fi
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q grub-xen-host >&2)
	deb=$(ls "$tmp"/*.deb)
	dpkg-deb -x "$deb" "$tmp/root"
	if [ ! -s "$tmp/root/usr/lib/grub-xen/grub-x86_64-xen.bin" ]; then
		echo "fetch-pvgrub: grub-xen-host has no usr/lib/grub-xen/grub-x86_64-xen.bin" >&2
		exit 1
	fi
	cp "$tmp/root/usr/lib/grub-xen/grub-x86_64-xen.bin" "$target.part"
	mv "$target.part" "$target"
fi
echo "$PWD/$target"
