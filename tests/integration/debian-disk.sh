#!/bin/bash
# Debian 12's kernel as distributed, its xen-blkfront module on xenlet's
# blkback (host trap path; the guest path is covered by guest-blkfront.sh's
# small frontends):
# 1. Two ext4 images made on the host (mke2fs -d), the second given ,ro:
#    the guest finds /dev/xvda and /dev/xvdb with the right sizes, reads
#    the host's files, writes and syncs new ones, unmounts, powers off;
#    on the host e2fsck -fn is clean and the guest's files are there;
#    xvdb is read-only in the guest, a write to it is refused, and its
#    image is unchanged.
# 2. kill -9 of xenlet right after the guest's sync returned: once the
#    journal is replayed (e2fsck -fy on a copy) the synced files are
#    there, whole.
# 3. The root file system on /dev/xvda (root=/dev/xvda): the initramfs
#    switches to it and its /sbin/init runs.
# 4. A qcow2 image served by qemu-nbd (nbd+unix://): the guest reads and
#    writes it as in 1, and qemu-img check finds it consistent after.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
RUN_TIMEOUT=${XENLET_KERNEL_TIMEOUT:-600}
for tool in mke2fs e2fsck debugfs; do
	if ! command -v "$tool" >/dev/null; then
		echo "skip: $tool (e2fsprogs) is not installed"
		exit 77
	fi
done
require_debian build/initramfs-disk.cpio.gz tests/user/disk-guest.sh modules

# The images: hello.txt, and 1 MiB of random bytes to checksum.
make_image() { # IMAGE LABEL
	local src=$WORK/src-$2
	mkdir -p "$src"
	echo "hello from the host ($2)" >"$src/hello.txt"
	head -c 1048576 /dev/urandom >"$src/big.bin"
	mke2fs -q -F -t ext4 -L "$2" -d "$src" "$1" 64M
}
host_sum() { md5sum <"$1" | cut -d' ' -f1; }
guest_sum() { # NAME: the checksum the guest printed for it
	sed -n "s/^disk-guest: $1 md5sum \([0-9a-f]*\).*/\1/p" "$OUT" | head -1
}
fs_cat() { debugfs -R "cat $2" "$1" 2>/dev/null; }

make_image "$WORK/a.img" disk-a
make_image "$WORK/b.img" disk-b
b_before=$(host_sum "$WORK/b.img")
run_xenlet disk "$KERNEL" --trap-path host --stats --ramdisk "$INITRD" \
	--cmdline "console=hvc0" --disk "$WORK/a.img" --disk "$WORK/b.img,ro"
expect_rc 0
expect_out_has "disk-guest: xvda has 131072 sectors, ro=0"
expect_out_has "disk-guest: xvdb has 131072 sectors, ro=1"
expect_out_has "disk-guest: mounted xvda"
expect_out_has "disk-guest: hello.txt says: hello from the host (disk-a)"
expect_out_has "disk-guest: unmounted xvda"
expect_out_has "disk-guest: xvdb mounted read-only, hello.txt says: hello from the host (disk-b)"
expect_out_has "disk-guest: a write to xvdb was refused"
if [ "$(guest_sum big.bin)" = "$(host_sum "$WORK/src-disk-a/big.bin")" ]; then
	pass "the guest read big.bin as the host wrote it"
else
	fail "big.bin: guest md5sum '$(guest_sum big.bin)'," \
		"host '$(host_sum "$WORK/src-disk-a/big.bin")'"
fi
if e2fsck -fn "$WORK/a.img" >"$WORK/fsck.out" 2>&1; then
	pass "e2fsck -fn finds a.img clean after the guest's writes"
else
	fail "e2fsck -fn a.img: $(tail -5 "$WORK/fsck.out")"
fi
fs_cat "$WORK/a.img" /written.bin >"$WORK/written.bin"
if [ -n "$(guest_sum written.bin)" ] &&
	[ "$(guest_sum written.bin)" = "$(host_sum "$WORK/written.bin")" ]; then
	pass "the host reads written.bin as the guest wrote it"
else
	fail "written.bin: guest md5sum '$(guest_sum written.bin)'," \
		"on the host '$(host_sum "$WORK/written.bin")'"
fi
if [ "$(fs_cat "$WORK/a.img" /note.txt)" = "written by the guest" ]; then
	pass "note.txt is on the host"
else
	fail "note.txt on the host: '$(fs_cat "$WORK/a.img" /note.txt)'"
fi
if [ "$(host_sum "$WORK/b.img")" = "$b_before" ]; then
	pass "the read-only image is unchanged"
else
	fail "the read-only image changed"
