#!/bin/bash
# Boots Debian 12's kernel with 2 and 4 vCPUs in the host trap path (the
# guest path's 2-vCPU boot is in real-kernel.sh): /proc/cpuinfo lists
# every vCPU, and a job pinned to each CPU runs there and gives that CPU
# user time (tests/user/smp-guest.sh in the initramfs).  The host has two
# cores, so 4 vCPUs share them: their threads must still all make
# progress.  The wall time of one job and of the pinned jobs together is
# printed as a note.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
RUN_TIMEOUT=${XENLET_KERNEL_TIMEOUT:-900}

require_debian build/initramfs-smp.cpio.gz tests/user/smp-guest.sh

for n in 2 4; do
	run_xenlet "debian-smp-$n" "$KERNEL" --trap-path host --vcpus "$n" --stats \
		--ramdisk "$INITRD" --cmdline "console=hvc0"
	expect_rc 0
	expect_out_has "smp: Brought up 1 node, $n CPUs"
	expect_out_has "smp-guest: /proc/cpuinfo lists $n processors"
	expect_out_has "xenlet-initramfs: test program exited with 0"
	for ((cpu = 0; cpu < n; cpu++)); do
		expect_out_has "smp-guest: job for cpu $cpu ran on cpu $cpu"
		ticks=$(sed -n "s/^smp-guest: cpu $cpu user time grew by \([0-9]*\) ticks.*/\1/p" "$OUT")
		if [ -n "$ticks" ] && [ "$ticks" -gt 0 ]; then
			pass "[$n vCPUs] cpu $cpu ran user code ($ticks ticks)"
		else
			fail "[$n vCPUs] cpu $cpu: user time grew by '${ticks:-no line}' ticks"
		fi
	done
	echo "note [$n vCPUs]: $(grep '^smp-guest: one job took' "$OUT");" \
		"$(grep -E '^xenlet-stats: (vm_exits|run_us) ' "$ERR" | tr '\n' ' ')"
done
finish
