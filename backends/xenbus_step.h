/*
 * The backend's answer to its frontend's state, as Linux's xenbus backend
 * core and blkback/netback's frontend_changed give it: a pure table from
 * (frontend state, backend state) to what the backend does next. The
 * device thread (xenbus_loop.c) carries the step out.
 */
#ifndef XENLET_XENBUS_STEP_H
#define XENLET_XENBUS_STEP_H

#include <xen/io/xenbus.h>

enum xenbus_step {
	XENBUS_STEP_NONE,     /* already where the frontend wants us */
	XENBUS_STEP_INITWAIT, /* a frontend starting again after Closed
				 (kexec, module reload): serve it again */
	XENBUS_STEP_CONNECT,  /* (re)connect, then Connected */
	XENBUS_STEP_CLOSING,  /* disconnect, then Closing */
	XENBUS_STEP_CLOSED,   /* disconnect, then Closed; the device ends
				 unless it is still online */
	XENBUS_STEP_END,      /* the frontend is gone: the device ends */
	XENBUS_STEP_FATAL,    /* a state no frontend is ever in: an error
				 node, and Closing */
};

/* frontend: what its state node says (xenbus_parse_state: any number, or
 * XenbusStateUnknown when absent or not a number); backend: ours. */
enum xenbus_step xenbus_step(int frontend, enum xenbus_state backend);

#endif
