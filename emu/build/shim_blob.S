/* The shim image, built freestanding, embedded in the launcher. */
	.section .rodata
	.balign 4096
	.globl shim_blob, shim_blob_end
shim_blob:
	.incbin "build/shim/shim.bin"
shim_blob_end:
	.section .note.GNU-stack, "", @progbits
