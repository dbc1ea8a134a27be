#!/bin/busybox sh
# Run by the initramfs's /init inside Debian's kernel with several vCPUs.
# 1. /proc/cpuinfo lists every vCPU.
# 2. A parallel job runs on all of them: one busy loop pinned to each CPU
#    (taskset), each saying which CPU it ran on (/proc/self/stat's field
#    39), and every CPU's user time in /proc/stat grows.
# 3. The jobs' wall time beside one job's alone, as a note: with as many
#    host cores as vCPUs the parallel run takes about as long as one.
bb=/bin/busybox
# Background jobs read /dev/null, which the initramfs has not made.
[ -e /dev/null ] || $bb mount -t devtmpfs devtmpfs /dev
n=$($bb grep -c ^processor /proc/cpuinfo)
echo "smp-guest: /proc/cpuinfo lists $n processors"
uptime_cs() { $bb awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime; }
cpu_user() { $bb awk -v c="cpu$1" '$1 == c { print $2 }' /proc/stat; }
# The job: a busy loop, then where it ran ($1: the CPU it was meant for).
job='j=0
while [ $j -lt 20000 ]; do j=$((j + 1)); done
echo "smp-guest: job for cpu $1 ran on cpu $(/bin/busybox cut -d" " -f39 /proc/self/stat)"'
i=0
while [ $i -lt "$n" ]; do
	eval "before_$i=$(cpu_user $i)"
	i=$((i + 1))
done
t0=$(uptime_cs)
$bb taskset -c 0 $bb sh -c "$job" job 0
t1=$(uptime_cs)
i=0
while [ $i -lt "$n" ]; do
	$bb taskset -c $i $bb sh -c "$job" job $i &
	i=$((i + 1))
done
wait
t2=$(uptime_cs)
i=0
while [ $i -lt "$n" ]; do
	eval "b=\$before_$i"
	echo "smp-guest: cpu $i user time grew by $(($(cpu_user $i) - b)) ticks"
	i=$((i + 1))
done
echo "smp-guest: one job took $((t1 - t0)) cs, $n pinned jobs together $((t2 - t1)) cs"
