#!/bin/bash
# Network figures: Debian 12's kernel on user-mode networking, its
# xen-netfront on xenlet's netback (--net user, host trap path; with GSO
# offered and with gso=off) beside the same kernel in QEMU on its own
# user-mode networking (-netdev user, virtio-net-pci; TCG unless
# BENCH_NET_QEMU_ACCEL says otherwise), the same initramfs program
# (tests/user/net-bench-guest.sh driving tests/user/net-bench) in both,
# the three run by turn within each round (absolute rates drift here; the
# ratio is the figure):
#   - TCP stream guest->host, Mbit/s, timed by the host's receiver;
#   - TCP stream host->guest through the port forward, Mbit/s, timed by the
#     host's sender until the guest had read all and closed;
#   - 64-byte UDP datagrams guest->host, packets per second as the host's
#     receiver got them (and as the guest sent them);
# and for xenlet, per packet (the vif's tx_packets + rx_packets, all three
# measurements together, and once more the datagrams alone; a boot without
# them subtracted): VM exits, events from the guest and notifications to
# it, from --stats, with the frames netback segmented and those dropped.
# It prints figures and never fails on them; a guest that does not finish
# fails the run.  Without QEMU (scripts/install-deps.sh bench installs it)
# only xenlet's rows are printed.
set -u
cd "$(dirname "$0")/.." || exit 1
XENLET=${XENLET:-./xenlet}
QEMU=${QEMU:-qemu-system-x86_64}
QEMU_ACCEL=${BENCH_NET_QEMU_ACCEL:-tcg}
SECS=${BENCH_NET_SECONDS:-5}
ROUNDS=${BENCH_NET_ROUNDS:-2}
SIZE=64
BENCH=build/tests/user/net-bench
GUEST_RX_PORT=5001
BOOT_WAIT=${BENCH_NET_BOOT_WAIT:-300} # seconds from start to the guest's address

if [ ! -e /dev/kvm ]; then
	echo "bench-net: skipped, /dev/kvm does not exist"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/var/tmp}/xenlet-bench-net.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
if ! kernel=$(scripts/fetch-kernel.sh 2>"$work/fetch.err"); then
	echo "bench-net: skipped, cannot fetch Debian's kernel:"
	sed 's/^/  /' "$work/fetch.err"
	exit 0
fi
modules=$(dirname "$kernel")/modules-${kernel##*/vmlinuz-}
if ! initrd=$(scripts/make-initramfs.sh build/initramfs-net-bench.cpio.gz \
	tests/user/net-bench-guest.sh "$modules" "$BENCH" 2>"$work/initrd.err") ||
	! qinitrd=$(scripts/make-initramfs.sh build/initramfs-net-bench-virtio.cpio.gz \
		tests/user/net-bench-guest.sh "$modules/virtio" "$BENCH" 2>>"$work/initrd.err"); then
	echo "bench-net: skipped, cannot build the initramfs:"
	sed 's/^/  /' "$work/initrd.err"
	exit 0
fi
runs=${BENCH_NET_RUNS:-xen-gso xen-nogso qemu}
if ! command -v "$QEMU" >/dev/null; then
	runs=${runs/qemu/}
	echo "bench-net: $QEMU is not installed (scripts/install-deps.sh bench): xenlet only"
fi

# A TCP and UDP port nobody listens on now; the ones taken in this run are
# kept apart.
taken=" "
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		case $taken in *" $p "*) continue ;; esac
		if ! ss -Hltun "( sport = :$p )" | grep -q .; then
			taken="$taken$p "
			echo "$p"
			return
		fi
	done
}
stat_of() { sed -n "s/^xenlet-stats: $2 \([0-9]*\).*/\1/p" "$work/$1.err" | head -1; }
vif_stat() { sed -n "s/^xenlet-stats: vif0:.* $2 \([0-9]*\).*/\1/p" "$work/$1.err" | head -1; }
fig() { # FILE FIELD: net-bench's figure
	sed -n "s/^net-bench: .* $2 \([0-9.]*\).*/\1/p" "$work/$1" | head -1
}

