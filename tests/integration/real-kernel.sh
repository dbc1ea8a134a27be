#!/bin/bash
# Boots Debian 12's own linux-image-amd64 (a bzImage with an XZ payload,
# fetched from Debian's archive) in each trap path.  It runs until it needs
# something xenlet does not build yet; the launcher must then stop with one
# line naming the fault or hypercall and the guest RIP (or the kernel's own
# crash shutdown after its panic message), and a non-zero, non-internal
# exit status.  The kernel's boot messages must reach stdout.  Asserts it got at least past its first
# hypercalls (answered xen_version, a wrmsr and CPUID emulated).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

if ! KERNEL=$(scripts/fetch-kernel.sh 2>"$WORK/fetch.err"); then
	echo "skip: cannot fetch Debian's kernel from the package archive:"
	sed 's/^/  /' "$WORK/fetch.err"
	exit 77
fi

stat_of() { # KEY: value of `xenlet-stats: KEY N` in the last run, or 0
	sed -n "s/^xenlet-stats: $1 \([0-9]*\)$/\1/p" "$ERR" | head -1 | grep . || echo 0
}

for path in guest host; do
	run_xenlet "debian-$path" "$KERNEL" --trap-path "$path" --stats \
		--cmdline "console=hvc0 earlyprintk=xen"
	if [ "$RC" = 0 ] || [ "$RC" = 1 ] || [ "$RC" = 5 ]; then
		fail "exit status $RC: expected a guest stop (2, 3 or 4)"
	else
		pass "guest stopped with status $RC"
	fi
	# The stop is said in one line, with the RIP, or the kernel panicked
	# and said why itself.
	stop_re='^xenlet: guest .*rip 0x[0-9a-f]+|^xenlet: guest crashed \(SCHEDOP_shutdown'
	stops=$(grep -cE "$stop_re" "$ERR")
	if [ "$stops" = 1 ]; then
		pass "one line names the stop: $(grep -E "$stop_re" "$ERR" | cut -c1-160)"
	else
		fail "$stops lines name the stop and its RIP, expected 1"
	fi
	[ "$(stat_of 'hypercall.xen_version')" -ge 1 ] &&
		pass "xen_version answered" || fail "no xen_version hypercall was made"
	[ "$(stat_of 'trap.13')" -ge 1 ] &&
		pass "privileged instruction emulated (#GP)" || fail "no #GP was taken"
	[ "$(stat_of 'trap.6')" -ge 1 ] &&
		pass "forced-emulation CPUID (#UD) taken" || fail "no #UD was taken"
	[ "$(stat_of hypercalls)" -ge 3 ] &&
		pass "$(stat_of hypercalls) hypercalls made" || fail "fewer than 3 hypercalls"
	expect_err_matches "^xenlet-stats: trap_path $path$"
	expect_out_has "Linux version"
	if grep -q '^xenlet: guest crashed' "$ERR"; then
		expect_out_has "Kernel panic"
	fi
	grep -E 'Kernel panic|^\[ *[0-9.]+\] RIP:' "$OUT" | head -2 | sed "s/^/note [$path]: /"
done

# Not enough memory for this kernel: refused before any VM exists.
run_xenlet "debian-small" "$KERNEL" --memory 32
expect_rc 1
expect_err_matches "^xenlet: .*(memory|bigger)"
finish
