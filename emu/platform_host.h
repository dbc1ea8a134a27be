/* The core's platform when it runs in the launcher (and in unit tests). */
#ifndef XENLET_PLATFORM_HOST_H
#define XENLET_PLATFORM_HOST_H

#include <stdint.h>
#include <stdio.h>

struct host_platform {
	uint8_t *ram;          /* guest RAM mapping */
	uint64_t ram_bytes;
	FILE *console;         /* guest console output */
	FILE *log;             /* launcher diagnostics */
};

#endif
