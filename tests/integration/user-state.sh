#!/bin/bash
# Guest user state does not leak between guest processes: Debian 12's
# kernel boots (host trap path only: the guest path takes minutes per boot
# here, and real-kernel.sh already boots it once) with a busybox initramfs
# whose /init runs tests/user/user-state.c: four processes keep their own
# xmm0-15, ymm0-15 and (when the kernel enabled AVX-512) zmm0-31 and k0-7
# across many sched_yield switches.  The kernel is offered XSAVE with the
# XCR0 guest user code really runs with, so it saves all of that state;
# plain cpuid in guest user space says XSAVE, OSXSAVE and AVX as the
# kernel enabled them, and xgetbv gives the XCR0 the kernel set.  What this
# host's KVM cannot hide (it keeps the host's FSGSBASE bit in CPUID leaf
# 7) is shown as a note, and is a platform limit in the README.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
RUN_TIMEOUT=${XENLET_KERNEL_TIMEOUT:-1200}
PROGRAM=build/tests/user/user-state
[ -x "$PROGRAM" ] || { echo "FAIL: $PROGRAM is not built (run make)"; exit 1; }

require_debian build/initramfs-user-state.cpio.gz "$PROGRAM"

run_xenlet "debian-user-state" "$KERNEL" --trap-path host \
	--ramdisk "$INITRD" --cmdline "console=hvc0 earlyprintk=xen"
expect_rc 0
expect_out_has "xenlet-initramfs: hello from user space"
expect_out_has "user-state: result PASS"
expect_out_has "xenlet-initramfs: test program exited with 0"
expect_out_has "user-state: sse: xmm0-15: 4 processes x 40 rounds x 16 yields: 0 mismatches"
if grep -q 'user-state: avx instruction: executes' "$OUT"; then
	expect_out_has "user-state: avx: ymm0-15: 4 processes x 40 rounds x 16 yields: 0 mismatches"
else
	echo "note: AVX raises SIGILL in guest user space: ymm registers not checked"
fi
expect_out_has 'user-state: cpuid 0x40000000 signature "XenVMMXenVMM"'

# What the kernel enabled, what plain cpuid and xgetbv say in user space.
enabled=$(grep -o 'x86/fpu: Enabled xstate features 0x[0-9a-f]*' "$OUT" | grep -o '0x[0-9a-f]*$')
line=$(grep -o 'user-state: cpuid xsave.*' "$OUT" | tr -d '\r')
xgetbv=$(grep -o 'user-state: xgetbv xcr0=0x[0-9a-f]*' "$OUT" | grep -o '0x[0-9a-f]*$')
if [ -z "$enabled" ]; then
	fail "the kernel did not enable XSAVE (no 'Enabled xstate features' line)"
else
	pass "the kernel enabled xstate features $enabled"
	for bit in xsave osxsave; do
		case "$line" in
		*" $bit=1"*) pass "plain cpuid shows $bit ($line)" ;;
		*) fail "plain cpuid hides $bit with XSAVE enabled: $line" ;;
		esac
	done
	case "$line:$((enabled & 4))" in
	*" avx=1"*:4 | *" avx=0"*:0) pass "plain cpuid's AVX agrees with XCR0 $enabled" ;;
	*) fail "plain cpuid's AVX disagrees with XCR0 $enabled: $line" ;;
	esac
	if [ "$xgetbv" = "$enabled" ]; then
		pass "xgetbv in guest user space gives the kernel's XCR0 $xgetbv"
	else
		fail "xgetbv in guest user space gives '$xgetbv', the kernel set $enabled"
	fi
	avx=$((enabled & 4 ? 1 : 0)) avx512=$((enabled & 0xe0 ? 1 : 0))
	expect_out_has "user-state: /proc/cpuinfo avx=$avx avx2=$avx avx512f=$avx512"
	if [ "$avx512" = 1 ]; then
		expect_out_has "user-state: avx512: zmm0-31 k0-7: 4 processes x 40 rounds x 16 yields: 0 mismatches"
	else
		echo "note: no AVX-512 state in XCR0 $enabled: zmm and k registers not checked"
	fi
fi
case "$line" in
*" fsgsbase=0"*) pass "plain cpuid hides fsgsbase" ;;
*) echo "note: plain cpuid shows fsgsbase: this host's KVM keeps the host CPU's" \
	"user-mode features in leaf 7 (a platform limit, README)" ;;
esac
finish
