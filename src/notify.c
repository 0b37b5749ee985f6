#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int notify_fd = -1;
static struct sockaddr_un address;
static socklen_t address_len;
static double watchdog_interval;

static void read_watchdog(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	const char *errstr;
	long long value;

	if (usec == NULL)
		return;
	value = strtonum(usec, 1, 1LL << 50, &errstr);
	if (errstr != NULL)
		return;
	/* Another process's watchdog (the one systemd watches is named). */
	if (pid != NULL && strtonum(pid, 1, 1LL << 31, &errstr) != getpid())
		return;
	watchdog_interval = (double)value / 2e6;
}

int notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	read_watchdog();
	if (path == NULL || path[0] == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') ||
	    len >= sizeof(address.sun_path)) {
		errno = EINVAL;
		return -1;
	}
	address.sun_family = AF_UNIX;
	memcpy(address.sun_path, path, len);
	address_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	/* An abstract address is its exact length, a leading NUL and no
	 * final one; a path ends with its NUL. */
	if (path[0] == '@')
		address.sun_path[0] = '\0';
	else
		address_len++;
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return notify_fd == -1 ? -1 : 0;
}

bool notify_enabled(void)
{
	return notify_fd >= 0;
}

void notify_send(const char *fmt, ...)
{
	char message[1024];
	va_list ap;
	int len;

	if (notify_fd < 0)
		return;
	va_start(ap, fmt);
	len = vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (len <= 0)
		return;
	if ((size_t)len >= sizeof(message))
		len = sizeof(message) - 1;
	while (sendto(notify_fd, message, (size_t)len, MSG_NOSIGNAL,
		      (const struct sockaddr *)&address, address_len) == -1 &&
	       errno == EINTR)
		;
}

double notify_watchdog_interval(void)
{
	return watchdog_interval;
}
