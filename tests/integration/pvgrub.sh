#!/bin/bash
# Debian 12's pvgrub2 (grub-x86_64-xen.bin from grub-xen-host, fetched by
# scripts/fetch-pvgrub.sh) as the PV kernel, host trap path: one ext4
# image holds /boot/grub/grub.cfg, Debian's /boot/vmlinuz, a busybox
# initramfs with the kernel's blkfront and ext4 modules, and a root file
# system (busybox, /sbin/init).
# - GRUB's embedded config finds the disk through its own blkfront
#   (xenstore, a granted ring and buffer, an event channel), searches it
#   for /boot/grub/grub.cfg and runs it;
# - the menu entry loads the kernel and the initrd from the disk and
#   boots them in the same domain: GRUB's relocator builds a new
#   start_info, p2m and page tables, pins them, switches to them and jumps
#   to the kernel (update_va_mapping, mmuext_op, mmu_update MACHPHYS);
# - Debian's kernel starts from that start_info with the command line
#   GRUB gave it, its initramfs's /init runs, its xen-blkfront connects to
#   the same disk again after GRUB's blkfront closed it (the backend goes
#   back from Closed to InitWait), and the root file system's /sbin/init
#   runs and powers the domain off.
# Skipped with the reason when the package archive cannot be reached.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
RUN_TIMEOUT=${XENLET_KERNEL_TIMEOUT:-900}
if ! command -v mke2fs >/dev/null; then
	echo "skip: mke2fs (e2fsprogs) is not installed"
	exit 77
fi
if ! PVGRUB=$(scripts/fetch-pvgrub.sh 2>"$WORK/fetch-pvgrub.err"); then
	echo "skip: cannot fetch grub-xen-host (pvgrub2) from the package archive:"
	sed 's/^/  /' "$WORK/fetch-pvgrub.err"
	exit 77
fi
require_debian build/initramfs-pvgrub.cpio.gz "" modules

root=$WORK/root
mkdir -p "$root/boot/grub" "$root/bin" "$root/sbin" "$root/proc" "$root/dev"
cp "$KERNEL" "$root/boot/vmlinuz"
cp "$INITRD" "$root/boot/initrd.img"
# GRUB's echo goes to its console: the marks show how far it got.
cat >"$root/boot/grub/grub.cfg" <<'CFG'
set timeout=0
menuentry 'Debian on xenlet' {
	echo 'pvgrub-test: loading the kernel'
	linux /boot/vmlinuz console=hvc0 root=/dev/xvda xt.from=pvgrub
	echo 'pvgrub-test: loading the initrd'
	initrd /boot/initrd.img
	echo 'pvgrub-test: booting'
}
CFG
cp "$(scripts/fetch-busybox.sh)" "$root/bin/busybox"
cat >"$root/sbin/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "xenlet-rootfs: /sbin/init runs, / is $(/bin/busybox awk '$2 == "/" { print $1 }' /proc/mounts), cmdline: $(/bin/busybox cat /proc/cmdline)"
/bin/busybox poweroff -f
INIT
chmod 755 "$root/sbin/init"
mke2fs -q -F -t ext4 -d "$root" "$WORK/disk.img" 64M

run_xenlet pvgrub "$PVGRUB" --trap-path host --stats --disk "$WORK/disk.img"
expect_rc 0
expect_out_has "Welcome to GRUB!"
# GRUB names the disk after the backend's "dev" node, as libxl writes it.
expect_out_has "Reading (xen/xvda)/boot/grub/grub.cfg"
expect_out_has "pvgrub-test: loading the kernel"
expect_out_has "pvgrub-test: loading the initrd"
expect_out_has "pvgrub-test: booting"
expect_out_has "Linux version 6."
expect_out_has "Command line: console=hvc0 root=/dev/xvda xt.from=pvgrub"
expect_out_has "Run /init as init process"
expect_out_has "xenlet-rootfs: /sbin/init runs, / is /dev/xvda, cmdline: console=hvc0 root=/dev/xvda xt.from=pvgrub"
# Linux's early_init_intel writes 0 to MSR 0x8b (microcode revision) on
# Intel; Xen takes it, and so must the core (else an "unchecked MSR
# access error" and a call trace in the boot log).
if grep -q "unchecked MSR access error" "$OUT"; then
	fail "the kernel met a #GP on an MSR: $(grep -m1 "unchecked MSR access error" "$OUT")"
else
	pass "no unchecked MSR access error in the kernel's log"
fi
# The embedded config's first searches (for a chained pvboot ELF) are
# expected to fail; any other GRUB error is not.
# GRUB's part of stdout is all before the kernel's banner.
sed '/Linux version/q' "$OUT" >"$WORK/grub.out"
if grep "error:" "$WORK/grub.out" | grep -qv "pvboot-x86_64.elf"; then
	fail "GRUB reported an error: $(grep "error:" "$WORK/grub.out" | grep -v pvboot | head -1)"
else
	pass "GRUB reported no error but the expected pvboot-x86_64.elf ones"
fi
finish
