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
	# Intel: #UD at the 32-bit syscall.  AMD: these hosts' KVM enters
	# CSTAR at its low 32 bits, so the guest does not run it: a skip.
	grep '^compat32: 32-bit syscall raised' "$OUT" | sed "s/^/note [$path]: /"
	grep '^compat32: 32-bit syscall not run' "$OUT" | sed "s/^compat32: /skip [$path]: /"
done

finish
