#!/bin/bash
# Asynchronous events, in each trap path, with the preempt test guest
# (tests/guests/preempt): how late its periodic timer's upcalls reach its
# event callback while it spins without trapping, in guest kernel and user
# mode (median, p99 and worst after the tick: the latency from raising an event
# to the callback); the VM exits and injected interrupts each upcall costs;
# and the host CPU time an idle vCPU uses (the same guest sleeping 2 s more
# in SCHEDOP_block, against a run without the sleep).
set -u
cd "$(dirname "$0")/.." || exit 1
XENLET=${XENLET:-./xenlet}
GUEST=build/tests/guests/preempt.elf
IDLE_MS=2000

if [ ! -e /dev/kvm ]; then
	echo "bench-events: skipped, /dev/kvm does not exist"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-events.XXXXXX")
trap 'rm -rf "$work"' EXIT

# run NAME ARGS...: the guest must pass; output and CPU seconds in $work.
run() {
	local name=$1
	shift
	if ! /usr/bin/time -f "%U %S" -o "$work/$name.cpu" timeout 300 \
		"$XENLET" run "$GUEST" --stats "$@" </dev/null \
		>"$work/$name.out" 2>"$work/$name.err" ||
		! grep -q '^Test result: SUCCESS' "$work/$name.out"; then
		echo "bench-events: run '$name' failed:" >&2
		tail -5 "$work/$name.out" "$work/$name.err" >&2
		exit 1
	fi
}

stat_of() { # RUN KEY
	sed -n "s/^xenlet-stats: $2 \([0-9]*\)$/\1/p" "$work/$1.err" | head -1 | grep . || echo 0
}

cpu_ms() { # RUN: user + system CPU in ms
	awk '{ printf "%d", ($1 + $2) * 1000 }' "$work/$1.cpu"
}

lateness() { # RUN PHASE: "median/p99/max" in us
	sed -n "s/^preempt: $2: upcall lateness after the tick: median \([0-9]*\) us, p99 \([0-9]*\) us, max \([0-9]*\) us.*/\1\/\2\/\3/p" \
		"$work/$1.out"
}

printf '%-6s %18s %18s %10s %12s %12s %14s\n' path kernel_late_us user_late_us \
	upcalls exits/upcall intr/upcall idle_cpu_ms/s
for path in guest host; do
	run "$path" --trap-path "$path"
	run "$path-idle" --trap-path "$path" --cmdline "xt.idle_ms=$IDLE_MS"
	inj=$(stat_of "$path" event_injections)
	exits=$(stat_of "$path" vm_exits)
	base=$(( $(stat_of "$path" vm_exits.io_console) + $(stat_of "$path" vm_exits.io_hypercall) ))
	idle=$(( ($(cpu_ms "$path-idle") - $(cpu_ms "$path")) * 1000 / IDLE_MS ))
	printf '%-6s %18s %18s %10s %12s %12s %14s\n' "$path" \
		"$(lateness "$path" 'kernel spin')" "$(lateness "$path" 'user spin')" "$inj" \
		"$(awk -v e="$exits" -v b="$base" -v n="$inj" 'BEGIN { printf "%.2f", n ? (e - b) / n : 0 }')" \
		"$(awk -v i="$(stat_of "$path" vm_exits.intr)" -v n="$inj" 'BEGIN { printf "%.2f", n ? i / n : 0 }')" \
		"$idle"
done
echo "(lateness: median/p99/max us after the periodic timer's tick, 10 ms period, while the" \
	"guest spins; exits/upcall: VM exits other than the guest's own hypercalls and console" \
	"output, per injected event interrupt; idle_cpu_ms/s: host CPU per second of a vCPU" \
	"asleep in SCHEDOP_block)"