fi
echo "note: $(grep -E '^xenlet-stats: (vm_exits|run_us) ' "$ERR" | tr '\n' ' ')"

# 2. kill -9 after the guest's sync.
make_image "$WORK/k.img" disk-k
RUN=kill9
OUT=$WORK/kill9.out ERR=$WORK/kill9.err
"$XENLET" run "$KERNEL" --trap-path host --ramdisk "$INITRD" \
	--cmdline "console=hvc0 xt.after_sync=wait" --disk "$WORK/k.img" \
	--disk "$WORK/b.img,ro" </dev/null >"$OUT" 2>"$ERR" &
pid=$!
for ((i = 0; i < RUN_TIMEOUT; i++)); do
	grep -q "disk-guest: waiting to be killed" "$OUT" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 1
done
if grep -q "disk-guest: waiting to be killed" "$OUT"; then
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	cp "$WORK/k.img" "$WORK/k-replayed.img"
	e2fsck -fy "$WORK/k-replayed.img" >"$WORK/fsck-k.out" 2>&1
	fs_cat "$WORK/k-replayed.img" /written.bin >"$WORK/k-written.bin"
	if [ "$(guest_sum written.bin)" = "$(host_sum "$WORK/k-written.bin")" ] &&
		[ "$(fs_cat "$WORK/k-replayed.img" /note.txt)" = "written by the guest" ]; then
		pass "what the guest synced survived kill -9 of xenlet"
	else
		fail "after kill -9: written.bin md5sum '$(host_sum "$WORK/k-written.bin")'" \
			"(guest: '$(guest_sum written.bin)'), note.txt" \
			"'$(fs_cat "$WORK/k-replayed.img" /note.txt)'"
	fi
else
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	fail "the guest never reached its sync"
fi

# 3. The root file system on xvda.
root=$WORK/rootfs
mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/dev"
cp "$(scripts/fetch-busybox.sh)" "$root/bin/busybox"
cat >"$root/sbin/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "xenlet-rootfs: /sbin/init runs, / is $(/bin/busybox awk '$2 == "/" { print $1 }' /proc/mounts)"
/bin/busybox poweroff -f
INIT
chmod 755 "$root/sbin/init"
mke2fs -q -F -t ext4 -d "$root" "$WORK/root.img" 32M
run_xenlet rootfs "$KERNEL" --trap-path host --ramdisk "$INITRD" \
	--cmdline "console=hvc0 root=/dev/xvda" --disk "$WORK/root.img"
expect_rc 0
expect_out_has "xenlet-initramfs: switching to the root file system on /dev/xvda"
expect_out_has "xenlet-rootfs: /sbin/init runs, / is /dev/xvda"

# 4. qcow2 through qemu-nbd.
if ! command -v qemu-nbd >/dev/null || ! command -v qemu-img >/dev/null; then
	echo "skip [qcow2]: qemu-nbd or qemu-img (qemu-utils) is not installed"
	finish
fi
make_image "$WORK/q.img" disk-q
qemu-img convert -f raw -O qcow2 "$WORK/q.img" "$WORK/q.qcow2"
qemu-nbd --fork --persistent --pid-file="$WORK/qemu-nbd.pid" \
	--socket="$WORK/nbd.sock" -f qcow2 "$WORK/q.qcow2"
run_xenlet qcow2 "$KERNEL" --trap-path host --ramdisk "$INITRD" --cmdline "console=hvc0" \
	--disk "nbd+unix:///?socket=$WORK/nbd.sock" --disk "$WORK/b.img,ro"
nbd_pid=$(cat "$WORK/qemu-nbd.pid")
kill "$nbd_pid"
for _ in $(seq 50); do kill -0 "$nbd_pid" 2>/dev/null || break; sleep 0.1; done
expect_rc 0
expect_out_has "disk-guest: hello.txt says: hello from the host (disk-q)"
expect_out_has "disk-guest: unmounted xvda"
if [ "$(guest_sum big.bin)" = "$(host_sum "$WORK/src-disk-q/big.bin")" ]; then
	pass "the guest read big.bin through qemu-nbd as the host wrote it"
else
	fail "big.bin through qemu-nbd: guest md5sum '$(guest_sum big.bin)'"
fi
qemu-img convert -f qcow2 -O raw "$WORK/q.qcow2" "$WORK/q-back.img"
if qemu-img check -q "$WORK/q.qcow2" && e2fsck -fn "$WORK/q-back.img" >/dev/null 2>&1 &&
	[ "$(fs_cat "$WORK/q-back.img" /note.txt)" = "written by the guest" ]; then
	pass "the qcow2 image is consistent and holds the guest's files"
else
	fail "after the qcow2 run: qemu-img check, e2fsck or note.txt failed"
fi
finish
