/*
 * `xenlet console NAME` and `create -c`: the caller's terminal (or pipes)
 * on a running domain's console, through the control socket's `console`
 * request (docs/control-protocol.md).
 */
#ifndef XENLET_CONSOLE_ATTACH_H
#define XENLET_CONSOLE_ATTACH_H

/* Attaches stdin and stdout to NAME's console until Ctrl-] (on a
 * terminal) or the end of stdin detaches, or the domain ends; the domain
 * runs on after a detach.  The process's exit status: 0, or 1 after
 * saying why (no such domain, the console taken by another client). */
int console_attach(const char *name);

#endif