# Boots KIND (xen-gso, xen-nogso, qemu) in the background as run NAME with
# the guest's command line words; its port forward reaches the guest's
# GUEST_RX_PORT from 127.0.0.1:$fport.
boot() { # NAME KIND WORDS
	local net="user,hostfwd=tcp:127.0.0.1:$fport-:$GUEST_RX_PORT"
	case $2 in
	xen-*)
		[ "$2" = xen-nogso ] && net="$net,gso=off"
		timeout 900 "$XENLET" run "$kernel" --trap-path host --stats --ramdisk "$initrd" \
			--cmdline "console=hvc0 quiet $3" --net "$net" \
			</dev/null >"$work/$1.out" 2>"$work/$1.err" &
		;;
	qemu)
		timeout 900 "$QEMU" -accel "$QEMU_ACCEL" -m 512 -nographic -no-reboot \
			-kernel "$kernel" -initrd "$qinitrd" -append "console=ttyS0 quiet $3" \
			-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$fport-:$GUEST_RX_PORT" \
			-device virtio-net-pci,netdev=n0 \
			</dev/null >"$work/$1.out" 2>"$work/$1.err" &
		;;
	esac
	vm=$!
	pids+=("$vm")
}

# boot, then waits until the guest has its address.  A guest that hangs in
# its boot before that (seen with netback: the kernel's xenstore requests
# stop being answered, issue 9's report) is kept for a look, said so on
# stderr, and booted once more: a figure, not the hang, is this script's
# business; debian-net.sh is where such a boot fails.
boot_up() { # NAME KIND WORDS
	local try i keep
	for try in 1 2; do
		boot "$@"
		for ((i = 0; i < BOOT_WAIT * 10; i++)); do
			grep -q "^net-bench-guest: eth0 address" "$work/$1.out" && return 0
			kill -0 "$vm" 2>/dev/null || break
			sleep 0.1
		done
		kill "$vm" 2>/dev/null
		wait "$vm"
		keep=$(mktemp -d "${TMPDIR:-/var/tmp}/xenlet-bench-net-hung.XXXXXX")
		cp "$work/$1".* "$keep/"
		echo "bench-net: the guest run $1 had no address after ${BOOT_WAIT}s" \
			"(try $try; its output kept in $keep)" >&2
	done
	guest_failed "$1" "never came up"
}

# Ends the bench, keeping the run's console and stderr for a look.
guest_failed() { # NAME WHAT
	local keep
	keep=$(mktemp -d "${TMPDIR:-/var/tmp}/xenlet-bench-net-failed.XXXXXX")
	cp "$work/$1".* "$keep/"
	echo "bench-net: the guest run $1 $2 (its output kept in $keep):" >&2
	tail -n 8 "$work/$1.out" "$work/$1.err" >&2
	exit 1
}

# One measured run: the host's receivers wait from before the boot (their
# timeouts cover it), the host's sender starts when the guest listens.
# WHAT: "all" (the three measurements) or "udp" (the datagrams alone).
measure() { # NAME KIND WHAT
	local n=$1 tport uport i words
	tport=$(free_port)
	uport=$(free_port)
	fport=$(free_port)
	words="xt.seconds=$SECS xt.udp=$uport xt.size=$SIZE"
	if [ "$3" = all ]; then
		words="$words xt.tcp=$tport xt.rx=$GUEST_RX_PORT"
		"$BENCH" tcp-recv "127.0.0.1:$tport" 600 >"$work/$n.tcp-recv" &
		pids+=($!)
	fi
	"$BENCH" udp-recv "127.0.0.1:$uport" 600 >"$work/$n.udp-recv" &
	pids+=($!)
	boot_up "$n" "$2" "$words"
	if [ "$3" = all ]; then
		for ((i = 0; i < 6000; i++)); do
			grep -q "^net-bench: listening tcp $GUEST_RX_PORT" "$work/$n.out" && break
			kill -0 "$vm" 2>/dev/null || break
			sleep 0.1
		done
		grep -q "^net-bench: listening tcp $GUEST_RX_PORT" "$work/$n.out" ||
			guest_failed "$n" "never listened for the host's stream"
		"$BENCH" tcp-send 127.0.0.1 "$fport" "$SECS" >"$work/$n.tcp-send"
	fi
	wait "$vm"
	grep -q "^net-bench-guest: finished" "$work/$n.out" || guest_failed "$n" "did not finish"
	# The receivers end on their own (end of stream, end markers or 2 s
	# of silence) once the guest is done; one that got nothing is ended.
	for ((i = 0; i < 100; i++)); do
		jobs -r | grep -q . || break
		sleep 0.1
	done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait
	pids=()
}

# The boot alone, for the exits and packets the bench did not cause.
case $runs in *xen-*)
	fport=$(free_port)
	boot_up boot xen-gso ""
	wait "$vm"
	grep -q "^net-bench-guest: finished" "$work/boot.out" || guest_failed boot "did not finish"
	;;
esac

