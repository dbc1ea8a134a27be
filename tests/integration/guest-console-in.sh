#!/bin/bash
# Boots the console-in guest in each trap path with a 6000-byte stdin
# (more than the ring's 1 KiB in[]): the guest must read it all through
# in[] with the cksum(1) of the file, read as fast as it can and slowly
# (100 bytes per 20 ms, so that xenlet fills in[] and waits for the
# guest's sends: no byte may be lost).  With /dev/null as stdin and
# nothing to read, the run ends at once.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/console-in.elf
SIZE=6000

# Deterministic bytes, all 256 values (NUL too) and no period the ring's
# 1 KiB could hide a lost or repeated chunk behind: the ZX81's generator
# (period 65536, products exact in awk's doubles), low byte.
INPUT=$WORK/input
LC_ALL=C awk -v n=$SIZE 'BEGIN { x = 1; for (i = 0; i < n; i++) {
	x = (x * 75 + 74) % 65537; printf "%c", x % 256 } }' >"$INPUT"
read -r SUM LEN < <(cksum <"$INPUT")
if [ "$LEN" != "$SIZE" ]; then
	echo "FAIL: the input file has $LEN bytes, not $SIZE"
	exit 1
fi

for path in guest host; do
	for speed in fast slow; do
		slow=''
		[ "$speed" = slow ] && slow=' xt.slow=1'
		XENLET_STDIN=$INPUT run_xenlet "$path-$speed" "$GUEST" --trap-path "$path" \
			--cmdline "xt.bytes=$SIZE xt.cksum=$SUM$slow"
		expect_rc 0
		expect_result "SUCCESS"
		expect_out_line "console-in: got $SIZE bytes, cksum $SUM"
	done

	# cksum(1) of nothing: 4294967295.
	start=$(date +%s%N)
	run_xenlet "$path-empty" "$GUEST" --trap-path "$path" --cmdline "xt.bytes=0 xt.cksum=4294967295"
	ms=$((($(date +%s%N) - start) / 1000000))
	expect_rc 0
	expect_result "SUCCESS"
	expect_out_line "console-in: got 0 bytes, cksum 4294967295"
	if [ "$ms" -lt 10000 ]; then
		pass "no input, nothing to read: done in $ms ms"
	else
		fail "no input, nothing to read, yet the run took $ms ms"
	fi
done

finish
