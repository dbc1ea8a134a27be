#!/bin/bash
# make demo: what xenlet does, on built-in defaults.
#  1. boots xenlet's start-info test guest (a freestanding x86_64 PV kernel)
#     on the trap path the start-up measurement picks, and shows its checks
#     of the domain as Xen's toolstack builds it;
#  2. boots Debian 12's own kernel, fetched from Debian's archive, unchanged,
#     with a busybox initramfs (Debian's busybox-static): it boots to user
#     space and /init says hello; on a terminal it then gives you a busybox
#     shell on the guest's console (`exit` powers off, Ctrl-] ends the
#     session), elsewhere the domain powers off.  It has a disk: an ext4
#     image made here (build/demo-disk.img), served by xenlet's blkback to
#     the kernel's own xen-blkfront, mounted at /mnt in the shell; and a
#     second one given read-only (build/demo-disk-ro.img, xvdb).  Without
#     a terminal the guest reads and writes them (tests/user/disk-guest.sh).
set -u
cd "$(dirname "$0")/.."

echo "== xenlet run build/tests/guests/start-info.elf --stats"
./xenlet run build/tests/guests/start-info.elf --stats
status=$?
echo "== exit status $status (0: the guest powered off after its checks)"
[ "$status" = 0 ] || exit 1

echo
if ! kernel=$(scripts/fetch-kernel.sh); then
	echo "demo: could not fetch Debian's kernel; skipping that part"
	exit 0
fi
modules=$(dirname "$kernel")/modules-${kernel##*/vmlinuz-}
program=tests/user/disk-guest.sh
if [ -t 0 ] && [ -t 1 ]; then
	program=scripts/initramfs-shell.sh
fi
if ! initrd=$(scripts/make-initramfs.sh "build/initramfs-demo-${program##*/}.cpio.gz" \
	"$program" "$modules"); then
	echo "demo: could not build the initramfs from Debian's busybox; skipping that part"
	exit 0
fi
for disk in build/demo-disk.img build/demo-disk-ro.img; do
	[ -s "$disk" ] && continue
	mkdir -p build/demo-disk
	echo "Hello from the host: this file is in $disk, an ext4 image" \
		"xenlet serves to the guest." >build/demo-disk/hello.txt
	head -c 1048576 /dev/urandom >build/demo-disk/big.bin
	mke2fs -q -F -t ext4 -d build/demo-disk "$disk.part" 64M && mv "$disk.part" "$disk"
done
disks=(--disk build/demo-disk.img --disk build/demo-disk-ro.img,ro)
echo "== xenlet run $kernel --ramdisk $initrd ${disks[*]} --stats"
./xenlet run "$kernel" --ramdisk "$initrd" "${disks[@]}" --stats \
	--cmdline "console=hvc0 earlyprintk=xen"
status=$?
echo "== exit status $status (0: Debian's kernel reached user space and powered off;" \
	"6: Ctrl-] ended the session)"
[ "$status" = 6 ] && status=0 # the user ended the session
exit "$status"
