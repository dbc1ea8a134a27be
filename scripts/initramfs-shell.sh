#!/bin/busybox sh
# The program `make demo` puts in the initramfs when it runs on a terminal:
# an interactive busybox shell with hvc0 as its controlling tty (a new
# session that opens it), so Ctrl-C and job control reach what it runs.
# Leaving it lets /init power the domain off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "xenlet-initramfs: a shell on hvc0; 'exit' powers off, Ctrl-] ends the session"
setsid sh -c 'exec sh -i </dev/hvc0 >/dev/hvc0 2>&1'
