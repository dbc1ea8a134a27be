/* What a backend does when its frontend's state changes (xenbus_step.h). */
#include "backends/xenbus_step.h"

enum xenbus_step xenbus_step(int frontend, enum xenbus_state backend)
{
	switch (frontend) {
	case XenbusStateInitialising:
		/* Only a frontend that closed and starts over needs us to
		 * leave Closed; before that we are in InitWait already. */
		return backend == XenbusStateClosed ? XENBUS_STEP_INITWAIT
						    : XENBUS_STEP_NONE;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		/* Both: watch events coalesce, so Initialised may have come
		 * and gone before we looked. */
		return backend == XenbusStateConnected ? XENBUS_STEP_NONE
						       : XENBUS_STEP_CONNECT;
	case XenbusStateClosing:
		return XENBUS_STEP_CLOSING;
	case XenbusStateClosed:
		return XENBUS_STEP_CLOSED;
	case XenbusStateUnknown:
		return XENBUS_STEP_END;
	default:
		/* InitWait is only ever a backend's state; Reconfiguring
		 * asks for what no device type here offers (blkback answers
		 * it so too); past Reconfigured there is no state at all. */
		return XENBUS_STEP_FATAL;
	}
}
