/* A console session's raw terminal (raw_terminal.h). */
#include <unistd.h>
#include "backends/console/raw_terminal.h"

int raw_terminal_enter(int fd, struct termios *saved)
{
	if (!isatty(fd) || tcgetattr(fd, saved) < 0)
		return 0;
	struct termios raw = *saved;
	raw.c_iflag &= ~(unsigned)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
				   ICRNL | IXON);
	raw.c_lflag &= ~(unsigned)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_cflag &= ~(unsigned)(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	return tcsetattr(fd, TCSAFLUSH, &raw) == 0;
}

void raw_terminal_leave(int fd, const struct termios *saved)
{
	tcsetattr(fd, TCSAFLUSH, saved);
}
