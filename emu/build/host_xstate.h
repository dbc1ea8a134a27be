/* The XSAVE state guest user code runs with on this host. */
#ifndef XENLET_HOST_XSTATE_H
#define XENLET_HOST_XSTATE_H

#include <stdint.h>

/* The host's XCR0 as the PV policy can offer it (0: no XSAVE) and the
 * sizes of its XSAVE area, standard and compacted (XSAVEC). */
void host_xstate(uint64_t *xcr0, uint32_t *size, uint32_t *compacted_size);

#endif
