#include "systemd.h"

#include <errno.h>
#include <ev.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
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

int systemd_init(void)
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
	/* Non-blocking: a service manager that does not read must not hold
	 * the supervisor. */
	notify_fd =
		socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	return notify_fd == -1 ? -1 : 0;
}

/* Tries, a millisecond apart, for a message systemd waits for. */
#define NOTIFY_PATIENCE 100

static bool awaited(const char *message)
{
	return strncmp(message, "READY=1", 7) == 0 ||
	       strncmp(message, "STOPPING=1", 10) == 0;
}

void systemd_notify(const char *fmt, ...)
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
	/* The receiver's queue is full: READY=1 and STOPPING=1, which
	 * systemd waits for, get up to NOTIFY_PATIENCE tries a millisecond
	 * apart; the rest (WATCHDOG=1 comes again, STATUS= is news only)
	 * is dropped. */
	for (int tries = 0;; tries++) {
		if (sendto(notify_fd, message, (size_t)len,
			   MSG_NOSIGNAL | MSG_DONTWAIT,
			   (const struct sockaddr *)&address,
			   address_len) != -1)
			return;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || !awaited(message) ||
		    tries == NOTIFY_PATIENCE)
			return;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
}

/* The watchdog ----------------------------------------------------------- */

static struct ev_timer watchdog;

static void watchdog_cb(struct ev_loop *loop, struct ev_timer *timer,
			int revents)
{
	(void)loop;
	(void)timer;
	(void)revents;
	systemd_notify("WATCHDOG=1");
}

void systemd_watchdog_start(struct ev_loop *loop)
{
	if (watchdog_interval <= 0 || ev_is_active(&watchdog))
		return;
	ev_timer_init(&watchdog, watchdog_cb, watchdog_interval,
		      watchdog_interval);
	ev_timer_start(loop, &watchdog);
	/* The pings must not keep the loop running by themselves. */
	ev_unref(loop);
}

void systemd_watchdog_stop(struct ev_loop *loop)
{
	if (!ev_is_active(&watchdog))
		return;
	ev_ref(loop);
	ev_timer_stop(loop, &watchdog);
}

/* Socket activation -------------------------------------------------------- */

int systemd_listen_fds(const char **names)
{
	const char *fds = getenv("LISTEN_FDS");
	const char *pid = getenv("LISTEN_PID");
	const char *errstr;
	int count;

	*names = NULL;
	if (fds == NULL || pid == NULL ||
	    strtonum(pid, 1, 1LL << 31, &errstr) != getpid())
		return 0;
	count = (int)strtonum(fds, 1, 1024, &errstr);
	if (errstr != NULL)
		return 0;
	*names = getenv("LISTEN_FDNAMES");
	return count;
}
