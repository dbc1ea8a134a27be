/*
 * The hypercall page Xen fills for a PV kernel (its HYPERCALL_PAGE note):
 * 128 entries of 32 bytes, entry n making hypercall n and returning as
 * a call does, with every register but %rax as it was.
 */
#ifndef XENLET_HYPERCALL_PAGE_H
#define XENLET_HYPERCALL_PAGE_H

#include <stdint.h>

#define HYPERCALL_PAGE_BYTES 4096
#define HYPERCALL_PAGE_ENTRY_SIZE 32

/* Xen's x86-64 entries: `syscall` with %rcx and %r11 saved around it.
 * The domain builder writes these (either trap path). */
void hypercall_page_write(uint8_t *page);

/*
 * The host trap path's entries (on these hosts a CPL3 `out` exits to the
 * launcher, where the kernel's `syscall` costs a KVM round trip of its
 * own on the way to the trampoline's `out`): the same, with `out` to
 * SHIM_PORT_HYPERCALL where the `syscall` was, which the launcher takes
 * as that `syscall` (host_trap_hypercall).  Entries the trampoline
 * answers better keep Xen's: iret, multicall and update_va_mapping,
 * whose CPL0 work the shim does from there; vcpu_op answers
 * VCPUOP_is_up for vCPUs past nr_vcpus in place, as the trampoline does.
 */
void hypercall_page_write_exits(uint8_t *page, uint32_t nr_vcpus);

#endif
