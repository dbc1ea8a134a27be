/* The shared_info page, as the core sees it wherever it runs. */
#ifndef XENLET_CORE_SHARED_INFO_H
#define XENLET_CORE_SHARED_INFO_H

#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/core.h"

/* The domain's shared_info page (shim_abi.h: SHIM_OFF_SHARED). */
struct shared_info *core_shared_info(struct core *c);

#endif
