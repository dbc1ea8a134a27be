/*
 * A terminal in the raw mode a console session wants, for the launcher's
 * own stdin (console_input.c) and for `xenlet console` (the client):
 * no line editing, echo or signals (the guest's tty does them: Ctrl-C
 * reaches the guest's shell), 8-bit input, but output processing kept so
 * xenlet's own messages still start on a new line.
 */
#ifndef XENLET_RAW_TERMINAL_H
#define XENLET_RAW_TERMINAL_H

#include <termios.h>

/* Ctrl-]: ends a console session on a terminal, as with xl console. */
#define CONSOLE_ESCAPE 0x1d

/* Puts fd in raw mode if it is a terminal: 1 done (saved holds what to
 * restore), 0 not a terminal or not changed. */
int raw_terminal_enter(int fd, struct termios *saved);
/* Restores what raw_terminal_enter saved. */
void raw_terminal_leave(int fd, const struct termios *saved);

#endif
