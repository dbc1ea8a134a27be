#!/bin/bash
# Cost of one hypercall (XENVER_version) in each trap path, through the
# hypercall page and as a raw syscall: median and minimum time, VM exits and
# guest->shim transitions per call, and the launcher's start-up time to the
# guest's first instruction.  Exits and transitions come from the
# launcher's --stats, minus a run of the same guest that makes no calls.
set -u
cd "$(dirname "$0")/.." || exit 1
XENLET=${XENLET:-./xenlet}
GUEST=build/tests/guests/hypercall-bench.elf
CALLS=${BENCH_HYPERCALL_CALLS:-10000}

if [ ! -e /dev/kvm ]; then
	echo "bench-hypercall: skipped, /dev/kvm does not exist"
	exit 0
fi
if [ ! -x "$XENLET" ] || [ ! -f "$GUEST" ]; then
	echo "bench-hypercall: $XENLET or $GUEST not built (run make)" >&2
	exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-hypercall.XXXXXX")
trap 'rm -rf "$work"' EXIT

# run NAME ARGS...: the guest must power off; its output stays in $work.
run() {
	local name=$1
	shift
	if ! timeout 600 "$XENLET" run "$GUEST" --stats "$@" \
		>"$work/$name.out" 2>"$work/$name.err"; then
		echo "bench-hypercall: run '$name' failed:" >&2
		tail -n 5 "$work/$name.out" "$work/$name.err" >&2
		exit 1
	fi
}

stat() {	# stat NAME KEY: a xenlet-stats value (0 if absent)
	awk -v k="$2" '$1 == "xenlet-stats:" && $2 == k { v = $3 } END { print v + 0 }' \
		"$work/$1.err"
}

bench() {	# bench NAME PATH FIELD: a field of the guest's "bench:" line
	sed -n "s/^bench: $2 .*$3=\([0-9]*\).*/\1/p" "$work/$1.out"
}

printf '%-6s %10s %10s %10s %10s %10s %12s %12s %9s\n' path page_us \
	page_min syscall_us sysc_min exits/call transit/call hcalls/call start_us
for path in guest host; do
	run "$path" --trap-path "$path" --cmdline "xt.calls=$CALLS"
	run "$path-base" --trap-path "$path" --cmdline "xt.calls=0"
	khz=$(stat "$path" tsc_khz)
	if [ "$khz" = 0 ]; then
		echo "bench-hypercall: no tsc_khz in the launcher's stats" >&2
		exit 1
	fi
	if [ "$(grep -c '^bench: .* median_ticks=' "$work/$path.out")" != 2 ]; then
		echo "bench-hypercall: the guest did not print both bench lines" >&2
		exit 1
	fi
	awk -v khz="$khz" -v calls=$((2 * CALLS)) -v path="$path" \
		-v pm="$(bench "$path" hypercall_page median_ticks)" \
		-v pn="$(bench "$path" hypercall_page min_ticks)" \
		-v sm="$(bench "$path" syscall median_ticks)" \
		-v sn="$(bench "$path" syscall min_ticks)" \
		-v ex="$(stat "$path" vm_exits)" -v ex0="$(stat "$path-base" vm_exits)" \
		-v tr="$(stat "$path" transitions)" -v tr0="$(stat "$path-base" transitions)" \
		-v hc="$(stat "$path" hypercalls)" -v hc0="$(stat "$path-base" hypercalls)" \
		-v start="$(stat "$path" start_to_guest_us)" \
		'BEGIN {
			us = 1000 / khz
			printf "%-6s %10.2f %10.2f %10.2f %10.2f %10.3f %12.3f %12.3f %9d\n",
				path, pm * us, pn * us, sm * us, sn * us, (ex - ex0) / calls,
				(tr - tr0) / calls, (hc - hc0) / calls, start
		}'
done
echo "(${CALLS} calls per path and kind, times in us (median and minimum);" \
	"exits, transitions and hypercalls per call from --stats deltas against" \
	"xt.calls=0; start_us: launcher start to the guest's first instruction)"

# Page-table hypercalls (tests/guests/mmu: one L1 entry flipped, the base
# pointer switched between two tables), each call timed on its own.
MMU_GUEST=build/tests/guests/mmu.elf
MMU_CALLS=${BENCH_HYPERCALL_MMU_CALLS:-2000}
echo
printf '%-6s %14s %14s %16s %16s\n' path mmu_update_us mmu_update_min new_baseptr_us \
	new_baseptr_min
for path in guest host; do
	GUEST=$MMU_GUEST run "mmu-$path" --trap-path "$path" --cmdline "xt.bench=$MMU_CALLS"
	awk -v khz="$(stat "mmu-$path" tsc_khz)" -v path="$path" \
		-v um="$(bench "mmu-$path" mmu_update median_ticks)" \
		-v un="$(bench "mmu-$path" mmu_update min_ticks)" \
		-v bm="$(bench "mmu-$path" new_baseptr median_ticks)" \
		-v bn="$(bench "mmu-$path" new_baseptr min_ticks)" \
		'BEGIN {
			us = 1000 / khz
			printf "%-6s %14.2f %14.2f %16.2f %16.2f\n", path, um * us, un * us,
				bm * us, bn * us
		}'
done
echo "(${MMU_CALLS} calls each, times in us (median and minimum))"
