/*
 * A 32-bit static program of plain integer instructions and `int $0x80`
 * alone: no C library, no SSE, no %gs.  Debian's kernel runs it in compat
 * mode through IA32_EMULATION, as under Xen, on hosts whose emulation of
 * compat-mode code stops Debian's own i386 binaries (debian-compat32.sh).
 * It prints a line, then the machine uname(2) names to a 32-bit process
 * (x86_64), and exits with 0.
 */
#define SYS_EXIT     1
#define SYS_WRITE    4
#define SYS_NEWUNAME 122
#define UTS_FIELD    65 /* struct new_utsname: six fields of 65 bytes */
#define UTS_MACHINE  (4 * UTS_FIELD)

	.code32
	.globl _start
_start:
	movl $hello, %ecx
	movl $hello_len, %edx
	call write_out
	movl $SYS_NEWUNAME, %eax
	movl $uts, %ebx
	int $0x80
	testl %eax, %eax
	jnz fail
	movl $machine, %ecx
	movl $machine_len, %edx
	call write_out
	movl $uts + UTS_MACHINE, %ecx
	xorl %edx, %edx
1:	cmpb $0, (%ecx, %edx)
	je 2f
	incl %edx
	cmpl $UTS_FIELD, %edx
	jb 1b
2:	call write_out
	movl $newline, %ecx
	movl $1, %edx
	call write_out
	xorl %ebx, %ebx
	jmp exit
fail:
	movl $1, %ebx
exit:
	movl $SYS_EXIT, %eax
	int $0x80

/* write(1, %ecx, %edx) */
write_out:
	movl $SYS_WRITE, %eax
	movl $1, %ebx
	int $0x80
	ret

	.data
hello:	.ascii "hello32: hello from i386\n"
	hello_len = . - hello
machine: .ascii "hello32: uname machine "
	machine_len = . - machine
newline: .ascii "\n"
	.bss
uts:	.skip 6 * UTS_FIELD
	.section .note.GNU-stack, "", @progbits
