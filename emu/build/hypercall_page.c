/*
 * The hypercall page's two forms (hypercall_page.h).  Byte sequences, not
 * assembled code: the page is the guest's, filled once before it runs.
 */
#include <string.h>
#include "pv-shim/core/xen_abi.h"
#include <xen/vcpu.h>
#include "pv-shim/shim_abi.h"
#include "emu/build/hypercall_page.h"

/* push %rcx; push %r11; mov $n,%eax; <2-byte gate>; pop %r11; pop %rcx; ret */
static void write_entry(uint8_t *e, uint32_t n, uint8_t gate0, uint8_t gate1)
{
	const uint8_t entry[] = {
		0x51, 0x41, 0x53, 0xb8, 0, 0, 0, 0, gate0, gate1,
		0x41, 0x5b, 0x59, 0xc3,
	};
	memcpy(e, entry, sizeof entry);
	memcpy(e + 4, &n, 4);
}

/*
 * iret is jumped to, not called, with the guest's iret frame and a flags
 * word on the stack: push %rcx; push %r11; push %rax completes Xen's
 * struct iret_context.  It does not return.
 */
static void write_iret(uint8_t *page)
{
	static const uint8_t iret[] = {
		0x51, 0x41, 0x53, 0x50, 0xb8, __HYPERVISOR_iret, 0, 0, 0, 0x0f, 0x05,
	};
	memcpy(page + __HYPERVISOR_iret * HYPERCALL_PAGE_ENTRY_SIZE, iret, sizeof iret);
}

void hypercall_page_write(uint8_t *page)
{
	memset(page, 0xcc, HYPERCALL_PAGE_BYTES); /* int3 between entries */
	for (uint32_t n = 0; n < HYPERCALL_PAGE_BYTES / HYPERCALL_PAGE_ENTRY_SIZE; n++)
		if (n != __HYPERVISOR_iret)
			write_entry(page + n * HYPERCALL_PAGE_ENTRY_SIZE, n, 0x0f, 0x05);
	write_iret(page);
}

/*
 * vcpu_op: Linux asks VCPUOP_is_up of each possible CPU at boot (8,192
 * in Debian's configuration); Xen's answer for a vCPU the domain does not
 * have is -ENOENT, fixed when the domain is built.  31 bytes:
 *   cmp $VCPUOP_is_up,%edi; jne 1f; cmp $nr_vcpus,%esi; jb 1f
 *   push $-ENOENT; pop %rax; ret
 *   1: the exiting entry
 */
static void write_vcpu_op(uint8_t *e, uint32_t nr_vcpus)
{
	const uint8_t head[] = {
		0x83, 0xff, VCPUOP_is_up, 0x75, 12,
		0x81, 0xfe, 0, 0, 0, 0, 0x72, 4,
		0x6a, (uint8_t)-XEN_ENOENT, 0x58, 0xc3,
	};
	_Static_assert(sizeof head + 14 <= HYPERCALL_PAGE_ENTRY_SIZE, "vcpu_op entry");
	memcpy(e, head, sizeof head);
	memcpy(e + 7, &nr_vcpus, 4);
	write_entry(e + sizeof head, __HYPERVISOR_vcpu_op, 0xe6, SHIM_PORT_HYPERCALL);
}

void hypercall_page_write_exits(uint8_t *page, uint32_t nr_vcpus)
{
	hypercall_page_write(page);
	for (uint32_t n = 0; n < HYPERCALL_PAGE_BYTES / HYPERCALL_PAGE_ENTRY_SIZE; n++) {
		uint8_t *e = page + n * HYPERCALL_PAGE_ENTRY_SIZE;
		if (n == __HYPERVISOR_iret || n == __HYPERVISOR_multicall ||
		    n == __HYPERVISOR_update_va_mapping)
			continue;
		if (n == __HYPERVISOR_vcpu_op)
			write_vcpu_op(e, nr_vcpus);
		else
			write_entry(e, n, 0xe6, SHIM_PORT_HYPERCALL);
	}
}
