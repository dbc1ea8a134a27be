/* Shim-internal declarations shared by boot, trap entry and platform. */
#ifndef XENLET_SHIM_H
#define XENLET_SHIM_H

#include "pv-shim/core/core.h"

extern struct core shim_core;
extern volatile uint8_t shim_host_path;

void shim_boot(void) __attribute__((noreturn));
void shim_trap(struct trap_frame *f);
/* Host trap path: applies what the launcher queued (shim_abi.h). */
int shim_apply_cpu_ops(struct trap_frame *f);

#endif
