#!/bin/bash
# Boots the compat32 guest in each trap path: a 32-bit (compat-mode) user
# process under the 64-bit test kernel, entered by iret on 0x23/0x2b, whose
# int $0x80, sysenter, #PF, #GP (cli, and an `out` to the port the host
# path opens to CPL3) and 32-bit syscall each reach the kernel with Xen's
# frame, the kernel's iret taking it back to compat mode in between.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/compat32.elf

for path in guest host; do
	run_xenlet "$path" "$GUEST" --trap-path "$path"
	expect_rc 0
	expect_result "SUCCESS"
	expect_out_line "compat32: int \$0x80, sysenter, syscall, #PF and #GP from 32-bit user mode done"
	# Which way the 32-bit syscall went depends on the CPU (AMD: CSTAR and
	# the syscall32 callback; Intel: #UD): shown, not hidden.
	grep '^compat32: 32-bit syscall' "$OUT" | sed "s/^/note [$path]: /"
done

finish
