#!/bin/sh
# make-initramfs.sh [OUT [PROGRAM]] — builds a small initramfs for Debian's
# kernel: Debian 12's busybox-static (fetched with apt-get download;
# nothing is installed) and an /init that says hello from user space, shows
# what it runs on, runs PROGRAM (a static binary, as /bin/test-program)
# when one was given, and powers the domain off.  Default OUT:
# build/initramfs.cpio.gz.  Prints the path.  Does nothing but print it
# when OUT is newer than this script and than PROGRAM.
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/initramfs.cpio.gz}
program=${2:-}
if [ -s "$out" ] && [ "$out" -nt "$0" ] &&
	{ [ -z "$program" ] || [ "$out" -nt "$program" ]; }; then
	echo "$PWD/$out"
	exit 0
fi
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # apt drops privileges to _apt for the download
(cd "$tmp" && apt-get download -q busybox-static >&2)
dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/pkg"
busybox=$tmp/pkg/bin/busybox

root=$tmp/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
cp "$busybox" "$root/bin/busybox"
if [ -n "$program" ]; then
	cp "$program" "$root/bin/test-program"
fi
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "xenlet-initramfs: hello from user space, kernel $(/bin/busybox uname -r)"
echo "xenlet-initramfs: $(/bin/busybox grep -c ^processor /proc/cpuinfo) cpu, $(/bin/busybox grep MemTotal /proc/meminfo)"
if [ -x /bin/test-program ]; then
	/bin/test-program
	echo "xenlet-initramfs: test program exited with $?"
fi
echo "xenlet-initramfs: powering off"
/bin/busybox poweroff -f
INIT
chmod 755 "$root/init"
# busybox's own cpio writes the newc archive the kernel unpacks.
(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null) | gzip -9 >"$out.part"
mv "$out.part" "$out"
echo "$PWD/$out"
