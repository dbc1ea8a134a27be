#!/bin/bash
# xl configs (toolstack/): host trap path.
# 1. `xenlet create FILE KEY=VALUE`: a config in Debian xen-tools' style
#    names Debian's kernel, a busybox initramfs and two ext4 images (one
#    raw, positional 'file:...,xvda,w', one qcow2, key=value
#    'format=qcow2, access=ro', which create serves through a qemu-nbd
#    of its own), 2 vCPUs and an override of memory=; the guest boots to
#    user space, sees both
#    disks with the right sizes and modes (xvdb read-only, a write
#    refused), the command line xl would build from extra=, 2 CPUs and
#    the memory of the override, and powers off (exit 0); the warnings
#    for the keys not used name file, line and key.
# 2. `xenlet check-config` on the same file: one line per key with its
#    verdict, the kernel found runnable, exit 0; on a broken copy (HVM, an
#    empty CD-ROM drive, a missing qcow2 image, a missing kernel) the reasons and
#    exit 1.
# 3. on_reboot=restart: a guest that reboots is started again by the
#    same process (its "restarting" line twice) until it is stopped;
#    on_reboot=destroy ends with the reboot status (2).
# 4. name= and uuid= are the domain's in xenstore (xenstore-read on
#    --xenstore-socket, given to create as to run).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
RUN_TIMEOUT=${XENLET_KERNEL_TIMEOUT:-600}
for tool in mke2fs qemu-img qemu-nbd; do
	if ! command -v "$tool" >/dev/null; then
		echo "skip: $tool (e2fsprogs) is not installed"
		exit 77
	fi
done
require_debian build/initramfs-disk.cpio.gz tests/user/disk-guest.sh modules

# `xenlet create ARGS` under a timeout, as run_xenlet does for `run`.
create_xenlet() {
	RUN=$1
	shift
	OUT=$WORK/$RUN.out
	ERR=$WORK/$RUN.err
	timeout -k 10 "$RUN_TIMEOUT" "$XENLET" create "$@" </dev/null >"$OUT" 2>"$ERR"
	RC=$?
}

make_image() { # IMAGE LABEL
	local src=$WORK/src-$2
	mkdir -p "$src"
	echo "hello from the host ($2)" >"$src/hello.txt"
	head -c 1048576 /dev/urandom >"$src/big.bin"
	mke2fs -q -F -t ext4 -L "$2" -d "$src" "$1" 64M
}
make_image "$WORK/a.img" disk-a
make_image "$WORK/b.img" disk-b
qemu-img convert -f raw -O qcow2 "$WORK/b.img" "$WORK/b.qcow2"

CFG=$WORK/web1.cfg
cat >"$CFG" <<CFG
#
# Configuration file for the Xen instance web1, created
# by xen-tools 4.9.
#
kernel      = '$KERNEL'
ramdisk     = '$INITRD'
extra       = 'console=hvc0 xt.tag=from-xl'

vcpus       = '2'
memory      = '256'
maxmem      = '512'

disk        = [
                  'file:$WORK/a.img,xvda,w',
                  'format=qcow2, vdev=xvdb, access=ro, target=$WORK/b.qcow2',
              ]
name        = 'web1'
dhcp        = 'dhcp'
vif         = [ 'mac=00:16:3E:6A:4B:2C' ]
on_poweroff = 'destroy'
on_reboot   = 'restart'
on_crash    = 'destroy'
CFG

create_xenlet create --trap-path host "$CFG" memory=384
expect_rc 0
if ls -d "${TMPDIR:-/tmp}"/xenlet-nbd.* 2>/dev/null | grep -q .; then
	fail "qemu-nbd's socket directory left behind: $(ls -d "${TMPDIR:-/tmp}"/xenlet-nbd.*)"
else
	pass "qemu-nbd stopped and its socket removed"
fi
expect_out_has "Kernel command line: console=hvc0 xt.tag=from-xl"
expect_out_has "disk-guest: xvda has 131072 sectors, ro=0"
expect_out_has "disk-guest: xvdb has 131072 sectors, ro=1"
expect_out_has "disk-guest: hello.txt says: hello from the host (disk-a)"
expect_out_has "disk-guest: xvdb mounted read-only, hello.txt says: hello from the host (disk-b)"
expect_out_has "disk-guest: a write to xvdb was refused"
expect_out_has "smp: Brought up 1 node, 2 CPUs"
# The override's 384 MiB, not the file's 256: "Memory: NNNK/3NNNNNK available"
if grep -qE 'Memory: [0-9]+K/3[0-9]{5}K available' "$OUT"; then
	pass "the guest has memory=384 from the command line"
else
	fail "the guest's memory: $(grep -o 'Memory: [0-9K/]* available' "$OUT")"
fi
expect_err_matches "web1.cfg:11: warning: maxmem: no growing past memory="
expect_err_matches "web1.cfg:18: warning: dhcp: ignored"

