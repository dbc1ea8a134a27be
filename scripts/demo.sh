#!/bin/bash
# make demo: what xenlet does, on built-in defaults.
#  1. boots xenlet's start-info test guest (a freestanding x86_64 PV kernel)
#     on the trap path the start-up measurement picks, and shows its checks
#     of the domain as Xen's toolstack builds it;
#  2. boots Debian 12's own kernel, fetched from Debian's archive, unchanged,
#     with a busybox initramfs (Debian's busybox-static): it boots to user
#     space and /init says hello; on a terminal it then gives you a busybox
#     shell on the guest's console (`exit` powers off, Ctrl-] ends the
#     session), elsewhere the domain powers off.
set -u
cd "$(dirname "$0")/.."

echo "== xenlet run build/tests/guests/start-info.elf --stats"
./xenlet run build/tests/guests/start-info.elf --stats
status=$?
echo "== exit status $status (0: the guest powered off after its checks)"
[ "$status" = 0 ] || exit 1

echo
shell=()
if [ -t 0 ] && [ -t 1 ]; then
	shell=(build/initramfs-shell.cpio.gz scripts/initramfs-shell.sh)
fi
if ! kernel=$(scripts/fetch-kernel.sh) || ! initrd=$(scripts/make-initramfs.sh "${shell[@]}"); then
	echo "demo: could not fetch Debian's kernel or busybox; skipping that part"
	exit 0
fi
echo "== xenlet run $kernel --ramdisk $initrd --stats"
./xenlet run "$kernel" --ramdisk "$initrd" --stats --cmdline "console=hvc0 earlyprintk=xen"
status=$?
echo "== exit status $status (0: Debian's kernel reached user space and powered off;" \
	"6: Ctrl-] ended the session)"
[ "$status" = 6 ] && status=0 # the user ended the session
exit "$status"
