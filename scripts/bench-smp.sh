#!/bin/bash
# SMP figures, with the smp test guest's bench modes (tests/guests/smp,
# xt.bench=...) and Debian 12's kernel:
#   1. an IPI's round trip between vCPU 0 and vCPU 1 in each trap path
#      (median and p99), both vCPUs running guest code (spin) or both
#      asleep in SCHEDOP_block (block), and the VM exits each costs;
#   2. events per second between vCPU 0 and the APs (the guest's event
#      stress), with 2 and 4 vCPUs in the host path and 2 in the guest
#      path, and the VM exits per event;
#   3. the host CPU time idle vCPUs use: 1, 2 and 4 vCPUs asleep in
#      SCHEDOP_block for 2 s, against the same guest not sleeping;
#   4. Debian's boot to user space with 1, 2 and 4 vCPUs (host path):
#      from start to its initramfs's hello, and to the end of the run.
# VM exits are counted from --stats against a run of the same mode with
# nothing to do (0 rounds, 0 events, 0 ms), so set-up is not counted.
# It prints figures and never fails on them; a guest that does not pass
# fails the run.  The vCPUs are host threads: on a host with fewer free
# CPUs than vCPUs, the spinning ones wait for each other's time slices,
# so the host's CPU count and load are printed first.
set -u
cd "$(dirname "$0")/.." || exit 1
XENLET=${XENLET:-./xenlet}
GUEST=build/tests/guests/smp.elf
IDLE_S=2
# Start-up's CPU time varies by tens of ms between runs (spin-waits for
# the APs on a loaded host), and such noise only adds: the least of
# several runs of each kind is compared.
IDLE_REPS=3
# Each hypercall in the guest path is about 300 us of emulated CPL0 code.
IPI_ROUNDS_HOST=2000
IPI_ROUNDS_GUEST=200
EVENTS_HOST=200000
EVENTS_GUEST=5000
# Debian boots per vCPU count, interleaved (each takes up to a minute).
DEBIAN_ROUNDS=${BENCH_SMP_DEBIAN_ROUNDS:-1}

if [ ! -e /dev/kvm ]; then
	echo "bench-smp: skipped, /dev/kvm does not exist"
	exit 0
fi
if [ ! -x "$XENLET" ] || [ ! -f "$GUEST" ]; then
	echo "bench-smp: $XENLET or $GUEST not built (run make)" >&2
	exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-smp.XXXXXX")
trap 'rm -rf "$work"' EXIT

# run NAME PATH VCPUS CMDLINE: the guest must pass; output and CPU
# seconds in $work.
run() {
	local name=$1 path=$2 vcpus=$3 cmdline=$4
	if ! /usr/bin/time -f "%U %S" -o "$work/$name.cpu" timeout 300 \
		"$XENLET" run "$GUEST" --stats --trap-path "$path" --vcpus "$vcpus" \
		--cmdline "$cmdline" </dev/null >"$work/$name.out" 2>"$work/$name.err" ||
		! grep -q '^Test result: SUCCESS' "$work/$name.out"; then
		echo "bench-smp: run '$name' ($path path, $vcpus vCPUs, $cmdline) failed:" >&2
		tail -n 5 "$work/$name.out" "$work/$name.err" >&2
		exit 1
	fi
}

stat_of() { # RUN KEY
	sed -n "s/^xenlet-stats: $2 \([0-9]*\)$/\1/p" "$work/$1.err" | head -n 1 | grep . || echo 0
}

cpu_ms() { # RUN: user + system CPU in ms
	awk '{ printf "%d", ($1 + $2) * 1000 }' "$work/$1.cpu"
}

field() { # RUN PREFIX KEY: KEY=N from the guest's line starting with PREFIX
	local v
	v=$(sed -n "s/^$2 .*\<$3=\([0-9]*\).*/\1/p" "$work/$1.out" | head -n 1)
	if [ -z "$v" ]; then
		echo "bench-smp: run '$1' printed no '$2 ... $3=' line" >&2
		exit 1
	fi
	echo "$v"
}

least() { # A B: the smaller, or B when A is empty
	if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi
}

per() { # A B N: (A - B) / N with two decimals
	awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.2f", n ? (a - b) / n : 0 }'
}

echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "1. IPI round trip, vCPU 0 -> vCPU 1's upcall -> vCPU 0's upcall (2 vCPUs)"
printf '%-6s %-6s %7s %11s %11s %10s\n' path wait rounds median_us p99_us exits/trip
for path in host guest; do
	rounds=$IPI_ROUNDS_HOST
	[ "$path" = guest ] && rounds=$IPI_ROUNDS_GUEST
	for wait in spin block; do
		name=ipi-$path-$wait
		run "$name" "$path" 2 "xt.bench=ipi xt.wait=$wait xt.rounds=$rounds"
		run "$name-0" "$path" 2 "xt.bench=ipi xt.wait=$wait xt.rounds=0"
		median=$(field "$name" 'smp-bench: ipi' median_ns) || exit 1
		p99=$(field "$name" 'smp-bench: ipi' p99_ns) || exit 1
		printf '%-6s %-6s %7s %11s %11s %10s\n' "$path" "$wait" "$rounds" \
			"$(per "$median" 0 1000)" "$(per "$p99" 0 1000)" \
			"$(per "$(stat_of "$name" vm_exits)" "$(stat_of "$name-0" vm_exits)" "$rounds")"
	done
