#!/bin/bash
# 32-bit user space under Debian's 64-bit kernel (host trap path: Debian
# boots are slow here, and guest-compat32.sh covers both paths with a
# small guest).  A 32-bit static program of integer instructions and
# `int $0x80` (tests/user/hello32.S) must print its lines and the machine
# a 32-bit process is told (x86_64), and exit 0.  Then Debian's i386
# busybox-static in compat mode prints, answers
# `uname -m` as Linux does for a 32-bit process (x86_64; i686 under
# `linux32`), forks a 32-bit child and reads a file
# (tests/user/compat32-guest.sh).
#
# On hosts whose KVM emulates compat-mode code (the project's: see
# README), that emulator lacks SSE, which Debian's i386 C library uses,
# and its %gs-relative TLS accesses fault (the base a CPL3 load of %gs
# leaves here is not the descriptor's).  A run whose every busybox failure
# is one of those two (the kernel's report names busybox32, and the
# instruction is an SSE one or a %gs-relative access) says so as a skip of
# that part; any other outcome fails.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
RUN_TIMEOUT=${XENLET_KERNEL_TIMEOUT:-600}

if ! BUSYBOX32=$(scripts/fetch-busybox-i386.sh 2>"$WORK/busybox32.err"); then
	echo "skip: cannot fetch Debian's i386 busybox-static from the package archive:"
	sed 's/^/  /' "$WORK/busybox32.err"
	exit 77
fi
require_debian build/initramfs-compat32.cpio.gz tests/user/compat32-guest.sh "" "$BUSYBOX32" \
	build/tests/user/hello32

run_xenlet "debian-compat32" "$KERNEL" --trap-path host \
	--ramdisk "$INITRD" --cmdline "console=hvc0 earlyprintk=xen"
expect_rc 0
expect_out_has "xenlet-initramfs: test program exited"
# hvc0 ends the guest's lines with CR LF.
expect_out_has "hello32: hello from i386"
expect_out_has "hello32: uname machine x86_64"
expect_out_has "compat32-guest: hello32 exited with 0"
expected=(
	"compat32-guest: echo: [hello-from-i386]"
	"compat32-guest: uname -m: x86_64"
	"compat32-guest: linux32 uname -m: i686"
	"compat32-guest: child: [child-of-i386-sh]"
	"compat32-guest: read: [ELF]"
)
missing=0
for line in "${expected[@]}"; do
	tr -d '\r' <"$OUT" | grep -qxF "$line" || missing=$((missing + 1))
done
if [ "$missing" -eq 0 ]; then
	pass "every 32-bit command's output"
	finish
fi

# Why the 32-bit processes died, from the kernel's reports.
reports=$(grep -E 'busybox32\[[0-9]+\]' "$OUT" || true)
if [ -z "$reports" ]; then
	fail "$missing of ${#expected[@]} lines missing, and no kernel report of a 32-bit process's death"
	finish
fi
limits=() other=0
while read -r report; do
	if [[ $report =~ trap\ invalid\ opcode\ ip:([0-9a-f]+).*in\ busybox32 ]]; then
		ip=${BASH_REMATCH[1]}
		insn=$(objdump -d --start-address=0x"$ip" --stop-address=$((0x$ip + 16)) \
			"$BUSYBOX32" | grep -E "^ *$ip:" | cut -f3)
		if [[ $insn == *%xmm* ]]; then
			limits+=("#UD at SSE '$insn' (0x$ip)")
			continue
		fi
	elif [[ $report =~ segfault\ at\ .*in\ busybox32 ]] &&
		grep -A1 -F "$report" "$OUT" | grep -q 'Code: .*<65>'; then
		limits+=("segfault at a %gs-relative access (${report#*segfault })")
		continue
	fi
	echo "not a known platform limit: $report"
	other=$((other + 1))
done <<<"$reports"
if [ "$other" -gt 0 ] || [ "$failures" -gt 0 ]; then
	fail "$missing of ${#expected[@]} lines missing"
	finish
fi
echo "skip [busybox32]: Debian's kernel runs the i386 busybox-static in compat mode, but"
echo "  this KVM's emulation of compat-mode code stops it ($missing of ${#expected[@]} lines missing):"
printf '  %s\n' "${limits[@]}" | sort | uniq -c
finish
