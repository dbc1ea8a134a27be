#!/bin/bash
# What `make demo` gives on a terminal: Debian's kernel with the busybox
# shell on hvc0 (scripts/initramfs-shell.sh), driven through a pty from
# script(1) as a person would: a typed command runs, a process spinning
# in the foreground is interrupted by Ctrl-C from the guest's shell, the
# next command runs, and `exit` powers the domain off.  The input waits
# for the shell's banner, then comes a line at a time.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
RUN_TIMEOUT=${XENLET_KERNEL_TIMEOUT:-600}
if ! command -v script >/dev/null; then
	echo "skip: script(1) (util-linux) is not installed"
	exit 77
fi
require_debian build/initramfs-shell.cpio.gz scripts/initramfs-shell.sh

RUN=demo-shell OUT=$WORK/demo.out ERR=$WORK/demo.err
: >"$ERR"

# Types into the pty once the shell is there; gives up after 5 minutes.
typist() {
	for _ in $(seq 600); do
		grep -q "a shell on hvc0" "$OUT" 2>/dev/null && break
		sleep 0.5
	done
	sleep 2
	printf 'echo typed-$((6 * 7))\n'
	sleep 2
	printf 'while :; do :; done\n'
	sleep 3
	printf '\003'
	sleep 2
	printf 'echo after-ctrl-c-$((7 * 8))\n'
	sleep 2
	printf 'exit\n'
}

typist | timeout "$RUN_TIMEOUT" script -qec "$XENLET run $KERNEL --ramdisk $INITRD \
	--trap-path host --cmdline 'console=hvc0'; echo \"rc=\$?\"" /dev/null >"$OUT"
RC=$(tr -d '\r' <"$OUT" | sed -n 's/^rc=\([0-9]*\)$/\1/p' | tail -1)
expect_rc 0
# The results, not the echoed input: only a shell that ran them prints these.
expect_out_has "typed-42"
expect_out_has "after-ctrl-c-56"
expect_out_has "reboot: System halted"
finish