RUN=check-config
OUT=$WORK/check.out
ERR=$WORK/check.err
"$XENLET" check-config "$CFG" >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0
expect_out_line "$CFG:5: kernel: used"
expect_out_line "$CFG:7: extra: used (the command line)"
expect_out_line "$CFG:9: vcpus: used"
expect_out_line "$CFG:11: maxmem: ignored (no growing past memory=: the guest keeps memory= (256 MiB))"
expect_out_line "$CFG:13: disk: used (2 disks, 1 through qemu-nbd)"
expect_out_line "disk xvdb: $WORK/b.qcow2 (qcow2) is served through qemu-nbd"
expect_out_line "$CFG:17: name: used (the domain's name in xenstore)"
expect_out_line "$CFG:18: dhcp: ignored (an xm option: the guest configures its own network)"
expect_out_line "$CFG:19: vif: used (0 on a bridge's tap, 1 on user-mode networking)"
expect_out_line "$CFG:21: on_reboot: used"
expect_out_line "$CFG: the guest can start"
if grep -q "^kernel $KERNEL: can run: a Xen PV kernel (guest_os linux, xen_version xen-3.0" "$OUT"; then
	pass "check-config found the kernel runnable"
else
	fail "check-config: no 'kernel ... can run' line"
fi

BAD=$WORK/bad.cfg
cat >"$BAD" <<CFG
name = 'bad'
type = 'hvm'
kernel = '$WORK/no-such-kernel'
disk = [ ',hdc:cdrom,r', 'format=qcow2, vdev=xvda, target=$WORK/q.qcow2' ]
CFG
RUN=check-config-bad
OUT=$WORK/bad.out
"$XENLET" check-config "$BAD" >"$OUT" 2>"$ERR"
RC=$?
expect_rc 1
expect_out_line "$BAD:2: error: type: 'hvm' guests cannot run here: xenlet runs PV guests only (type = \"pv\")"
expect_out_has "$BAD:4: error: disk: disk[0]: has no target (an empty drive: xenlet cannot change a CD-ROM's medium)"
expect_out_line "kernel $WORK/no-such-kernel: cannot run: $WORK/no-such-kernel: No such file or directory"
expect_out_line "disk xvda: $WORK/q.qcow2 cannot be read and written: No such file or directory"
expect_out_line "$BAD: the guest cannot start (2 errors in the file)"
create_xenlet create-bad "$BAD"
expect_rc 1
expect_err_matches "bad.cfg: 2 errors: not started"
# A qcow2 image qemu-nbd cannot serve: nothing is started.
create_xenlet create-bad-qcow2 "$CFG" \
	"disk=['format=qcow2, vdev=xvda, target=$WORK/a.img']"
expect_rc 1
expect_err_matches "disk xvda: qemu-nbd --format=qcow2 .*a.img exited \(status 1\) before serving it: not started"

# 3. A guest that reboots at once (the shutdown-modes test guest).
REBOOT=$WORK/reboot.cfg
cat >"$REBOOT" <<CFG
name = 'again'
kernel = '$GUESTS/shutdown-modes.elf'
extra = 'xt.action=reboot xt.via=page'
memory = 64
CFG
RUN_TIMEOUT=20 create_xenlet restart --trap-path host "$REBOOT"
if [ "$RC" = 124 ] && [ "$(grep -c '^xenlet: domain again rebooted: starting it again$' "$ERR")" -ge 2 ]; then
	pass "on_reboot=restart (xl's default) started the guest again, in the same process"
else
	fail "restart: exit $RC, $(grep -c 'starting it again' "$ERR") restarts"
fi
# on_crash=restart execs create afresh; the stop signal that times the
# run out must end it, not be lost in a restart.
RUN_TIMEOUT=20 create_xenlet crash-restart --trap-path host "$REBOOT" \
	'extra="xt.action=crash xt.via=page"' on_crash=\"restart\"
if [ "$RC" = 124 ] && [ "$(grep -c '^xenlet: again crashed: restarting it$' "$ERR")" -ge 2 ]; then
	pass "on_crash=restart started the crashed guest again (by exec) and a stop signal ended it"
else
	fail "crash restart: exit $RC, $(grep -c 'restarting it' "$ERR") restarts"
fi
create_xenlet destroy --trap-path host "$REBOOT" on_reboot=\"destroy\"
expect_rc 2
expect_out_line "shutdown-modes: SCHEDOP_shutdown reason 1 via page"

# 4. The domain's name and uuid, read by Debian's xenstore-utils.
if command -v xenstore-read >/dev/null; then
	RUN=xenstore OUT=$WORK/xs.out ERR=$WORK/xs.err
	sock=$WORK/xenstored.socket
	"$XENLET" create --trap-path host --xenstore-socket "$sock" "$REBOOT" \
		extra=\"xt.action=yield\" uuid=\"3F2504E0-4F89-11D3-9A0C-0305E82C3301\" \
		>"$OUT" 2>"$ERR" &
	pid=$!
	for _ in $(seq 200); do
		grep -q "yielding until stopped" "$OUT" 2>/dev/null && break
		sleep 0.05
	done
	name=$(XENSTORED_PATH=$sock xenstore-read /local/domain/1/name)
	vm=$(XENSTORED_PATH=$sock xenstore-read /local/domain/1/vm)
	uuid=$(XENSTORED_PATH=$sock xenstore-read "$vm/uuid")
	kill -TERM "$pid"
	wait "$pid"
	RC=$?
	expect_rc 143
	if [ "$name" = again ]; then pass "name= is the domain's name"; else fail "name '$name'"; fi
	if [ "$vm" = /vm/3f2504e0-4f89-11d3-9a0c-0305e82c3301 ] &&
		[ "$uuid" = 3f2504e0-4f89-11d3-9a0c-0305e82c3301 ]; then
		pass "uuid= is the domain's /vm/UUID"
	else
		fail "vm '$vm', uuid '$uuid'"
	fi
else
	echo "skip [xenstore]: xenstore-read (xenstore-utils) is not installed"
fi
finish
