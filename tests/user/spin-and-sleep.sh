#!/bin/busybox sh
# Run by the initramfs's /init inside Debian's kernel: a user process that
# spins without a single system call must not keep the others from running.
# Only a timer interrupt that reaches the guest while the spinner runs lets
# the kernel's scheduler switch away from it, so `sleep 2` returns only if
# events are delivered to a vCPU that never traps.
bb=/bin/busybox
$bb sh -c 'while :; do :; done' &
spinner=$!
start=$($bb date +%s)
$bb sleep 2
end=$($bb date +%s)
echo "spin-and-sleep: sleep 2 returned after $((end - start)) s beside a spinning process"
kill "$spinner"
wait "$spinner" 2>/dev/null
echo "spin-and-sleep: spinner stopped"
