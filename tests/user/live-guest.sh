#!/bin/busybox sh
# Run by the initramfs's /init inside Debian's kernel, on hvc0.
# 1. A user process that spins without a single system call must not keep
#    the others from running: only a timer interrupt that reaches the guest
#    while the spinner runs lets the scheduler switch away from it, so
#    `sleep 2` returns only if events reach a vCPU that never traps.
# 2. A line from xenlet's stdin arrives on the console (hvc0's input).
bb=/bin/busybox
$bb sh -c 'while :; do :; done' &
spinner=$!
start=$($bb date +%s)
$bb sleep 2
end=$($bb date +%s)
echo "live-guest: sleep 2 returned after $((end - start)) s beside a spinning process"
kill "$spinner"
wait "$spinner" 2>/dev/null
echo "live-guest: spinner stopped"
if read -r line; then
	echo "live-guest: read from the console: [$line]"
else
	echo "live-guest: console input ended before a line"
fi
