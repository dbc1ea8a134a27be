#!/bin/bash
# Disk figures: Debian 12's kernel, its xen-blkfront on xenlet's blkback
# (host trap path), running tests/user/disk-bench on /dev/xvda, against the
# same program on the same image file on the host, interleaved round by
# round (absolute times drift here; the ratio is the figure):
#   - sequential 1 MiB writes (then fdatasync) and reads, MiB/s;
#   - random 4 KiB reads, IOPS;
# all O_DIRECT on both sides; the guest's disk is given ,direct so that
# neither side is served by the host's page cache.  Guest runs with
# persistent grants (blkfront's default) and without
# (xen_blkfront.feature_persistent=0), and for each the VM exits,
# blkback requests, notifications sent to the guest, events from it and
# grants taken, per request, from --stats (the whole boot's exits are
# counted: a boot without the bench is subtracted).
# It prints figures and never fails on them; a guest that does not finish
# fails the run.
set -u
cd "$(dirname "$0")/.." || exit 1
XENLET=${XENLET:-./xenlet}
MIB=${BENCH_DISK_MIB:-128}
SECONDS_RAND=${BENCH_DISK_SECONDS:-5}
ROUNDS=${BENCH_DISK_ROUNDS:-2}

if [ ! -e /dev/kvm ]; then
	echo "bench-disk: skipped, /dev/kvm does not exist"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/var/tmp}/xenlet-bench-disk.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! kernel=$(scripts/fetch-kernel.sh 2>"$work/fetch.err"); then
	echo "bench-disk: skipped, cannot fetch Debian's kernel:"
	sed 's/^/  /' "$work/fetch.err"
	exit 0
fi
modules=$(dirname "$kernel")/modules-${kernel##*/vmlinuz-}
if ! initrd=$(scripts/make-initramfs.sh build/initramfs-disk-bench.cpio.gz \
	build/tests/user/disk-bench "$modules" 2>"$work/initrd.err"); then
	echo "bench-disk: skipped, cannot build the initramfs:"
	sed 's/^/  /' "$work/initrd.err"
	exit 0
fi
img=$work/disk.img
truncate -s $((MIB + 16))M "$img"
if ! build/tests/user/disk-bench "$img" 1 0 >/dev/null; then
	echo "bench-disk: skipped, $work does not take O_DIRECT"
	exit 0
fi

stat_of() { sed -n "s/^xenlet-stats: $2 \([0-9]*\).*/\1/p" "$work/$1.err" | head -1; }
disk_stat() { sed -n "s/^xenlet-stats: disk xvda: .* $2 \([0-9]*\).*/\1/p" "$work/$1.err" | head -1; }
fig() { sed -n "s/^disk-bench: $2 \([0-9.]*\).*/\1/p" "$work/$1.out" | head -1; }

guest() { # NAME CMDLINE-EXTRA
	timeout 900 "$XENLET" run "$kernel" --trap-path host --stats --ramdisk "$initrd" \
		--cmdline "console=hvc0 quiet xt.mib=$MIB xt.seconds=$SECONDS_RAND $2" \
		--disk "$img,direct" </dev/null >"$work/$1.out" 2>"$work/$1.err"
	if ! grep -q "^disk-bench: rand_read_iops" "$work/$1.out"; then
		echo "bench-disk: the guest run $1 did not finish:" >&2
		tail -n 8 "$work/$1.out" "$work/$1.err" >&2
		exit 1
	fi
}

# The boot alone, for the exits and events the bench did not cause.
timeout 900 "$XENLET" run "$kernel" --trap-path host --stats --ramdisk "$initrd" \
	--cmdline "console=hvc0 quiet xt.mib=1 xt.seconds=0" --disk "$img,direct" \
	</dev/null >"$work/boot.out" 2>"$work/boot.err"

printf '%-5s %-22s %9s %9s %10s\n' round run write_MiB/s read_MiB/s rand_IOPS
for ((r = 1; r <= ROUNDS; r++)); do
	build/tests/user/disk-bench "$img" "$MIB" "$SECONDS_RAND" >"$work/host-$r.out"
	guest "pers-$r" ""
	guest "nopers-$r" "xen_blkfront.feature_persistent=0"
	for run in host pers nopers; do
		printf '%-5s %-22s %9s %9s %10s\n' "$r" \
			"$(case $run in host) echo "host, same file";; pers) echo "guest, persistent";;
				nopers) echo "guest, not persistent";; esac)" \
			"$(fig "$run-$r" seq_write_mib_s)" "$(fig "$run-$r" seq_read_mib_s)" \
			"$(fig "$run-$r" rand_read_iops)"
	done
done
echo
echo "guest/host ratios (last round):"
for run in pers nopers; do
	awk -v w1="$(fig "$run-$ROUNDS" seq_write_mib_s)" -v w0="$(fig "host-$ROUNDS" seq_write_mib_s)" \
		-v r1="$(fig "$run-$ROUNDS" seq_read_mib_s)" -v r0="$(fig "host-$ROUNDS" seq_read_mib_s)" \
		-v i1="$(fig "$run-$ROUNDS" rand_read_iops)" -v i0="$(fig "host-$ROUNDS" rand_read_iops)" \
		-v name="$run" 'BEGIN { printf "  %-7s write %.2f  read %.2f  random read %.2f\n",
			name, w1 / w0, r1 / r0, i1 / i0 }'
done
echo
echo "per request (last round; VM exits less the boot alone's):"
printf '  %-7s %9s %11s %11s %10s %12s\n' run requests exits/req notifies/req events/req grant_gets/req
b_exits=$(stat_of boot vm_exits)
b_req=$(disk_stat boot requests)
for run in pers nopers; do
	n="$run-$ROUNDS"
	awk -v req="$(disk_stat "$n" requests)" -v breq="$b_req" \
		-v ex="$(stat_of "$n" vm_exits)" -v bex="$b_exits" \
		-v no="$(disk_stat "$n" notifies)" -v ev="$(disk_stat "$n" events)" \
		-v gg="$(disk_stat "$n" grant_gets)" -v name="$run" \
		'BEGIN { q = req - breq; if (q < 1) q = 1;
			printf "  %-7s %9d %11.2f %11.2f %10.2f %12.2f\n", name, req,
				(ex - bex) / q, no / req, ev / req, gg / req }'
done
echo "(MiB=$MIB, random reads for ${SECONDS_RAND}s; host: $(nproc) CPUs," \
	"load $(cut -d' ' -f1-3 /proc/loadavg))"
