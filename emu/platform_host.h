/* The core's platform when it runs in the launcher (and in unit tests). */
#ifndef XENLET_PLATFORM_HOST_H
#define XENLET_PLATFORM_HOST_H

#include <stdint.h>
#include <stdio.h>
#include <linux/kvm.h>

struct host_platform {
	uint8_t *ram;          /* guest RAM mapping */
	uint64_t ram_bytes;
	FILE *console;         /* guest console output */
	FILE *log;             /* launcher diagnostics */
	int vcpu_fd;           /* -1 in unit tests: no CPU to update */
	const struct kvm_cpuid2 *cpuid; /* the vCPU's CPUID table */
	int failed;            /* a KVM call failed: stop as internal error */
};

#endif
