#!/bin/bash
# A live guest with Debian's own kernel (host trap path; the guest path's
# boot takes minutes here, and guest-preempt.sh and guest-console-in.sh
# cover it with small guests), tests/user/live-guest.sh on hvc0:
#  - a busybox user process that spins without system calls must not stop
#    `sleep 2` from returning (before the launcher could interrupt a
#    running vCPU, the domain hung there for good);
#  - a line piped into xenlet's stdin is read by the guest's shell;
#  - the guest's balloon driver gives 16 MiB back and takes it again
#    (XENMEM_decrease_reservation, XENMEM_populate_physmap), its MemTotal
#    following.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
RUN_TIMEOUT=${XENLET_KERNEL_TIMEOUT:-600}

require_debian build/initramfs-live.cpio.gz tests/user/live-guest.sh

echo "hello from the host's stdin" >"$WORK/stdin"
XENLET_STDIN=$WORK/stdin run_xenlet "debian-live" "$KERNEL" --trap-path host --stats \
	--ramdisk "$INITRD" --cmdline "console=hvc0 earlyprintk=xen"
expect_rc 0
expect_out_has "live-guest: spinner stopped"
expect_out_has "live-guest: read from the console: [hello from the host's stdin]"
down=$(sed -n 's/.*live-guest: balloon: down to [0-9]* kB, MemTotal \([0-9]*\) -> \([0-9]*\) kB.*/\1 \2/p' "$OUT")
if [ -n "$down" ] && [ "${down#* }" -le $((${down% *} - 16384)) ]; then
	pass "the balloon gave 16 MiB back: MemTotal ${down% *} -> ${down#* } kB"
else
	fail "balloon down: $(grep 'live-guest: balloon' "$OUT" | head -1)"
fi
up=$(sed -n 's/.*live-guest: balloon: back up to [0-9]* kB, MemTotal \([0-9]*\) kB.*/\1/p' "$OUT")
if [ -n "$up" ] && [ -n "$down" ] && [ "$up" = "${down% *}" ]; then
	pass "the balloon took it back: MemTotal $up kB"
else
	fail "balloon up: $(grep 'live-guest: balloon' "$OUT" | tail -1)"
fi
secs=$(sed -n 's/.*live-guest: sleep 2 returned after \([0-9]*\) s.*/\1/p' "$OUT" | head -1)
if [ -n "$secs" ] && [ "$secs" -ge 1 ] && [ "$secs" -le 4 ]; then
	pass "sleep 2 took $secs s of guest wall time beside the spinner"
else
	fail "sleep 2 beside the spinner: '${secs:-no line}' s, expected 1 to 4"
fi
grep -E '^xenlet-stats: (event_injections|event_interrupts|vm_exits) ' "$ERR" |
	sed 's/^/note: /'
finish
