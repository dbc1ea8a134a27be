/*
 * The compat32 guest's 32-bit user code, hand-assembled with .code32, and
 * its kernel-side entry points.  The user code runs at CODE_VA on Linux's
 * __USER32_CS (0x23), calls the kernel through `int $0x80`, `sysenter`
 * and a 32-bit `syscall`, faults twice, and between steps keeps what the
 * kernel answered in registers the next trap shows.  Before each fault
 * edi holds where the kernel should let it go on (an offset in the code).
 */
#include "trap_entry.h"
#include "compat32-guest.h"

#define STR(x) STR_(x)
#define STR_(x) #x

__asm__(
	".pushsection .text\n"
	TRAP_STUB(c32_handler_int80, 0x80, 0)
	TRAP_STUB(c32_handler_ud, 6, 0)
	TRAP_STUB(c32_handler_gp, 13, 1)
	TRAP_STUB(c32_handler_pf, 14, 1)
	TRAP_STUB(c32_handler_sysenter, 0x100, 0)

	".code32\n"
	".global c32_code, c32_code_end, c32_int80, c32_after_int80\n"
	".global c32_sysenter, c32_after_sysenter, c32_pf, c32_gp, c32_out\n"
	".global c32_syscall, c32_after_syscall\n"
	"c32_code:\n"
	"	movl $0x11111111, %eax\n"
	"	movl $0x22222222, %ebx\n"
	"	movl $0x33333333, %ecx\n"
	"c32_int80: int $0x80\n"
	"c32_after_int80:\n"
	"	movl %eax, %esi\n"
	"	movl $0x44444444, %eax\n"
	"	movl %esp, %ebp\n"
	"c32_sysenter: sysenter\n"
	"c32_after_sysenter:\n"
	"	movl %eax, %edx\n"
	"	movl $(1f - c32_code), %edi\n"
	"c32_pf: movl " STR(PF_ADDRESS) ", %eax\n"
	"1:	movl $(2f - c32_code), %edi\n"
	"c32_gp: cli\n"
	"2:	movl $(3f - c32_code), %edi\n"
	"c32_out: outb %al, $0xe0\n"
	"3:	movl $0x66666666, %ebx\n"
	"	movl $0x77777777, %eax\n"
	"	movl $" STR(STACK_VA) ", %esp\n"
	"c32_syscall: syscall\n"
	"c32_after_syscall:\n"
	"	ud2\n"
	"c32_code_end:\n"
	".code64\n"
	".popsection\n");
