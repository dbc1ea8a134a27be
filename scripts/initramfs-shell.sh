#!/bin/busybox sh
# The program `make demo` puts in the initramfs when it runs on a terminal:
# an interactive busybox shell with hvc0 as its controlling tty (a new
# session that opens it), so Ctrl-C and job control reach what it runs.
# Leaving it lets /init power the domain off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# make demo gives the guest a disk: its blkfront module was loaded by
# /init; the disk shows up a moment later.
if [ -f /lib/modules/xen-blkfront.ko ]; then
	i=0
	while [ ! -b /dev/xvda ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
	mkdir -p /mnt
	if [ -b /dev/xvda ] && mount /dev/xvda /mnt; then
		echo "xenlet-initramfs: the demo disk (/dev/xvda, ext4) is mounted at /mnt"
	fi
fi
echo "xenlet-initramfs: a shell on hvc0; 'exit' powers off, Ctrl-] ends the session"
setsid sh -c 'exec sh -i </dev/hvc0 >/dev/hvc0 2>&1'
