#!/bin/busybox sh
# Run by the initramfs's /init inside Debian's kernel, on hvc0.
# 1. A user process that spins without a single system call must not keep
#    the others from running: only a timer interrupt that reaches the guest
#    while the spinner runs lets the scheduler switch away from it, so
#    `sleep 2` returns only if events reach a vCPU that never traps.
# 2. A line from xenlet's stdin arrives on the console (hvc0's input).
# 3. The balloon: the kernel's target lowered by 16 MiB through sysfs (what
#    its memory/target watch does) gives pages back, and raised again takes
#    them back.
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

xm=/sys/devices/system/xen_memory/xen_memory0
$bb mkdir -p /sys
$bb mount -t sysfs sysfs /sys
wait_current() { # KIB: 0 once info/current_kb is KIB, within 10 s
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		[ "$($bb cat $xm/info/current_kb)" = "$1" ] && return 0
		$bb sleep 0.5
	done
	return 1
}
if [ -e $xm/target_kb ]; then
	full=$($bb cat $xm/info/current_kb)
	total=$($bb awk '/^MemTotal/ {print $2}' /proc/meminfo)
	echo $((full - 16384)) >$xm/target_kb
	if wait_current $((full - 16384)); then
		less=$($bb awk '/^MemTotal/ {print $2}' /proc/meminfo)
		echo "live-guest: balloon: down to $((full - 16384)) kB, MemTotal $total -> $less kB"
	else
		echo "live-guest: balloon: current_kb stuck at $($bb cat $xm/info/current_kb), target $((full - 16384))"
	fi
	echo "$full" >$xm/target_kb
	if wait_current "$full"; then
		echo "live-guest: balloon: back up to $full kB, MemTotal $($bb awk '/^MemTotal/ {print $2}' /proc/meminfo) kB"
	else
		echo "live-guest: balloon: current_kb stuck at $($bb cat $xm/info/current_kb), target $full"
	fi
else
	echo "live-guest: balloon: no $xm/target_kb"
fi
