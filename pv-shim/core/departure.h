/*
 * Where xenlet, on this host, answers a guest differently from Xen
 * (README's status table): each is counted per kind in the core state,
 * which the launcher reads in either trap path, and with --strict the
 * first of each kind is logged with what the guest did.
 */
#ifndef XENLET_CORE_DEPARTURE_H
#define XENLET_CORE_DEPARTURE_H

struct core;

enum core_departure {
	DEPARTURE_PIT_CHANNEL2,     /* a PIT read Xen answers with all ones */
	DEPARTURE_FPU_TASKSWITCH,   /* CR0.TS set: no #NM will follow here */
	DEPARTURE_DEBUGREG_UNARMED, /* DR7 enables a breakpoint that never fires */
	DEPARTURE_LDT_TOO_LARGE,    /* an LDT of 257-8192 entries refused */
	DEPARTURE_FRAME_KEPT,       /* decrease_reservation kept a frame in use */
	DEPARTURE_EXCHANGE_SHORT,   /* XENMEM_exchange: no given-back frames fit */
	DEPARTURE_MSR_HOST_VALUE,   /* an MSR Xen reads from the host: #GP here */
	DEPARTURE_IOBITMAP,         /* PHYSDEVOP_set_iobitmap: -ENOSYS */
	DEPARTURE_IRET_ENDS_DOMAIN, /* an iret Xen sends to the failsafe callback */
	DEPARTURE_TIMER_HELD,       /* a one-shot timer event fired later than asked */
	CORE_DEPARTURE_KINDS
};

/* Counts one departure of kind; detail says what the guest asked (a
 * short phrase, logged only with --strict, the first time). */
void core_departure(struct core *c, enum core_departure kind, const char *detail);

/* "pit_channel2"...; "unknown" past the enum. */
const char *core_departure_name(unsigned kind);

#endif
