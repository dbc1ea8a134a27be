#!/bin/bash
# Boots the start-info guest (start_info fields, bootstrap layout and page
# tables, the implemented hypercalls by page and by syscall) in each trap
# path, without and with a ramdisk, and once with --trap-path auto; then
# checks the launcher refuses domains it cannot build.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/start-info.elf

# Odd-sized, so the guest's length and checksum of it are both tested; over
# 4 MiB, so the mapping needs several L1 tables.
RAMDISK=$WORK/ramdisk.bin
head -c $((6 * 1024 * 1024 + 1)) /dev/urandom >"$RAMDISK"
read -r rd_sum rd_len _ < <(cksum "$RAMDISK")

check_run() {
	local cmdline=$1
	expect_rc 0
	expect_result SUCCESS
	expect_out_line "start-info: cmd_line=[$cmdline]"
	expect_out_line "start-info: console_io via page"
	expect_out_line "start-info: console_io via syscall"
}

for path in guest host; do
	cmdline="xt.pages=10240 xt.note=a,b:c/d"
	run_xenlet "$path-plain" "$GUEST" --trap-path "$path" --memory 40 \
		--cmdline "$cmdline"
	check_run "$cmdline"

	cmdline="xt.pages=65536 xt.ramdisk_len=$rd_len xt.ramdisk_sum=$rd_sum"
	run_xenlet "$path-ramdisk" "$GUEST" --trap-path "$path" --memory 256 \
		--ramdisk "$RAMDISK" --cmdline "$cmdline"
	check_run "$cmdline"
done

# The longest command line Xen passes (MAX_GUEST_CMDLINE - 1 bytes).
pad=$(head -c 1001 /dev/zero | tr '\0' p)
cmdline="xt.pages=10240 xt.pad=$pad"
run_xenlet auto "$GUEST" --trap-path auto --memory 40 --cmdline "$cmdline"
check_run "$cmdline"

# A wrong expectation must fail the guest, and say where: the checks bite.
run_xenlet wrong-pages "$GUEST" --memory 40 --cmdline "xt.pages=10241"
expect_rc 3
if grep -qE '^FAIL tests/guests/start-info/main\.c:[0-9]+: si->nr_pages == want \(0x2800 vs 0x2801\)$' "$OUT" &&
	grep -qxE 'Test result: FAILURE \(1 of [0-9]+ checks failed\)' "$OUT"; then
	pass "one failed check, reported with file:line"
else
	fail "expected exactly the nr_pages check to fail"
fi

setup_error() {
	expect_rc 1
	if [ -s "$OUT" ]; then
		fail "the guest ran (stdout not empty)"
	fi
	expect_err_matches '^xenlet: '
}
run_xenlet too-small "$GUEST" --memory 8 --ramdisk "$RAMDISK"
setup_error
run_xenlet long-cmdline "$GUEST" --memory 40 --cmdline "${cmdline}x"
setup_error

finish