label() {
	case $1 in
	xen-gso) echo "xenlet, GSO" ;;
	xen-nogso) echo "xenlet, gso=off" ;;
	qemu) echo "QEMU $QEMU_ACCEL, virtio-net" ;;
	esac
}
printf '%-5s %-24s %14s %14s %12s %12s\n' round run g2h_Mbit/s h2g_Mbit/s udp_rx_pps udp_tx_pps
for ((r = 1; r <= ROUNDS; r++)); do
	for run in $runs; do
		measure "$run-$r" "$run" all
		printf '%-5s %-24s %14s %14s %12s %12s\n' "$r" "$(label "$run")" \
			"$(fig "$run-$r.tcp-recv" mbit_s)" "$(fig "$run-$r.tcp-send" mbit_s)" \
			"$(fig "$run-$r.udp-recv" pps)" "$(sed -n \
				"s/^net-bench: udp_send .* pps \([0-9.]*\).*/\1/p" "$work/$run-$r.out")"
	done
done

mean() { # FIELD-FILE-SUFFIX FIELD RUN: the mean over the rounds
	local f vals=""
	for ((r = 1; r <= ROUNDS; r++)); do
		f=$(fig "$3-$r.$1" "$2")
		vals="$vals ${f:-0}"
	done
	echo "$vals" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.1f", s / NF }'
}
has_xen=false
case $runs in *xen-*) has_xen=true ;; esac
if [ "${runs#*qemu}" != "$runs" ] && $has_xen; then
	echo
	echo "xenlet/QEMU ratios (means over $ROUNDS rounds):"
	for run in $runs; do
		[ "$run" = qemu ] && continue
		awk -v a1="$(mean tcp-recv mbit_s "$run")" -v a0="$(mean tcp-recv mbit_s qemu)" \
			-v b1="$(mean tcp-send mbit_s "$run")" -v b0="$(mean tcp-send mbit_s qemu)" \
			-v c1="$(mean udp-recv pps "$run")" -v c0="$(mean udp-recv pps qemu)" \
			-v name="$(label "$run")" 'function q(x, y) { return y > 0 ? x / y : 0 }
			BEGIN { printf "  %-16s TCP guest->host %.2f  host->guest %.2f  UDP pps %.2f\n",
				name, q(a1, a0), q(b1, b0), q(c1, c0) }'
	done
fi
# The datagrams alone once more, for what one small packet costs (the
# streams' packets above are mostly full-sized or GSO frames).
if $has_xen; then
	measure udp-alone xen-gso udp
	echo
	echo "xenlet per packet (tx+rx packets, VM exits, events and notifications" \
		"less the boot alone's; last round):"
	printf '  %-22s %8s %8s %9s %10s %12s %9s %8s\n' run tx_pkts rx_pkts \
		exits/pkt events/pkt notifies/pkt segmented dropped
	for n in $(for run in $runs; do [ "$run" = qemu ] || echo "$run-$ROUNDS"; done) udp-alone; do
		awk -v tx="$(vif_stat "$n" tx_packets)" -v rx="$(vif_stat "$n" rx_packets)" \
			-v btx="$(vif_stat boot tx_packets)" -v brx="$(vif_stat boot rx_packets)" \
			-v ex="$(stat_of "$n" vm_exits)" -v bex="$(stat_of boot vm_exits)" \
			-v ev="$(vif_stat "$n" events)" -v bev="$(vif_stat boot events)" \
			-v no="$(vif_stat "$n" notifies)" -v bno="$(vif_stat boot notifies)" \
			-v seg="$(vif_stat "$n" tx_segmented)" \
			-v tdrop="$(vif_stat "$n" tx_dropped)" -v rdrop="$(vif_stat "$n" rx_dropped)" \
			-v name="$(case $n in udp-alone) echo "xenlet, GSO, UDP alone" ;;
				*) label "${n%-*}" ;; esac)" \
			'BEGIN { p = (tx + rx) - (btx + brx); if (p < 1) p = 1;
				printf "  %-22s %8d %8d %9.2f %10.3f %12.3f %9d %8d\n", name, tx, rx,
					(ex - bex) / p, (ev - bev) / p, (no - bno) / p, seg, tdrop + rdrop }'
	done
	echo "  UDP alone: $(fig udp-alone.udp-recv pps) datagrams/s received" \
		"($(sed -n 's/^net-bench: udp_send .* pps \([0-9.]*\).*/\1/p' "$work/udp-alone.out") sent)"
fi
echo "(${SECS}s each, ${SIZE}-byte UDP payloads; host: $(nproc) CPUs," \
	"load $(cut -d' ' -f1-3 /proc/loadavg))"
