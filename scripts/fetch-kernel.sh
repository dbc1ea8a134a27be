#!/bin/sh
# fetch-kernel.sh [cloud] — puts Debian 12's current amd64 kernel (a bzImage,
# XZ payload; "cloud": the cloud flavour, LZ4 payload) at
# kernels/vmlinuz-<version>-amd64 (…-cloud-amd64) with a stable symlink
# kernels/vmlinuz-amd64 (vmlinuz-cloud-amd64), and prints its path.
# Beside it, kernels/modules-<version>/ keeps the few modules the tests
# load from an initramfs (MODULES below: the PV block and network
# frontends, ext4 and what ext4 needs), as the package ships them, and in
# its virtio/ those a QEMU guest of the same kernel needs for its
# virtio-net-pci (VIRTIO_MODULES: make bench's comparison; Debian builds
# virtio, virtio_pci and virtio_net as modules, and virtio_net needs
# net_failover, which needs failover).
# Uses apt only (apt-get download + dpkg-deb -x); nothing is installed.
# Does nothing but print the path when the kernel is already there.
set -eu

case "${1:-}" in
"")    meta=linux-image-amd64;       link=vmlinuz-amd64 ;;
cloud) meta=linux-image-cloud-amd64; link=vmlinuz-cloud-amd64 ;;
*)     echo "usage: $0 [cloud]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
mkdir -p kernels

# The metapackage depends on exactly one versioned image package.
pkg=$(apt-cache depends "$meta" 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
if [ -z "$pkg" ]; then
	echo "fetch-kernel: cannot find the package $meta depends on (run apt-get update?)" >&2
	exit 1
fi
release=${pkg#linux-image-}
target=kernels/vmlinuz-$release

# Paths under lib/modules/<version>/kernel/.
MODULES="drivers/block/xen-blkfront.ko drivers/net/xen-netfront.ko
lib/crc16.ko fs/mbcache.ko fs/jbd2/jbd2.ko crypto/crc32c_generic.ko fs/ext4/ext4.ko"
VIRTIO_MODULES="net/core/failover.ko drivers/net/net_failover.ko
drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko
drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci_modern_dev.ko
drivers/virtio/virtio_pci.ko drivers/net/virtio_net.ko"
moddir=kernels/modules-$release

# A modules directory from before virtio/ was kept is fetched again.
if [ ! -s "$target" ] || [ ! -d "$moddir/virtio" ]; then
	tmp=$(mktemp -d)
	# apt downloads as the _apt user when it can; let it write here.
	if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then
		chown _apt "$tmp"
	fi
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q "$pkg" >&2)
	deb=$(ls "$tmp"/*.deb)
	dpkg-deb -x "$deb" "$tmp/root"
	if [ ! -s "$tmp/root/boot/vmlinuz-$release" ]; then
		echo "fetch-kernel: $pkg has no boot/vmlinuz-$release" >&2
		exit 1
	fi
	cp "$tmp/root/boot/vmlinuz-$release" "$target.part"
	mv "$target.part" "$target"
	rm -rf "$moddir.part"
	mkdir -p "$moddir.part/virtio"
	for m in $MODULES; do
		if [ -f "$tmp/root/lib/modules/$release/kernel/$m" ]; then
			cp "$tmp/root/lib/modules/$release/kernel/$m" "$moddir.part/"
		fi
	done
	for m in $VIRTIO_MODULES; do
		if [ -f "$tmp/root/lib/modules/$release/kernel/$m" ]; then
			cp "$tmp/root/lib/modules/$release/kernel/$m" "$moddir.part/virtio/"
		fi
	done
	rm -rf "$moddir"
	mv "$moddir.part" "$moddir"
fi
ln -sfn "vmlinuz-$release" "kernels/$link"
echo "$PWD/$target"
