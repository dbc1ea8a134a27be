#!/bin/bash
# What `xenlet run` refuses: each a one-line reason and exit status 1,
# before any guest runs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/start-info.elf
printf 'not a kernel at all\n' >"$WORK/text"
head -c 100 "$GUEST" >"$WORK/truncated.elf"

refused() { # NAME ERE ARGS...: exit 1 and one xenlet line matching ERE
	local name=$1 ere=$2
	shift 2
	run_xenlet "$name" "$@"
	expect_rc 1
	expect_err_matches "$ere"
	if [ -s "$OUT" ]; then
		fail "the guest printed something; nothing should have run"
	fi
}

refused no-file 'no such file' "$WORK/missing"
refused directory 'regular|directory' "$WORK"
refused not-elf 'not (an )?elf|bzimage|format' "$WORK/text"
refused truncated 'truncat|short|beyond|outside' "$WORK/truncated.elf"
refused host-binary 'xen|note' /bin/true
refused memory-small 'memory' "$GUEST" --memory 4
refused memory-odd 'memory' "$GUEST" --memory 33
refused memory-junk 'memory' "$GUEST" --memory 12abc
refused vcpus 'vcpu' "$GUEST" --vcpus 33
refused trap-path 'trap-path' "$GUEST" --trap-path sideways
refused timer-gap-junk '^xenlet: --timer-gap is whole milliseconds' "$GUEST" --timer-gap 5ms
refused timer-gap-negative '^xenlet: --timer-gap is whole milliseconds' "$GUEST" --timer-gap -1
refused timer-gap-large '^xenlet: --timer-gap is whole milliseconds, 0 to 1000' "$GUEST" \
	--timer-gap 1001
refused ramdisk-missing 'no such file' "$GUEST" --ramdisk "$WORK/missing"
long=$(head -c 1100 /dev/zero | tr '\0' x)
refused cmdline-long 'command line' "$GUEST" --cmdline "$long"
truncate -s 1M "$WORK/disk.img"
refused disk-missing 'disk xvda .*missing.*: .*(no such file|No such file)' "$GUEST" \
	--disk "$WORK/missing"
refused disk-option 'unknown disk option .rw' "$GUEST" --disk "$WORK/disk.img,rw"
refused disk-vdev 'not a disk name' "$GUEST" --disk "$WORK/disk.img,vdev=vda"
refused disk-twice 'xvda is already disk 1' "$GUEST" --disk "$WORK/disk.img" \
	--disk "$WORK/disk.img,vdev=xvda"
refused disk-nbd 'disk xvda .*nbd' "$GUEST" --disk "nbd+unix:///?socket=$WORK/no.sock"
finish
