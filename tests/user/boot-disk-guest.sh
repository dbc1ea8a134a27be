#!/bin/busybox sh
# Run by the initramfs that boot-disk.sh puts on its disks: says which
# initrd it is and what command line the boot loader gave the kernel.
bb=/bin/busybox
echo "boot-disk-guest: initrd $($bb cat /etc/boot-disk-marker 2>/dev/null || echo unmarked)"
echo "boot-disk-guest: cmdline $($bb cat /proc/cmdline)"
