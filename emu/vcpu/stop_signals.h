/*
 * SIGINT and SIGTERM stop the domain, and only vCPU threads may take them
 * (vcpu_loop.c): every other thread the launcher starts is started with
 * them blocked, which it inherits.
 */
#ifndef XENLET_STOP_SIGNALS_H
#define XENLET_STOP_SIGNALS_H

#include <pthread.h>
#include <signal.h>

/* Blocks the stop signals in the calling thread; *old gets the mask to
 * restore (pthread_sigmask(SIG_SETMASK, old, NULL)) once the thread is
 * started. */
static inline void stop_signals_block(sigset_t *old)
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, old);
}

#endif
