#!/bin/sh
# make-initramfs.sh [OUT [PROGRAM [MODULES [FILE...]]]] — builds a small
# initramfs for Debian's kernel: Debian 12's busybox-static (fetched with
# apt-get download; nothing is installed) and an /init that says hello
# from user space, shows what it runs on, runs PROGRAM (a static binary or
# a busybox script, as /bin/test-program) when one was given, and powers
# the domain off.
# MODULES: a directory of the kernel's modules (fetch-kernel.sh's
# kernels/modules-<version>, or its virtio/ for a QEMU guest; "" for none)
# loaded first, dependencies before users, each with the
# MODULE.PARAM=VALUE words of the kernel command line; then a root=DEVICE
# on the kernel command line is waited for, mounted and switched to (its
# /sbin/init runs instead), as Debian's initramfs does.
# FILEs (helpers PROGRAM runs, such as tests/user/net-bench) go to /bin/
# under their own names.  busybox udhcpc finds its hook where Debian's
# build looks (/etc/udhcpc/default.script), so `udhcpc -i eth0`
# configures the interface with its lease.
# Default OUT: build/initramfs.cpio.gz.  Prints the path.  Does nothing
# but print it when OUT is newer than this script, PROGRAM, MODULES and
# the FILEs.
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/initramfs.cpio.gz}
program=${2:-}
modules=${3:-}
if [ $# -gt 3 ]; then shift 3; else set --; fi
fresh=true
for f in "$0" "$program" "$modules" "$@"; do
	if [ -n "$f" ] && ! [ "$out" -nt "$f" ]; then
		fresh=false
	fi
done
if [ -s "$out" ] && $fresh; then
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
for f in "$@"; do
	cp "$f" "$root/bin/"
done
if [ -n "$modules" ]; then
	mkdir -p "$root/lib/modules"
	# The order they load in: each after what it depends on (xen-netfront
	# needs nothing; virtio_net needs net_failover and the virtio core).
	for m in crc16 mbcache jbd2 crc32c_generic ext4 xen-blkfront xen-netfront \
		failover net_failover virtio_ring virtio virtio_pci_legacy_dev \
		virtio_pci_modern_dev virtio_pci virtio_net; do
		if [ -f "$modules/$m.ko" ]; then
			cp "$modules/$m.ko" "$root/lib/modules/"
			echo "$m" >>"$root/lib/modules/order"
		fi
	done
fi
# udhcpc's hook (it runs it with deconfig, bound, renew, leasefail):
# the lease's address, the default route when there is none yet (a second
# interface's would only clash with it; its own subnet is reached
# directly), and the DNS servers.
mkdir -p "$root/etc/udhcpc"
cat >"$root/etc/udhcpc/default.script" <<'DHCP'
#!/bin/busybox sh
bb=/bin/busybox
case $1 in
deconfig)
	$bb ip link set "$interface" up
	$bb ip -4 addr flush dev "$interface"
	;;
bound | renew)
	$bb ip -4 addr flush dev "$interface"
	$bb ip addr add "$ip/${mask:-24}" dev "$interface"
	if [ -n "${router:-}" ] && ! $bb ip route | $bb grep -q '^default'; then
		# shellcheck disable=SC2086 # the first router of the list
		set -- $router
		$bb ip route add default via "$1" dev "$interface"
	fi
	for d in ${dns:-}; do echo "nameserver $d"; done >/etc/resolv.conf
	;;
esac
exit 0
DHCP
chmod 755 "$root/etc/udhcpc/default.script"
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
