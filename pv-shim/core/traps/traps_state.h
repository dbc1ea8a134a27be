/*
 * What the guest told the core about its traps and kernel entry points:
 * the virtual IDT (set_trap_table), the kernel stack (stack_switch), the
 * callbacks (set_callbacks, callback_op), the virtual CR0.TS bit
 * (fpu_taskswitch), its GDT, debug registers and I/O privilege — all per
 * vCPU, as Xen keeps them (trap_ctxt, callbacks, kernel_sp, ...) — and
 * the VM assists it turned on, per domain.  Numbers and guest addresses
 * only: it lives in struct core_state.
 */
#ifndef XENLET_CORE_TRAPS_STATE_H
#define XENLET_CORE_TRAPS_STATE_H

#include <stdint.h>

#define TRAPS_NR_GATES 256
#define TRAPS_GDT_FRAMES 14     /* FIRST_RESERVED_GDT_PAGE: Xen's own above */

/* One virtual IDT entry; address 0 means no handler. */
struct traps_gate {
	uint64_t address;
	uint8_t flags;          /* bits 0-1: DPL; bit 2: mask events on entry */
	uint8_t pad[7];
};

#define TRAPS_GATE_DPL         3u
#define TRAPS_GATE_MASK_EVENTS 4u

struct traps_callback {
	uint64_t address;       /* 0: not registered */
	uint32_t mask_events;   /* CALLBACKF_mask_events was given */
	uint32_t pad;
};

/* One vCPU's (struct core_vcpu). */
struct traps_vcpu {
	struct traps_gate gate[TRAPS_NR_GATES];
	uint64_t kernel_ss, kernel_sp;  /* from stack_switch */
	uint32_t kernel_sp_set;         /* 0: the boot stack is the kernel's */
	uint32_t cr0_ts;                /* virtual CR0.TS (fpu_taskswitch) */
	struct traps_callback event, failsafe, syscall; /* NMI: gate[2] */
	/* Compat-mode user processes' entries (32-bit syscall, sysenter). */
	struct traps_callback syscall32, sysenter;
	uint64_t gdt_frames[TRAPS_GDT_FRAMES]; /* set_gdt's frames */
	uint32_t gdt_entries;           /* 0: no guest GDT */
	uint32_t debugregs_set;         /* 0: dr6/dr7 still at reset values */
	uint64_t dr[4], dr6, dr7;       /* the guest's debug registers */
	uint64_t dr7_io;                /* DR7 enables of I/O breakpoints (CR4.DE) */
	uint32_t iopl;                  /* PHYSDEVOP_set_iopl: 0-3 */
	uint32_t ldt_ents;              /* MMUEXT_SET_LDT's, 0: no LDT */
};

/* The domain's (struct core_state). */
struct traps_state {
	uint64_t vm_assist;             /* bit n: VMASST_TYPE n enabled */
	uint32_t physdev_logged;        /* bit n: sub-op n reported -ENOSYS */
	uint32_t pad;
};

#endif