done
echo "(spin: both vCPUs run guest code between the events, each is delivered to a" \
	"running vCPU; block: both sleep in SCHEDOP_block, each event wakes one)"

echo
echo "2. Events between vCPU 0 and each AP (the guest's stress, both ways)"
printf '%-6s %6s %8s %8s %10s %11s\n' path vcpus events ms events/s exits/event
for config in host:2:$EVENTS_HOST host:4:$EVENTS_HOST guest:2:$EVENTS_GUEST; do
	IFS=: read -r path vcpus events <<<"$config"
	name=events-$path-$vcpus
	run "$name" "$path" "$vcpus" "xt.bench=events xt.events=$events"
	run "$name-0" "$path" "$vcpus" "xt.bench=events xt.events=0"
	line=$(grep '^smp: events: sent ' "$work/$name.out")
	ms=$(sed -n 's/.* in \([0-9]*\) ms$/\1/p' <<<"$line")
	if ! grep -q "^smp: events: sent $events received $events duplicates 0 lost 0 in [0-9]* ms$" \
		<<<"$line" || [ -z "$ms" ]; then
		echo "bench-smp: run '$name': unexpected '$line'" >&2
		exit 1
	fi
	printf '%-6s %6s %8s %8s %10s %11s\n' "$path" "$vcpus" "$events" "$ms" \
		"$(awk -v n="$events" -v ms="$ms" 'BEGIN { printf "%d", ms ? n * 1000 / ms : 0 }')" \
		"$(per "$(stat_of "$name" vm_exits)" "$(stat_of "$name-0" vm_exits)" "$events")"
done

echo
echo "3. Idle vCPUs: host CPU and VM exits per second all vCPUs sleep in SCHEDOP_block"
printf '%-6s %15s %13s %15s %13s\n' vcpus host_cpu_ms/s host_exits/s guest_cpu_ms/s \
	guest_exits/s
for vcpus in 1 2 4; do
	row=$(printf '%-6s' "$vcpus")
	for path in host guest; do
		cpu='' cpu0='' exits='' exits0=''
		for ((rep = 1; rep <= IDLE_REPS; rep++)); do
			name=idle-$path-$vcpus-$rep
			run "$name" "$path" "$vcpus" "xt.bench=idle xt.idle_ms=$((IDLE_S * 1000))"
			run "$name-0" "$path" "$vcpus" "xt.bench=idle xt.idle_ms=0"
			cpu=$(least "$cpu" "$(cpu_ms "$name")")
			cpu0=$(least "$cpu0" "$(cpu_ms "$name-0")")
			exits=$(least "$exits" "$(stat_of "$name" vm_exits)")
			exits0=$(least "$exits0" "$(stat_of "$name-0" vm_exits)")
		done
		row+=$(printf ' %15s %13s' "$(per "$cpu" "$cpu0" "$IDLE_S")" \
			"$(per "$exits" "$exits0" "$IDLE_S")")
	done
	echo "$row"
done
echo "(the launcher's user+sys time from /usr/bin/time, in steps of 10 ms, and its VM" \
	"exits: the least of $IDLE_REPS runs asleep for $IDLE_S s against the least of" \
	"$IDLE_REPS not sleeping)"

echo
echo "4. Debian 12's kernel to user space, host path"
if ! kernel=$(scripts/fetch-kernel.sh 2>"$work/fetch.err"); then
	echo "skipped: cannot fetch Debian's kernel:"
	sed 's/^/  /' "$work/fetch.err"
	exit 0
fi
if ! initrd=$(scripts/make-initramfs.sh 2>"$work/initrd.err"); then
	echo "skipped: cannot build the initramfs from Debian's busybox-static:"
	sed 's/^/  /' "$work/initrd.err"
	exit 0
fi
printf '%-6s %6s %9s %9s %10s\n' round vcpus hello_s total_s vm_exits
for ((round = 1; round <= DEBIAN_ROUNDS; round++)); do
	for vcpus in 1 2 4; do
		name=debian-$vcpus-$round
		start=$EPOCHREALTIME
		# The hello line's time is taken as the line arrives: the
		# console backend flushes stdout after each write.
		timeout 600 "$XENLET" run "$kernel" --trap-path host --vcpus "$vcpus" --stats \
			--ramdisk "$initrd" --cmdline "console=hvc0" </dev/null 2>"$work/$name.err" |
			while IFS= read -r line; do
				printf '%s\n' "$line"
				case $line in
				"xenlet-initramfs: hello from user space"*)
					echo "$EPOCHREALTIME" >"$work/$name.hello" ;;
				esac
			done >"$work/$name.out"
		rc=${PIPESTATUS[0]}
		end=$EPOCHREALTIME
		if [ "$rc" != 0 ] || [ ! -f "$work/$name.hello" ] ||
			! grep -q "^xenlet-initramfs: $vcpus cpu" "$work/$name.out"; then
			echo "bench-smp: Debian boot with $vcpus vCPUs failed (exit $rc):" >&2
			tail -n 5 "$work/$name.out" "$work/$name.err" >&2
			exit 1
		fi
		printf '%-6s %6s %9s %9s %10s\n' "$round" "$vcpus" \
			"$(awk -v a="$start" -v b="$(cat "$work/$name.hello")" 'BEGIN { printf "%.1f", b - a }')" \
			"$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')" \
			"$(stat_of "$name" vm_exits)"
	done
done
echo "(hello_s: from the launcher's start to /init's hello; total_s: to its exit after the" \
	"poweroff; --cmdline console=hvc0)"
