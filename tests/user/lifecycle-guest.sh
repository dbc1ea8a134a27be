#!/bin/busybox sh
# Run by the initramfs's /init inside Debian's kernel (lifecycle.sh): waits
# to be shut down through xenstore. The kernel's xen:manage answers
# control/shutdown = poweroff or reboot by running /sbin/poweroff or
# /sbin/reboot (its orderly_poweroff/orderly_reboot, which do not force it
# when the helper is missing), so this puts busybox's there, each saying
# on the console that the kernel asked, then never returns.
bb=/bin/busybox
$bb mount -t devtmpfs devtmpfs /dev
$bb mkdir -p /sbin
for what in poweroff reboot; do
	cat >/sbin/$what <<HELPER
#!/bin/busybox sh
echo "lifecycle-guest: the kernel asked for $what" >/dev/console
exec /bin/busybox $what -f
HELPER
	$bb chmod 755 /sbin/$what
done
echo "lifecycle-guest: ready"
while :; do $bb sleep 1; done
