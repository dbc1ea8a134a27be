/* dom0's console daemon for the guest: its console ring's output. */
#ifndef XENLET_CONSOLE_BACKEND_H
#define XENLET_CONSOLE_BACKEND_H

#include <stddef.h>
#include <stdio.h>

/*
 * Copies what the guest put in the out[] half of the xencons_interface at
 * ring to out and advances out_cons past it.  Returns the bytes written,
 * or -1 if the guest's indexes are impossible (more than the ring holds):
 * then nothing is consumed and the caller reports it once.
 */
long console_backend_drain(void *ring, FILE *out);

#endif
