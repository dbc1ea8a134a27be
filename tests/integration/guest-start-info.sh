#!/bin/bash
# Boots the start-info guest (start_info fields, bootstrap layout and page
# tables, the implemented hypercalls by page and by syscall) in each trap
# path, without and with a ramdisk, and once with --trap-path auto.
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/start-info.elf

# Odd-sized, so the guest's length and checksum of it are both tested.
RAMDISK=$WORK/ramdisk.bin
head -c 300001 /dev/urandom >"$RAMDISK"
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

	cmdline="xt.pages=16384 xt.ramdisk_len=$rd_len xt.ramdisk_sum=$rd_sum"
	run_xenlet "$path-ramdisk" "$GUEST" --trap-path "$path" --memory 64 \
		--ramdisk "$RAMDISK" --cmdline "$cmdline"
	check_run "$cmdline"
done

cmdline="xt.pages=10240"
run_xenlet auto "$GUEST" --trap-path auto --memory 40 --cmdline "$cmdline"
check_run "$cmdline"

finish
