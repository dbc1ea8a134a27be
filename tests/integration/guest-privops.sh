#!/bin/bash
# Boots the privops guest in each trap path: `mov` to and from debug
# registers through set_debugreg's rules (#GP(0), #UD, CR4.DE), cr4's
# guest view, the MSRs Xen answers a PV domU and DEBUGCTL's #GP(0),
# forced CPUID and rdmsr from user mode, cli under the virtual IOPL per
# mode and VMASST_TYPE_architectural_iopl.  Then whether a dr0
# instruction breakpoint fires at the guest's CPL3: it must arrive with
# DR6.B0 where it does; where it does not (this host's KVM loads no
# debug registers for CPL3 code) the guest says SKIP and why.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/privops.elf

for path in guest host; do
	run_xenlet "$path" "$GUEST" --trap-path "$path"
	expect_rc 0
	expect_result "SUCCESS"
	expect_out_line "privops: mov to/from dr0-7 as set_debugreg/get_debugreg; GD, hole addresses, I/O breakpoints without DE, a set upper half #GP(0); dr8 #UD"
	# Which of the two depends on the CPUID the host gives the vCPU.
	grep -E '^privops: (CR4.DE: dr4/dr5 #UD, an I/O breakpoint taken|CPUID offers no DE: CR4.DE stays clear)$' \
		"$OUT" | sed "s/^/note [$path]: /"
	expect_out_line "privops: cr4 reads the guest's view; TSD taken, PGE and PAE dropped without a fault"
	expect_out_line "privops: rdmsr PLATFORM_INFO, PAT, EFER, APIC_BASE, TSC as Xen answers; DEBUGCTL #GP(0)"
	expect_out_line "privops: user mode: forced CPUID answered, rdmsr #GP(0)"
	expect_out_line "privops: cli needs IOPL 1 in the kernel, 3 in user mode, else #GP(0)"
	expect_out_line "privops: architectural_iopl: iret loads the IOPL, frames show it, the kernel runs at its ring 0"

	run_xenlet "$path-breakpoint" "$GUEST" --trap-path "$path" --cmdline "xt.step=breakpoint"
	expect_rc 0
	if grep -qx 'Test result: SUCCESS' "$OUT"; then
		expect_out_line "privops: a dr0 instruction breakpoint fired with DR6.B0 set"
	else
		expect_result "SKIP (a dr0 instruction breakpoint did not fire at the guest's CPL3 (this host's KVM does not load debug registers for CPL3 code))"
		echo "note [$path]: platform limit: dr0 instruction breakpoints do not fire at CPL3 here"
	fi
done

finish
