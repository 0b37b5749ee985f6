#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* The slave, opened from the master itself (Linux 4.13), which needs no
 * path under /dev/pts; else by its name. */
static int open_slave(int master)
{
	char name[64];
	int fd;

#ifdef TIOCGPTPEER
	fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0 || errno != EINVAL)
		return fd;
#endif
	if (ptsname_r(master, name, sizeof(name)) != 0)
		return -1;
	return open(name, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
}

void pty_follow_size(int master)
{
	struct winsize size;

	for (int fd = 0; fd <= 2; fd++)
		if (ioctl(fd, TIOCGWINSZ, &size) == 0) {
			ioctl(master, TIOCSWINSZ, &size);
			return;
		}
}

int pty_open(int *master, int *slave)
{
	struct termios mode;
	int error;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master == -1)
		return -1;
	if (grantpt(*master) == -1 || unlockpt(*master) == -1 ||
	    (*slave = open_slave(*master)) == -1)
		goto close_master;
	if (tcgetattr(*slave, &mode) == 0) {
		mode.c_oflag &= ~(tcflag_t)ONLCR;
		mode.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		tcsetattr(*slave, TCSANOW, &mode);
	}
	fcntl(*master, F_SETFL, O_NONBLOCK);
	pty_follow_size(*master);
	return 0;

close_master:
	error = errno;
	close(*master);
	errno = error;
	return -1;
}
