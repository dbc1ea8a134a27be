#!/bin/bash
# Boot time: Debian 12's kernel with the busybox initramfs
# (scripts/make-initramfs.sh) to /init's hello line, in xenlet (host trap
# path, one vCPU) and in QEMU (TCG unless BENCH_BOOT_QEMU_ACCEL says
# otherwise; scripts/install-deps.sh bench installs it) on the same kernel
# and initramfs, by turn in each of BENCH_BOOT_ROUNDS rounds (absolute
# times drift with the machine's load; the ratio is the figure).  Prints
# seconds to the hello line for each run, the medians and their ratio,
# and xenlet's VM exits per boot (median), with the last round's exits by
# cause: KVM exit reason, trap vector reaching the core, hypercall; and
# xenlet's memory beyond the guest's RAM (its own and the shim region's,
# --stats' mem.* lines); and the host's floor: the exits times a null
# hypercall (made as Debian's kernel makes them, by the hypercall bench
# guest in each round), plus the start-up to the kernel's first
# instruction, against both boots.  It
# prints figures and never fails on them; a boot that does not reach its
# hello line fails the run.  With BENCH_BOOT_TRACE=FILE each xenlet boot
# is also traced (--trace FILE, the last one kept) and trace-report's
# top causes are printed; without it nothing changes.
set -u
cd "$(dirname "$0")/.." || exit 1
XENLET=${XENLET:-./xenlet}
QEMU=${QEMU:-qemu-system-x86_64}
QEMU_ACCEL=${BENCH_BOOT_QEMU_ACCEL:-tcg}
ROUNDS=${BENCH_BOOT_ROUNDS:-3}
TRACE=${BENCH_BOOT_TRACE:-}
trace_args=()
[ -n "$TRACE" ] && trace_args=(--trace "$TRACE")

if [ ! -e /dev/kvm ]; then
	echo "bench-boot: skipped, /dev/kvm does not exist"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/xenlet-bench-boot.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! kernel=$(scripts/fetch-kernel.sh 2>"$work/fetch.err"); then
	echo "bench-boot: skipped, cannot fetch Debian's kernel:"
	sed 's/^/  /' "$work/fetch.err"
	exit 0
fi
if ! initrd=$(scripts/make-initramfs.sh 2>"$work/initrd.err"); then
	echo "bench-boot: skipped, cannot build the initramfs from Debian's busybox-static:"
	sed 's/^/  /' "$work/initrd.err"
	exit 0
fi
kinds="xenlet qemu"
if ! command -v "$QEMU" >/dev/null; then
	kinds=xenlet
	echo "bench-boot: $QEMU is not installed (scripts/install-deps.sh bench): xenlet only"
fi

stat_of() { sed -n "s/^xenlet-stats: $2 \([0-9]*\)$/\1/p" "$work/$1.err" | head -1; }

# The host's floor for one exit, measured in each round next to the boots:
# the median round trip of a null hypercall made as Debian's kernel makes
# them (a bare `syscall` to the trampoline's `out`), in microseconds, from
# the hypercall bench guest (tests/guests/hypercall-bench).
FLOOR_GUEST=build/tests/guests/hypercall-bench.elf
exit_floor() { # NAME
	timeout 120 "$XENLET" run "$FLOOR_GUEST" --trap-path host --stats \
		--cmdline "xt.calls=2000" >"$work/$1.out" 2>"$work/$1.err" || return 0
	awk -v khz="$(stat_of "$1" tsc_khz)" \
		-v t="$(sed -n 's/^bench: syscall median_ticks=\([0-9]*\).*/\1/p' "$work/$1.out")" \
		'BEGIN { if (khz > 0 && t > 0) printf "%.1f\n", t * 1000 / khz }' >"$work/$1.us"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# Boots KIND as run NAME; the hello line's time is taken as the line
# arrives (both consoles are written unbuffered), from the start of the
# command.  The guest powers itself off after it.
boot() { # NAME KIND
	local start rc
	start=$EPOCHREALTIME
	case $2 in
	xenlet)
		timeout 900 "$XENLET" run "$kernel" --trap-path host --stats "${trace_args[@]}" \
			--ramdisk "$initrd" --cmdline "console=hvc0" </dev/null 2>"$work/$1.err" ;;
	qemu)
		timeout 900 "$QEMU" -accel "$QEMU_ACCEL" -m 512 -nographic -no-reboot \
			-kernel "$kernel" -initrd "$initrd" -append "console=ttyS0" \
			</dev/null 2>"$work/$1.err" ;;
	esac | while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		*"xenlet-initramfs: hello from user space"*)
			echo "$EPOCHREALTIME" >"$work/$1.hello" ;;
		esac
	done >"$work/$1.out"
	rc=${PIPESTATUS[0]}
	if [ ! -f "$work/$1.hello" ]; then
		echo "bench-boot: $2 did not reach the hello line (exit $rc):" >&2
		tail -n 5 "$work/$1.out" "$work/$1.err" >&2
		exit 1
	fi
	awk -v a="$start" -v b="$(cat "$work/$1.hello")" 'BEGIN { printf "%.2f\n", b - a }' \
		>"$work/$1.secs"
}

