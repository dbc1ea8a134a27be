#!/bin/busybox sh
# Run by the initramfs's /init inside Debian's 64-bit kernel, on hvc0:
# Debian's i386 busybox-static (/bin/busybox32), a 32-bit static binary
# the kernel runs through IA32_EMULATION in compat mode, as under Xen.
# Its system calls go through `int $0x80` (busybox's static i386 libc
# calls the kernel that way), its return to compat mode through the
# kernel's iret on __USER32_CS.  Every 32-bit instruction is emulated on
# the project's hosts, so the work stays small.
# First /bin/hello32 (tests/user/hello32.S): integer instructions and
# `int $0x80` only, which runs where the host's emulation of compat mode
# stops Debian's own binaries.
/bin/hello32
echo "compat32-guest: hello32 exited with $?"
bb32=/bin/busybox32
echo "compat32-guest: echo: [$($bb32 echo hello-from-i386)]"
echo "compat32-guest: uname -m: $($bb32 uname -m)"
echo "compat32-guest: linux32 uname -m: $($bb32 linux32 $bb32 uname -m)"
# A 32-bit shell that forks and runs a 32-bit child; a file read.
echo "compat32-guest: child: [$($bb32 sh -c "$bb32 echo child-of-i386-sh")]"
echo "compat32-guest: read: [$($bb32 head -c 4 /bin/busybox32 | $bb32 tail -c 3)]"
