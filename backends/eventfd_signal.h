/*
 * An eventfd as the backends use one: a wake-up that may be signalled
 * any number of times before the sleeper drains it once.
 */
#ifndef XENLET_EVENTFD_SIGNAL_H
#define XENLET_EVENTFD_SIGNAL_H

#include <stdint.h>
#include <unistd.h>

static inline void eventfd_signal(int fd)
{
	uint64_t one = 1;

	/* Fails only when the counter is about to overflow: it is set. */
	if (write(fd, &one, sizeof(one)) != sizeof(one))
		return;
}

static inline void eventfd_drain(int fd)
{
	uint64_t n;

	/* EAGAIN: nothing to drain (another wait took it). */
	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return;
}

#endif
