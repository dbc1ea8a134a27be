/* Xen's public headers need the fixed-width types declared first. */
#ifndef XENLET_CORE_XEN_ABI_H
#define XENLET_CORE_XEN_ABI_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/features.h>
#include <xen/sched.h>
#include <xen/version.h>

#endif
