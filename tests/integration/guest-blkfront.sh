#!/bin/bash
# Boots the blkfront guest, a Xen block frontend, against xenlet's
# blkback in both trap paths: xvda an 8 MiB image, xvdb another given
# read-only.  Both start filled as the guest expects (`yes UNIT`).
#
#   good:    reads, writes (one page, partial segments, eleven segments,
#            a full ring, the last sector, indirect), flush, discard,
#            closing; the guest reads xvdb;
#   hostile: malformed and malicious requests, each refused alone, the
#            read-only disk written to, and at last a ring index no
#            frontend could produce.
#
# The hostile run goes once more under the sanitized launcher
# (build/xenlet-san, ASan/UBSan with leak checks), where any report fails.
#
# Both must end "Test result: SUCCESS" and power off.  Then, on the host:
# xvda must hold exactly its initial fill plus the pattern of every
# write the guest reported ("blkfront: xvda: wrote sectors S count N";
# discarded sectors are left out of the comparison: what they read as is
# not promised), so no refused write reached it; the read-only image must
# be unchanged; and xenlet's stderr must show no crash.
#
# Until xenlet has --disk (the blkback on main), every run fails.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/blkfront.elf
SECTORS=16384 # 8 MiB

# make_image FILE UNIT: the image filled with "UNIT\n" (16 bytes) repeated.
make_image() {
	yes "$2" | head -c $((SECTORS * 512)) >"$1"
}

# write_pattern FILE START COUNT: the sectors as the guest writes them
# (tests/guests/blkfront/pattern.c): 16 lines "lba %08x line %02x
# xenlet-blk\n" per sector.
write_pattern() {
	local file=$1 start=$2 count=$3 lba line args=()
	for ((lba = start; lba < start + count; lba++)); do
		for ((line = 0; line < 16; line++)); do
			args+=("$lba" "$line")
		done
	done
	# shellcheck disable=SC2059 # the format is the guest's
	printf 'lba %08x line %02x xenlet-blk\n' "${args[@]}" |
		dd of="$file" bs=512 seek="$start" conv=notrunc status=none
}

# zero_sectors FILE START COUNT
zero_sectors() {
	dd if=/dev/zero of="$1" bs=512 seek="$2" count="$3" conv=notrunc status=none
}

# The image must be its fill plus what the guest reported writing.
expect_image() {
	local img=$1 expected=$WORK/$RUN.expected actual=$WORK/$RUN.actual start count
	make_image "$expected" xenlet-initial.
	cp "$img" "$actual"
	while read -r start count; do
		write_pattern "$expected" "$start" "$count"
	done < <(sed -n 's/^blkfront: xvda: wrote sectors \([0-9]*\) count \([0-9]*\)$/\1 \2/p' "$OUT")
	while read -r start count; do
		zero_sectors "$expected" "$start" "$count"
		zero_sectors "$actual" "$start" "$count"
	done < <(sed -n 's/^blkfront: xvda: discarded sectors \([0-9]*\) count \([0-9]*\):.*/\1 \2/p' "$OUT")
	local diff
	if diff=$(cmp "$expected" "$actual" 2>&1); then
		pass "xvda holds its fill and exactly the writes the guest reported"
	else
		local byte
		byte=$(sed -n 's/.* \(byte\|char\) \([0-9]*\),.*/\2/p' <<<"$diff")
		fail "xvda differs from what the guest reported: $diff${byte:+ (sector $(((byte - 1) / 512)))}"
		if [ -n "$byte" ]; then
			echo "  --- sector $(((byte - 1) / 512)) on disk"
			od -A d -c -j $((((byte - 1) / 512) * 512)) -N 64 "$img" | sed 's/^/  | /'
		fi
	fi
}

# No sign of a crash on stderr: sanitizer reports (a leak included), a
# signal's death, an assertion, KVM's internal error, a guest fault
# report.
expect_no_crash() {
	if grep -qE 'Sanitizer|runtime error:|Segmentation fault|Aborted|core dumped|Assertion .* failed|KVM internal error|xenlet: .*(fault|triple)' "$ERR"; then
		fail "xenlet's stderr shows a crash"
	else
		pass "no crash on xenlet's stderr"
	fi
}

# run_blkfront PATH MODE [NAME]: NAME (default PATH-MODE) names the run.
run_blkfront() {
	local path=$1 mode=$2 name=${3:-$1-$2}
	local img=$WORK/$name.img ro=$WORK/$name.ro.img ro_sum
	make_image "$img" xenlet-initial.
	make_image "$ro" xenlet-readonly
	ro_sum=$(cksum <"$ro")
	run_xenlet "$name" "$GUEST" --trap-path "$path" \
		--disk "$img,vdev=xvda" --disk "$ro,vdev=xvdb,ro" \
		--cmdline "xt.mode=$mode xt.rodisk=1 xt.sectors=$SECTORS"
	expect_rc 0
	expect_result "SUCCESS"
	expect_no_crash
	if [ "$mode" = good ]; then
		expect_out_line "blkfront: xvda: wrote sectors 64 count 8"
		expect_out_line "blkfront: xvda: wrote sectors 100 count 3"
		expect_out_line "blkfront: xvda: wrote sectors 128 count 88"
		expect_out_line "blkfront: xvda: wrote sectors $((SECTORS - 1)) count 1"
		expect_out_line "blkfront: xvda closed"
	else
		expect_out_line "blkfront: xvda: wrote sectors 520 count 16"
		expect_out_has "blkfront: hostile: req_prod 1000 ahead -> 0 responses"
	fi
	expect_out_line "blkfront: xvdb closed"
	expect_image "$img"
	if [ "$(cksum <"$ro")" = "$ro_sum" ]; then
		pass "the read-only image is unchanged"
	else
		fail "the read-only image changed"
	fi
}

for path in host guest; do
	run_blkfront "$path" good
	run_blkfront "$path" hostile
done
if [ -x build/xenlet-san ]; then
	XENLET=build/xenlet-san ASAN_OPTIONS=detect_leaks=1:exitcode=99 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99 \
		run_blkfront host hostile sanitized-host-hostile
else
	RUN=sanitized
	fail "build/xenlet-san is not built (run make)"
fi

finish