printf '%-6s %-7s %9s %10s\n' round run hello_s vm_exits
for ((round = 1; round <= ROUNDS; round++)); do
	for kind in $kinds; do
		boot "$kind-$round" "$kind"
		exits=-
		[ "$kind" = xenlet ] && exits=$(stat_of "$kind-$round" vm_exits)
		printf '%-6s %-7s %9s %10s\n' "$round" "$kind" "$(cat "$work/$kind-$round.secs")" "$exits"
	done
	[ -f "$FLOOR_GUEST" ] && exit_floor "floor-$round"
done

xs=$(cat "$work"/xenlet-*.secs | median)
echo "median xenlet ${xs} s, VM exits $(for ((r = 1; r <= ROUNDS; r++)); do
	stat_of "xenlet-$r" vm_exits; done | median)"
mem_median() { for ((r = 1; r <= ROUNDS; r++)); do stat_of "xenlet-$r" "mem.$1"; done | median; }
echo "xenlet's memory at exit (median KiB): beyond guest RAM $(mem_median beyond_guest_ram_kib)" \
	"(launcher $(mem_median launcher_kib), shim region $(mem_median shim_region_kib));" \
	"guest RAM touched $(mem_median guest_ram_kib); peak RSS $(mem_median peak_rss_kib)"
if [ "$kinds" != xenlet ]; then
	qs=$(cat "$work"/qemu-*.secs | median)
	echo "median qemu-$QEMU_ACCEL ${qs} s; ratio xenlet/qemu $(awk -v a="$xs" -v b="$qs" \
		'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
fi

# What no work in the launcher can take away on this host: the guest's
# exits (its own hypercalls and traps) at the cost of the cheapest one,
# and the start-up (mostly the kernel's decompression).
floor_us=$(cat "$work"/floor-*.us 2>/dev/null | median)
if [ -n "$floor_us" ]; then
	ex=$(for ((r = 1; r <= ROUNDS; r++)); do stat_of "xenlet-$r" vm_exits; done | median)
	start=$(for ((r = 1; r <= ROUNDS; r++)); do stat_of "xenlet-$r" start_to_guest_us; done | median)
	awk -v ex="$ex" -v us="$floor_us" -v start="$start" -v xs="$xs" -v qs="${qs:-0}" 'BEGIN {
		f = ex * us / 1e6; s = start / 1e6
		printf "floor: %d exits x %.1f us (null hypercall, median of the rounds) = %.2f s;", ex, us, f
		printf " start-up to the kernel %.2f s; together %.2f s, %.0f%% of xenlet'"'"'s boot", s, f + s, 100 * (f + s) / xs
		if (qs > 0) printf "; qemu %.2f s", qs
		printf "\n"
	}'
fi

echo "xenlet's exits by cause, round $ROUNDS (count, most first):"
last=$work/xenlet-$ROUNDS.err
for kind in "vm_exits\." "trap\." "hypercall\."; do
	sed -n "s/^xenlet-stats: \(${kind}[a-z0-9_]*\) \([0-9]*\)$/\2 \1/p" "$last" |
		sort -rn | awk '{ printf "  %-32s %8d\n", $2, $1 }'
done
echo "(hello_s: from the command's start to /init's hello line; vm_exits from" \
	"xenlet's --stats, to the poweroff; trap.N: exceptions that reached the core," \
	"each one exit in the host path)"
if [ -n "$TRACE" ]; then
	echo "trace of round $ROUNDS ($TRACE):"
	build/tools/trace-report -n 10 "$TRACE" | sed 's/^/  /'
fi
