#!/bin/sh
# make-initramfs.sh [OUT [PROGRAM [MODULES]]] — builds a small initramfs for
# Debian's kernel: Debian 12's busybox-static (fetched with apt-get
# download; nothing is installed) and an /init that says hello from user
# space, shows what it runs on, runs PROGRAM (a static binary, as
# /bin/test-program) when one was given, and powers the domain off.
# MODULES: a directory of the kernel's modules (fetch-kernel.sh's
# kernels/modules-<version>) loaded first, dependencies before users, each
# with the MODULE.PARAM=VALUE words of the kernel command line; then
# a root=DEVICE on the kernel command line is waited for, mounted and
# switched to (its /sbin/init runs instead), as Debian's initramfs does.
# Default OUT: build/initramfs.cpio.gz.  Prints the path.  Does nothing
# but print it when OUT is newer than this script, PROGRAM and MODULES.
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/initramfs.cpio.gz}
program=${2:-}
modules=${3:-}
if [ -s "$out" ] && [ "$out" -nt "$0" ] &&
	{ [ -z "$program" ] || [ "$out" -nt "$program" ]; } &&
	{ [ -z "$modules" ] || [ "$out" -nt "$modules" ]; }; then
	echo "$PWD/$out"
	exit 0
fi
mkdir -p "$(dirname "$out")"
busybox=$(scripts/fetch-busybox.sh)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

root=$tmp/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
cp "$busybox" "$root/bin/busybox"
if [ -n "$program" ]; then
	cp "$program" "$root/bin/test-program"
fi
if [ -n "$modules" ]; then
	mkdir -p "$root/lib/modules"
	# The order they load in: each after what it depends on.
	for m in crc16 mbcache jbd2 crc32c_generic ext4 xen-blkfront xen-netfront; do
		if [ -f "$modules/$m.ko" ]; then
			cp "$modules/$m.ko" "$root/lib/modules/"
			echo "$m" >>"$root/lib/modules/order"
		fi
	done
fi
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
bb=/bin/busybox
$bb mount -t proc proc /proc
if [ -f /lib/modules/order ]; then
	for m in $($bb cat /lib/modules/order); do
		# MODULE.PARAM=VALUE on the command line, as modprobe takes them.
		params=
		for w in $($bb cat /proc/cmdline); do
			case $w in "$($bb echo "$m" | $bb tr - _)".*=*) params="$params ${w#*.}" ;; esac
		done
		# shellcheck disable=SC2086 # one word per parameter
		$bb insmod /lib/modules/$m.ko $params || echo "xenlet-initramfs: insmod $m failed"
	done
fi
rootdev=
for w in $($bb cat /proc/cmdline); do
	case $w in root=*) rootdev=${w#root=} ;; esac
done
if [ -n "$rootdev" ]; then
	$bb mount -t devtmpfs devtmpfs /dev
	# The frontend finds its disk asynchronously, through xenstore.
	i=0
	while [ ! -b "$rootdev" ] && [ $i -lt 100 ]; do $bb usleep 100000; i=$((i + 1)); done
	$bb mkdir -p /newroot
	if $bb mount -o ro "$rootdev" /newroot; then
		echo "xenlet-initramfs: switching to the root file system on $rootdev"
		$bb umount /proc
		exec $bb switch_root /newroot /sbin/init
	fi
	echo "xenlet-initramfs: cannot mount the root file system $rootdev"
fi
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
