/*
 * The 32-bit `syscall`'s entry (entry.S's cstar_stubs, boot.c's MSR_CSTAR):
 * one stub per vCPU, this far apart.  Included by C and assembly.
 */
#ifndef XENLET_SHIM_CSTAR_H
#define XENLET_SHIM_CSTAR_H

#define MSR_CSTAR 0xc0000083
#define CSTAR_STUB_SIZE 64 /* entry.S checks that each stub fits */

#endif
