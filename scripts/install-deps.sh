#!/bin/sh
# install-deps.sh [bench] — installs the Debian 12 packages xenlet's build
# and tests need; with "bench", also those only make bench needs (QEMU,
# which scripts/bench-net.sh runs beside xenlet), so that make check does
# not pay for them.
# Idempotent: when everything is present it only asks dpkg and returns.
set -eu

# libblkid-dev, libext2fs-dev: bootloader/ reads a guest's disk (partition
# table, file-system type, ext2/3/4 files) to boot it as pygrub does;
# fdisk (sfdisk): boot-disk.sh partitions its test disks.
# libglib2.0-dev: slirp.pc requires glib-2.0; without it pkg-config knows no slirp.
PACKAGES="
gcc make binutils pkg-config
check libsubunit-dev
libxen-dev linux-libc-dev
liblzma-dev zlib1g-dev libzstd-dev liblz4-dev
liburing-dev libnbd-dev
libslirp-dev libglib2.0-dev
qemu-utils e2fsprogs
libblkid-dev libext2fs-dev fdisk
clang libclang-rt-14-dev
xenstore-utils
iproute2
xz-utils
libjansson-dev
"

BENCH_PACKAGES="
qemu-system-x86
"
case "${1:-}" in
"") ;;
bench) PACKAGES="$PACKAGES $BENCH_PACKAGES" ;;
*) echo "usage: $0 [bench]" >&2; exit 2 ;;
esac

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: not root; run: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
