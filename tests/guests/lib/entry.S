/*
 * Entry point, Xen ELF notes and the hypercall page of every test guest.
 *
 * The domain builder starts us at CPL3 with %rsi = start_info and %rsp at
 * the top of a one-page boot stack.  We keep both for the tests, move to a
 * bigger stack of our own and hand over to C (guest_main, in test.c).
 */
#include <xen/elfnote.h>

#define PAGE_SIZE 4096
#define VIRT_BASE 0xffffffff80000000
#define GUEST_STACK_SIZE (16 * 1024)

/* One Xen note: name "Xen", the given type, the descriptor as directives. */
.macro ELFNOTE type, desc:vararg
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f
	.long 4f - 3f
	.long \type
1:	.asciz "Xen"
2:	.balign 4
3:	\desc
4:	.balign 4
	.popsection
.endm

	ELFNOTE XEN_ELFNOTE_GUEST_OS,       .asciz "xenlet-test"
	ELFNOTE XEN_ELFNOTE_XEN_VERSION,    .asciz "xen-3.0"
	ELFNOTE XEN_ELFNOTE_LOADER,         .asciz "generic"
	ELFNOTE XEN_ELFNOTE_VIRT_BASE,      .quad VIRT_BASE
	ELFNOTE XEN_ELFNOTE_PADDR_OFFSET,   .quad 0
	ELFNOTE XEN_ELFNOTE_ENTRY,          .quad _start
	ELFNOTE XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page

	.section .text.entry, "ax", @progbits
	.global _start
_start:
	movq	%rsi, boot_start_info
	movq	%rsp, boot_rsp
	movq	$guest_stack_top, %rsp
	call	guest_main
	/* guest_main shuts the domain down; if it ever returns, fault loudly. */
	ud2

	/* The hypervisor fills this page; int3 marks it unfilled. */
	.section .hypercall_page, "ax", @progbits
	.balign PAGE_SIZE
	.global hypercall_page
hypercall_page:
	.fill PAGE_SIZE, 1, 0xcc

	.data
	.balign 8
	.global boot_start_info, boot_rsp
boot_start_info:	.quad 0
boot_rsp:		.quad 0

	.bss
	.balign 16
guest_stack:
	.skip GUEST_STACK_SIZE
guest_stack_top:

	.section .note.GNU-stack, "", @progbits
