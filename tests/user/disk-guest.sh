#!/bin/busybox sh
# Run by the initramfs's /init inside Debian's kernel, its xen-blkfront
# module loaded, with two disks (tests/integration/debian-disk.sh):
# xvda, an ext4 image the test made on the host, and xvdb, the same kind
# of image given read-only.
# 1. Both disks appear with the sizes the backend gave; xvdb is read-only.
# 2. xvda mounts; the files the host put there read back (md5sum), new
#    ones are written and synced, and it unmounts cleanly.
# 3. xvdb mounts read-only, and a write to the device is refused.
# With xt.after_sync=wait the guest stops after step 2's sync and waits to
# be killed (the host checks that what was synced survives kill -9).
bb=/bin/busybox
[ -e /dev/null ] || $bb mount -t devtmpfs devtmpfs /dev
for d in xvda xvdb; do
	i=0
	while [ ! -b /dev/$d ] && [ $i -lt 100 ]; do $bb usleep 100000; i=$((i + 1)); done
	[ -b /dev/$d ] || echo "disk-guest: no /dev/$d"
done
$bb mount -t sysfs sysfs /sys
echo "disk-guest: xvda has $($bb cat /sys/block/xvda/size) sectors, ro=$($bb cat /sys/block/xvda/ro)"
echo "disk-guest: xvdb has $($bb cat /sys/block/xvdb/size) sectors, ro=$($bb cat /sys/block/xvdb/ro)"
$bb mkdir -p /mnt /ro
if $bb mount -t ext4 /dev/xvda /mnt; then
	echo "disk-guest: mounted xvda"
	echo "disk-guest: hello.txt says: $($bb cat /mnt/hello.txt)"
	echo "disk-guest: big.bin md5sum $($bb md5sum </mnt/big.bin)"
	# New data: 2 MiB the host can check by checksum, and a line.
	$bb dd if=/dev/urandom of=/mnt/written.bin bs=65536 count=32 2>/dev/null
	echo "disk-guest: written.bin md5sum $($bb md5sum </mnt/written.bin)"
	echo "written by the guest" >/mnt/note.txt
	$bb mkdir /mnt/newdir
	$bb sync
	echo "disk-guest: synced"
	if $bb grep -q 'xt.after_sync=wait' /proc/cmdline; then
		echo "disk-guest: waiting to be killed"
		$bb sleep 600
	fi
	$bb umount /mnt && echo "disk-guest: unmounted xvda"
fi
if $bb mount -t ext4 -o ro /dev/xvdb /ro; then
	echo "disk-guest: xvdb mounted read-only, hello.txt says: $($bb cat /ro/hello.txt)"
	$bb umount /ro
fi
if $bb dd if=/dev/zero of=/dev/xvdb bs=4096 count=1 conv=fsync 2>/dev/null; then
	echo "disk-guest: a write to xvdb went through"
else
	echo "disk-guest: a write to xvdb was refused"
fi
